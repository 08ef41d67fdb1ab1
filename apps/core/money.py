"""Money is Decimal yuan with two places, rounded half-up (四舍五入), never Python's banker's rounding."""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
WAN = Decimal("10000")


def to_money(value) -> Decimal:
    """Parse a number (str, int, float, Decimal) into yuan with two places; raises ValueError."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def to_wan(value: Decimal, places: int = 2) -> Decimal:
    """Yuan → 万元 for reports, half-up."""
    return round_half_up(Decimal(value) / WAN, places)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_SECTIONS = ["", "万", "亿", "万亿"]


def _section_words(n: int) -> str:
    out, zero = "", False
    for pos in range(3, -1, -1):
        d = n // (10**pos) % 10
        if d == 0:
            zero = bool(out)
        else:
            if zero:
                out += "零"
                zero = False
            out += _DIGITS[d] + _UNITS[pos]
    return out


def amount_in_words(value) -> str:
    """Uppercase RMB (大写) as written on contracts: 50000 → 伍万元整, 1234.5 → 壹仟贰佰叁拾肆元伍角."""
    amount = to_money(value)
    if amount < 0:
        return "负" + amount_in_words(-amount)
    yuan = int(amount)
    cents = int((amount - yuan) * 100)
    jiao, fen = divmod(cents, 10)
    words = ""
    if yuan:
        sections = []
        n = yuan
        while n:
            sections.append(n % 10000)
            n //= 10000
        need_zero = False
        for idx in range(len(sections) - 1, -1, -1):
            sec = sections[idx]
            if sec == 0:
                need_zero = bool(words)
                continue
            if words and (need_zero or sec < 1000):
                words += "零"
            words += _section_words(sec) + _SECTIONS[idx]
            need_zero = False
        words += "元"
    if not jiao and not fen:
        return (words or "零元") + "整"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    return words
