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


def shares_problem(scheme: str, shares: dict[str, Decimal | None], parties: set[str] | None) -> str:
    """"" when the loss shares are sound: each between 0 and 1, together exactly 1, and only the scheme's
    parties (when given) holding a share; else the stable code of the problem."""
    values = {k: Decimal(v or 0) for k, v in shares.items()}
    if any(v < 0 or v > 1 for v in values.values()):
        return "policy_share_out_of_range"
    if sum(values.values()) != Decimal("1"):
        return "policy_shares_not_one"
    if parties is not None and any(v and k not in parties for k, v in values.items()):
        return "policy_share_outside_scheme"
    return ""
