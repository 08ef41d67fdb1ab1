"""The bank's REST contract: token auth, bank scope, every endpoint, errors in one format."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken
from apps.approvals import services as approvals
from apps.approvals.models import State
from apps.loans.models import LoanState, Repayment, TermChange

from .test_loan_account import SIGNED, disbursed


@pytest.fixture
def bank_api(chain):
    # The API acts on the real today: keep the household's rating current.
    chain["household"].rated_on = timezone.localdate() - dt.timedelta(days=10)
    chain["household"].save()
    _, key = ApiToken.issue(chain["banker"], "核心系统")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def other_bank_api(chain):
    _, key = ApiToken.issue(chain["other_banker"], "他行")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def recommended(chain, amount="30000", term=24):
    app = approvals.application_create(chain["secretary"], household=chain["household"], amount=Decimal(amount), term_months=term,
                                       purpose="planting", project="种植核桃 10 亩", today=SIGNED, submit=True)
    for who in ("secretary", "township_leader", "county_head"):
        app = approvals.application_approve(chain[who], app, today=SIGNED)
    return app


@pytest.mark.django_db
def test_queue_approve_contract_disburse_repay(chain, bank_api):
    app = recommended(chain)
    queue = bank_api.get("/api/v1/applications/", {"state": "county_recommended"}).json()
    assert [a["id"] for a in queue["results"]] == [app.pk]
    assert queue["results"][0]["available_actions"] == ["bank_approve", "return", "reject"]
    r = bank_api.post(f"/api/v1/applications/{app.pk}/approve/", {
        "amount": "25000.00", "term_months": 24, "contract_no": "PX-API-1", "receipt_no": "J-1", "signed_on": "2024-06-03",
        "comment": "同意", "expected_state": "county_recommended"}, format="json")
    assert r.status_code == 200, r.json()
    loan_id = r.json()["loan"]
    assert r.json()["state"] == State.BANK_APPROVED
    r = bank_api.post(f"/api/v1/loans/{loan_id}/disburse/", {"disbursed_on": "2024-06-05"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == LoanState.DISBURSED and not r.json()["disbursement_late"]
    r = bank_api.post(f"/api/v1/loans/{loan_id}/repayments/", {"paid_on": "2024-06-20", "interest": "41.15"}, format="json",
                      HTTP_IDEMPOTENCY_KEY="rp-0001")
    assert r.status_code == 201
    retry = bank_api.post(f"/api/v1/loans/{loan_id}/repayments/", {"paid_on": "2024-06-20", "interest": "41.15"}, format="json",
                          HTTP_IDEMPOTENCY_KEY="rp-0001")
    assert retry.status_code == 200 and retry.json()["id"] == r.json()["id"] and Repayment.objects.count() == 1
    detail = bank_api.get(f"/api/v1/loans/{loan_id}/").json()
    assert detail["balance"] == "25000.00" and detail["interest_paid"] == "41.15" and len(detail["schedule"]) >= 8


@pytest.mark.django_db
def test_lost_race_and_illegal_transition_answer_409(chain, bank_api):
    app = recommended(chain)
    r = bank_api.post(f"/api/v1/applications/{app.pk}/reject/", {"comment": "x", "expected_state": "township_approved"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "application_changed"
    bank_api.post(f"/api/v1/applications/{app.pk}/reject/", {"comment": "资料不实"}, format="json")
    r = bank_api.post(f"/api/v1/applications/{app.pk}/reject/", {"comment": "again"}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "not_your_level"


@pytest.mark.django_db
def test_rules_answer_400_with_code_and_change_nothing(chain, bank_api):
    app = recommended(chain, amount="30000")
    r = bank_api.post(f"/api/v1/applications/{app.pk}/approve/", {
        "amount": "30000.01", "term_months": 24, "contract_no": "C", "receipt_no": "J", "signed_on": "2024-06-03"}, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "bank_amount_above_request" and r.json()["fields"]["terms"][0]["code"] == "bank_amount_above_request"
    assert bank_api.get(f"/api/v1/applications/{app.pk}/").json()["state"] == State.COUNTY_RECOMMENDED


@pytest.mark.django_db
def test_another_banks_objects_are_404(chain, bank_api, other_bank_api):
    app = recommended(chain)
    loan = disbursed(chain, amount="10000", term=12, contract="PX-OTHER")
    assert other_bank_api.get(f"/api/v1/applications/{app.pk}/").status_code == 404
    assert other_bank_api.get(f"/api/v1/loans/{loan.pk}/").status_code == 404
    r = other_bank_api.post(f"/api/v1/loans/{loan.pk}/repayments/", {"paid_on": "2024-06-20", "interest": "1"}, format="json")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert other_bank_api.get("/api/v1/loans/").json()["count"] == 0
    assert bank_api.get("/api/v1/loans/").json()["count"] == 1


@pytest.mark.django_db
def test_loan_filters(chain, bank_api):
    loan = disbursed(chain, amount="10000", term=12, contract="F1")
    base = "/api/v1/loans/"
    assert bank_api.get(base, {"status": "disbursed"}).json()["count"] == 1
    assert bank_api.get(base, {"status": "settled"}).json()["count"] == 0
    assert bank_api.get(base, {"village": loan.region_code[:9]}).json()["count"] == 1
    assert bank_api.get(base, {"maturity_from": "2025-06-01", "maturity_to": "2025-06-30"}).json()["count"] == 1
    assert bank_api.get(base, {"maturity_to": "2025-05-31"}).json()["count"] == 0
    assert bank_api.get(base, {"overdue": "true"}).json()["count"] == 1  # matured 2025-06-03, today is later


@pytest.mark.django_db
def test_extension_request_and_decision(chain, bank_api):
    loan = disbursed(chain, amount="10000", term=12, contract="E1")
    r = bank_api.post(f"/api/v1/loans/{loan.pk}/extension-requests/", {"months": 13, "reason": "因灾"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "extension_too_long"
    r = bank_api.post(f"/api/v1/loans/{loan.pk}/extension-requests/", {"months": 6, "reason": "因灾减产"}, format="json")
    assert r.status_code == 201
    change_id = r.json()["id"]
    r = bank_api.post(f"/api/v1/term-changes/{change_id}/decide/", {"approve": True, "comment": "同意展期"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == TermChange.Status.APPROVED
    assert bank_api.get(f"/api/v1/loans/{loan.pk}/").json()["maturity_on"] == "2025-12-03"


@pytest.mark.django_db
def test_renewal_endpoint(chain, bank_api):
    loan = disbursed(chain, amount="10000", term=12, contract="R0")
    r = bank_api.post(f"/api/v1/loans/{loan.pk}/renew/", {"term_months": 12, "contract_no": "R1", "receipt_no": "RJ1",
                                                          "signed_on": "2024-06-15"}, format="json")
    assert r.status_code == 201 and r.json()["renewed_from"] == loan.pk and r.json()["principal"] == "10000.00"


@pytest.mark.django_db
def test_schema_documents_the_bank_endpoints(client, chain):
    client.force_login(chain["banker"])
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/applications/{id}/approve/", "/api/v1/loans/{id}/repayments/", "/api/v1/loans/{id}/disburse/",
                 "/api/v1/loans/{id}/extension-requests/", "/api/v1/loans/{id}/deferral-requests/", "/api/v1/loans/{id}/renew/",
                 "/api/v1/term-changes/{id}/decide/", "Idempotency-Key", "ApiToken"):
        assert path in schema, path
