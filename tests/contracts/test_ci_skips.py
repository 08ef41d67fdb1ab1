"""CI may not pass by skipping what it must test (tests/conftest.py): with CI=true a skipped browser, integration
or contract test fails the run and says why; without CI it stays a skip (a developer machine without chromium)."""
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests import conftest

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION_TEST = "tests/integration/test_celery_worker.py"  # skips without PostgreSQL and Redis


def _pytest(*args, ci: str | None):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CI")}
    env["DJANGO_SETTINGS_MODULE"] = "microcredit.settings.test"
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "-o", "addopts=", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_a_skipped_integration_test_fails_in_ci_and_is_a_skip_elsewhere():
    local = _pytest(INTEGRATION_TEST, ci=None)
    assert local.returncode == 0, local.stdout[-2000:]
    assert "1 skipped" in local.stdout and "needs DATABASE_URL" in local.stdout

    ci = _pytest(INTEGRATION_TEST, ci="true")
    assert ci.returncode == 1, ci.stdout[-2000:]
    assert "CI=true does not allow that" in ci.stdout
    assert "needs DATABASE_URL (PostgreSQL) and REDIS_URL" in ci.stdout  # the reason of the skip, named
    assert "skipped" not in ci.stdout.splitlines()[-1]


def _drive(hook, *args, report):
    """Run a wrapper hook around `report` as pytest would."""
    gen = hook(*args)
    next(gen)
    with pytest.raises(StopIteration) as done:
        gen.send(report)
    return done.value.value


def _skip_report(path="x.py", reason="Skipped: no chromium"):
    return SimpleNamespace(skipped=True, outcome="skipped", longrepr=(path, 3, reason), nodeid="x.py::t")


def _item(path, marks=()):
    return SimpleNamespace(path=path, nodeid=f"{path}::t", get_closest_marker=lambda name: name if name in marks else None)


@pytest.mark.parametrize(("path", "marks", "fails"), [
    (conftest.TESTS / "contracts" / "test_x.py", (), True),
    (conftest.TESTS / "households" / "test_x.py", ("browser",), True),
    (conftest.TESTS / "households" / "test_x.py", ("integration",), True),
    (conftest.TESTS / "households" / "test_x.py", (), False),  # e.g. a PostgreSQL-only check on SQLite
])
def test_which_skips_fail_in_ci(monkeypatch, path, marks, fails):
    monkeypatch.setenv("CI", "true")
    report = _drive(conftest.pytest_runtest_makereport, _item(path, marks), None, report=_skip_report())
    assert report.outcome == ("failed" if fails else "skipped")
    if fails:
        assert "no chromium" in report.longrepr
    monkeypatch.setenv("CI", "false")
    assert _drive(conftest.pytest_runtest_makereport, _item(path, marks), None, report=_skip_report()).outcome == "skipped"


def test_an_expected_failure_is_not_a_skip(monkeypatch):
    monkeypatch.setenv("CI", "true")
    report = _skip_report()
    report.wasxfail = "known bug"
    assert _drive(conftest.pytest_runtest_makereport, _item(conftest.TESTS / "contracts" / "t.py"), None, report=report).outcome == "skipped"


@pytest.mark.parametrize(("folder", "fails"), [("browser", True), ("integration", True), ("contracts", True), ("loans", False)])
def test_a_module_skipped_at_collection_fails_in_ci(monkeypatch, folder, fails):
    monkeypatch.setenv("CI", "1")
    collector = SimpleNamespace(path=conftest.TESTS / folder / "test_x.py")
    report = _drive(conftest.pytest_make_collect_report, collector, report=_skip_report())
    assert report.outcome == ("failed" if fails else "skipped")
