"""Issue 8 item 8: a burst of concurrent logins for one user cannot pass the failed-login limit. 16 requests at
once (15 wrong passwords, 1 right) on the site's login page and on /admin/login/: at most LOGIN_MAX_FAILURES
passwords are checked, the rest are refused by the lock before hashing, and every attempt is recorded."""
import threading
import time

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection, connections
from django.test import Client, override_settings
from django.urls import reverse

from apps.accounts.models import LoginAttempt
from apps.regions.models import Level
from tests.admin_helpers import county_admin

PASSWORD = "pw-Secret-123"
ADDRESS = "203.0.113.9"
CHECKS = []
_lock = threading.Lock()


class CountingHasher(MD5PasswordHasher):
    """Counts password checks; takes as long as a real hash does (production's PBKDF2 takes most of a second),
    so the whole burst reaches the throttle before the first check ends — as it does against the real server."""

    algorithm = "counting_md5"

    def verify(self, password, encoded):
        with _lock:
            CHECKS.append(password)
        time.sleep(1.0)
        return super().verify(password, encoded)


HASHERS = ["tests.security.test_login_race.CountingHasher"]


def _burst(url, username, n=16, right_at=7):
    barrier = threading.Barrier(n)
    codes = []

    def attempt(i):
        try:
            client = Client()
            barrier.wait()
            r = client.post(url, {"username": username, "password": PASSWORD if i == right_at else f"wrong-{i}"},
                            REMOTE_ADDR=ADDRESS)
            with _lock:
                codes.append(r.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(codes) == n
    return codes


@pytest.fixture
def counting(settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    settings.PASSWORD_HASHERS = HASHERS
    CHECKS.clear()
    yield CHECKS
    CHECKS.clear()


@pytest.mark.django_db(transaction=True)
@override_settings(LOGIN_MAX_FAILURES=5, LOGIN_MAX_FAILURES_PER_IP=20, LOGIN_MAX_FAILURES_PER_USER=30)
@pytest.mark.parametrize("where", ["site", "admin"])
def test_a_burst_of_logins_checks_at_most_the_limit(counting, tree, where):
    user = county_admin(tree["a"][Level.COUNTY])
    user.set_password(PASSWORD)
    user.save()
    url = reverse("accounts:login") if where == "site" else reverse("admin:login")
    _burst(url, user.username)
    assert len(counting) <= 5, f"{len(counting)} passwords checked against a limit of 5"
    assert LoginAttempt.objects.filter(username=user.username).count() == 16  # every attempt is on record
