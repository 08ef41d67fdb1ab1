import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.approvals import services as approvals
from apps.approvals.models import Level as ReviewLevel
from apps.approvals.models import ReviewDecision
from apps.households.models import Household, Member
from apps.loans import services as loans
from apps.regions.models import Level
from tests.approvals.conftest import chain  # noqa: F401 - one county, its bank and a user at every level
from tests.factories import HouseholdFactory

APPLIED = dt.date(2024, 6, 3)
# The day each level decided (decisions are stamped when written; the fixture moves them to fixed days).
DECIDED = {ReviewLevel.APPLICANT: APPLIED, ReviewLevel.VILLAGE: dt.date(2024, 6, 3), ReviewLevel.TOWNSHIP: dt.date(2024, 6, 4),
           ReviewLevel.COUNTY: dt.date(2024, 6, 5), ReviewLevel.BANK: dt.date(2024, 6, 6)}
SIGNERS = {"secretary": "李明华", "township_officer": "赵文静", "township_leader": "陈志强", "county_head": "周建国", "banker": "孙丽娟"}
HOUSEHOLD_PHONE = "13981234567"
HOTLINE = "0825-5422110"


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 30)))


def _fix_decision_days(app):
    for level, day in DECIDED.items():
        ReviewDecision.objects.filter(application=app, level=level).update(at=_at(day))


@pytest.fixture
def people(chain):  # noqa: F811
    for key, name in SIGNERS.items():
        chain[key].real_name = name
        chain[key].save()
    household = chain["household"]
    Household.objects.filter(pk=household.pk).update(phone=HOUSEHOLD_PHONE, annual_income=Decimal("18600.00"), industry="肉牛养殖")
    Member.objects.filter(household=household, relation="head").update(phone=HOUSEHOLD_PHONE)
    village = chain["tree"]["a"][Level.VILLAGE]
    village.hotline = HOTLINE
    village.save()
    household.refresh_from_db()
    return chain


@pytest.fixture
def full_application(people):
    """50,000 yuan for 36 months through every level, with a township opinion; the bank opened loan PX-2024-001."""
    c = people
    app = approvals.application_create(c["secretary"], household=c["household"], amount=Decimal("50000"), term_months=36,
                                       purpose="breeding", project="养殖肉牛10头", today=APPLIED, submit=True)
    app = approvals.application_approve(c["secretary"], app, comment="经入户核查，情况属实", today=APPLIED)
    app = approvals.application_opinion(c["township_officer"], app, comment="资料齐全，符合条件")
    app = approvals.application_approve(c["township_leader"], app, today=APPLIED)
    app = approvals.application_approve(c["county_head"], app, today=APPLIED)
    app = approvals.application_approve(c["banker"], app, today=DECIDED[ReviewLevel.BANK], bank_terms={
        "contract_no": "PX-2024-001", "receipt_no": "PX-2024-001-J", "signed_on": DECIDED[ReviewLevel.BANK]})
    _fix_decision_days(app)
    return app


@pytest.fixture
def village_batch(people):
    """The village sends three applications (65,000.50 yuan) to the township in one batch."""
    c = people
    village = c["tree"]["a"][Level.VILLAGE]
    names = ["王建军", "刘桂花", "张德明"]
    amounts = [Decimal("30000"), Decimal("20000"), Decimal("15000.50")]
    apps = []
    for name, amount in zip(names, amounts, strict=True):
        household = HouseholdFactory(village=village, head_name=name, credit_grade="AA", credit_score=78, rated_on=dt.date(2024, 1, 10))
        apps.append(approvals.application_create(c["secretary"], household=household, amount=amount, term_months=24,
                                                 purpose="planting", project="种植花椒", today=APPLIED, submit=True))
    return approvals.application_batch_approve(c["secretary"], apps, comment="第一批", today=APPLIED)


@pytest.fixture
def notice(full_application, people):
    loan = loans.loan_disburse(people["banker"], full_application.loan, on=DECIDED[ReviewLevel.BANK])
    return loans.notice_publish(people["county_officer"], loan.region_code, today=dt.date(2024, 6, 7))
