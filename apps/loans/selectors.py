"""Reads over loans: the derived figures (balance, schedule, overdue) the pages and the API show."""
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from apps.regions.selectors import policy_for

from . import policy
from .models import ACTIVE_STATES, Change, Loan, LoanState, TermChange


def loan_policy(loan: Loan, today: dt.date):
    """Contracts signed up to 2020-12-31 keep the policy in force when signed for their whole life (001 §一)."""
    on = loan.signed_on if loan.signed_on <= policy.BENCHMARK_UNTIL else today
    return policy_for(loan.region_code, on)


def rate_periods(loan: Loan) -> list[tuple[dt.date, Decimal]]:
    steps = [(loan.disbursed_on or loan.signed_on, loan.annual_rate)]
    for change in loan.term_changes.filter(status=TermChange.Status.APPROVED, new_rate__isnull=False).order_by("effective_on"):
        steps.append((change.effective_on, change.new_rate))
    return steps


def balance_steps(loan: Loan, repayments) -> list[tuple[dt.date, Decimal]]:
    start = loan.disbursed_on or loan.signed_on
    steps, balance = [(start, loan.principal)], loan.principal
    for r in sorted(repayments, key=lambda r: (r.paid_on, r.id or 0)):
        if r.principal:
            balance -= r.principal
            steps.append((r.paid_on, balance))
    return steps


@dataclass
class ScheduleRow:
    due_on: dt.date
    interest: Decimal
    principal: Decimal


def schedule(loan: Loan, repayments=None) -> list[ScheduleRow]:
    """Interest each quarter (settlement day of the bank), principal at maturity, from actual balances."""
    if loan.disbursed_on is None:
        return []
    repayments = list(loan.repayments.all()) if repayments is None else repayments
    end = loan.settled_on if loan.state in (LoanState.SETTLED, LoanState.RENEWED) else loan.maturity_on
    dates = policy.settlement_dates(loan.disbursed_on, end, loan.bank.interest_settlement_day)
    balances, rates = balance_steps(loan, repayments), rate_periods(loan)
    rows, prev = [], loan.disbursed_on
    for due in dates:
        rows.append(ScheduleRow(due, policy.interest(balances, rates, prev, due), Decimal("0")))
        prev = due
    if rows:
        rows[-1].principal = loan.principal - loan.principal_repaid
    return rows


def overdue(loan: Loan, today: dt.date, repayments=None) -> policy.Overdue:
    if loan.state not in ACTIVE_STATES:
        return policy.Overdue(False, None, 0, Decimal("0"), Decimal("0"))
    rows = schedule(loan, repayments)
    return policy.overdue_status(today=today, maturity_on=loan.maturity_on, balance=loan.balance,
                                 interest_due_by=[(r.due_on, r.interest) for r in rows], interest_paid=loan.interest_paid)


def disbursement_late(loan: Loan, today: dt.date) -> bool:
    """Late when not disbursed by the deadline (7 working days after signing by default)."""
    if loan.disbursed_on:
        return loan.disbursed_on > loan.disburse_by
    return loan.state == LoanState.CONTRACTED and today > loan.disburse_by


def changes_used(loan: Loan, kind: str) -> int:
    return loan.term_changes.filter(kind=kind, status=TermChange.Status.APPROVED).count()


def renewals_in_chain(loan: Loan) -> int:
    count, current = 0, loan
    while current.renewed_from_id:
        count += 1
        current = current.renewed_from
    return count


def loan_list_for_household(actor, household_id: int):
    """The household's loans the actor may see (a bank officer: their bank's), newest first, with the overdue mark
    joined so a row needs no query of its own."""
    return (Loan.objects.visible_to(actor).filter(household_id=household_id)
            .select_related("borrower", "bank", "overdue_mark").order_by("-signed_on", "-id"))


__all__ = ["Change"]
