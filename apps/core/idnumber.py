"""Resident ID numbers (GB 11643-1999): 18 characters, a valid birth date and the mod-11 check digit."""
import datetime as dt
import functools
import operator
import re
import unicodedata
from dataclasses import dataclass

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
_ZERO_SUM = 48 * sum(_WEIGHTS)  # the ASCII code of "0" times each weight


@dataclass(frozen=True)
class IdProblem:
    code: str


def check_digit(first17: str) -> str:
    """The mod-11 check character of 17 digits (weighted on their ASCII codes: an import checks 100,000s)."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("17 digits expected")
    return _CHECK[(sum(map(operator.mul, first17.encode(), _WEIGHTS)) - _ZERO_SUM) % 11]


def normalize(raw: str) -> str:
    value = (raw or "").strip()
    if not value.isascii():  # full-width digits and Ｘ typed with a Chinese input method
        value = unicodedata.normalize("NFKC", value).strip()
    return value.replace(" ", "").upper()


def birth_date(id_number: str) -> dt.date | None:
    return _date(id_number[6:14])


@functools.lru_cache(maxsize=65536)  # a register holds a few thousand distinct birth dates
def _date(yyyymmdd: str) -> dt.date | None:
    try:
        return dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None


def problems(raw: str, today: dt.date | None = None) -> list[str]:
    """Stable codes of what is wrong with an ID number; empty when it is valid.
    A lower-case x is accepted (normalised to X); 15-digit first-generation numbers are refused."""
    value = normalize(raw)
    if not value:
        return ["id_number_missing"]
    if len(value) == 15 and value.isdigit():
        return ["id_number_15_digits"]
    if len(value) != 18 or not _SHAPE.match(value):
        return ["id_number_bad_format"]
    born = birth_date(value)
    if born is None or born.year < 1900 or (today is not None and born > today):
        return ["id_number_bad_birth_date"]
    if check_digit(value[:17]) != value[17]:
        return ["id_number_bad_check_digit"]
    return []


def is_valid(raw: str) -> bool:
    return not problems(raw)


def mask(id_number: str) -> str:
    """As published in public notices: first 6 + ******** + last 4."""
    value = normalize(id_number)
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "********" + value[-4:]


def sex(id_number: str) -> str:
    return "M" if int(id_number[16]) % 2 else "F"
