"""Pure rules over plain values: no ORM, `today` always a parameter."""
from decimal import Decimal


def credit_grade(score: Decimal | int | None, aaa_min: int = 80, aa_min: int = 70, a_min: int = 60) -> str:
    """Scorecard total → grade: ≥80 AAA, 70–79 AA, 60–69 A, below 60 not rated ("")."""
    if score is None:
        return ""
    if score >= aaa_min:
        return "AAA"
    if score >= aa_min:
        return "AA"
    if score >= a_min:
        return "A"
    return ""


GRADE_ORDER = {"": 0, "A": 1, "AA": 2, "AAA": 3}


def grade_at_least(grade: str, minimum: str) -> bool:
    return GRADE_ORDER.get(grade or "", 0) >= GRADE_ORDER.get(minimum or "", 0)


def shares_valid(county: Decimal, bank: Decimal, insurer: Decimal) -> bool:
    return county + bank + insurer == Decimal("1")
