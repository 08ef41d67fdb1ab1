import datetime as dt

import pytest

from apps.core import idnumber

VALID = "11010519491231002X"  # the GB 11643 worked example


def test_valid_number_has_no_problems():
    assert idnumber.problems(VALID) == []
    assert idnumber.birth_date(VALID) == dt.date(1949, 12, 31)


def test_lower_case_x_is_accepted_and_normalised():
    assert idnumber.problems(VALID.lower()) == []
    assert idnumber.normalize(" 11010519491231002x ") == VALID


@pytest.mark.parametrize("last", "0123456789")
def test_every_wrong_check_digit_is_refused(last):
    assert idnumber.problems(VALID[:17] + last) == ["id_number_bad_check_digit"]


@pytest.mark.parametrize("birth", ["19490230", "19491301", "19490000", "18991231"])
def test_impossible_birth_dates_are_refused(birth):
    first17 = "110105" + birth + "002"
    number = first17 + idnumber.check_digit(first17)
    assert idnumber.problems(number) == ["id_number_bad_birth_date"]


def test_birth_date_in_the_future_is_refused_given_today():
    first17 = "110105" + "20300101" + "002"
    number = first17 + idnumber.check_digit(first17)
    assert idnumber.problems(number, today=dt.date(2026, 1, 1)) == ["id_number_bad_birth_date"]


def test_fifteen_digit_numbers_are_refused_with_their_own_message():
    assert idnumber.problems("110105491231002") == ["id_number_15_digits"]


@pytest.mark.parametrize("raw", ["1101051949123100", "11010519491231002Y", "11010519491231002XX", "A1010519491231002X"])
def test_bad_shapes(raw):
    assert idnumber.problems(raw) == ["id_number_bad_format"]


def test_full_width_digits_are_read_as_ascii_and_other_scripts_refused():
    full_width = "１１０１０５１９４９１２３１００２ｘ"
    assert idnumber.normalize(full_width) == VALID and idnumber.problems(full_width) == []
    arabic_indic = "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X"  # digits to Python's \\d, not to an ID number
    assert idnumber.problems(arabic_indic) == ["id_number_bad_format"]


def test_check_digit_matches_the_weighted_sum_for_many_numbers():
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    for n in range(0, 10**17, 7_919_000_000_003):
        first17 = f"{n:017d}"
        assert idnumber.check_digit(first17) == "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]
    with pytest.raises(ValueError):
        idnumber.check_digit("1101051949123100")


def test_missing():
    assert idnumber.problems("  ") == ["id_number_missing"]


def test_check_digit_table():
    # weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, sum mod 11 → 1 0 X 9 8 7 6 5 4 3 2
    assert idnumber.check_digit("11010519491231002") == "X"
    assert idnumber.check_digit("00000000000000000") == "1"


def test_mask_for_public_notices():
    assert idnumber.mask(VALID) == "110105********002X"
