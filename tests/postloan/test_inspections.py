import datetime as dt
from decimal import Decimal

import pytest

from apps.accounts.models import Notification
from apps.core.errors import DomainError
from apps.postloan import jobs, services
from apps.postloan.models import CollectionCase, Finding, InspectionSchedule, RectState
from tests.loans.test_loan_account import disbursed


@pytest.fixture
def loan(chain):
    loan = disbursed(chain, amount="30000", term=36)
    jobs.inspection_scheduling(loan.disbursed_on)
    return loan


def inspect(chain, loan, on, findings=None, use_matches=True, **kw):
    return services.inspection_record(chain["secretary"], loan, done_on=on, actual_use="购买肉牛 5 头", use_matches=use_matches,
                                      production_status="存栏 5 头，长势良好", inspectors="张书记、李会计", findings=findings, **kw)[0]


@pytest.mark.django_db
def test_no_problem_quarterly_problem_monthly_rectified_quarterly(chain, loan):
    inspect(chain, loan, dt.date(2024, 7, 1))
    schedule = InspectionSchedule.objects.get(loan=loan)
    assert schedule.next_due_on == dt.date(2024, 10, 1) and not schedule.problem_open
    inspect(chain, loan, dt.date(2024, 9, 28), use_matches=False,
            findings=[{"category": "wrong_use", "description": "部分资金用于购买家电"}])
    schedule.refresh_from_db()
    assert schedule.problem_open and schedule.next_due_on == dt.date(2024, 10, 28)
    finding = Finding.objects.get()
    today = dt.date(2024, 10, 5)
    services.finding_step(chain["secretary"], finding, "propose", plan="收回挪用资金，改购饲料", deadline=dt.date(2024, 11, 30), today=today)
    with pytest.raises(DomainError):
        services.finding_step(chain["banker"], finding, "township_approve", today=today)  # not the bank's step
    services.finding_step(chain["township_leader"], finding, "township_approve", today=today)
    services.finding_step(chain["county_officer"], finding, "county_agree", today=today)
    finding.refresh_from_db()
    assert finding.state == RectState.TOWNSHIP_APPROVED  # waits for the bank too
    services.finding_step(chain["banker"], finding, "bank_agree", today=today)
    services.finding_step(chain["secretary"], finding, "rectify", result="已收回 3000 元并购买饲料", today=dt.date(2024, 10, 20))
    # still monthly until verified
    inspect(chain, loan, dt.date(2024, 10, 25))
    schedule.refresh_from_db()
    assert schedule.problem_open and schedule.next_due_on == dt.date(2024, 11, 25)
    services.finding_step(chain["township_officer"], finding, "verify", today=dt.date(2024, 10, 30))
    finding.refresh_from_db()
    schedule.refresh_from_db()
    assert finding.state == RectState.VERIFIED and finding.responsible == chain["secretary"]
    assert not schedule.problem_open and schedule.next_due_on == dt.date(2025, 1, 25)
    assert list(finding.steps.values_list("action", flat=True)) == ["found", "propose", "township_approve", "county_agree",
                                                                     "bank_agree", "rectify", "verify"]


@pytest.mark.django_db
def test_wrong_borrower_opens_a_county_collection_case(chain, loan):
    inspect(chain, loan, dt.date(2024, 7, 1), use_matches=False,
            findings=[{"category": "wrong_borrower", "description": "借款人非建档立卡户"}])
    case = CollectionCase.objects.get()
    assert case.loan == loan and case.opened_on == dt.date(2024, 7, 1)
    assert Notification.objects.filter(user=chain["county_officer"], dedupe_key__startswith="collection-case:").exists()


@pytest.mark.django_db
def test_location_with_zero_accuracy_is_flagged_and_client_id_dedupes(chain, loan):
    first = inspect(chain, loan, dt.date(2024, 7, 1), latitude=Decimal("30.5"), longitude=Decimal("105.6"), accuracy_m=Decimal("0"),
                    client_id="tablet-123")
    assert first.location_suspect
    again, created = services.inspection_record(chain["secretary"], loan, done_on=dt.date(2024, 7, 1), actual_use="x", use_matches=True,
                                                production_status="y", inspectors="z", client_id="tablet-123")
    assert not created and again.pk == first.pk


@pytest.mark.django_db
def test_inspection_requires_the_form(chain, loan):
    with pytest.raises(DomainError) as exc:
        services.inspection_record(chain["secretary"], loan, done_on=dt.date(2024, 7, 1), actual_use="", use_matches=True,
                                   production_status="", inspectors="")
    assert set(exc.value.fields) == {"actual_use", "production_status", "inspectors"}
    with pytest.raises(DomainError) as exc:
        services.inspection_record(chain["banker"], loan, done_on=dt.date(2024, 7, 1), actual_use="x", use_matches=True,
                                   production_status="y", inspectors="z")
    assert exc.value.code == "not_your_level"


@pytest.mark.django_db
def test_settled_loans_leave_the_schedule(chain, loan):
    from apps.loans import services as loan_services

    loan_services.repayment_post(chain["banker"], loan, paid_on=dt.date(2024, 8, 1), principal=Decimal("30000"))
    jobs.inspection_scheduling(dt.date(2024, 8, 2))
    assert not InspectionSchedule.objects.get(loan=loan).active


@pytest.mark.django_db
def test_collection_notice_receipt(chain):
    loan = disbursed(chain, amount="10000", term=12, contract="PX-N")
    jobs.collection_notices(loan.maturity_on - dt.timedelta(days=30))
    from apps.postloan.models import CollectionNotice

    notice = CollectionNotice.objects.get()
    with pytest.raises(DomainError):
        services.notice_receipt(chain["secretary"], notice, signer="户主", signed_on=notice.issued_on - dt.timedelta(days=1))
    services.notice_receipt(chain["secretary"], notice, signer="户主本人", signed_on=notice.issued_on + dt.timedelta(days=2))
    with pytest.raises(DomainError) as exc:
        services.notice_receipt(chain["secretary"], notice, signer="户主本人", signed_on=notice.issued_on)
    assert exc.value.code == "notice_already_signed"
    log = services.collection_log_add(chain["secretary"], loan, kind="plan", happened_on=dt.date(2024, 7, 1), result="约定分两次还款",
                                      promise_to_pay_on=dt.date(2027, 6, 1), promised_amount=Decimal("15000"))
    assert log.promised_amount == Decimal("15000")
