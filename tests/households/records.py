"""Applications, loans and post-loan records of a household, made directly (no review chain) for the register's tests."""
import datetime as dt
import itertools
from decimal import Decimal

from apps.approvals.models import Application
from apps.loans.models import Loan, OverdueMark
from apps.postloan.models import CollectionNotice, Finding, Inspection

_n = itertools.count(1)


def application(household, borrower, bank, created_by, *, state="submitted", amount="20000", applied_on=dt.date(2024, 6, 3)):
    return Application.objects.create(
        household=household, borrower=borrower, bank=bank, amount=Decimal(amount), term_months=12, purpose="planting",
        project="种植", applied_on=applied_on, state=state, region_code=household.region_code, created_by=created_by)


def loan(household, borrower, bank, *, principal="10000", repaid="0", state="disbursed", maturity_on=dt.date(2025, 6, 3),
         overdue_since=None):
    row = Loan.objects.create(
        household=household, borrower=borrower, bank=bank, region_code=household.region_code,
        contract_no=f"HT-{next(_n):05d}", receipt_no="J", signed_on=dt.date(2024, 6, 3), principal=Decimal(principal),
        principal_repaid=Decimal(repaid), term_months=12, annual_rate=Decimal("3.45"), purpose="planting",
        maturity_on=maturity_on, original_maturity_on=maturity_on, disburse_by=dt.date(2024, 6, 12),
        disbursed_on=dt.date(2024, 6, 4) if state != "contracted" else None, state=state)
    if overdue_since:
        OverdueMark.objects.create(loan=row, since=overdue_since)
    return row


def inspection(loan_row, recorded_by, *, problem=False, findings="", done_on=dt.date(2024, 7, 1)):
    return Inspection.objects.create(
        loan=loan_row, region_code=loan_row.region_code, due_on=done_on, done_on=done_on, actual_use="购牛",
        use_matches=not problem, production_status="存栏 5 头", inspectors="张书记", findings=findings,
        problem_found=problem, recorded_by=recorded_by)


def finding(inspection_row, *, category="wrong_use", description="挪用于装修"):
    return Finding.objects.create(inspection=inspection_row, loan=inspection_row.loan, region_code=inspection_row.region_code,
                                  category=category, description=description)


def collection_notice(loan_row, *, kind="due", issued_on=dt.date(2025, 5, 4)):
    return CollectionNotice.objects.create(loan=loan_row, region_code=loan_row.region_code, kind=kind,
                                           maturity_on=loan_row.maturity_on, issued_on=issued_on)
