import os
from pathlib import Path

import pytest
from django.conf import settings

from apps.regions import calendar
from apps.regions.models import Level

from .factories import UserFactory, bank_user, region_tree


def pytest_configure(config):
    # An exported DJANGO_SETTINGS_MODULE beats pyproject's: the suite must never run on the local settings
    # (Celery not eager, the Redis cache shared between runs).
    if settings.SETTINGS_MODULE != "microcredit.settings.test":
        raise pytest.UsageError(f"tests need DJANGO_SETTINGS_MODULE=microcredit.settings.test, not {settings.SETTINGS_MODULE}")


# --- CI: required tests may not be skipped -------------------------------------------------------------------
# On a developer machine a browser or integration test without chromium, PostgreSQL or Redis is reported as
# skipped. In CI (CI=true, exported by .ci/run) the same skip would let a run pass without testing what it claims
# to, so it fails instead, with the skip's reason: every test marked `browser` or `integration`, and every test
# in tests/contracts (and a whole module of those skipped at collection) must run.
TESTS = Path(__file__).resolve().parent
REQUIRED_MARKERS = ("browser", "integration")
REQUIRED_DIRS = tuple(TESTS / d for d in ("contracts", "browser", "integration"))


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return f"{longrepr[2]} ({longrepr[0]}:{longrepr[1]})"
    return str(longrepr)


def _required(item) -> str | None:
    marks = [m for m in REQUIRED_MARKERS if item.get_closest_marker(m)]
    if marks:
        return f"marked {', '.join(marks)}"
    if Path(str(item.path)).is_relative_to(TESTS / "contracts"):
        return "a contract test"
    return None


def _fail_skip(report, what: str):
    report.outcome = "failed"
    report.longrepr = (f"{what} was skipped, and CI=true does not allow that: {_skip_reason(report)}\n"
                       "CI must run every browser, integration and contract test: install what the reason names "
                       "(.ci/run installs chromium, docker-compose and gettext, and starts PostgreSQL and Redis).")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.skipped and not hasattr(report, "wasxfail") and in_ci():
        why = _required(item)
        if why:
            _fail_skip(report, f"{item.nodeid} ({why})")
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    report = yield
    if report.skipped and in_ci() and any(Path(str(collector.path)).is_relative_to(d) for d in REQUIRED_DIRS):
        _fail_skip(report, f"{report.nodeid or collector.path} (collected from a required directory)")
    return report


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture
def tree(db):
    """Two counties in two provinces: 蓬溪 (Sichuan) with two townships, and 旬阳 (Shaanxi)."""
    a = region_tree()
    a2 = region_tree(township="102", village="201", names=("四川省", "遂宁市", "蓬溪县", "常乐镇", "常乐村"))
    b = region_tree("61", "09", "28", "100", "201", names=("陕西省", "安康市", "旬阳县", "城关镇", "东门村"))
    return {"a": a, "a2": a2, "b": b}


@pytest.fixture
def county_officer(tree):
    return UserFactory(role="county_officer", region=tree["a"][Level.COUNTY])


@pytest.fixture
def other_county_officer(tree):
    return UserFactory(role="county_officer", region=tree["b"][Level.COUNTY])


@pytest.fixture
def village_member(tree):
    return UserFactory(role="village_member", region=tree["a"][Level.VILLAGE], position="first_secretary")


@pytest.fixture
def bank_officer(tree):
    return bank_user(tree["a"][Level.TOWNSHIP])


@pytest.fixture
def other_bank_officer(tree):
    return bank_user(tree["a2"][Level.TOWNSHIP])
