"""Dates: formal printing, calendar arithmetic that never leaves the calendar, and the rule for business dates."""
import calendar
import datetime as dt
import zoneinfo

from django.utils import timezone
from django.utils.text import capfirst

# The programme's day is China's, whatever the server's clock or the request's active time zone.
BUSINESS_TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def formal_date(value: dt.date | None) -> str:
    """Formal documents write dates as 2024年7月1日, without zero padding."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# Arithmetic on stored dates clamps to the calendar's ends (0001-01-01 … 9999-12-31) instead of raising: a date
# written before the business-date rule (a repayment "paid" on 9999-12-31) must still let its pages and jobs run.

def add_days(value: dt.date, days: int) -> dt.date:
    try:
        return value + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def add_months(value: dt.date, months: int) -> dt.date:
    """Same day n months later, clamped to the month's end (2020-01-31 + 1 month → 2020-02-29)."""
    index = value.month - 1 + months
    year, month = value.year + index // 12, index % 12 + 1
    if year > dt.MAXYEAR:
        return dt.date.max
    if year < dt.MINYEAR:
        return dt.date.min
    return dt.date(year, month, min(value.day, calendar.monthrange(year, month)[1]))


def add_years(value: dt.date, years: int) -> dt.date:
    return add_months(value, 12 * years)  # 29 February → 28 February, like the month's end above


# --- business dates -----------------------------------------------------------------------------------------------

def business_today() -> dt.date:
    """Today in Asia/Shanghai: the one "today" business dates are judged against."""
    return timezone.localdate(timezone=BUSINESS_TZ)


def business_date_problem(value: dt.date, today: dt.date, not_before: dt.date | None = None, event: str = "") -> str:
    """The date a user gives for something that happened (a disbursement, repayment, withdrawal, receipt, inspection,
    follow-up, signing, collection visit): not after `today`, not before the event it follows (`not_before`, named by
    `event`). Returns "" or a stable code: date_in_future, date_before_<event>. Both ends are allowed."""
    if value > today:
        return "date_in_future"
    if not_before is not None and value < not_before:
        return f"date_before_{event}"
    return ""


def check_business_date(field: str, value: dt.date, *, today: dt.date | None = None, not_before: dt.date | None = None,
                        event: str = "", label="") -> None:
    """Raise the DomainError of `business_date_problem` on `field`; the message names the field and the limit."""
    from .errors import DomainError

    today = today or business_today()
    code = business_date_problem(value, today, not_before, event)
    if code:
        limit = today if code == "date_in_future" else not_before
        raise DomainError(code, fields={field: [code]}, label=capfirst(label) if label else "", limit=limit.isoformat())
