"""Eligibility and term rules (DOMAIN: who may borrow, the loan). Pure functions over plain values:
no ORM, `today` is a parameter. Each returns stable violation codes rendered by apps.core.messages."""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from apps.core.dates import add_months, age_on
from apps.regions.policy import grade_at_least

PRODUCTIVE_PURPOSES = {"planting", "breeding", "processing", "trade", "rural_tourism", "other_production"}
# Uses the rules name and forbid, so a request that declares one is refused with its own reason.
FORBIDDEN_PURPOSES = {
    "marriage": "purpose_marriage",
    "housing": "purpose_housing",
    "wealth_management": "purpose_wealth_management",
    "household_goods": "purpose_household_goods",
    "enterprise_pooling": "purpose_enterprise_pooling",
}
DEFAULT_ELIGIBLE = ["registered_poor", "lifted_out", "marginal", "monitored"]


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about one application on one day."""

    status: str
    registered: bool
    credit_grade: str
    rated_on: dt.date | None
    borrower_birth: dt.date | None
    amount: Decimal
    term_months: int
    purpose: str
    cooperative_mode: bool = False
    cooperative_consent: str = ""
    household_committed: Decimal = Decimal("0")  # open loans' principal + other open applications
    other_member_busy: bool = False  # another member has an open application or loan
    extra: dict = field(default_factory=dict)


def violations(f: Facts, policy, today: dt.date, *, rerating_months: int = 12) -> list[str]:
    """Every rule that the application breaks, in a stable order; empty when eligible. `rerating_months` is the
    county's re-rating interval on `today` (CountyPolicy.rerating_months; 12, a yearly re-rating, by default): a
    rating that old or older has expired."""
    out = []
    eligible = policy.eligible_statuses or DEFAULT_ELIGIBLE
    if not f.registered or f.status == "not_registered":
        out.append("household_not_registered")
    elif f.status not in eligible:
        out.append("status_not_eligible")
    if not grade_at_least(f.credit_grade, policy.min_credit_grade):
        out.append("credit_grade_too_low")
    elif f.rated_on is None or add_months(f.rated_on, rerating_months) <= today:
        out.append("credit_rating_expired")
    if f.borrower_birth is None:
        out.append("borrower_birth_unknown")
    else:
        age = age_on(f.borrower_birth, today)
        if age < policy.borrower_min_age:
            out.append("borrower_too_young")
        elif age > policy.borrower_max_age:
            out.append("borrower_too_old")
    if f.amount <= 0:
        out.append("amount_not_positive")
    elif f.household_committed + f.amount > policy.household_cap:
        out.append("amount_over_household_cap")
    if f.term_months < 1:
        out.append("term_not_positive")
    elif f.term_months > policy.max_term_months:
        out.append("term_over_maximum")
    if f.other_member_busy:
        out.append("household_has_other_borrower")
    if f.purpose in FORBIDDEN_PURPOSES:
        out.append(FORBIDDEN_PURPOSES[f.purpose])
    elif f.purpose not in PRODUCTIVE_PURPOSES:
        out.append("purpose_unknown")
    if f.cooperative_mode and not (f.cooperative_consent or "").strip():
        out.append("cooperative_without_consent")
    return out


def bank_terms_violations(requested_amount: Decimal, requested_term: int, amount: Decimal, term: int) -> list[str]:
    """The bank may approve less or shorter, never more or longer."""
    out = []
    if amount <= 0 or amount > requested_amount:
        out.append("bank_amount_above_request")
    if term < 1 or term > requested_term:
        out.append("bank_term_above_request")
    return out
