"""Issue 8, items 5 and 10: bad query strings, URLs, numbers and bodies never reach a 500 (production settings).

- Every list filter is validated by its app's FilterSet, one per list, shared by the HTML page and the API: the API
  answers 400 `invalid_filter` naming the field; the page ignores the bad value, says so next to the filter form
  (`data-filter-error="<field>"`) and still shows the list.
- NUL and other control characters in a query value are refused by the field (and by a middleware as a backstop).
- Ids in URLs and numbers in bodies are ASCII digits only: `/api/v1/loans/４/` is 404, `"１２"` is 400.
- A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 `request_too_large`.
"""
import json

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken
from apps.accounts.roles import Role
from tests.contracts.test_visibility import env  # noqa: F401 - one household, application, loan, withdrawal, notice

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"code", "detail", "fields"}


def _web(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    _, key = ApiToken.issue(user, "bad queries") if user.role == Role.BANK_OFFICER else (None, None)
    client = APIClient(raise_request_exception=False)
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    else:
        client.force_login(user)
    return client


def assert_page_reports(response, field):
    assert response.status_code == 200, response.status_code
    assert f'data-filter-error="{field}"'.encode() in response.content, f"no message about {field} near the filters"


def assert_api_refuses(response, field):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == ERROR_KEYS and body["code"] == "invalid_filter", body
    assert field in body["fields"], body


# --- the URLs of the report ---------------------------------------------------------------------------------------

REPORTED_PAGES = [
    ("loans:list", "maturity_from=2024-02-30", "maturity_from", Role.BANK_OFFICER),
    ("loans:list", "maturity_from=abc", "maturity_from", Role.BANK_OFFICER),
    ("loans:list", "q=%00", "q", Role.BANK_OFFICER),
    ("households:list", "q=%00", "q", Role.COUNTY_OFFICER),
    ("approvals:list", "q=%00", "q", Role.BANK_OFFICER),
    ("postloan:withdrawals", "month=9999-12", "month", Role.BANK_OFFICER),
]


@pytest.mark.parametrize(("name", "query", "field", "role"), REPORTED_PAGES)
def test_reported_pages_report_the_bad_filter_and_still_list(env, name, query, field, role):  # noqa: F811
    response = _web(env["owners"][role]).get(f"{reverse(name)}?{query}")
    assert_page_reports(response, field)


def test_register_export_refuses_a_nul_filter_without_500(env):  # noqa: F811
    response = _web(env["owners"][Role.COUNTY_OFFICER]).get(reverse("households:export") + "?q=%00")
    assert response.status_code == 302  # back to the list, whose filter form says what was wrong
    assert response.url.startswith(reverse("households:list"))
    assert_page_reports(_web(env["owners"][Role.COUNTY_OFFICER]).get(response.url), "q")


def test_application_form_with_a_bad_household_is_404_not_500(env):  # noqa: F811
    client = _web(env["owners"][Role.VILLAGE_MEMBER])
    for value in ("abc", "%00", "-1", "４", "9" * 30):
        assert client.get(reverse("approvals:create") + f"?household={value}").status_code == 404, value


def test_policy_page_ignores_a_bad_county(env):  # noqa: F811
    client = _web(env["owners"][Role.COUNTY_OFFICER])
    for value in ("%00", "abc", "9" * 5000):
        assert client.get(reverse("regions:policy") + f"?county={value}").status_code in (200, 400), value


def test_api_month_out_of_range_is_400(env):  # noqa: F811
    response = _api(env["owners"][Role.BANK_OFFICER]).get(reverse("withdrawal-list") + "?month=9999-12")
    assert_api_refuses(response, "month")


@pytest.mark.parametrize(("query", "field"), [("overdue=maybe", "overdue"), ("maturity_from=2024-02-30", "maturity_from"),
                                              ("status=nonsense", "status"), ("village=%00", "village")])
def test_api_loan_filters_refuse_unknown_values(env, query, field):  # noqa: F811
    assert_api_refuses(_api(env["owners"][Role.BANK_OFFICER]).get(reverse("loan-list") + f"?{query}"), field)


@pytest.mark.parametrize(("url", "query"), [("loan-list", "village="), ("household-list", "village=%20"),
                                            ("application-list", "applied_to="), ("withdrawal-list", "month=")])
def test_api_refuses_an_empty_filter_the_html_page_ignores_it(env, url, query):  # noqa: F811
    """A program names only the filters it means (the schema's formats admit no ""); a form sends its unused ones empty."""
    response = _api(env["owners"][Role.BANK_OFFICER]).get(reverse(url) + f"?{query}")
    assert_api_refuses(response, query.split("=")[0])
    assert response.json()["fields"][query.split("=")[0]][0]["code"] == "filter_empty"
    assert _web(env["owners"][Role.COUNTY_OFFICER]).get(reverse("loans:list") + "?village=&status=").status_code == 200


def test_control_characters_in_the_path_or_a_parameter_name_are_400(env):  # noqa: F811
    """The backstop in front of every view: what no field declares is refused before any view reads it."""
    client = _web(env["owners"][Role.COUNTY_OFFICER])
    assert client.get(reverse("households:list") + "?a%00b=1").status_code == 400
    assert client.get("/households/%00/").status_code == 400
    response = _api(env["owners"][Role.BANK_OFFICER]).get(reverse("loan-list") + "?%00=1")
    assert response.status_code == 400 and response.json()["code"] == "bad_request_characters"


# --- every declared filter of every list, with hostile values ------------------------------------------------------

HOSTILE = ["2024-02-30", "abc", "\x00", "a\x00b", "\x1b[31m", "9999-12", "9999-12-31", "0000-01", "-1", "１２",
           "x" * 10_000, "9" * 40, "true\x00"]


def _lists():
    from apps.approvals.filters import ApplicationFilter
    from apps.households.filters import HouseholdFilter
    from apps.loans.filters import LoanFilter
    from apps.postloan.filters import CollectionNoticeFilter, WithdrawalFilter

    return [
        ("loans:list", LoanFilter, Role.BANK_OFFICER, False), ("loan-list", LoanFilter, Role.BANK_OFFICER, True),
        ("households:list", HouseholdFilter, Role.COUNTY_OFFICER, False),
        ("households:export", HouseholdFilter, Role.COUNTY_OFFICER, False),
        ("household-list", HouseholdFilter, Role.COUNTY_OFFICER, True),
        ("approvals:list", ApplicationFilter, Role.BANK_OFFICER, False),
        ("application-list", ApplicationFilter, Role.BANK_OFFICER, True),
        ("postloan:withdrawals", WithdrawalFilter, Role.BANK_OFFICER, False),
        ("withdrawal-list", WithdrawalFilter, Role.BANK_OFFICER, True),
        ("postloan:notices", CollectionNoticeFilter, Role.VILLAGE_MEMBER, False),
        ("collection-notice-list", CollectionNoticeFilter, Role.BANK_OFFICER, True),
    ]


def test_every_list_filter_survives_hostile_values(env):  # noqa: F811
    from urllib.parse import urlencode

    failures = []
    for name, filterset, role, api in _lists():
        client = _api(env["owners"][role]) if api else _web(env["owners"][role])
        for field in [*filterset.base_filters, "page", "page_size"]:
            for value in HOSTILE:
                url = f"{reverse(name)}?{urlencode({field: value})}"
                response = client.get(url)
                status = response.status_code
                if status >= 500:
                    failures.append(f"{url[:120]} → {status}")
                elif api and status != 200:
                    body = response.json()
                    if set(body) != ERROR_KEYS or (status == 400 and field not in body["fields"]):
                        failures.append(f"{url[:120]} → {status} {body}")
                elif (not api and status == 200 and not response.streaming and field in filterset.base_filters
                      and b"data-filter-error" not in response.content):
                    # A value the filter accepts (e.g. '-1' as a name prefix) is fine; a refused one must be reported.
                    form = filterset(data={field: value}).form
                    if not form.is_valid():
                        failures.append(f"{url[:120]} → 200 without a message for {field}")
    assert not failures, "\n".join(failures)


# --- full-width digits ----------------------------------------------------------------------------------------------

def test_full_width_ids_in_api_urls_are_404(env):  # noqa: F811
    api = _api(env["owners"][Role.BANK_OFFICER])
    loan_id = str(env["loan"].pk)
    full_width = loan_id.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert api.get(reverse("loan-detail", kwargs={"pk": env["loan"].pk})).status_code == 200
    for prefix in ("loans", "withdrawals", "applications", "households", "collection-notices"):
        response = api.get(f"/api/v1/{prefix}/{full_width}/")
        assert response.status_code == 404, (prefix, response.status_code)
        assert set(response.json()) == ERROR_KEYS


@pytest.mark.parametrize("value", ["１２", "１２.５０", "12\u0660", "١٢", "1_000", "1_0.00"])
def test_full_width_amounts_are_refused(env, value):  # noqa: F811
    api = _api(env["owners"][Role.BANK_OFFICER])
    url = reverse("loan-repayments", kwargs={"pk": env["loan"].pk})
    response = api.post(url, {"paid_on": "2024-07-01", "principal": value}, format="json")
    assert response.status_code == 400, response.content
    assert "principal" in response.json()["fields"]
    assert not env["loan"].repayments.exists()


def test_full_width_integer_is_refused(env):  # noqa: F811
    api = _api(env["owners"][Role.BANK_OFFICER])
    response = api.post(reverse("loan-extension-requests", kwargs={"pk": env["loan"].pk}), {"months": "３", "reason": "因灾"},
                        format="json")
    assert response.status_code == 400 and "months" in response.json()["fields"], response.content


# --- oversized bodies ----------------------------------------------------------------------------------------------

@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_oversized_json_body_is_413(env):  # noqa: F811
    api = _api(env["owners"][Role.BANK_OFFICER])
    body = json.dumps({"paid_on": "2024-07-01", "principal": "1", "note": "x" * 4096})
    response = api.post(reverse("loan-repayments", kwargs={"pk": env["loan"].pk}), body, content_type="application/json")
    assert response.status_code == 413, (response.status_code, response.content[:200])
    assert response.json()["code"] == "request_too_large" and set(response.json()) == ERROR_KEYS


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_oversized_form_body_is_413_page(env):  # noqa: F811
    client = _web(env["owners"][Role.BANK_OFFICER])
    response = client.post(reverse("loans:act", kwargs={"pk": env["loan"].pk, "action": "term-change"}),
                           "reason=" + "x" * 4096, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "text/html" in response["Content-Type"]


def test_full_width_dates_in_bodies_are_refused(env):  # noqa: F811
    api = _api(env["owners"][Role.BANK_OFFICER])
    response = api.post(reverse("loan-repayments", kwargs={"pk": env["loan"].pk}),
                        {"paid_on": "２０２４-07-01", "principal": "12"}, format="json")
    assert response.status_code == 400 and "paid_on" in response.json()["fields"], response.content
    assert not env["loan"].repayments.exists()


@pytest.mark.parametrize("text", ["因灾\x1b[31m", "因灾\x08", "\x7f因灾", "任\u202e光光", "因\u200b灾", "\ufeff因灾", "因\u2066灾"])
def test_control_characters_in_text_bodies_are_refused(env, text):  # noqa: F811
    api = _api(env["owners"][Role.BANK_OFFICER])
    response = api.post(reverse("loan-deferral-requests", kwargs={"pk": env["loan"].pk}),
                        {"new_maturity_on": "2025-12-03", "reason": text}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["fields"]["reason"][0]["code"] == "control_characters"


def test_line_breaks_and_tabs_stay_allowed_in_text(env):  # noqa: F811
    from apps.core.inputs import TEXT_CONTROL_CHARACTERS

    assert not TEXT_CONTROL_CHARACTERS.search("第一行\r\n第二行\t备注")


def test_html_forms_refuse_full_width_numbers_and_dates(env):  # noqa: F811
    from apps.loans.web.forms import RepaymentForm

    form = RepaymentForm({"paid_on": "２０２４-07-01", "principal": "１２", "interest": "0", "penalty": "0"})
    assert not form.is_valid() and {"paid_on", "principal"} <= set(form.errors)
    assert RepaymentForm({"paid_on": "2024-07-01", "principal": "12", "interest": "0", "penalty": "0"}).is_valid()


def test_id_numbers_keep_accepting_full_width_digits(env):  # noqa: F811
    """The documented exception: an ID number is text, normalised (core.idnumber), not a number field."""
    head_id = env["household"].head_id_number
    full_width = head_id.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    response = _api(env["owners"][Role.COUNTY_OFFICER]).get(reverse("household-list"), {"q": full_width})
    assert response.status_code == 200 and [h["id"] for h in response.json()["results"]] == [env["household"].pk]
