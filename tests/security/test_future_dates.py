"""Issue 8, item 3: business dates. A money movement or any other event a user records may not be dated after today
(Asia/Shanghai) nor before the event it follows; the refusal is the same in the API and the HTML forms, with a stable
code, and changes nothing. Loans that already carry such dates (written before the rule) still open: nothing 500s.

The API tests run against the real today (the API cannot be given another), the service tests against a fixed one."""
import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken
from apps.approvals.models import State
from apps.core import dates
from apps.core.errors import DomainError
from apps.core.messages import message
from apps.loans import policy as loan_policy
from apps.loans import services as loan_services
from apps.loans.models import Loan, LoanState, Repayment
from apps.postloan import jobs
from apps.postloan import services as postloan_services
from apps.postloan.models import CollectionLog, CollectionNotice, Inspection, Withdrawal
from apps.regions.calendar import add_working_days
from tests.approvals.conftest import chain  # noqa: F401 - the county, its bank and a user at every level
from tests.loans.test_bank_api import recommended
from tests.loans.test_loan_account import open_loan

FAR = "9999-12-31"
TODAY = TOMORROW = SIGNED = DISBURSED = None  # set per test: a run may cross midnight in Shanghai


@pytest.fixture(autouse=True)
def _days(settings, tmp_path):
    global TODAY, TOMORROW, SIGNED, DISBURSED
    TODAY = timezone.localdate()  # TIME_ZONE is Asia/Shanghai
    TOMORROW, SIGNED = TODAY + dt.timedelta(days=1), TODAY - dt.timedelta(days=30)
    DISBURSED = SIGNED + dt.timedelta(days=5)
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def fresh(chain):  # noqa: F811 - the fixture imported above
    # The household's rating must be current on the real today (the API checks eligibility as of today).
    chain["household"].rated_on = SIGNED - dt.timedelta(days=10)
    chain["household"].save()
    return chain


@pytest.fixture
def api(fresh):
    _, key = ApiToken.issue(fresh["banker"], "核心系统")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def make_loan(people, *, disburse=True, contract="FD-1", amount="20000"):
    loan = open_loan(people, amount=amount, term=24, signed=SIGNED, contract=contract)
    if disburse:
        loan = loan_services.loan_disburse(people["banker"], loan, on=DISBURSED)
    return loan


def refused(response, code, field):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code and field in body["fields"], body
    assert body["fields"][field][0]["code"] == code
    return body


def said(code: str, label: str, limit: dt.date) -> str:
    """The refusal as a Chinese user reads it (the field's label and the limit filled in)."""
    with translation.override("zh-hans"):
        return message(code, label=capfirst(_(label)), limit=limit.isoformat())


def snapshot(loan) -> tuple:
    loan = Loan.objects.get(pk=loan.pk)
    return (loan.state, loan.principal_repaid, loan.interest_paid, loan.disbursed_on, loan.settled_on, loan.maturity_on,
            loan.repayments.count(), loan.withdrawals.count(), loan.events.count())


# --- the rule itself -----------------------------------------------------------------------------------------------

def test_the_rule_today_allowed_tomorrow_refused_the_preceding_day_allowed_the_day_before_refused():
    day = dt.date(2024, 7, 1)
    assert dates.business_date_problem(day, day) == ""
    assert dates.business_date_problem(day + dt.timedelta(days=1), day) == "date_in_future"
    assert dates.business_date_problem(dt.date(9999, 12, 31), day) == "date_in_future"
    start = dt.date(2024, 6, 3)
    assert dates.business_date_problem(start, day, not_before=start, event="disbursement") == ""
    assert dates.business_date_problem(start - dt.timedelta(days=1), day, not_before=start,
                                       event="disbursement") == "date_before_disbursement"


def test_today_is_the_day_in_shanghai_whatever_the_active_time_zone():
    with timezone.override(zoneinfo.ZoneInfo("America/Los_Angeles")):
        assert dates.business_today() == timezone.now().astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).date()


@pytest.mark.django_db
def test_services_take_today_as_a_parameter(fresh):
    """With a fixed today the edge is exact: that day allowed, the next refused (nothing recorded)."""
    loan = make_loan(fresh)
    fixed = DISBURSED + dt.timedelta(days=3)
    with pytest.raises(DomainError) as exc:
        loan_services.repayment_post(fresh["banker"], loan, paid_on=fixed + dt.timedelta(days=1), interest=Decimal("1"), today=fixed)
    assert exc.value.code == "date_in_future" and exc.value.fields == {"paid_on": ["date_in_future"]}
    assert fixed.isoformat() in exc.value.detail
    assert not Repayment.objects.exists()
    _r, created = loan_services.repayment_post(fresh["banker"], loan, paid_on=fixed, interest=Decimal("1"), today=fixed)
    assert created
    with pytest.raises(DomainError) as exc:
        postloan_services.withdrawal_record(fresh["banker"], loan, amount=Decimal("100"), withdrawn_on=fixed + dt.timedelta(days=1),
                                            external_id="T-1", today=fixed)
    assert exc.value.code == "date_in_future" and not Withdrawal.objects.exists()


# --- repayment -----------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_repayment_in_the_far_future_is_refused_and_changes_nothing(fresh, api):
    loan = make_loan(fresh)
    before = snapshot(loan)
    url = f"/api/v1/loans/{loan.pk}/repayments/"
    body = refused(api.post(url, {"paid_on": FAR, "principal": "20000.00"}, format="json"), "date_in_future", "paid_on")
    assert TODAY.isoformat() in body["detail"] and "还款日期" in body["detail"]
    refused(api.post(url, {"paid_on": TOMORROW.isoformat(), "interest": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY="fd-1"),
            "date_in_future", "paid_on")
    assert snapshot(loan) == before and not Repayment.objects.exists()
    assert api.get(f"/api/v1/loans/{loan.pk}/").status_code == 200
    assert api.post(url, {"paid_on": TODAY.isoformat(), "interest": "1.00"}, format="json").status_code == 201


@pytest.mark.django_db
def test_repayment_before_the_disbursement_is_refused_on_the_day_allowed(fresh, api):
    loan = make_loan(fresh)
    url = f"/api/v1/loans/{loan.pk}/repayments/"
    body = refused(api.post(url, {"paid_on": (DISBURSED - dt.timedelta(days=1)).isoformat(), "interest": "1.00"}, format="json"),
                   "date_before_disbursement", "paid_on")
    assert DISBURSED.isoformat() in body["detail"]
    assert not Repayment.objects.exists()
    assert api.post(url, {"paid_on": DISBURSED.isoformat(), "interest": "1.00"}, format="json").status_code == 201


@pytest.mark.django_db
def test_repayment_form_refuses_the_same_way_and_caps_the_date_input(client, fresh):
    loan = make_loan(fresh)
    client.force_login(fresh["banker"])
    page = client.get(reverse("loans:detail", args=[loan.pk])).content.decode()
    assert f'max="{TODAY.isoformat()}"' in page
    r = client.post(reverse("loans:act", args=[loan.pk, "repay"]),
                    {"paid_on": FAR, "principal": "20000", "interest": "0", "penalty": "0", "idempotency_key": "k1"}, follow=True)
    assert r.status_code == 200 and said("date_in_future", "paid on", TODAY) in r.content.decode()
    assert Loan.objects.get(pk=loan.pk).state == LoanState.DISBURSED and not Repayment.objects.exists()


# --- disbursement --------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_disbursement_not_in_the_future_nor_before_signing(fresh, api):
    loan = make_loan(fresh, disburse=False)
    url = f"/api/v1/loans/{loan.pk}/disburse/"
    refused(api.post(url, {"disbursed_on": FAR}, format="json"), "date_in_future", "disbursed_on")
    refused(api.post(url, {"disbursed_on": TOMORROW.isoformat()}, format="json"), "date_in_future", "disbursed_on")
    refused(api.post(url, {"disbursed_on": (SIGNED - dt.timedelta(days=1)).isoformat()}, format="json"),
            "date_before_signing", "disbursed_on")
    loan.refresh_from_db()
    assert loan.state == LoanState.CONTRACTED and loan.disbursed_on is None and not loan.events.filter(action="disbursed").exists()
    r = api.post(url, {"disbursed_on": SIGNED.isoformat()}, format="json")
    assert r.status_code == 200 and r.json()["disbursed_on"] == SIGNED.isoformat()
    other = make_loan(fresh, disburse=False, contract="FD-2", amount="10000")
    assert api.post(f"/api/v1/loans/{other.pk}/disburse/", {"disbursed_on": TODAY.isoformat()}, format="json").status_code == 200


@pytest.mark.django_db
def test_disbursement_form_refuses_a_future_date(client, fresh):
    loan = make_loan(fresh, disburse=False)
    client.force_login(fresh["banker"])
    r = client.post(reverse("loans:act", args=[loan.pk, "disburse"]), {"disbursed_on": TOMORROW.isoformat()}, follow=True)
    assert said("date_in_future", "disbursed on", TODAY) in r.content.decode()
    assert Loan.objects.get(pk=loan.pk).state == LoanState.CONTRACTED


# --- contract signing (the bank's approval) and renewal -------------------------------------------------------------

@pytest.mark.django_db
def test_contract_signing_not_in_the_future_nor_before_the_application(fresh, api):
    app = recommended(fresh)  # applied on 2024-06-03
    url = f"/api/v1/applications/{app.pk}/approve/"
    terms = {"amount": "20000.00", "term_months": 24, "contract_no": "FD-S1", "receipt_no": "J-1"}
    refused(api.post(url, {**terms, "signed_on": TOMORROW.isoformat()}, format="json"), "date_in_future", "signed_on")
    refused(api.post(url, {**terms, "signed_on": FAR}, format="json"), "date_in_future", "signed_on")
    refused(api.post(url, {**terms, "signed_on": (app.applied_on - dt.timedelta(days=1)).isoformat()}, format="json"),
            "date_before_application", "signed_on")
    app.refresh_from_db()
    assert app.state == State.COUNTY_RECOMMENDED and app.loan is None and not Loan.objects.exists()
    r = api.post(url, {**terms, "signed_on": app.applied_on.isoformat()}, format="json")
    assert r.status_code == 200, r.json()
    assert Loan.objects.get().signed_on == app.applied_on


@pytest.mark.django_db
def test_renewal_not_in_the_future_nor_before_the_disbursement(fresh, api):
    loan = make_loan(fresh, amount="10000")
    url = f"/api/v1/loans/{loan.pk}/renew/"
    terms = {"term_months": 12, "contract_no": "FD-R1", "receipt_no": "RJ1"}
    before = snapshot(loan)
    refused(api.post(url, {**terms, "signed_on": TOMORROW.isoformat()}, format="json"), "date_in_future", "signed_on")
    refused(api.post(url, {**terms, "signed_on": (DISBURSED - dt.timedelta(days=1)).isoformat()}, format="json"),
            "date_before_disbursement", "signed_on")
    assert snapshot(loan) == before and Loan.objects.count() == 1
    r = api.post(url, {**terms, "signed_on": TODAY.isoformat()}, format="json")
    assert r.status_code == 201, r.json()


# --- withdrawal and its follow-up ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_withdrawal_not_in_the_future_nor_before_the_disbursement(fresh, api):
    loan = make_loan(fresh)
    url = f"/api/v1/loans/{loan.pk}/withdrawals/"
    body = {"amount": "15000.00", "external_id": "TXN-1"}
    refused(api.post(url, {**body, "withdrawn_on": FAR}, format="json"), "date_in_future", "withdrawn_on")
    refused(api.post(url, {**body, "withdrawn_on": TOMORROW.isoformat()}, format="json"), "date_in_future", "withdrawn_on")
    refused(api.post(url, {**body, "withdrawn_on": (DISBURSED - dt.timedelta(days=1)).isoformat()}, format="json"),
            "date_before_disbursement", "withdrawn_on")
    assert not Withdrawal.objects.exists()
    assert api.post(url, {**body, "withdrawn_on": DISBURSED.isoformat()}, format="json").status_code == 201
    assert api.post(url, {**body, "external_id": "TXN-2", "withdrawn_on": TODAY.isoformat()}, format="json").status_code == 201


@pytest.mark.django_db
def test_withdrawal_form_refuses_a_future_date(client, fresh):
    loan = make_loan(fresh)
    client.force_login(fresh["banker"])
    url = reverse("postloan:withdrawal-new", args=[loan.pk])
    assert f'max="{TODAY.isoformat()}"' in client.get(url).content.decode()
    r = client.post(url, {"amount": "100", "withdrawn_on": FAR, "external_id": "W-1"})
    assert r.status_code == 200 and said("date_in_future", "withdrawn on", TODAY) in r.content.decode()
    assert not Withdrawal.objects.exists()


@pytest.mark.django_db
def test_follow_up_not_in_the_future_nor_before_the_withdrawal(fresh, api):
    loan = make_loan(fresh)
    withdrawn = DISBURSED + dt.timedelta(days=2)
    w, _ = postloan_services.withdrawal_record(fresh["banker"], loan, amount=Decimal("15000"), withdrawn_on=withdrawn, external_id="T-9")
    url = f"/api/v1/withdrawals/{w.pk}/follow-up/"
    body = {"use_matches": True, "result": "已入户核实"}
    refused(api.post(url, {**body, "followed_up_on": TOMORROW.isoformat()}, format="json"), "date_in_future", "followed_up_on")
    refused(api.post(url, {**body, "followed_up_on": (withdrawn - dt.timedelta(days=1)).isoformat()}, format="json"),
            "date_before_withdrawal", "followed_up_on")
    w.refresh_from_db()
    assert w.follow_up == Withdrawal.FollowUp.PENDING and w.followed_up_on is None
    r = api.post(url, {**body, "followed_up_on": withdrawn.isoformat()}, format="json")
    assert r.status_code == 200 and r.json()["followed_up_on"] == withdrawn.isoformat()


@pytest.mark.django_db
def test_follow_up_form_refuses_a_future_date(client, fresh):
    loan = make_loan(fresh)
    w, _ = postloan_services.withdrawal_record(fresh["banker"], loan, amount=Decimal("15000"), withdrawn_on=DISBURSED, external_id="T-8")
    client.force_login(fresh["secretary"])
    url = reverse("postloan:withdrawal-detail", args=[w.pk])
    r = client.post(url, {"use_matches": "1", "result": "已核实", "followed_up_on": TOMORROW.isoformat()})
    assert r.status_code == 200 and said("date_in_future", "Follow-up date", TODAY) in r.content.decode()
    assert Withdrawal.objects.get(pk=w.pk).follow_up == Withdrawal.FollowUp.PENDING
    assert client.post(url, {"use_matches": "1", "result": "已核实"}).status_code == 302  # no date: today
    assert Withdrawal.objects.get(pk=w.pk).followed_up_on == TODAY


# --- collection notice receipt and the collection log ---------------------------------------------------------------

@pytest.mark.django_db
def test_receipt_not_in_the_future_nor_before_the_notice(fresh, api):
    loan = make_loan(fresh)
    issued = TODAY - dt.timedelta(days=3)
    notice = CollectionNotice.objects.create(loan=loan, region_code=loan.region_code, kind="due", maturity_on=loan.maturity_on,
                                             issued_on=issued)
    url = f"/api/v1/collection-notices/{notice.pk}/receipt/"
    refused(api.post(url, {"signer": "户主", "signed_on": FAR}, format="json"), "date_in_future", "signed_on")
    refused(api.post(url, {"signer": "户主", "signed_on": TOMORROW.isoformat()}, format="json"), "date_in_future", "signed_on")
    body = refused(api.post(url, {"signer": "户主", "signed_on": (issued - dt.timedelta(days=1)).isoformat()}, format="json"),
                   "date_before_notice", "signed_on")
    assert issued.isoformat() in body["detail"]
    notice.refresh_from_db()
    assert notice.receipt_signed_on is None
    assert api.post(url, {"signer": "户主", "signed_on": issued.isoformat()}, format="json").status_code == 200


@pytest.mark.django_db
def test_collection_log_not_in_the_future_nor_before_the_disbursement(client, fresh):
    loan = make_loan(fresh)
    client.force_login(fresh["banker"])
    url = reverse("postloan:collection-log", args=[loan.pk])
    assert f'max="{TODAY.isoformat()}"' in client.get(url).content.decode()
    for day, text in ((TOMORROW, said("date_in_future", "date", TODAY)),
                      (DISBURSED - dt.timedelta(days=1), said("date_before_disbursement", "date", DISBURSED))):
        r = client.post(url, {"kind": "visit", "happened_on": day.isoformat(), "result": "入户催收"})
        assert r.status_code == 200 and text in r.content.decode()
    assert not CollectionLog.objects.exists()
    for day in (DISBURSED, TODAY):
        assert client.post(url, {"kind": "visit", "happened_on": day.isoformat(), "result": "入户催收"}).status_code == 302
    assert CollectionLog.objects.count() == 2


# --- inspection (tablet form only) ---------------------------------------------------------------------------------

def inspection(**extra):
    return {"done_on": TODAY.isoformat(), "actual_use": "购买肉牛", "use_matches": "1", "production_status": "良好",
            "inspectors": "张书记", **extra}


@pytest.mark.django_db
def test_inspection_not_in_the_future_nor_before_the_disbursement(client, fresh):
    loan = make_loan(fresh)
    client.force_login(fresh["secretary"])
    url = reverse("postloan:inspect", args=[loan.pk])
    assert f'max="{TODAY.isoformat()}"' in client.get(url).content.decode()
    future, early = said("date_in_future", "inspected on", TODAY), said("date_before_disbursement", "inspected on", DISBURSED)
    for i, (day, text) in enumerate(((FAR, future), (TOMORROW.isoformat(), future),
                                     ((DISBURSED - dt.timedelta(days=1)).isoformat(), early))):
        r = client.post(url, inspection(done_on=day, client_id=f"tab-{i}"))
        assert r.status_code == 200 and text in r.content.decode(), day
    assert not Inspection.objects.exists()
    assert client.post(url, inspection(done_on=DISBURSED.isoformat(), client_id="tab-ok")).status_code == 302
    assert Inspection.objects.get().done_on == DISBURSED


# --- loans that already carry such dates -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_loan_settled_by_a_repayment_dated_9999_12_31_still_opens_everywhere(client, fresh, api):
    """Written before the rule existed: the repayment is inserted as the old code stored it."""
    loan = make_loan(fresh)
    far = dt.date(9999, 12, 31)
    Repayment.objects.create(loan=loan, region_code=loan.region_code, bank=loan.bank, paid_on=far, principal=loan.principal,
                             recorded_by=fresh["banker"])
    Loan.objects.filter(pk=loan.pk).update(state=LoanState.SETTLED, settled_on=far, principal_repaid=loan.principal)
    CollectionNotice.objects.create(loan=loan, region_code=loan.region_code, kind="due", maturity_on=loan.maturity_on,
                                    issued_on=TODAY)
    notice = CollectionNotice.objects.get()
    detail = api.get(f"/api/v1/loans/{loan.pk}/")
    assert detail.status_code == 200
    assert detail.json()["repayments"][0]["paid_on"] == FAR and detail.json()["settled_on"] == FAR  # the stored value, shown
    assert api.get("/api/v1/loans/").status_code == 200
    client.force_login(fresh["county_officer"])
    for url in (reverse("loans:detail", args=[loan.pk]), reverse("loans:list"), reverse("households:detail", args=[loan.household_id]),
                reverse("postloan:notice-pdf", args=[notice.pk]), reverse("postloan:collection-log", args=[loan.pk])):
        assert client.get(url).status_code == 200, url
    assert FAR in client.get(reverse("loans:detail", args=[loan.pk])).content.decode()


@pytest.mark.django_db
def test_a_loan_maturing_at_the_end_of_the_calendar_still_opens_and_the_daily_jobs_run(client, fresh, api):
    loan = make_loan(fresh)
    last = dt.date(9999, 12, 31)
    Loan.objects.filter(pk=loan.pk).update(maturity_on=last, original_maturity_on=last)
    Repayment.objects.create(loan=loan, region_code=loan.region_code, bank=loan.bank, paid_on=dt.date(9999, 6, 1),
                             interest=Decimal("5"), recorded_by=fresh["banker"])
    Withdrawal.objects.create(loan=loan, region_code=loan.region_code, amount=Decimal("15000"), withdrawn_on=dt.date(9999, 12, 30),
                              external_id="LEGACY", needs_follow_up=True, follow_up=Withdrawal.FollowUp.PENDING,
                              recorded_by=fresh["banker"])
    detail = api.get(f"/api/v1/loans/{loan.pk}/")
    assert detail.status_code == 200 and detail.json()["maturity_on"] == "9999-12-31"
    assert len(detail.json()["schedule"]) < 300  # quarters of a few years, not of eight millennia
    client.force_login(fresh["banker"])
    assert client.get(reverse("loans:detail", args=[loan.pk])).status_code == 200
    assert client.get(reverse("postloan:withdrawals")).status_code == 200
    # Asking for an extension or a deferral of such a loan is answered, not a 500.
    r = api.post(f"/api/v1/loans/{loan.pk}/extension-requests/", {"months": 6, "reason": "受灾"}, format="json")
    assert r.status_code in (201, 400), r.content
    r = api.post(f"/api/v1/loans/{loan.pk}/deferral-requests/", {"new_maturity_on": FAR, "reason": "疫情"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "deferral_not_later"
    jobs.run_day(TODAY)


def test_date_arithmetic_stays_inside_the_calendar():
    last, first = dt.date(9999, 12, 31), dt.date(1, 1, 1)
    assert dates.add_months(dt.date(9999, 11, 30), 3) == last
    assert dates.add_months(dt.date(1, 2, 1), -3) == first
    assert dates.add_years(dt.date(9999, 2, 1), 1) == last
    assert dates.add_days(last, 1) == last and dates.add_days(first, -1) == first
    assert loan_policy.settlement_dates(dt.date(2024, 6, 3), last)[-1] == last
    assert len(loan_policy.settlement_dates(dt.date(2024, 6, 3), last)) < 300
    assert loan_policy.overdue_status(today=last, maturity_on=last, balance=Decimal("1"), interest_due_by=[],
                                      interest_paid=Decimal("0")).overdue is False


@pytest.mark.django_db
def test_working_day_arithmetic_stays_inside_the_calendar():
    assert add_working_days(dt.date(9999, 12, 30), 7) == dt.date(9999, 12, 31)
    assert add_working_days(dt.date(1, 1, 2), -7) == dt.date(1, 1, 1)
