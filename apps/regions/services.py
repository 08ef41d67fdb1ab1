import csv
import datetime as dt
import io

from django.db import transaction

from apps.core.errors import DomainError

from . import calendar
from .models import PREFIX_LENGTH, CalendarYear, Holiday, InterestRate, Level, Region, RegionCodeEntry, RegionCodeTable


def _parent_code(code: str, level: int) -> str | None:
    if level == Level.PROVINCE:
        return None
    return code[: PREFIX_LENGTH[Level(level - 1)]].ljust(12, "0")


def region_table_import(rows: list[dict], year: int, source: str = "") -> dict:
    """Load one year's code table (code, name, level) and bring the live tree up to it: new codes are
    added, renamed ones renamed, codes absent from the table retired (kept, since rows point at them).
    All or nothing; returns counts."""
    clean, problems = [], []
    for idx, row in enumerate(rows, start=2):
        code = str(row.get("code", "")).strip()
        name = str(row.get("name", "")).strip()
        try:
            level = int(str(row.get("level", "")).strip())
        except ValueError:
            level = 0
        if len(code) != 12 or not code.isdigit() or not name or level not in Level.values:
            problems.append(idx)
            continue
        if code[PREFIX_LENGTH[Level(level)]:].strip("0"):
            problems.append(idx)
            continue
        clean.append((code, name, level))
    if problems:
        raise DomainError("region_table_bad_rows", rows=", ".join(map(str, problems[:20])))
    clean.sort(key=lambda r: (r[2], r[0]))
    codes = {c for c, _, _ in clean}
    missing_parents = [c for c, _, lvl in clean if lvl > Level.PROVINCE and _parent_code(c, lvl) not in codes
                       and not Region.objects.filter(code=_parent_code(c, lvl)).exists()]
    if missing_parents:
        raise DomainError("region_table_orphans", codes=", ".join(missing_parents[:10]))
    counts = {"created": 0, "renamed": 0, "retired": 0, "unchanged": 0}
    with transaction.atomic():
        table, _ = RegionCodeTable.objects.update_or_create(year=year, defaults={"source": source, "entry_count": len(clean)})
        table.entries.all().delete()
        RegionCodeEntry.objects.bulk_create([RegionCodeEntry(table=table, code=c, name=n, level=lvl) for c, n, lvl in clean])
        existing = {r.code: r for r in Region.objects.all()}
        latest = not RegionCodeTable.objects.filter(year__gt=year).exists()
        for code, name, level in clean:
            region = existing.get(code)
            parent_code = _parent_code(code, level)
            parent = existing.get(parent_code) if parent_code else None
            if region is None:
                # A code known only to an older table than the newest one loaded no longer exists: kept for history
                # (rows of that year may point at it), but not live.
                region = Region.objects.create(code=code, name=name, level=level, parent=parent, first_year=year,
                                               active=latest, last_year=None if latest else year)
                existing[code] = region
                counts["created"] += 1
            elif latest and (region.name != name or not region.active):
                region.name, region.active, region.last_year = name, True, None
                region.save(update_fields=["name", "active", "last_year"])
                counts["renamed"] += 1
            else:
                counts["unchanged"] += 1
        if latest:
            retired = Region.objects.filter(active=True).exclude(code__in=codes)
            counts["retired"] = retired.update(active=False, last_year=year - 1)
    return counts


def region_table_from_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def holidays_seed(first_year: int = 2004, last_year: int | None = None) -> int:
    """Fill Holiday from chinese-calendar for the years it knows; editable afterwards (existing rows kept)."""
    import chinese_calendar

    last_year = last_year or dt.date.today().year + 1
    added = 0
    for year in range(first_year, last_year + 1):
        try:
            chinese_calendar.is_holiday(dt.date(year, 6, 1))
        except NotImplementedError:
            continue  # the package covers 2004–2026 only: the year falls back to weekends
        day, rows = dt.date(year, 1, 1), []
        while day.year == year:
            workday = chinese_calendar.is_workday(day)
            if workday != (day.weekday() < 5):
                _, name = chinese_calendar.get_holiday_detail(day)
                rows.append(Holiday(date=day, is_working_day=workday, name=_holiday_name(name, workday)))
            day += dt.timedelta(days=1)
        with transaction.atomic():
            before = Holiday.objects.filter(date__year=year).count()
            Holiday.objects.bulk_create(rows, ignore_conflicts=True)
            added += Holiday.objects.filter(date__year=year).count() - before
            CalendarYear.objects.get_or_create(year=year)
    calendar.clear_cache()
    return added


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "Mid-autumn Festival": "中秋节", "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _holiday_name(name, workday: bool) -> str:
    base = _HOLIDAY_NAMES.get(str(name or ""), str(name or ""))
    return f"{base}调休上班" if workday else base


# PBoC benchmark (from 2015-10-24) and the LPR table of DOMAIN.md; later values are entered in the admin.
RATES = [
    ("benchmark", "2015-10-24", "4.35", "4.75"),
    ("lpr", "2019-08-20", "4.25", "4.85"), ("lpr", "2019-09-20", "4.20", "4.85"), ("lpr", "2019-11-20", "4.15", "4.80"),
    ("lpr", "2020-02-20", "4.05", "4.75"), ("lpr", "2020-04-20", "3.85", "4.65"), ("lpr", "2021-12-20", "3.80", "4.65"),
    ("lpr", "2022-01-20", "3.70", "4.60"), ("lpr", "2022-05-20", "3.70", "4.45"), ("lpr", "2022-08-22", "3.65", "4.30"),
    ("lpr", "2023-06-20", "3.55", "4.20"), ("lpr", "2023-08-21", "3.45", "4.20"), ("lpr", "2024-02-20", "3.45", "3.95"),
    ("lpr", "2024-07-22", "3.35", "3.85"), ("lpr", "2024-10-21", "3.10", "3.60"),
]


def rates_seed() -> int:
    added = 0
    for kind, day, short, long in RATES:
        _, created = InterestRate.objects.get_or_create(
            kind=kind, effective_on=dt.date.fromisoformat(day), defaults={"up_to_one_year": short, "long_term": long}
        )
        added += created
    return added
