"""Bodies DRF's own parsers let escape as a 500, and Idempotency-Key values a header cannot carry faithfully
(found by attacking the hardened API from outside)."""
import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from tests.contracts.test_visibility import env  # noqa: F401

from .test_bad_queries import ERROR_KEYS, _api

pytestmark = pytest.mark.django_db


def _refused(response, code):
    assert response.status_code == 400, (response.status_code, response.content[:200])
    body = response.json()
    assert set(body) == ERROR_KEYS and body["code"] == code, body
    return body


def test_deeply_nested_json_is_a_parse_error_not_a_500(env):  # noqa: F811
    api = _api(env["owners"][Role.BANK_OFFICER])
    url = reverse("loan-repayments", kwargs={"pk": env["loan"].pk})
    _refused(api.post(url, "[" * 5000 + "]" * 5000, content_type="application/json"), "parse_error")
    _refused(api.post(url, '{"a":' * 3000 + "1" + "}" * 3000, content_type="application/json"), "parse_error")
    assert not env["loan"].repayments.exists()


def test_a_form_body_with_too_many_fields_is_a_parse_error(env):  # noqa: F811
    api = _api(env["owners"][Role.BANK_OFFICER])
    body = "&".join(f"p{i}=1" for i in range(2000))
    response = api.post(reverse("loan-repayments", kwargs={"pk": env["loan"].pk}), body,
                        content_type="application/x-www-form-urlencoded")
    _refused(response, "parse_error")
    assert not env["loan"].repayments.exists()


@pytest.mark.parametrize("key", ["a\tb", "键-1".encode().decode("latin-1"), "key with space", "ключ"])
def test_idempotency_keys_are_visible_ascii(env, key):  # noqa: F811
    api = _api(env["owners"][Role.BANK_OFFICER])
    response = api.post(reverse("loan-repayments", kwargs={"pk": env["loan"].pk}),
                        {"paid_on": env["loan"].disbursed_on.isoformat(), "interest": "10"}, format="json",
                        HTTP_IDEMPOTENCY_KEY=key)
    body = _refused(response, "idempotency_key_invalid")
    assert "Idempotency-Key" in body["fields"]
    assert not env["loan"].repayments.exists()


def test_a_plain_ascii_key_still_works(env):  # noqa: F811
    api = _api(env["owners"][Role.BANK_OFFICER])
    url = reverse("loan-repayments", kwargs={"pk": env["loan"].pk})
    payload = {"paid_on": env["loan"].disbursed_on.isoformat(), "interest": "10"}
    first = api.post(url, payload, format="json", HTTP_IDEMPOTENCY_KEY="BANK-2024:0001/a")
    again = api.post(url, payload, format="json", HTTP_IDEMPOTENCY_KEY="BANK-2024:0001/a")
    assert first.status_code == 201 and again.status_code == 200 and first.json()["id"] == again.json()["id"]


@pytest.mark.parametrize("reason", [0, 12.5, True])
def test_a_number_is_not_text(env, reason):  # noqa: F811
    """DRF's CharField turns 0 into "0"; the schema says text, so JSON that sends a number there is refused."""
    api = _api(env["owners"][Role.BANK_OFFICER])
    before = env["loan"].term_changes.count()
    response = api.post(reverse("loan-extension-requests", kwargs={"pk": env["loan"].pk}), {"months": 1, "reason": reason},
                        format="json")
    assert response.status_code == 400 and "reason" in response.json()["fields"], response.content
    assert env["loan"].term_changes.count() == before


@pytest.mark.parametrize("page", ["0", "-1", "1_0", "１", "abc", "1e3", "last"])
def test_a_malformed_api_page_is_400_naming_it(env, page):  # noqa: F811
    response = _api(env["owners"][Role.BANK_OFFICER]).get(reverse("loan-list") + f"?page={page}")
    assert response.status_code == 400 and "page" in response.json()["fields"], response.content


def test_a_page_past_the_end_is_still_404(env):  # noqa: F811
    api = _api(env["owners"][Role.BANK_OFFICER])
    assert api.get(reverse("loan-list") + "?page=999").status_code == 404
    assert api.get(reverse("loan-list") + "?page=1").status_code == 200
