"""Failed-login throttling (per username and address, and per address across usernames), on the site's login
page and /admin/login/ alike, and the API's rate limits answering in the one error format."""
import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from apps.accounts.models import ApiToken, LoginAttempt
from apps.accounts.web.views import IP_LOCKED_MESSAGE, client_ip
from apps.core.messages import message
from apps.regions.models import Level
from tests.admin_helpers import county_admin
from tests.factories import UserFactory

PASSWORD = "pw-Secret-123"
ATTACKER, OFFICE = "203.0.113.9", "198.51.100.7"


def _login(client, username, password, ip, url=None):
    return client.post(url or reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_MAX_FAILURES_PER_IP=20)
def test_failures_from_one_address_do_not_lock_the_user_out_elsewhere(client, county_officer):
    for _ in range(3):
        _login(client, county_officer.username, "wrong", ATTACKER)
    r = _login(client, county_officer.username, PASSWORD, ATTACKER)
    assert r.status_code == 200 and message("login_locked") in r.content.decode()
    r = _login(client, county_officer.username, PASSWORD, OFFICE)
    assert r.status_code == 302 and r.wsgi_request.user == county_officer


@pytest.mark.django_db
@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_MAX_FAILURES_PER_IP=20, LOGIN_MAX_FAILURES_PER_USER=6)
def test_guessing_one_password_from_many_addresses_locks_the_username(client, county_officer):
    for n in range(5):  # five addresses, each below its own limit
        _login(client, county_officer.username.upper(), "wrong", f"203.0.113.{n + 10}")
    assert _login(client, county_officer.username, PASSWORD, OFFICE).status_code == 302  # 5 < 6: not yet
    client.logout()
    _login(client, county_officer.username, "wrong", "203.0.113.99")
    r = _login(client, county_officer.username, PASSWORD, OFFICE)
    assert r.status_code == 200 and message("login_locked") in r.content.decode()


@pytest.mark.django_db
@override_settings(LOGIN_MAX_FAILURES=5, LOGIN_MAX_FAILURES_PER_IP=4)
def test_spraying_many_usernames_from_one_address_locks_the_address(client, county_officer):
    for n in range(4):
        _login(client, f"guess{n}", "wrong", ATTACKER)
    r = _login(client, county_officer.username, PASSWORD, ATTACKER)
    assert r.status_code == 200 and not r.wsgi_request.user.is_authenticated
    with translation.override("zh-hans"):
        assert str(IP_LOCKED_MESSAGE) in r.content.decode()
    assert LoginAttempt.objects.filter(ip=ATTACKER, succeeded=False).count() == 5
    assert _login(client, county_officer.username, PASSWORD, OFFICE).status_code == 302


@pytest.mark.django_db
@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_MAX_FAILURES_PER_IP=20)
def test_admin_login_is_throttled_and_recorded_like_the_site_login(client, tree):
    staff = county_admin(tree["a"][Level.COUNTY])
    url = reverse("admin:login")
    for _ in range(3):
        assert _login(client, staff.username, "wrong", ATTACKER, url).status_code == 200
    r = _login(client, staff.username, PASSWORD, ATTACKER, url)
    assert r.status_code == 200 and not r.wsgi_request.user.is_authenticated
    assert message("login_locked") in r.content.decode()
    assert LoginAttempt.objects.filter(username=staff.username, ip=ATTACKER, succeeded=False).count() == 4
    r = _login(client, staff.username, PASSWORD, OFFICE, url)
    assert r.status_code == 302 and r.wsgi_request.user == staff
    assert LoginAttempt.objects.filter(username=staff.username, ip=OFFICE, succeeded=True).count() == 1


@pytest.mark.django_db
def test_admin_login_still_refuses_non_staff(client, county_officer):
    r = _login(client, county_officer.username, PASSWORD, OFFICE, reverse("admin:login"))
    assert r.status_code == 200 and not r.wsgi_request.user.is_authenticated
    assert LoginAttempt.objects.filter(username=county_officer.username, succeeded=False).count() == 1


def test_client_address_ignores_forwarded_for_unless_proxies_are_trusted():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    with override_settings(TRUSTED_PROXY_COUNT=0):
        assert client_ip(request) == "10.0.0.1"
    with override_settings(TRUSTED_PROXY_COUNT=1):
        assert client_ip(request) == "203.0.113.9"  # what our proxy saw, not what the client claims
    with override_settings(TRUSTED_PROXY_COUNT=2):
        assert client_ip(request) == "1.2.3.4"
    forged = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address")
    with override_settings(TRUSTED_PROXY_COUNT=1):
        assert client_ip(forged) == "10.0.0.1"


def test_api_rate_limits_are_configured():
    assert AnonRateThrottle in APIView.throttle_classes and UserRateThrottle in APIView.throttle_classes
    assert {"anon", "user"} <= set(api_settings.DEFAULT_THROTTLE_RATES)


def _assert_throttled(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    with translation.override("zh-hans"):
        assert response.json() == {"code": "throttled", "detail": message("throttled"), "fields": {}}


@pytest.mark.django_db
def test_a_user_over_the_rate_gets_429_in_the_api_error_format(client, bank_officer, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "rate", "2/min", raising=False)
    cache.clear()
    _, key = ApiToken.issue(bank_officer, "core")
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    for _ in range(2):
        assert client.get(reverse("api-me"), **auth).status_code == 200
    _assert_throttled(client.get(reverse("api-me"), **auth))
    other = ApiToken.issue(UserFactory(role="bank_officer", bank=bank_officer.bank, region=bank_officer.region), "x")[1]
    assert client.get(reverse("api-me"), HTTP_AUTHORIZATION=f"Token {other}").status_code == 200  # per user
    cache.clear()


@pytest.mark.django_db
def test_anonymous_requests_over_the_rate_get_429_in_the_api_error_format(client, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "1/min", raising=False)
    cache.clear()
    assert client.get(reverse("api-schema"), HTTP_ACCEPT="application/json", REMOTE_ADDR=ATTACKER).status_code == 200
    _assert_throttled(client.get(reverse("api-schema"), HTTP_ACCEPT="application/json", REMOTE_ADDR=ATTACKER))
    cache.clear()


@pytest.mark.django_db
def test_an_attempt_counts_before_its_password_is_checked(client, county_officer, monkeypatch):
    """Hashing the password takes a while: a request racing this one must already see the attempt."""
    from django.contrib.auth import forms as auth_forms

    seen = []
    real = auth_forms.authenticate

    def spy(*args, **kwargs):
        seen.append(list(LoginAttempt.objects.values_list("username", "succeeded")))
        return real(*args, **kwargs)

    monkeypatch.setattr(auth_forms, "authenticate", spy)
    assert _login(client, county_officer.username, PASSWORD, OFFICE).status_code == 302
    assert seen == [[(county_officer.username, False)]]
    assert list(LoginAttempt.objects.values_list("succeeded", flat=True)) == [True]


def test_the_limits_count_ipv6_by_64_network():
    from apps.accounts.services import login_source

    assert login_source("2001:db8:1:2:aaaa::1") == login_source("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert login_source("2001:db8:1:3::1") != login_source("2001:db8:1:2::1")
    assert login_source("203.0.113.9") == "203.0.113.9" and login_source("::ffff:203.0.113.9") == "203.0.113.9"
    assert login_source(None) == ""


@pytest.mark.django_db
@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_MAX_FAILURES_PER_IP=20, LOGIN_MAX_FAILURES_PER_USER=0)
def test_rotating_addresses_inside_one_ipv6_network_does_not_escape_the_lock(client, county_officer):
    for n in range(3):
        _login(client, county_officer.username, "wrong", f"2001:db8:1:2::{n + 1}")
    r = _login(client, county_officer.username, PASSWORD, "2001:db8:1:2::99")
    assert r.status_code == 200 and message("login_locked") in r.content.decode()
    assert _login(client, county_officer.username, PASSWORD, "2001:db8:1:3::1").status_code == 302  # another network
