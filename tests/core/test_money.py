from decimal import Decimal

import pytest

from apps.core.money import amount_in_words, round_half_up, to_money, to_wan


def test_half_up_not_bankers_rounding():
    assert to_money("2.345") == Decimal("2.35")
    assert to_money("2.335") == Decimal("2.34")
    assert round_half_up(Decimal("0.125")) == Decimal("0.13")


def test_float_input_is_taken_as_written():
    assert to_money(0.1 + 0.2) == Decimal("0.30")


def test_wan():
    assert to_wan(Decimal("56040000")) == Decimal("5604.00")
    assert to_wan(Decimal("87000")) == Decimal("8.70")


@pytest.mark.parametrize("raw", ["abc", "", "NaN", "Infinity"])
def test_bad_amounts(raw):
    with pytest.raises(ValueError):
        to_money(raw)


@pytest.mark.parametrize(("amount", "words"), [
    ("50000", "伍万元整"),
    ("50000.00", "伍万元整"),
    ("49999.99", "肆万玖仟玖佰玖拾玖元玖角玖分"),
    ("10", "壹拾元整"),
    ("10010", "壹万零壹拾元整"),
    ("20304", "贰万零叁佰零肆元整"),
    ("100000.07", "壹拾万元零柒分"),
    ("1234.5", "壹仟贰佰叁拾肆元伍角"),
    ("0.05", "伍分"),
    ("0", "零元整"),
])
def test_uppercase_amounts(amount, words):
    assert amount_in_words(amount) == words
