"""The bank's post-loan REST contract: token auth, bank scope, withdrawals idempotent on the bank's reference,
follow-ups, collection notices and their receipts, errors as {code, detail, fields}."""
import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken
from apps.postloan import jobs
from apps.postloan.models import CollectionNotice, Withdrawal
from apps.regions.models import Level
from tests.factories import bank_user
from tests.loans.test_loan_account import disbursed


def api_for(user):
    _, key = ApiToken.issue(user, "核心系统")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def loan(chain):
    loan = disbursed(chain, amount="30000", term=36)
    jobs.inspection_scheduling(loan.disbursed_on)
    return loan


@pytest.fixture
def bank_api(chain):
    return api_for(chain["banker"])


@pytest.fixture
def other_bank_api(chain):
    return api_for(chain["other_banker"])


def post_withdrawal(api, loan, **data):
    body = {"amount": "15000.00", "withdrawn_on": "2024-06-10", "external_id": "TXN20240610000123", "payee": "某养殖场", "note": "购买种牛"}
    body.update(data)
    return api.post(f"/api/v1/loans/{loan.pk}/withdrawals/", body, format="json")


def assert_error(response, status, code, field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "detail", "fields"} and body["code"] == code and body["detail"]
    if field:
        assert field in body["fields"], body
        assert {"code", "detail"} <= set(body["fields"][field][0])
    return body


@pytest.mark.django_db
def test_withdrawal_post_is_idempotent_on_the_bank_reference(chain, loan, bank_api):
    r = post_withdrawal(bank_api, loan)
    assert r.status_code == 201, r.json()
    first = r.json()
    assert first["needs_follow_up"] and first["follow_up"] == "pending" and first["contract_no"] == loan.contract_no
    assert first["amount"] == "15000.00" and first["loan"] == loan.pk
    # The village group is alerted once.
    assert chain["secretary"].notifications.filter(dedupe_key=f"withdrawal:{first['id']}").count() == 1
    again = post_withdrawal(bank_api, loan)
    assert again.status_code == 200 and again.json() == first
    assert Withdrawal.objects.count() == 1
    small = post_withdrawal(bank_api, loan, amount="800.00", external_id="TXN-SMALL")
    assert small.status_code == 201 and not small.json()["needs_follow_up"] and small.json()["follow_up"] == ""


@pytest.mark.django_db
def test_withdrawal_errors_in_one_format(chain, loan, bank_api):
    body = assert_error(post_withdrawal(bank_api, loan, amount=None, external_id=""), 400, "validation_error", "amount")
    assert "external_id" in body["fields"]
    assert_error(post_withdrawal(bank_api, loan, amount="-1"), 400, "validation_error", "amount")
    assert_error(post_withdrawal(bank_api, loan, withdrawn_on="2024-01-01"), 400, "date_before_disbursement", "withdrawn_on")
    assert_error(post_withdrawal(bank_api, loan, withdrawn_on="2024-13-01"), 400, "validation_error", "withdrawn_on")
    assert_error(APIClient().get("/api/v1/withdrawals/"), 401, "not_authenticated")
    assert_error(post_withdrawal(api_for(chain["county_officer"]), loan), 403, "not_your_level")
    assert_error(bank_api.post("/api/v1/loans/999999/withdrawals/", {}, format="json"), 404, "not_found")


@pytest.mark.django_db
def test_withdrawal_list_filters_and_follow_up(chain, loan, bank_api):
    large = post_withdrawal(bank_api, loan).json()
    post_withdrawal(bank_api, loan, amount="500.00", external_id="TXN-2", withdrawn_on="2024-07-02")
    listing = bank_api.get("/api/v1/withdrawals/").json()
    assert listing["count"] == 2
    assert [w["id"] for w in bank_api.get("/api/v1/withdrawals/", {"follow_up": "pending"}).json()["results"]] == [large["id"]]
    assert bank_api.get("/api/v1/withdrawals/", {"follow_up": "none"}).json()["count"] == 1
    assert [w["id"] for w in bank_api.get("/api/v1/withdrawals/", {"month": "2024-06"}).json()["results"]] == [large["id"]]
    assert bank_api.get("/api/v1/withdrawals/", {"month": "2024-08"}).json()["count"] == 0
    assert bank_api.get(f"/api/v1/withdrawals/{large['id']}/").json()["external_id"] == "TXN20240610000123"

    url = f"/api/v1/withdrawals/{large['id']}/follow-up/"
    assert_error(bank_api.post(url, {"use_matches": True}, format="json"), 400, "validation_error", "result")
    r = bank_api.post(url, {"use_matches": False, "result": "实际用于偿还私人借款"}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["follow_up"] == "done" and r.json()["use_matches"] is False and r.json()["followed_up_on"]
    assert_error(bank_api.post(url, {"use_matches": True, "result": "再次"}, format="json"), 409, "transition_not_allowed")
    assert bank_api.get("/api/v1/withdrawals/", {"follow_up": "done"}).json()["count"] == 1


@pytest.mark.django_db
def test_collection_notices_and_receipt(chain, loan, bank_api):
    notice = CollectionNotice.objects.create(loan=loan, region_code=loan.region_code, kind="overdue", maturity_on=dt.date(2024, 6, 30),
                                             issued_on=dt.date(2024, 7, 1))
    listing = bank_api.get("/api/v1/collection-notices/", {"unsigned": "true"}).json()
    assert [n["id"] for n in listing["results"]] == [notice.pk]
    assert listing["results"][0]["borrower_name"] == loan.borrower.name and listing["results"][0]["kind"] == "overdue"
    assert bank_api.get("/api/v1/collection-notices/", {"kind": "due"}).json()["count"] == 0
    url = f"/api/v1/collection-notices/{notice.pk}/receipt/"
    assert_error(bank_api.post(url, {"signer": loan.borrower.name, "signed_on": "2024-06-01"}, format="json"), 400,
                 "date_before_notice", "signed_on")
    assert_error(bank_api.post(url, {"signed_on": "2024-07-02"}, format="json"), 400, "validation_error", "signer")
    r = bank_api.post(url, {"signer": loan.borrower.name, "signed_on": "2024-07-02"}, format="json")
    assert r.status_code == 200 and r.json()["receipt_signed_on"] == "2024-07-02" and r.json()["receipt_signer"] == loan.borrower.name
    assert_error(bank_api.post(url, {"signer": "x", "signed_on": "2024-07-03"}, format="json"), 409, "notice_already_signed")
    assert bank_api.get("/api/v1/collection-notices/", {"unsigned": "true"}).json()["count"] == 0
    assert bank_api.get(f"/api/v1/collection-notices/{notice.pk}/").json()["receipt_signed_on"] == "2024-07-02"


@pytest.mark.django_db
def test_another_bank_and_another_county_get_404(chain, loan, bank_api, other_bank_api, tree):
    w = post_withdrawal(bank_api, loan).json()
    notice = CollectionNotice.objects.create(loan=loan, region_code=loan.region_code, kind="due", maturity_on=loan.maturity_on,
                                             issued_on=dt.date(2024, 7, 1))
    other_county_api = api_for(bank_user(tree["b"][Level.COUNTY]))
    for api in (other_bank_api, other_county_api):
        assert_error(post_withdrawal(api, loan, external_id="STEAL"), 404, "not_found")
        assert_error(api.get(f"/api/v1/withdrawals/{w['id']}/"), 404, "not_found")
        assert_error(api.post(f"/api/v1/withdrawals/{w['id']}/follow-up/", {"use_matches": True, "result": "x"}, format="json"),
                     404, "not_found")
        assert_error(api.get(f"/api/v1/collection-notices/{notice.pk}/"), 404, "not_found")
        assert_error(api.post(f"/api/v1/collection-notices/{notice.pk}/receipt/", {"signer": "x", "signed_on": "2024-07-02"},
                              format="json"), 404, "not_found")
        assert api.get("/api/v1/withdrawals/").json()["count"] == 0
        assert api.get("/api/v1/collection-notices/").json()["count"] == 0
    assert Withdrawal.objects.get().follow_up == "pending" and not CollectionNotice.objects.get().receipt_signed_on
    assert Withdrawal.objects.count() == 1 and Decimal(w["amount"]) == Decimal("15000")


@pytest.mark.django_db
def test_schema_documents_the_post_loan_endpoints(client):
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/loans/{id}/withdrawals/", "/api/v1/withdrawals/", "/api/v1/withdrawals/{id}/follow-up/",
                 "/api/v1/collection-notices/", "/api/v1/collection-notices/{id}/receipt/"):
        assert path in schema
