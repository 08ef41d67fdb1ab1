"""Issue 8 item 9: failed API authentications are counted per address. DRF runs permissions before throttles, so
a request without credentials or with a wrong token was refused 401 before any throttle counted it: token
guessing was never slowed down. Now an address over API_AUTH_FAILURES_PER_IP failures a minute gets 429 in the
API's error format — before its credentials are even looked at — while other addresses are unaffected."""
import os

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import translation
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken
from apps.core.messages import message

ATTACKER, BANK = "203.0.113.9", "198.51.100.7"
LIMIT = 5


@pytest.fixture
def counted_cache():
    """The cache the counts live in: Redis when REDIS_URL is set (as in production), else the test's local memory."""
    redis = os.environ.get("REDIS_URL")
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis}} if redis else None
    with override_settings(API_AUTH_FAILURES_PER_IP=LIMIT, **({"CACHES": caches} if caches else {})):
        cache.clear()
        yield cache
        cache.clear()


def _assert_throttled(response):
    assert response.status_code == 429, response.content
    assert 0 < int(response["Retry-After"]) <= 60
    with translation.override("zh-hans"):
        assert response.json() == {"code": "api_auth_throttled", "detail": message("api_auth_throttled"), "fields": {}}


@pytest.mark.django_db
def test_bad_tokens_from_one_address_are_throttled(counted_cache, bank_officer):
    api = APIClient(REMOTE_ADDR=ATTACKER)
    for n in range(LIMIT):
        r = api.get("/api/v1/loans/", HTTP_AUTHORIZATION=f"Token guess-{n}")
        assert r.status_code == 401 and r.json()["code"] == "token_invalid"
    _assert_throttled(api.get("/api/v1/loans/", HTTP_AUTHORIZATION="Token guess-again"))
    # Refused before the credentials are looked at: a right guess from there is not confirmed either.
    _, key = ApiToken.issue(bank_officer, "核心系统")
    _assert_throttled(api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}"))
    # The bank's own system, elsewhere, is unaffected.
    r = APIClient(REMOTE_ADDR=BANK).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert r.status_code == 200 and r.json()["username"] == bank_officer.username


@pytest.mark.django_db
def test_requests_without_credentials_count_too(counted_cache):
    api = APIClient(REMOTE_ADDR=ATTACKER)
    for _ in range(LIMIT):
        assert api.post("/api/v1/loans/1/repayments/", {}, format="json").status_code == 401
    _assert_throttled(api.get("/api/v1/households/"))
    assert APIClient(REMOTE_ADDR=BANK).get("/api/v1/households/").status_code == 401  # counted per address


@pytest.mark.django_db
def test_an_ipv6_network_counts_as_one_address(counted_cache):
    for n in range(LIMIT):
        assert APIClient(REMOTE_ADDR=f"2001:db8:1:2::{n + 1}").get("/api/v1/loans/").status_code == 401
    _assert_throttled(APIClient(REMOTE_ADDR="2001:db8:1:2::99").get("/api/v1/loans/"))
    assert APIClient(REMOTE_ADDR="2001:db8:1:3::1").get("/api/v1/loans/").status_code == 401
