"""Benchmarks (`make bench`), on PostgreSQL only: DATABASE_URL=postgres://postgres@127.0.0.1:5432/microcredit_bench.
The database is created when missing and migrated.

1. Household import: a 100,000-row register file through our path (upload → full dry run → commit, every
   validation kept; Celery run eagerly in this process), and the same file through django-import-export's default
   `HouseholdResource().import_data(dataset, dry_run=False)` (first 10,000 rows: row-by-row saves are slow).
2. Household list medians at 1,000,000 households (generate_demo_data builds them once; skipped when present):
   the HTML page (province supervisor, county officer) and /api/v1/households/, 20 requests per query.
3. Export of the whole province to Excel (time and memory).
4. The loan benchmarks (bench/loans.py), on the same households, unless --skip-loans.
5. The post-loan benchmarks (bench/postloan.py) on those loans: daily jobs, overdue marking, bulletin page."""
import argparse
import datetime as dt
import io
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microcredit.settings.local")
os.environ.setdefault("LOG_LEVEL", "ERROR")

BENCH_AREA = "459901"  # ID-number area of the benchmark files; generate_demo_data never uses it
HEADERS = ["户主姓名", "户主身份证号", "所在村", "户类别", "国家系统户编号", "联系电话", "家庭人口", "劳动力人数", "家庭年纯收入",
           "主要产业", "住址"]
TARGET_IMPORT = 5000
TARGET_LIST_MS = 150


def require_postgres() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/run.py needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/microcredit_bench make bench")
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/") or "microcredit_bench"
    admin = psycopg2.connect(host=parts.hostname or "127.0.0.1", port=parts.port or 5432, user=parts.username or "postgres",
                             password=parts.password or None, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    admin.close()
    return name


def setup():
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False  # no query log in memory
    call_command("migrate", verbosity=0, interactive=False)
    from microcredit.celery_app import app

    app.conf.task_always_eager = True  # the import's tasks run here, in the timed process


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_ms(fn, n):
    fn()  # warm-up
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


# -- data ---------------------------------------------------------------------------------------------------


def ensure_households(n: int):
    from django.core.management import call_command

    from apps.households.models import Household

    have = Household.objects.filter(region_code__startswith="45").count()
    if have >= n:
        print(f"data set present: {have:,} households under province 45")
        return
    t = time.monotonic()
    call_command("generate_demo_data", households=n, reset=have > 0)
    print(f"generated {n:,} households in {time.monotonic() - t:.0f} s")


def bench_user(username, role, region):
    from apps.accounts.models import User

    user, _ = User.objects.get_or_create(username=username, defaults={"role": role, "region": region, "real_name": username})
    return user


def import_file(rows: int, villages: list, members_per_household: float = 0.0) -> bytes:
    """A register file as openpyxl writes it (inline strings): households with valid, unused ID numbers."""
    from openpyxl import Workbook

    from apps.core import demo

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("户信息")
    ws.append(HEADERS)
    labels = ["建档立卡贫困户", "已脱贫户", "边缘易致贫户", "监测对象"]
    base = dt.date(1960, 1, 1)
    heads = []
    for i in range(rows):
        village = villages[i % len(villages)]
        head = demo.id_number(BENCH_AREA, base + dt.timedelta(days=i // 900), i % 900 + 1)
        heads.append(head)
        ws.append(["张三", head, village.code, labels[i % 4], f"BN{i:08d}", "13800000000", 3, 2, 12000 + i % 5000, "生猪养殖",
                   f"{village.name}{i % 9 + 1}组"])
    if members_per_household:
        ms = wb.create_sheet("成员")
        ms.append(["户主身份证号", "姓名", "身份证号", "与户主关系", "劳动能力"])
        count = int(rows * members_per_household)
        for j in range(count):
            ms.append([heads[j % rows], "李四", demo.id_number(BENCH_AREA[:4] + "02", base + dt.timedelta(days=j // 900), j % 900 + 1),
                       "配偶" if j < rows else "子女", "普通劳动力"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def cleanup_bench_rows():
    from django.db import connection, transaction

    from apps.households.models import Household, HouseholdEvent, ImportJob, Member

    like = BENCH_AREA[:4] + "%"
    with transaction.atomic(), connection.cursor() as cur:
        ids = f"SELECT id FROM {Household._meta.db_table} WHERE head_id_number LIKE %s"
        cur.execute(f"DELETE FROM {HouseholdEvent._meta.db_table} WHERE household_id IN ({ids})", [like])
        cur.execute(f"DELETE FROM {Member._meta.db_table} WHERE household_id IN ({ids})", [like])
        cur.execute(f"DELETE FROM {Household._meta.db_table} WHERE head_id_number LIKE %s", [like])
    for job in ImportJob.objects.filter(original_name__startswith="bench-"):
        job.file.delete(save=False)
        job.delete()
    # The next file holds the same ID numbers: without VACUUM its lookups would first wade through the index
    # entries of the rows just deleted, a cost of re-importing the bench's own file that no real import pays.
    from apps.core.db import refresh_statistics

    refresh_statistics(Household._meta.db_table, Member._meta.db_table, HouseholdEvent._meta.db_table)


def ours(user, content: bytes, name: str) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.households import importing
    from apps.households.models import ImportJob

    upload = SimpleUploadedFile(name, content)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    job = importing.household_import_start(user, upload)
    job.refresh_from_db()
    t1 = time.perf_counter()
    assert job.state == ImportJob.State.READY, (job.state, job.message, job.errors[:3])
    job = importing.household_import_commit(user, job)
    t2 = time.perf_counter()
    assert job.state == ImportJob.State.DONE, (job.state, job.message, job.errors[:3])
    return {"rows": job.created_count, "validate": t1 - t0, "commit": t2 - t1, "total": t2 - t0, "cpu": time.process_time() - cpu0}


def import_export_default(content: bytes, village_ids: dict, limit: int) -> dict:
    import tablib

    from apps.households.importing import STATUS_LABEL
    from apps.households.resources import HouseholdResource

    t0 = time.perf_counter()
    source = tablib.Dataset().load(io.BytesIO(content), format="xlsx")
    t_load = time.perf_counter() - t0
    status_by_label = {v: k for k, v in STATUS_LABEL.items()}
    # The default resource knows field names, not our Chinese headers; the village is a foreign key by pk.
    data = tablib.Dataset(headers=["id", "head_name", "head_id_number", "village", "status", "national_no", "phone", "size",
                                   "labour_count", "annual_income", "industry", "address"])
    for r in source[:limit]:
        data.append(["", r[0], r[1], village_ids[str(r[2])], status_by_label[r[3]], r[4], r[5], r[6], r[7], r[8], r[9], r[10]])
    t1 = time.perf_counter()
    result = HouseholdResource().import_data(data, dry_run=False)
    t2 = time.perf_counter()
    assert not result.has_errors() and not result.has_validation_errors(), "django-import-export reported errors"
    return {"rows": len(data), "load": t_load, "import": t2 - t1}


def run_import(args):
    from apps.accounts.roles import Role
    from apps.households.models import Household
    from apps.regions.models import Level, Region

    county = Region.objects.filter(level=Level.COUNTY, code__startswith="45").order_by("code").first()
    villages = list(Region.objects.filter(level=Level.VILLAGE, code__startswith=county.code[:6]).order_by("code"))
    user = bench_user("bench_importer", Role.COUNTY_OFFICER, county)
    cleanup_bench_rows()
    t = time.perf_counter()
    content = import_file(args.import_rows, villages)
    print(f"\nbuilt the {args.import_rows:,}-row file ({len(content) / 1e6:.1f} MB, openpyxl) in {time.perf_counter() - t:.0f} s; "
          f"county {county.name} ({county.code[:6]}) has {Household.objects.filter(region_code__startswith=county.code[:6]).count():,} households")
    results = {}
    results["ours"] = ours(user, content, "bench-households.xlsx")
    cleanup_bench_rows()
    if args.members:
        content_m = import_file(args.import_rows, villages, members_per_household=args.members)
        results["ours_members"] = ours(user, content_m, "bench-households-members.xlsx")
        cleanup_bench_rows()
    village_ids = {v.code: v.pk for v in villages}
    results["iie"] = import_export_default(content, village_ids, min(args.iie_rows, args.import_rows))
    cleanup_bench_rows()
    return results


# -- lists --------------------------------------------------------------------------------------------------


def run_lists(args):
    from django.core.cache import cache
    from django.test import Client

    from apps.accounts.models import User
    from apps.households.models import Household
    from apps.regions.models import Level, Region

    supervisor = User.objects.get(username="gx_sheng")
    county = Region.objects.filter(level=Level.COUNTY, code__startswith="45").order_by("code").first()
    officer = User.objects.filter(role="county_officer", region=county).order_by("id").first()
    township = Region.objects.filter(level=Level.TOWNSHIP, code__startswith=county.code[:6]).order_by("code").first()
    clients = {}
    for label, user in (("province supervisor", supervisor), ("county officer", officer)):
        c = Client(HTTP_HOST="127.0.0.1")
        c.force_login(user)
        clients[label] = (c, Household.objects.visible_to(user).count())
    queries = [("plain", ""), ("name search 王", "q=王"), (f"village filter {township.code[:9]}", f"village={township.code[:9]}"),
               ("page 500", "page=500")]
    page_size = {"HTML": 25, "API": 50}  # list page and API defaults
    rows = []
    for label, (client, visible) in clients.items():
        for qlabel, qs in queries:
            for kind, url in (("HTML", "/households/"), ("API", "/api/v1/households/")):
                if qs == "page=500" and visible < 500 * page_size[kind]:
                    qs_now = f"page={max(1, -(-visible // page_size[kind]))}"  # the last page when there are fewer
                else:
                    qs_now = qs
                full = url + ("?" + qs_now if qs_now else "")
                status = client.get(full).status_code
                ms = median_ms(lambda full=full, client=client: client.get(full), args.requests)
                rows.append((kind, label, visible, qlabel if qs_now == qs else f"last page ({qs_now})", ms, status))
                if qlabel in ("plain", "page 500") and qs_now == qs:
                    # The first request of a large scope counts it (later ones reuse the cached count): time that too.
                    ms = median_ms(lambda full=full, client=client: (cache.clear(), client.get(full)), args.requests)
                    rows.append((kind, label, visible, f"{qlabel}, count not cached", ms, status))
    return rows


def run_export(args):
    """The county officer's register by default (the whole province with --export-province: slow, see below)."""
    from apps.accounts.models import User
    from apps.households import exporting
    from apps.households.models import Household
    from apps.regions.models import Level, Region

    if args.export_province:
        user = User.objects.get(username="gx_sheng")
    else:
        county = Region.objects.filter(level=Level.COUNTY, code__startswith="45").order_by("code").first()
        user = User.objects.filter(role="county_officer", region=county).order_by("id").first()
    rows = Household.objects.visible_to(user).count()
    before = rss_mb()
    t = time.perf_counter()
    out = exporting.household_export(user)
    size = out.seek(0, 2)
    out.close()
    return {"rows": rows, "seconds": time.perf_counter() - t, "mb": size / 1e6, "rss_before": before, "rss_after": rss_mb()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--iie-rows", type=int, default=10_000, help="rows given to django-import-export")
    parser.add_argument("--members", type=float, default=1.0, help="also time a file with this many members per household (0: skip)")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-lists", action="store_true")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--export-province", action="store_true", help="export all households instead of one county's")
    parser.add_argument("--skip-loans", action="store_true", help="also skips the post-loan benchmarks, which need the loans")
    parser.add_argument("--skip-postloan", action="store_true")
    args = parser.parse_args(argv)
    dbname = require_postgres()
    setup()
    print(f"PostgreSQL database {dbname}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start")
    ensure_households(args.households)
    if not args.skip_import:
        r = run_import(args)
        o, i = r["ours"], r["iie"]
        print(f"\n== Household import: {args.import_rows:,}-row file ==")
        print(f"  {'path':<58} {'rows':>8} {'seconds':>8} {'rows/s':>8}")
        print(f"  {'ours: upload + dry run (every check) + commit':<58} {o['rows']:>8,} {o['total']:>8.1f} {o['rows'] / o['total']:>8,.0f}"
              f"   (target ≥ {TARGET_IMPORT:,}: {'met' if o['rows'] / o['total'] >= TARGET_IMPORT else 'NOT met'})")
        print(f"  {'   of which dry run / commit; CPU time of this process':<58} {'':>8} {o['validate']:>4.1f}/{o['commit']:.1f}; "
              f"{o['cpu']:.1f} s CPU")
        if "ours_members" in r:
            m = r["ours_members"]
            print(f"  {f'ours, with a member sheet ({args.members:g} per household)':<58} {m['rows']:>8,} {m['total']:>8.1f} "
                  f"{m['rows'] / m['total']:>8,.0f}   (dry run {m['validate']:.1f} s, commit {m['commit']:.1f} s)")
        print(f"  {'django-import-export default, import_data(dry_run=False)':<58} {i['rows']:>8,} {i['import']:>8.1f} "
              f"{i['rows'] / i['import']:>8,.0f}")
        print(f"  {'   + tablib reading the whole file (not in the figure above)':<58} {'':>8} {i['load']:>8.1f}")
        print(f"  django-import-export ran on the first {i['rows']:,} rows of the same file only (row-by-row saves; the full file "
              f"would take about {args.import_rows * i['import'] / i['rows'] / 60:.0f} min); it checks no ID, scope, duplicate or "
              "member rule and writes no member or event rows; --iie-rows 100000 gives it the whole file.")
    if not args.skip_lists:
        rows = run_lists(args)
        print(f"\n== Household list at {args.households:,} households: median of {args.requests} requests ==")
        print(f"  {'kind':<5} {'user':<20} {'visible':>9}  {'query':<28} {'median ms':>10}")
        for kind, user, visible, query, ms, status in rows:
            flag = "" if status == 200 else f"  HTTP {status}"
            print(f"  {kind:<5} {user:<20} {visible:>9,}  {query:<28} {ms:>10.1f}{'  > target' if ms > TARGET_LIST_MS else ''}{flag}")
        print(f"  target ≤ {TARGET_LIST_MS} ms")
    if not args.skip_export:
        e = run_export(args)
        print(f"\n== Export to Excel (openpyxl write-only, streamed query) ==\n  {e['rows']:,} rows: {e['seconds']:.1f} s "
              f"({e['rows'] / e['seconds']:,.0f} rows/s), {e['mb']:.1f} MB file, peak RSS {e['rss_before']:.0f} → {e['rss_after']:.0f} MB")
    if not args.skip_loans and (ROOT / "bench" / "loans.py").exists():
        sys.path.insert(0, str(ROOT / "bench"))
        import loans

        loans.main(["--prefix", "45"])
        if not args.skip_postloan:
            import postloan

            postloan.main([])
    print(f"\nload average at the end {os.getloadavg()[0]:.1f} (other work on the machine slows every figure)")


if __name__ == "__main__":
    main()
