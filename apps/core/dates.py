import datetime as dt


def formal_date(value: dt.date | None) -> str:
    """Formal documents write dates as 2024年7月1日, without zero padding."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def add_years(value: dt.date, years: int) -> dt.date:
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February
        return value.replace(year=value.year + years, day=28)


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def add_months(value: dt.date, months: int) -> dt.date:
    """Same day n months later, clamped to the month's end (2020-01-31 + 1 month → 2020-02-29)."""
    import calendar

    index = value.month - 1 + months
    year, month = value.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(value.day, calendar.monthrange(year, month)[1]))
