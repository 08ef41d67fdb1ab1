import datetime as dt
from decimal import Decimal

import pytest

from apps.postloan import policy


def test_first_inspection_within_a_month_clamped_to_month_end():
    assert policy.first_inspection_due(dt.date(2020, 1, 31)) == dt.date(2020, 2, 29)
    assert policy.first_inspection_due(dt.date(2021, 1, 31)) == dt.date(2021, 2, 28)
    assert policy.first_inspection_due(dt.date(2024, 6, 3)) == dt.date(2024, 7, 3)


def test_cadence_quarterly_monthly_quarterly():
    done = dt.date(2024, 3, 10)
    assert policy.next_inspection_due(done, problem_open=False) == dt.date(2024, 6, 10)
    assert policy.next_inspection_due(done, problem_open=True) == dt.date(2024, 4, 10)
    assert policy.next_inspection_due(done, problem_open=False, rectified_on=dt.date(2024, 4, 1)) == dt.date(2024, 6, 10)
    # verified after the quarter had passed: due the day after verification, not in the past
    assert policy.next_inspection_due(done, problem_open=False, rectified_on=dt.date(2024, 7, 1)) == dt.date(2024, 7, 2)


@pytest.mark.parametrize(("amount", "alert"), [("10000.00", True), ("9999.99", False), ("10000.01", True)])
def test_withdrawal_alert_threshold(amount, alert):
    assert policy.withdrawal_needs_follow_up(Decimal(amount), Decimal("10000.00")) is alert


def test_spot_check_sample_is_reproducible_and_at_least_one():
    ids = list(range(1, 101))
    a = policy.spot_check_sample(ids, Decimal("0.1"), "510921-2024-05")
    assert a == policy.spot_check_sample(ids, Decimal("0.1"), "510921-2024-05") and len(a) == 10
    assert len(policy.spot_check_sample([5, 6], Decimal("0.1"), "x")) == 1
    assert policy.spot_check_sample([], Decimal("0.1"), "x") == []


def test_due_notice_day():
    assert policy.due_notice_on(dt.date(2024, 9, 30), 30) == dt.date(2024, 8, 31)
    assert policy.due_notice_on(dt.date(2024, 9, 30), 45) == dt.date(2024, 8, 16)


def test_pengxi_overdue_rate():
    # 蓬溪 (003): overdue 8.7万 of a balance of 5,604万 is reported as 0.16%
    assert policy.overdue_rate(Decimal("87000"), Decimal("56040000")) == Decimal("0.16")
    assert policy.overdue_rate(Decimal("0"), Decimal("0")) == Decimal("0.00")
    assert policy.overdue_rate(Decimal("1"), Decimal("200")) == Decimal("0.50")
