import datetime as dt

import pytest

from apps.accounts.models import CountyBank
from apps.accounts.roles import Position, Role
from apps.regions.models import Level
from apps.regions.services import holidays_seed, rates_seed
from tests.factories import BankFactory, HouseholdFactory, UserFactory, bank_user

TODAY = dt.date(2024, 6, 3)


@pytest.fixture
def chain(tree):
    """One county with its bank and a user at every level, and a rated, eligible household."""
    rates_seed()
    holidays_seed(2024, 2024)
    a = tree["a"]
    bank = BankFactory(name="蓬溪农村商业银行", short_name="蓬溪农商行")
    cb = CountyBank.objects.create(county=a[Level.COUNTY], bank=bank)
    cb.main_townships.add(a[Level.TOWNSHIP])
    household = HouseholdFactory(village=a[Level.VILLAGE], credit_grade="AA", credit_score=75, rated_on=dt.date(2024, 1, 10))
    return {
        "tree": tree, "bank": bank, "household": household,
        "secretary": UserFactory(role=Role.VILLAGE_MEMBER, position=Position.FIRST_SECRETARY, region=a[Level.VILLAGE]),
        "accountant": UserFactory(role=Role.VILLAGE_MEMBER, position=Position.ACCOUNTANT, region=a[Level.VILLAGE]),
        "township_officer": UserFactory(role=Role.TOWNSHIP_OFFICER, region=a[Level.TOWNSHIP]),
        "township_leader": UserFactory(role=Role.TOWNSHIP_LEADER, region=a[Level.TOWNSHIP]),
        "county_officer": UserFactory(role=Role.COUNTY_OFFICER, region=a[Level.COUNTY]),
        "county_head": UserFactory(role=Role.COUNTY_HEAD, region=a[Level.COUNTY]),
        "banker": bank_user(a[Level.COUNTY], bank=bank),
        "other_banker": bank_user(a[Level.COUNTY]),
    }
