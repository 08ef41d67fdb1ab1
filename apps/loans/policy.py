"""Loan terms and money as pure functions (DOMAIN: the loan, after disbursement; national rules)."""
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from apps.core.dates import add_days, add_months

# Contracts signed up to this day keep the 2020 policy terms, the PBoC benchmark rate (001 §一).
BENCHMARK_UNTIL = dt.date(2020, 12, 31)
DEFERRAL_FIRST_MATURITY = dt.date(2020, 1, 1)
DEFERRAL_2020_LIMIT = dt.date(2021, 3, 31)
DAYS_PER_YEAR = Decimal(360)  # 日利率 = 年利率 / 360
CENT = Decimal("0.01")
# 50 years of quarters: far beyond any term (36 months + extension + deferral). A schedule stored before the
# business-date rule (a loan "settled" on 9999-12-31) stops there instead of listing eight millennia of quarters.
MAX_SETTLEMENT_PERIODS = 200


def rate_kind_for(signed_on: dt.date) -> str:
    return "benchmark" if signed_on <= BENCHMARK_UNTIL else "lpr"


def annual_rate(term_months: int, up_to_one_year: Decimal, long_term: Decimal) -> Decimal:
    """≤ 12 months takes the one-year rate, 13–36 months the 1–3 year (5-year band) rate."""
    return up_to_one_year if term_months <= 12 else long_term


def maturity(signed_on: dt.date, term_months: int) -> dt.date:
    return add_months(signed_on, term_months)


def settlement_dates(start: dt.date, maturity_on: dt.date, day: int = 20) -> list[dt.date]:
    """Quarterly interest settlements (20 March, June, September, December by default) after `start`
    and before maturity; the last period's interest is due at maturity with the principal."""
    out = []
    year, month = start.year, ((start.month - 1) // 3 + 1) * 3
    while len(out) < MAX_SETTLEMENT_PERIODS and year <= dt.MAXYEAR:
        d = dt.date(year, month, day)
        if d >= maturity_on:
            break
        if d > start:
            out.append(d)
        month += 3
        if month > 12:
            year, month = year + 1, 3
    return out + [maturity_on]


def interest(balances: list[tuple[dt.date, Decimal]], rate_periods: list[tuple[dt.date, Decimal]],
             start: dt.date, end: dt.date) -> Decimal:
    """Interest accrued on (start, end]: each day's closing balance × that day's annual rate / 360, half-up
    to the cent. `balances` and `rate_periods` are (from_date, value) steps sorted by date."""
    total = Decimal("0")
    day = start
    while day < end:
        # the next day at which balance or rate changes
        nxt = min([d for d, _ in balances + rate_periods if d > day] + [end])
        bal = _value_on(balances, day)
        rate = _value_on(rate_periods, day)
        total += bal * rate / 100 / DAYS_PER_YEAR * (nxt - day).days
        day = nxt
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


def _value_on(steps, day):
    value = Decimal("0")
    for d, v in steps:
        if d <= day:
            value = v
    return value


@dataclass(frozen=True)
class Overdue:
    overdue: bool
    since: dt.date | None
    days: int
    principal: Decimal
    interest: Decimal


def overdue_status(*, today: dt.date, maturity_on: dt.date, balance: Decimal, interest_due_by: list[tuple[dt.date, Decimal]],
                   interest_paid: Decimal) -> Overdue:
    """Overdue when principal is unpaid after maturity, or interest is unpaid past its settlement date.
    Days past due count from the day after the earliest unpaid due date (derived, never entered)."""
    since = None
    overdue_interest = Decimal("0")
    cumulative = Decimal("0")
    for due_on, amount in interest_due_by:
        cumulative += amount
        if due_on < today and cumulative - interest_paid > CENT / 2:
            if since is None:
                since = add_days(due_on, 1)
            overdue_interest = cumulative - interest_paid
    overdue_principal = balance if today > maturity_on and balance > 0 else Decimal("0")
    if overdue_principal and (since is None or add_days(maturity_on, 1) < since):
        since = add_days(maturity_on, 1)
    days = (today - since).days + 1 if since else 0
    return Overdue(bool(since), since, days, overdue_principal, overdue_interest.quantize(CENT))


def extension_violations(*, term_months: int, months: int, rule: str, product_max: int, extensions_so_far: int,
                         max_extensions: int) -> list[str]:
    """Extension length (《贷款通则》): original term ≤ 12 months → at most the original term; 12–36 months →
    at most half of it. Or, where the county chose `product_cap`, original + extension ≤ the product maximum."""
    out = []
    if extensions_so_far >= max_extensions:
        out.append("extension_already_used")
    if months < 1:
        out.append("extension_not_positive")
    elif rule == "product_cap":
        if term_months + months > product_max:
            out.append("extension_over_product_maximum")
    else:
        limit = term_months if term_months <= 12 else int((Decimal(term_months) / 2).to_integral_value(ROUND_FLOOR))
        if months > limit:
            out.append("extension_too_long")
    return out


def deferral_violations(*, maturity_on: dt.date, original_maturity_on: dt.date, new_maturity_on: dt.date, max_months: int,
                        allow_to_2021_03_31: bool, deferrals_so_far: int) -> list[str]:
    """COVID deferral (000 §二, 001 §三): loans maturing on or after 2020-01-01 (renewed and extended ones
    included), up to `max_months`, or up to 2021-03-31 where the 2020 rule applies; once per loan."""
    out = []
    if deferrals_so_far:
        out.append("deferral_already_used")
    if original_maturity_on < DEFERRAL_FIRST_MATURITY and maturity_on < DEFERRAL_FIRST_MATURITY:
        out.append("deferral_maturity_before_2020")
    limit = add_months(maturity_on, max_months)
    if allow_to_2021_03_31:
        limit = max(limit, DEFERRAL_2020_LIMIT)
    if new_maturity_on <= maturity_on:
        out.append("deferral_not_later")
    elif new_maturity_on > limit:
        out.append("deferral_too_long")
    return out


def subsidy_estimate(principal: Decimal, annual_rate_pct: Decimal, term_months: int, subsidy_share: Decimal,
                     principal_cap: Decimal) -> Decimal:
    """Interest subsidy expected over the term if repaid on time, for the public notice."""
    base = min(principal, principal_cap)
    return (base * annual_rate_pct / 100 * Decimal(term_months) / 12 * subsidy_share).quantize(CENT, rounding=ROUND_HALF_UP)
