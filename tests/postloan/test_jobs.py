import datetime as dt
from decimal import Decimal

import pytest

from apps.accounts.models import Notification
from apps.loans import services as loan_services
from apps.postloan import jobs, services
from apps.postloan.models import BulletinRow, CollectionNotice, InspectionSchedule, JobRun
from apps.regions.models import CountyPolicy, Level
from tests.loans.test_loan_account import disbursed

SIGNED = dt.date(2024, 6, 3)  # 12-month loans mature 2025-06-03


@pytest.fixture
def loan(chain):
    return disbursed(chain, amount="30000", term=12)


@pytest.mark.django_db
def test_due_notice_exactly_n_days_ahead_once_per_maturity(chain, loan):
    maturity = loan.maturity_on
    jobs.collection_notices(maturity - dt.timedelta(days=31))
    assert not CollectionNotice.objects.exists()  # N + 1 days ahead: not yet
    jobs.collection_notices(maturity - dt.timedelta(days=30))
    assert CollectionNotice.objects.get().kind == "due"
    jobs.collection_notices(maturity - dt.timedelta(days=29))
    assert CollectionNotice.objects.count() == 1  # once per maturity
    # an extension gives a new maturity and so a new notice
    change = loan_services.term_change_request(chain["banker"], loan, kind="extension", months=6, reason="因灾", today=dt.date(2025, 5, 1))
    loan_services.term_change_decide(chain["banker"], change, approve=True, today=dt.date(2025, 5, 2))
    loan.refresh_from_db()
    jobs.collection_notices(loan.maturity_on - dt.timedelta(days=30))
    assert CollectionNotice.objects.filter(kind="due").count() == 2


@pytest.mark.django_db
def test_county_setting_45_days(chain, loan):
    CountyPolicy.objects.create(county=chain["tree"]["a"][Level.COUNTY], effective_on=dt.date(2020, 1, 1), due_reminder_days=45)
    jobs.collection_notices(loan.maturity_on - dt.timedelta(days=46))
    assert not CollectionNotice.objects.exists()
    jobs.collection_notices(loan.maturity_on - dt.timedelta(days=45))
    assert CollectionNotice.objects.count() == 1


@pytest.mark.django_db
def test_overdue_marking_day_after_maturity_and_cleared_by_repayment(chain, loan):
    jobs.overdue_marking(loan.maturity_on)
    loan.refresh_from_db()
    assert loan.overdue_since is None  # due today is not overdue
    jobs.overdue_marking(loan.maturity_on + dt.timedelta(days=1))
    loan.refresh_from_db()
    assert loan.overdue_since == loan.maturity_on + dt.timedelta(days=1)
    jobs.collection_notices(loan.maturity_on + dt.timedelta(days=1))
    assert CollectionNotice.objects.filter(kind="overdue").count() == 1
    loan_services.repayment_post(chain["banker"], loan, paid_on=loan.maturity_on + dt.timedelta(days=2), principal=Decimal("30000"))
    jobs.overdue_marking(loan.maturity_on + dt.timedelta(days=3))
    loan.refresh_from_db()
    assert loan.overdue_since is None


@pytest.mark.django_db
def test_a_second_run_the_same_day_changes_nothing_and_notifies_no_one_twice(chain, loan):
    day = loan.maturity_on + dt.timedelta(days=1)
    first = jobs.run_due(day)
    notes = Notification.objects.count()
    rows = BulletinRow.objects.count()
    assert notes > 0 and rows > 0 and first[day.isoformat()]["overdue_marking"]["marked"] == 1
    second = jobs.run_due(day)
    assert second == {day.isoformat(): {}}
    assert Notification.objects.count() == notes and BulletinRow.objects.count() == rows
    # and the jobs themselves are idempotent when forced to run again
    assert jobs.overdue_marking(day)["marked"] == 0
    before = CollectionNotice.objects.count()
    jobs.collection_notices(day)
    assert CollectionNotice.objects.count() == before


@pytest.mark.django_db
def test_catch_up_after_three_days_without_a_worker(chain, loan):
    start = dt.date(2024, 7, 1)
    jobs.run_due(start)
    later = start + dt.timedelta(days=3)
    done = jobs.run_due(later)
    assert list(done) == ["2024-07-02", "2024-07-03", "2024-07-04"]
    days = set(BulletinRow.objects.filter(group="county").values_list("day", flat=True))
    assert days == {start + dt.timedelta(days=i) for i in range(4)}
    assert JobRun.objects.filter(job="bulletin").count() == 4


@pytest.mark.django_db
def test_inspection_scheduling_and_overdue_flag(chain, loan):
    jobs.inspection_scheduling(dt.date(2024, 6, 4))
    schedule = InspectionSchedule.objects.get(loan=loan)
    assert schedule.next_due_on == dt.date(2024, 7, 3)
    r = jobs.inspection_scheduling(dt.date(2024, 7, 4))
    assert r["overdue"] == 1 and r["added"] == 0
    assert Notification.objects.filter(user=chain["secretary"], dedupe_key="inspections-overdue:2024-07-04").exists()


@pytest.mark.django_db
def test_first_inspection_follows_the_county_setting(chain, loan):
    """A county that gives its groups two months for the first inspection (the default is one)."""
    CountyPolicy.objects.create(county=chain["tree"]["a"][Level.COUNTY], effective_on=dt.date(2020, 1, 1), first_inspection_months=2)
    jobs.inspection_scheduling(loan.disbursed_on + dt.timedelta(days=1))
    assert InspectionSchedule.objects.get(loan=loan).next_due_on == policy_add_months(loan.disbursed_on, 2)


def policy_add_months(day, months):
    from apps.postloan.policy import first_inspection_due

    return first_inspection_due(day, months)


@pytest.mark.django_db
def test_bulletin_figures_as_of_the_day(chain, loan):
    other = disbursed(chain, amount="20000", term=12, contract="PX-2")
    loan_services.repayment_post(chain["banker"], other, paid_on=dt.date(2024, 8, 1), principal=Decimal("5000"))
    jobs.bulletin(dt.date(2024, 7, 31))
    jobs.bulletin(dt.date(2025, 6, 4))
    before = BulletinRow.objects.get(day=dt.date(2024, 7, 31), group="county")
    assert before.balance == Decimal("50000.00") and before.overdue_count == 0
    after = BulletinRow.objects.get(day=dt.date(2025, 6, 4), group="county")
    assert after.balance == Decimal("45000.00") and after.overdue_amount == Decimal("45000.00") and after.overdue_rate == Decimal("100.00")
    assert after.red_line == Decimal("0.50") and after.over_red_line and after.new_overdue == 2
    assert BulletinRow.objects.filter(day=dt.date(2025, 6, 4), group="bank").count() == 1
    assert BulletinRow.objects.get(day=dt.date(2025, 6, 4), group="township").key == loan.region_code[:9] + "000"


@pytest.mark.django_db
def test_withdrawal_alert_edges(chain, loan):
    big, created = services.withdrawal_record(chain["banker"], loan, amount=Decimal("10000.00"), withdrawn_on=dt.date(2024, 6, 5),
                                              external_id="W1", payee="饲料公司")
    small, _ = services.withdrawal_record(chain["banker"], loan, amount=Decimal("9999.99"), withdrawn_on=dt.date(2024, 6, 6),
                                          external_id="W2")
    assert created and big.needs_follow_up and big.follow_up == "pending"
    assert not small.needs_follow_up and small.follow_up == ""
    assert Notification.objects.filter(user=chain["secretary"], dedupe_key=f"withdrawal:{big.pk}").exists()
    again, created = services.withdrawal_record(chain["banker"], loan, amount=Decimal("10000.00"), withdrawn_on=dt.date(2024, 6, 5),
                                                external_id="W1", payee="饲料公司")
    assert not created and again.pk == big.pk
    r = services.spot_check_month(dt.date(2024, 7, 1))
    small.refresh_from_db()
    assert r["sampled"] == 1 and small.sampled_month == dt.date(2024, 6, 1) and small.follow_up == "pending"
    assert services.spot_check_month(dt.date(2024, 7, 1))["sampled"] == 0
