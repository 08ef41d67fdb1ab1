"""Eligibility rules at their edges (pure, no database)."""
import datetime as dt
from decimal import Decimal

import pytest

from apps.approvals.policy import Facts, bank_terms_violations, violations
from apps.regions.models import CountyPolicy

TODAY = dt.date(2024, 6, 15)
POLICY = CountyPolicy(effective_on=dt.date(2020, 1, 1))  # model defaults: 50,000 cap, 36 months, 18–65, grade A


def facts(**kw):
    base = dict(status="registered_poor", registered=True, credit_grade="A", rated_on=dt.date(2024, 1, 1),
                borrower_birth=dt.date(1980, 1, 1), amount=Decimal("30000"), term_months=36, purpose="breeding")
    return Facts(**(base | kw))


def test_an_eligible_application_has_no_violations():
    assert violations(facts(), POLICY, TODAY) == []


@pytest.mark.parametrize(("existing", "amount", "ok"), [
    ("0", "49999.99", True), ("0", "50000.00", True), ("0", "50000.01", False),
    ("20000.00", "29999.99", True), ("20000.00", "30000.00", True), ("20000.00", "30000.01", False),
])
def test_cap_per_household_includes_existing_balance(existing, amount, ok):
    codes = violations(facts(amount=Decimal(amount), household_committed=Decimal(existing)), POLICY, TODAY)
    assert ("amount_over_household_cap" not in codes) is ok


@pytest.mark.parametrize(("term", "ok"), [(1, True), (36, True), (37, False)])
def test_term_at_most_36_months(term, ok):
    assert ("term_over_maximum" not in violations(facts(term_months=term), POLICY, TODAY)) is ok


@pytest.mark.parametrize(("birth", "code"), [
    (dt.date(2006, 6, 16), "borrower_too_young"),  # 17, turns 18 tomorrow
    (dt.date(2006, 6, 15), None),  # 18 today
    (dt.date(1958, 6, 16), None),  # 65, turns 66 tomorrow
    (dt.date(1958, 6, 15), "borrower_too_old"),  # 66 today
])
def test_age_18_to_65_inclusive_on_the_application_day(birth, code):
    codes = violations(facts(borrower_birth=birth), POLICY, TODAY)
    assert [c for c in codes if c.startswith("borrower_")] == ([code] if code else [])


@pytest.mark.parametrize(("status", "ok"), [
    ("registered_poor", True), ("lifted_out", True), ("marginal", True), ("monitored", True), ("not_registered", False),
])
def test_registration_status(status, ok):
    assert (violations(facts(status=status, registered=status != "not_registered"), POLICY, TODAY) == []) is ok


def test_county_can_narrow_eligible_statuses():
    strict = CountyPolicy(effective_on=dt.date(2020, 1, 1), eligible_statuses=["registered_poor", "lifted_out"])
    assert violations(facts(status="marginal"), strict, TODAY) == ["status_not_eligible"]


@pytest.mark.parametrize(("grade", "ok"), [("AAA", True), ("AA", True), ("A", True), ("", False)])
def test_credit_grade_at_least_a(grade, ok):
    assert ("credit_grade_too_low" not in violations(facts(credit_grade=grade), POLICY, TODAY)) is ok


def test_rating_older_than_a_year_must_be_renewed():
    assert "credit_rating_expired" in violations(facts(rated_on=dt.date(2023, 6, 15)), POLICY, TODAY)
    assert "credit_rating_expired" not in violations(facts(rated_on=dt.date(2023, 6, 16)), POLICY, TODAY)


@pytest.mark.parametrize(("rated_on", "months", "expired"), [
    (dt.date(2023, 6, 16), 12, False),  # 12 months less a day: still valid
    (dt.date(2023, 6, 15), 12, True),   # exactly 12 months: due today, expired
    (dt.date(2023, 6, 14), 12, True),   # 12 months and a day
    (dt.date(2023, 6, 14), 24, False),  # the same rating in a county that re-rates every 24 months
    (dt.date(2022, 6, 16), 24, False),
    (dt.date(2022, 6, 15), 24, True),
    (dt.date(2023, 12, 15), 6, True),
    (dt.date(2023, 12, 16), 6, False),
])
def test_rating_expires_after_the_countys_rerating_interval(rated_on, months, expired):
    codes = violations(facts(rated_on=rated_on), POLICY, TODAY, rerating_months=months)
    assert ("credit_rating_expired" in codes) is expired



@pytest.mark.parametrize(("purpose", "code"), [
    ("marriage", "purpose_marriage"), ("housing", "purpose_housing"), ("wealth_management", "purpose_wealth_management"),
    ("household_goods", "purpose_household_goods"), ("enterprise_pooling", "purpose_enterprise_pooling"),
    ("gambling", "purpose_unknown"),
])
def test_production_purposes_only(purpose, code):
    assert violations(facts(purpose=purpose), POLICY, TODAY) == [code]


def test_one_borrower_per_household():
    assert violations(facts(other_member_busy=True), POLICY, TODAY) == ["household_has_other_borrower"]


def test_cooperative_mode_needs_consent():
    assert violations(facts(cooperative_mode=True), POLICY, TODAY) == ["cooperative_without_consent"]
    assert violations(facts(cooperative_mode=True, cooperative_consent="户主签字同意 2024-06-01"), POLICY, TODAY) == []


def test_bank_may_approve_less_not_more():
    assert bank_terms_violations(Decimal("50000"), 36, Decimal("40000"), 24) == []
    assert bank_terms_violations(Decimal("50000"), 36, Decimal("50000.01"), 36) == ["bank_amount_above_request"]
    assert bank_terms_violations(Decimal("50000"), 24, Decimal("50000"), 25) == ["bank_term_above_request"]
