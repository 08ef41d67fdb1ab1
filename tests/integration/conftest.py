import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.approvals.conftest import chain  # noqa: F401 - the county, bank and users of the review chain

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shared_media(settings, tmp_path, monkeypatch):
    """One MEDIA_ROOT of the test's own for this process and the worker (uploads written here, read there)."""
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    monkeypatch.setenv("MEDIA_ROOT", str(media))
    return media


@pytest.fixture
def celery_worker_process(transactional_db, shared_media):
    """A real Celery worker in its own process, on Redis, against this test's PostgreSQL database and media folder.
    It listens on a queue of its own so a developer's running worker cannot take the test's tasks, and has a node
    name of its own so remote control (inspect, add/cancel_consumer) can tell it from other workers on this Redis."""
    redis_url = os.environ.get("REDIS_URL")
    if connection.vendor != "postgresql" or not redis_url:
        pytest.skip("needs DATABASE_URL (PostgreSQL) and REDIS_URL: run through .ci/run or make test-integration")
    from microcredit.celery_app import app

    env = _process_env(redis_url)
    queue = f"itest-{uuid.uuid4().hex[:8]}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "microcredit", "worker", "-Q", queue, "-n", f"{queue}@%h", "--pool", "solo", "-l", "info",
         "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    old_eager, old_broker = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_url
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            replies = app.control.inspect(timeout=1, destination=None).active_queues() or {}
            if any(q["name"] == queue for qs in replies.values() for q in qs):
                break
            if proc.poll() is not None:
                pytest.fail("worker died: " + proc.stdout.read())
        else:
            pytest.fail("worker did not start within 60 s")
        yield queue
    finally:
        app.conf.task_always_eager, app.conf.broker_url = old_eager, old_broker
        _stop(proc)


@pytest.fixture
def celery_beat_process(celery_worker_process):
    """celery beat with django-celery-beat's DatabaseScheduler, reading this test's database."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "microcredit", "beat", "-l", "info", "--max-interval", "1"],
        cwd=ROOT, env=_process_env(os.environ["REDIS_URL"]), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        yield celery_worker_process
    finally:
        _stop(proc)


@pytest.fixture
def route_to_worker(celery_worker_process, monkeypatch):
    """route_to_worker(task, …): tasks the code queues with .delay() (on the default queue) go to the test's worker."""
    def route(*tasks):
        for task in tasks:
            monkeypatch.setattr(task, "queue", celery_worker_process, raising=False)
            monkeypatch.setattr(task, "_exec_options", None, raising=False)  # Celery caches the options read from the task
    return route


@pytest.fixture
def paused_worker(celery_worker_process):
    """A context manager: the test's worker takes nothing from its queue inside the block (tasks wait in Redis).
    Addressed to that worker alone: add_consumer sent to every worker would make any other one on this Redis
    database (another test run, a developer's) consume the test's queue."""
    from contextlib import contextmanager

    from microcredit.celery_app import app

    replies = app.control.inspect(timeout=2).active_queues() or {}
    hosts = [h for h, qs in replies.items() if any(q["name"] == celery_worker_process for q in qs)]
    assert len(hosts) == 1, replies

    @contextmanager
    def paused():
        assert app.control.cancel_consumer(celery_worker_process, destination=hosts, reply=True, timeout=5), "no answer"
        try:
            yield
        finally:
            assert app.control.add_consumer(celery_worker_process, destination=hosts, reply=True, timeout=5), "no answer"
    return paused


def _stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    if proc.stdout:
        sys.stdout.write(proc.stdout.read()[-4000:])


def _process_env(redis_url: str) -> dict:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "microcredit.settings.local",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CONN_MAX_AGE": "0",
    })
    return env


def wait_for(predicate, timeout=60, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
