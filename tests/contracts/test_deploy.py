"""Deployment contract: production settings pass `check --deploy` cleanly and refuse to start without a
secret, docker-compose.yml validates in a fresh clone, and .env.example documents every variable the
settings read."""
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
DOCKER_COMPOSE = Path("/usr/bin/docker-compose")


def _python() -> str:
    return str(PYTHON) if PYTHON.exists() else sys.executable


def _production_env(tmp_path: Path, **overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    env.pop("SECRET_KEY", None)
    env.update(
        DJANGO_SETTINGS_MODULE="microcredit.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="xindai.example.gov.cn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        VAR_DIR=str(tmp_path / "var"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([_python(), "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def test_check_deploy_has_no_warnings(tmp_path):
    result = _manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output, output
    assert "System check identified some issues" not in output, output


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = _production_env(tmp_path)
    env.pop("SECRET_KEY")
    result = _manage(env, "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


def test_production_refuses_an_empty_secret_key(tmp_path):
    # docker-compose passes SECRET_KEY="" when .env does not set it.
    result = _manage(_production_env(tmp_path, SECRET_KEY=""), "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


def test_collectstatic_works_with_production_settings(tmp_path):
    """WhiteNoise's manifest storage fails on a reference to a missing file (e.g. a source map)."""
    env = _production_env(tmp_path, STATIC_ROOT=str(tmp_path / "static"))
    result = _manage(env, "collectstatic", "--noinput", "-v0")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()


@pytest.mark.skipif(not DOCKER_COMPOSE.exists(), reason="/usr/bin/docker-compose is not installed (CI installs Debian's docker-compose)")
def test_docker_compose_config_validates_in_a_fresh_clone(tmp_path):
    # A fresh clone has no .env: copy the compose file alone so a developer's .env cannot hide a problem.
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / "Dockerfile", tmp_path / "Dockerfile")
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL")}
    result = subprocess.run([str(DOCKER_COMPOSE), "config", "-q"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(not DOCKER_COMPOSE.exists(), reason="/usr/bin/docker-compose is not installed (CI installs Debian's docker-compose)")
def test_docker_compose_runs_every_service_from_one_image_with_production_settings(tmp_path):
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL")}
    result = subprocess.run([str(DOCKER_COMPOSE), "config"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    config = result.stdout
    for service in ("postgres", "redis", "web", "worker", "beat"):
        assert re.search(rf"^  {service}:$", config, re.M), f"service {service} missing"
    assert "image: postgres:16" in config and "image: redis:7" in config
    assert "gunicorn" in config and "DatabaseScheduler" in config and "migrate" in config
    assert "DJANGO_SETTINGS_MODULE: microcredit.settings.production" in config


def _settings_env_vars() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "microcredit" / "settings").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r"""os\.environ(?:\.get)?[\[(]\s*["']([A-Z0-9_]+)["']""", text))
        names |= set(re.findall(r"""os\.getenv\(\s*["']([A-Z0-9_]+)["']""", text))
        if "dj_database_url.config(" in text:
            names.add("DATABASE_URL")
    return names


def test_env_example_documents_every_settings_variable():
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(encoding="utf-8"), re.M))
    used = _settings_env_vars()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"} <= used
    missing = sorted(used - documented - {"DJANGO_SETTINGS_MODULE"})
    assert not missing, f"add these to .env.example: {missing}"
