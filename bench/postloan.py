"""Post-loan benchmarks (issue 4), on PostgreSQL with the loans of bench/loans.py: the whole daily job set,
the single raw SQL statement for overdue marking (an INSERT … SELECT into loans_overduemark) beside our overdue
marking (target ratio ≤ 2), and the
bulletin page at province scope (target ≤ 300 ms)."""
import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microcredit.settings.local")
os.environ.setdefault("LOG_LEVEL", "ERROR")


def timed(fn):
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--day", default=None, help="the day to run the jobs for (default: today)")
    args = parser.parse_args(argv)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from apps.accounts.models import User
    from apps.accounts.roles import Role
    from apps.loans.models import Loan
    from apps.postloan import jobs
    from apps.postloan.models import BulletinRow, JobRun
    from apps.regions.models import Level, Region

    if connection.vendor != "postgresql":
        sys.exit("bench/postloan.py needs DATABASE_URL pointing at PostgreSQL")
    day = dt.date.fromisoformat(args.day) if args.day else dt.date.today()
    loans = Loan.objects.count()
    print(f"\n== Post-loan jobs (issue 4) on {loans:,} loans, day {day} ==")
    for label, d in (("day", day), ("the day after", day + dt.timedelta(days=1))):
        JobRun.objects.filter(day=d).delete()
        total, results = timed(lambda d=d: jobs.run_day(d))
        print(f"  -- {label} ({d}) --")
        for name in jobs.DAILY:
            print(f"  {name:<24} {results.get(name)}")
        print(f"  whole daily job set: {total:6.1f} s   (target ≤ 60 s)")
    JobRun.objects.filter(day=day + dt.timedelta(days=1)).delete()

    sql = ("INSERT INTO loans_overduemark (loan_id, since) SELECT l.id, l.maturity_on + 1 FROM loans_loan l "
           "WHERE l.state IN ('disbursed','extended','deferred') AND l.maturity_on < %s AND l.principal_repaid < l.principal "
           "AND NOT EXISTS (SELECT 1 FROM loans_overduemark m WHERE m.loan_id = l.id)")
    def reset():
        # Both start from the same state: no marks, and the dead rows of the last run vacuumed away.
        with connection.cursor() as cur:
            cur.execute("TRUNCATE loans_overduemark")
            cur.execute("VACUUM ANALYZE loans_overduemark")

    timings_raw, timings_ours = [], []
    for _ in range(3):
        reset()
        with connection.cursor() as cur:  # the same plan as the job's (apps/core/db.py: no_nested_loops)
            cur.execute("SET enable_nestloop = off")
            t, _r = timed(lambda cur=cur: cur.execute(sql, [day]))
            cur.execute("RESET enable_nestloop")
        timings_raw.append(t)
        reset()
        t, _r = timed(lambda: jobs.overdue_marking(day))
        timings_ours.append(t)
    raw, ours = statistics.median(timings_raw), statistics.median(timings_ours)
    print(f"  overdue marking: ours {ours:.2f} s, single raw SQL {raw:.2f} s, ratio {ours / raw if raw else 0:.2f}   (target ≤ 2)")

    province = Region.objects.filter(level=Level.PROVINCE, code__in=BulletinRow.objects.filter(day=day).values_list(
        "county_code", flat=True)[:1].values("county_code")).first()
    province = province or Region.objects.filter(level=Level.PROVINCE, code__startswith=(
        BulletinRow.objects.filter(day=day).values_list("county_code", flat=True).first() or "")[:2]).first()
    supervisor, _ = User.objects.get_or_create(username="bench_supervisor", defaults={"role": Role.SUPERVISOR, "region": province,
                                                                                     "real_name": "基准测试监管员"})
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(supervisor)
    url = f"/postloan/bulletin/?day={day.isoformat()}"
    first = client.get(url)
    if first.status_code != 200:
        print(f"  bulletin page: HTTP {first.status_code} at {url}")
        return
    times = []
    for _ in range(20):
        t, _r = timed(lambda: client.get(url))
        times.append(t * 1000)
    counties = BulletinRow.objects.filter(day=day, group="county", county_code__startswith=province.code[:2]).count()
    print(f"  bulletin page, province scope ({province.name}, {counties} counties): median {statistics.median(times):.0f} ms   "
          f"(target ≤ 300 ms)")


if __name__ == "__main__":
    main()
