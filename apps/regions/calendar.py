"""Working days: Monday–Friday, except Holiday rows (holidays off, make-up days on).
Years without loaded data fall back to weekends only; `coverage_warning` says so for UI and logs."""
import datetime as dt
import logging
import time
import uuid
from functools import lru_cache

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
ONE_DAY = dt.timedelta(days=1)


# Each process keeps the years it has read. An edit in the admin bumps a version in the shared cache (Redis in
# production), which every web and Celery process looks at every CHECK_SECONDS; without a shared cache the
# years are read again at least every MAX_AGE_SECONDS.
VERSION_KEY = "regions:holiday-calendar-version"
CHECK_SECONDS = 30.0
MAX_AGE_SECONDS = 600.0
_state = {"version": None, "checked": float("-inf"), "loaded": float("-inf")}


def _year_data(year: int) -> tuple[bool, frozenset, frozenset]:
    now = time.monotonic()
    if now - _state["checked"] >= CHECK_SECONDS:
        _state["checked"] = now
        try:
            version = cache.get(VERSION_KEY)
        except Exception:  # a cache outage must not stop deadline arithmetic
            logger.warning("holiday calendar: shared cache unavailable", exc_info=True)
            version = _state["version"]
        if version != _state["version"] or now - _state["loaded"] >= MAX_AGE_SECONDS:
            _state["version"], _state["loaded"] = version, now
            _load_year.cache_clear()
    return _load_year(year)


@lru_cache(maxsize=64)
def _load_year(year: int) -> tuple[bool, frozenset, frozenset]:
    from .models import CalendarYear, Holiday

    covered = CalendarYear.objects.filter(year=year).exists()
    rows = Holiday.objects.filter(date__year=year).values_list("date", "is_working_day")
    off = frozenset(d for d, work in rows if not work)
    on = frozenset(d for d, work in rows if work)
    if not covered:
        logger.warning("holiday calendar has no data for %s: counting weekends only", year)
    return covered, off, on


def clear_cache():
    """After any change to Holiday or CalendarYear: this process at once, the others within CHECK_SECONDS of the
    commit (announced earlier, another process could read the old rows again and keep them as the new version)."""
    _load_year.cache_clear()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_publish)
    else:
        _publish()


def _publish():
    _load_year.cache_clear()
    version = uuid.uuid4().hex
    try:
        cache.set(VERSION_KEY, version, None)
    except Exception:
        logger.warning("holiday calendar: shared cache unavailable; other processes reload within %s s", MAX_AGE_SECONDS)
    _state.update(version=version, checked=time.monotonic(), loaded=time.monotonic())


def is_working_day(day: dt.date) -> bool:
    _, off, on = _year_data(day.year)
    if day in on:
        return True
    if day in off:
        return False
    return day.weekday() < 5


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (start itself not counted); n=0 returns start."""
    day, step, left = start, (ONE_DAY if n >= 0 else -ONE_DAY), abs(n)
    end = dt.date.max if n >= 0 else dt.date.min
    while left:
        if day == end:
            return day  # the calendar's end (a date stored before the business-date rule): no day beyond it
        day += step
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`."""
    if end <= start:
        return 0
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        count += is_working_day(day)
    return count


def uncovered_years(*days: dt.date) -> list[int]:
    return sorted({d.year for d in days if not _year_data(d.year)[0]})


def coverage_warning(*days: dt.date) -> str:
    years = uncovered_years(*days)
    if not years:
        return ""
    return _("The holiday calendar has no data for %(years)s: only weekends are treated as days off. "
             "An administrator should enter that year's holidays.") % {"years": "、".join(map(str, years))}
