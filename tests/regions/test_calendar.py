import datetime as dt
import logging

import pytest

from apps.regions import calendar
from apps.regions.models import CalendarYear, Holiday
from apps.regions.services import holidays_seed


@pytest.fixture
def cal2024(db):
    holidays_seed(2024, 2024)


def test_national_day_week_and_make_up_days(cal2024):
    assert not calendar.is_working_day(dt.date(2024, 10, 1))
    assert not calendar.is_working_day(dt.date(2024, 10, 7))
    assert calendar.is_working_day(dt.date(2024, 9, 29))  # Sunday make-up working day
    assert calendar.is_working_day(dt.date(2024, 10, 12))  # Saturday make-up working day
    assert Holiday.objects.get(date=dt.date(2024, 10, 1)).name == "国庆节"


def test_seven_working_days_across_national_day(cal2024):
    # Signed Monday 2024-09-30; 1 Oct–7 Oct off; 8,9,10,11 Oct, Sat 12 Oct (make-up), 14, 15 Oct.
    assert calendar.add_working_days(dt.date(2024, 9, 30), 7) == dt.date(2024, 10, 15)
    assert calendar.working_days_between(dt.date(2024, 9, 30), dt.date(2024, 10, 15)) == 7


def test_five_working_days_plain_week(cal2024):
    assert calendar.add_working_days(dt.date(2024, 11, 1), 5) == dt.date(2024, 11, 8)


def test_editing_the_table_changes_the_answer(cal2024):
    day = dt.date(2024, 11, 4)
    assert calendar.is_working_day(day)
    Holiday.objects.create(date=day, name="地方节日")
    calendar.clear_cache()
    assert not calendar.is_working_day(day)


def test_an_edit_made_in_another_process_is_seen_within_the_check_interval(cal2024, monkeypatch):
    """Another process's edit shows here as a new version in the shared cache: the years are read again at the
    next check, not at the next restart."""
    from django.core.cache import cache

    day = dt.date(2024, 11, 5)
    assert calendar.is_working_day(day)
    Holiday.objects.create(date=day, name="地方节日")  # saved elsewhere: this process's copy is not cleared
    assert calendar.is_working_day(day)  # still the copy read before
    cache.set(calendar.VERSION_KEY, "edited-elsewhere", None)
    monkeypatch.setattr(calendar, "CHECK_SECONDS", 0.0)
    assert not calendar.is_working_day(day)


def test_without_a_shared_version_the_years_are_read_again_after_the_max_age(cal2024, monkeypatch):
    day = dt.date(2024, 11, 6)
    assert calendar.is_working_day(day)
    Holiday.objects.create(date=day, name="地方节日")
    monkeypatch.setattr(calendar, "CHECK_SECONDS", 0.0)
    assert calendar.is_working_day(day)  # version unchanged, copy young
    monkeypatch.setattr(calendar, "MAX_AGE_SECONDS", 0.0)
    assert not calendar.is_working_day(day)


def test_year_without_data_falls_back_to_weekends_and_warns(db, caplog):
    assert not CalendarYear.objects.filter(year=2027).exists()
    with caplog.at_level(logging.WARNING, logger="apps.regions.calendar"):
        assert calendar.add_working_days(dt.date(2027, 1, 1), 1) == dt.date(2027, 1, 4)
    assert "2027" in caplog.text
    assert "2027" in calendar.coverage_warning(dt.date(2027, 1, 1))


def test_chinese_calendar_limit_is_respected(db):
    holidays_seed(2026, 2027)
    assert CalendarYear.objects.filter(year=2026).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert calendar.coverage_warning(dt.date(2026, 5, 1)) == ""


def test_seed_is_idempotent(cal2024):
    before = Holiday.objects.count()
    holidays_seed(2024, 2024)
    assert Holiday.objects.count() == before
