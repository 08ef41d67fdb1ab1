"""Post-loan rules as pure functions (DOMAIN: after disbursement; 002 §七–十)."""
import datetime as dt
import random
from decimal import Decimal

from apps.core.dates import add_days, add_months


def first_inspection_due(disbursed_on: dt.date, months: int = 1) -> dt.date:
    """The first inspection within one month of disbursement (2020-01-31 → 2020-02-29)."""
    return add_months(disbursed_on, months)


def next_inspection_due(last_done_on: dt.date, problem_open: bool, normal_months: int = 3, problem_months: int = 1,
                        rectified_on: dt.date | None = None) -> dt.date:
    """No problem → next in a quarter; a problem found and not yet rectified → monthly; once rectified →
    quarterly again, counted from the last inspection but never before the rectification is verified."""
    if problem_open:
        return add_months(last_done_on, problem_months)
    due = add_months(last_done_on, normal_months)
    if rectified_on and due <= rectified_on:
        due = add_days(rectified_on, 1)
    return due


def withdrawal_needs_follow_up(amount: Decimal, alert_amount: Decimal) -> bool:
    """A withdrawal of 10,000 yuan or more (county setting) alerts the village group (002 §七)."""
    return amount >= alert_amount


def spot_check_sample(withdrawal_ids: list[int], share: Decimal, seed: str) -> list[int]:
    """A reproducible random sample of the month's small withdrawals: at least one when there are any."""
    if not withdrawal_ids or share <= 0:
        return []
    size = max(1, int((Decimal(len(withdrawal_ids)) * share).to_integral_value()))
    rng = random.Random(seed)
    return sorted(rng.sample(sorted(withdrawal_ids), min(size, len(withdrawal_ids))))


def due_notice_on(maturity_on: dt.date, days_before: int) -> dt.date:
    """The day the 《到期催收通知书》 is issued: N days before maturity (30 by default, 45 in 蓬溪)."""
    return add_days(maturity_on, -days_before)


def overdue_rate(overdue_amount: Decimal, balance: Decimal) -> Decimal:
    """逾期率 = overdue amount ÷ outstanding balance, in percent, half-up to two decimals (8.7万 / 5604万 → 0.16)."""
    from apps.core.money import round_half_up

    if not balance:
        return Decimal("0.00")
    return round_half_up(overdue_amount * 100 / balance, 2)
