"""Loan benchmarks (issue 3), on PostgreSQL: API loan list (page of 100) and detail median latency at N loans,
queries per page, repayment POST median, and 50 concurrent clients for 60 s against gunicorn.
Run through `make bench` (bench/run.py), or alone: DATABASE_URL=postgres://… python bench/loans.py --loans 1000000"""
import argparse
import datetime as dt
import http.client
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microcredit.settings.local")
os.environ.setdefault("LOG_LEVEL", "ERROR")


def setup():
    import django

    django.setup()


def median_ms(fn, n=20):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def bank_user_and_token():
    from apps.accounts.models import ApiToken, Bank, BankBranch, User
    from apps.accounts.roles import Role

    bank = Bank.objects.get(name="基准测试农村商业银行")
    branch = BankBranch.objects.filter(bank=bank).first()
    user, _ = User.objects.get_or_create(username="bench_bank", defaults={
        "role": Role.BANK_OFFICER, "bank": bank, "branch": branch, "region": branch.region, "real_name": "基准测试信贷员"})
    ApiToken.objects.filter(user=user, name="bench").delete()
    _, key = ApiToken.issue(user, "bench")
    return user, key


def in_process(user, key, loans_total):
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from apps.loans.models import Loan

    client = Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_HOST="127.0.0.1")
    ids = list(Loan.objects.visible_to(user).order_by("?").values_list("id", flat=True)[:200])
    pages = max(1, loans_total // 100)
    rows = []
    rows.append(("API loan list, page 1 (100 rows)", median_ms(lambda: client.get("/api/v1/loans/?page_size=100"))))
    rows.append(("API loan list, random page", median_ms(lambda: client.get(f"/api/v1/loans/?page_size=100&page={random.randint(1, pages)}"))))
    rows.append(("API loan list, village filter", median_ms(lambda: client.get("/api/v1/loans/?page_size=100&village=" +
                                                                                 Loan.objects.get(pk=ids[0]).region_code[:9]))))
    rows.append(("API loan detail", median_ms(lambda: client.get(f"/api/v1/loans/{random.choice(ids)}/"))))
    counts = []
    for page in (1, 2, pages // 2 or 1):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            client.get(f"/api/v1/loans/?page_size=100&page={page}")
        counts.append(len(ctx.captured_queries))
    disbursed = dict(Loan.objects.filter(pk__in=ids).values_list("id", "disbursed_on"))
    post_ids = itertools.cycle(ids)

    def repay():
        loan_id = next(post_ids)
        paid_on = (disbursed[loan_id] + dt.timedelta(days=10)).isoformat()  # a repayment never predates the disbursement
        r = client.post(f"/api/v1/loans/{loan_id}/repayments/", data=json.dumps({"paid_on": paid_on, "interest": "10.00"}),
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"bench-{loan_id}-{time.time_ns()}")
        assert r.status_code == 201, r.content
    rows.append(("API repayment POST", median_ms(repay, n=50)))
    return rows, counts


def load_test(user, key, total, seconds=60, clients=50, port=8765):
    """50 client threads against gunicorn on loopback for `seconds`; bounded by time; GETs of lists and details."""
    from apps.loans.models import Loan

    ids = list(Loan.objects.visible_to(user).values_list("id", flat=True)[:5000])
    # One token for all 50 clients: lift its per-user API rate limit, which would answer most of them 429.
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="microcredit.settings.local", DEBUG="0", LOG_LEVEL="ERROR",
               API_THROTTLE_USER="10000000/min")
    workers = str(2 * (os.cpu_count() or 2) + 1)
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "microcredit.wsgi:application", "-b", f"127.0.0.1:{port}",
                               "-w", workers, "--log-level", "error", "--env", "DJANGO_SETTINGS_MODULE=microcredit.settings.local"],
                              cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/accounts/login/")
                break
            except OSError:
                time.sleep(0.2)
        stop = time.monotonic() + seconds
        ok, errors, lock = [0], [0], threading.Lock()

        def worker():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while time.monotonic() < stop:
                path = random.choice([f"/api/v1/loans/{random.choice(ids)}/", "/api/v1/loans/?page_size=100",
                                      f"/api/v1/loans/?page_size=100&page={random.randint(1, max(1, min(50, total // 100)))}"])
                try:
                    conn.request("GET", path, headers={"Authorization": f"Token {key}", "Host": "127.0.0.1"})
                    resp = conn.getresponse()
                    resp.read()
                    good = resp.status == 200
                except (OSError, http.client.HTTPException):
                    good = False
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    (ok if good else errors)[0] += 1

        threads = [threading.Thread(target=worker) for _ in range(clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        return {"requests": ok[0] + errors[0], "errors": errors[0], "rps": (ok[0] + errors[0]) / elapsed, "workers": workers}
    finally:
        server.terminate()
        server.wait(10)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--prefix", default="", help="region code prefix of the households to lend to (e.g. 45)")
    args = parser.parse_args(argv)
    setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench/loans.py needs DATABASE_URL pointing at PostgreSQL")
    t = time.monotonic()
    call_command("generate_loans", loans=args.loans, prefix=args.prefix)
    from apps.loans.models import Loan

    total = Loan.objects.filter(bank__name="基准测试农村商业银行").count()
    print(f"\n== Loans (issue 3) on {total:,} loans; data ready in {time.monotonic() - t:.0f} s ==")
    user, key = bank_user_and_token()
    total = Loan.objects.visible_to(user).count()
    rows, counts = in_process(user, key, total)
    for label, ms in rows:
        target = 50 if "POST" in label else 100
        print(f"  {label:<36} median {ms:8.1f} ms   (target ≤ {target} ms)")
    print(f"  queries per list page (pages 1, 2, middle): {counts}   (constant: {'yes' if len(set(counts)) == 1 else 'NO'})")
    result = load_test(user, key, total, seconds=args.seconds, clients=args.clients)
    print(f"  gunicorn ({result['workers']} workers), {args.clients} clients × {args.seconds} s: "
          f"{result['rps']:.0f} requests/s, {result['requests']} requests, {result['errors']} errors (target 0)")


if __name__ == "__main__":
    main()
