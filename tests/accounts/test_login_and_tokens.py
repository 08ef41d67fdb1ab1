import pytest
from django.test import override_settings
from django.urls import reverse

from apps.accounts.models import ApiToken, LoginAttempt
from apps.accounts.roles import Role
from apps.core.messages import message
from tests.factories import UserFactory, bank_user

PASSWORD = "pw-Secret-123"


@pytest.mark.django_db
@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCK_MINUTES=15)
def test_repeated_failures_lock_the_account_even_with_the_right_password(client, county_officer):
    for _ in range(3):
        r = client.post(reverse("accounts:login"), {"username": county_officer.username, "password": "wrong"})
        assert r.status_code == 200
    r = client.post(reverse("accounts:login"), {"username": county_officer.username, "password": PASSWORD})
    assert r.status_code == 200
    assert message("login_locked") in r.content.decode()
    assert not r.wsgi_request.user.is_authenticated
    assert LoginAttempt.objects.filter(username=county_officer.username, succeeded=False).count() == 4


@pytest.mark.django_db
@override_settings(LOGIN_MAX_FAILURES=3)
def test_a_success_resets_the_count(client, county_officer):
    for _ in range(2):
        client.post(reverse("accounts:login"), {"username": county_officer.username, "password": "wrong"})
    r = client.post(reverse("accounts:login"), {"username": county_officer.username, "password": PASSWORD})
    assert r.status_code == 302
    client.logout()
    client.post(reverse("accounts:login"), {"username": county_officer.username, "password": "wrong"})
    r = client.post(reverse("accounts:login"), {"username": county_officer.username, "password": PASSWORD})
    assert r.status_code == 302


@pytest.mark.django_db
def test_pages_need_login(client):
    r = client.get(reverse("households:list"))
    assert r.status_code == 302 and reverse("accounts:login") in r["Location"]


@pytest.mark.django_db
def test_county_admin_issues_and_revokes_a_token_that_authenticates_the_api(client, tree):
    from apps.regions.models import Level

    admin = UserFactory(role=Role.SYSADMIN, region=tree["a"][Level.COUNTY])
    officer = bank_user(tree["a"][Level.TOWNSHIP])
    client.force_login(admin)
    r = client.post(reverse("accounts:tokens"), {"user": officer.pk, "name": "核心系统"})
    assert r.status_code == 200
    key = r.context["new_key"]
    token = ApiToken.objects.get(user=officer)
    assert token.digest == ApiToken.hash_key(key) and key not in token.digest  # only the digest is stored
    client.logout()
    api = client.get(reverse("api-me"), HTTP_AUTHORIZATION=f"Token {key}")
    assert api.status_code == 200 and api.json()["role"] == "bank_officer"
    client.force_login(admin)
    client.post(reverse("accounts:token-revoke", args=[token.pk]))
    client.logout()
    api = client.get(reverse("api-me"), HTTP_AUTHORIZATION=f"Token {key}")
    assert api.status_code == 401
    assert api.json()["code"] == "token_invalid"
    assert api.json()["detail"] == message("token_invalid")


@pytest.mark.django_db
def test_admin_of_another_county_cannot_issue_for_our_bank_user(client, tree):
    from apps.regions.models import Level

    other_admin = UserFactory(role=Role.SYSADMIN, region=tree["b"][Level.COUNTY])
    officer = bank_user(tree["a"][Level.TOWNSHIP])
    client.force_login(other_admin)
    r = client.post(reverse("accounts:tokens"), {"user": officer.pk, "name": "x"})
    assert r.status_code == 200 and "new_key" not in r.context
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_non_admins_cannot_open_the_token_page(client, county_officer):
    client.force_login(county_officer)
    assert client.get(reverse("accounts:tokens")).status_code == 403


@pytest.mark.django_db
def test_unauthenticated_api_uses_the_error_format(client):
    r = client.get("/api/v1/households/")
    assert r.status_code == 401
    body = r.json()
    assert body["code"] == "not_authenticated" and body["detail"] == message("not_authenticated") and body["fields"] == {}
