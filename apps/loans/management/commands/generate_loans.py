"""Bulk loans for benchmarks: one loan per existing household (heads as borrowers), in one SQL statement.
PostgreSQL only; run generate_demo_data first for the households."""
import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from apps.accounts.models import Bank, BankBranch, CountyBank
from apps.core.db import refresh_statistics
from apps.loans.models import Loan
from apps.regions.models import Level, Region


class Command(BaseCommand):
    help = "Create N disbursed loans on existing households (PostgreSQL, set-based)."

    def add_arguments(self, parser):
        parser.add_argument("--loans", type=int, required=True)
        parser.add_argument("--prefix", default="", help="only households whose region code starts with this")
        parser.add_argument("--bank", default="基准测试农村商业银行")
        parser.add_argument("--reset", action="store_true", help="delete this bank's loans first")

    def handle(self, loans, prefix, bank, reset, **opts):
        if connection.vendor != "postgresql":
            raise CommandError("generate_loans needs PostgreSQL (DATABASE_URL)")
        bank_obj, _ = Bank.objects.get_or_create(name=bank, defaults={"short_name": "基准行"})
        scope = Region.objects.filter(level=Level.PROVINCE, code__startswith=(prefix or "")[:2]).order_by("code").first()
        if scope:
            BankBranch.objects.get_or_create(bank=bank_obj, name="基准测试总行", defaults={"region": scope})
        for county in Region.objects.filter(level=Level.COUNTY, code__startswith=prefix[:6] if len(prefix) >= 6 else prefix):
            CountyBank.objects.get_or_create(county=county, bank=bank_obj)
        started = time.monotonic()
        with transaction.atomic(), connection.cursor() as cur:
            if reset:
                cur.execute("DELETE FROM loans_loan WHERE bank_id = %s", [bank_obj.pk])
            existing = Loan.objects.filter(bank=bank_obj).count()
            if existing >= loans:
                self.stdout.write(f"{existing} loans already present")
                return
            cur.execute(
                """
                INSERT INTO loans_loan (household_id, borrower_id, bank_id, region_code, contract_no, receipt_no, signed_on, principal,
                    term_months, annual_rate, purpose, purpose_detail, maturity_on, original_maturity_on, disburse_by, disbursed_on,
                    principal_repaid, interest_paid, penalty_paid, state, created_at)
                SELECT h.id, m.id, %(bank)s, h.region_code, 'BM-' || h.id, 'BJ-' || h.id,
                       d.signed, (1 + h.id %% 5) * 10000, t.term, CASE WHEN t.term <= 12 THEN 3.45 ELSE 3.95 END,
                       (ARRAY['planting','breeding','processing','trade','rural_tourism'])[1 + h.id %% 5], '产业发展',
                       (d.signed + make_interval(months => t.term))::date, (d.signed + make_interval(months => t.term))::date,
                       d.signed + 9, d.signed + 3, 0, 0, 0, 'disbursed', now()
                FROM households_household h
                JOIN households_member m ON m.household_id = h.id AND m.relation = 'head'
                CROSS JOIN LATERAL (SELECT (%(start)s::date + (h.id %% 1000)::int) AS signed) d
                CROSS JOIN LATERAL (SELECT (ARRAY[12, 24, 36])[1 + h.id %% 3] AS term) t
                WHERE h.region_code LIKE %(prefix)s
                  AND NOT EXISTS (SELECT 1 FROM loans_loan l WHERE l.household_id = h.id AND l.bank_id = %(bank)s)
                ORDER BY h.id
                LIMIT %(n)s
                """,
                {"bank": bank_obj.pk, "start": dt.date(2023, 1, 1), "prefix": prefix + "%", "n": loans - existing},
            )
            created = cur.rowcount
        cur_total = Loan.objects.filter(bank=bank_obj).count()
        refresh_statistics(Loan._meta.db_table)
        self.stdout.write(f"created {created} loans in {time.monotonic() - started:.1f} s; bank {bank_obj.name} now has {cur_total}")
