"""Loan account writes. Each transition: lock the row, check, transition, save, append the event."""
import datetime as dt
import hashlib
import json
import re
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.dates import business_today, check_business_date
from apps.core.errors import Conflict, DomainError
from apps.core.idnumber import mask
from apps.regions.calendar import add_working_days, is_working_day
from apps.regions.selectors import policy_for, rate_on

from . import policy, selectors
from .models import ACTIVE_STATES, Change, Loan, LoanEvent, LoanState, PublicNotice, PublicNoticeEntry, Repayment, TermChange


def _event(loan, actor, action, before="", comment="", **data):
    LoanEvent.objects.create(loan=loan, region_code=loan.region_code, actor=actor, role=getattr(actor, "role", ""),
                             action=action, from_state=before, to_state=loan.state, comment=comment, data=data)


def loan_open(actor, *, household, borrower, bank, branch=None, principal: Decimal, term_months: int, purpose: str,
              purpose_detail: str, signed_on: dt.date, contract_no: str, receipt_no: str) -> Loan:
    """Open the loan account on the bank's approval: rate from the dated table in force on signing
    (fixed for the loan's life), maturity, and the disbursement deadline in working days."""
    try:
        rate_row = rate_on(signed_on, policy.rate_kind_for(signed_on))
    except Exception:
        raise DomainError("rate_missing") from None
    pol = policy_for(household.region_code, signed_on)
    loan = Loan(
        household=household, borrower=borrower, bank=bank, branch=branch, region_code=household.region_code,
        contract_no=contract_no.strip(), receipt_no=receipt_no.strip(), signed_on=signed_on, principal=principal,
        term_months=term_months, annual_rate=policy.annual_rate(term_months, rate_row.up_to_one_year, rate_row.long_term),
        purpose=purpose, purpose_detail=purpose_detail[:300], maturity_on=policy.maturity(signed_on, term_months),
        original_maturity_on=policy.maturity(signed_on, term_months),
        disburse_by=add_working_days(signed_on, pol.disbursement_working_days), created_by=actor,
    )
    try:
        with transaction.atomic():
            loan.save()
    except IntegrityError:
        raise DomainError("contract_no_taken", fields={"contract_no": ["contract_no_taken"]}) from None
    _event(loan, actor, "opened", data={"rate": str(loan.annual_rate), "rate_kind": rate_row.kind})
    return loan


def _label(model, field: str):
    return model._meta.get_field(field).verbose_name


@transaction.atomic
def loan_disburse(actor, loan: Loan, on: dt.date | None = None, *, today: dt.date | None = None) -> Loan:
    loan = Loan.objects.visible_to(actor).select_for_update().get(pk=loan.pk)
    if actor.role != "bank_officer" or actor.bank_id != loan.bank_id:
        raise DomainError("not_your_level", status=403)
    today = today or business_today()
    on = on or today
    if loan.state != LoanState.CONTRACTED:
        raise Conflict("transition_not_allowed")
    check_business_date("disbursed_on", on, today=today, not_before=loan.signed_on, event="signing",
                        label=_label(Loan, "disbursed_on"))
    before = loan.state
    loan.disburse(on)
    loan.save()
    _event(loan, actor, "disbursed", before, late=on > loan.disburse_by)
    return loan


def household_committed(household_id: int, exclude_loan: int | None = None) -> Decimal:
    """Principal still open on the household's loans (disbursed or only contracted)."""
    total = Decimal("0")
    qs = Loan.objects.filter(household_id=household_id).open()
    if exclude_loan:
        qs = qs.exclude(pk=exclude_loan)
    for principal, repaid in qs.values_list("principal", "principal_repaid"):
        total += principal - repaid
    return total


def _bank_officer_of(actor, loan) -> None:
    if actor.role != "bank_officer" or actor.bank_id != loan.bank_id:
        raise DomainError("not_your_level", status=403)


def _locked(actor, loan) -> Loan:
    try:
        return Loan.objects.visible_to(actor).select_for_update().select_related("bank", "household").get(pk=loan.pk)
    except Loan.DoesNotExist:
        raise DomainError("not_found", status=404) from None


def _request_digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


IDEMPOTENCY_KEY_MAX = Repayment._meta.get_field("idempotency_key").max_length
IDEMPOTENCY_KEY_CHARACTERS = re.compile(r"[\x21-\x7e]+")


def _replay(actor, key: str, digest: str) -> Repayment | None:
    """The repayment already recorded under `key` when this request is a retry of it; a key used for other
    content is refused (409), whichever request recorded it first."""
    existing = Repayment.objects.filter(bank_id=actor.bank_id, idempotency_key=key).first()
    if existing is not None and existing.request_digest != digest:
        raise Conflict("idempotency_key_reused")
    return existing


def repayment_post(actor, loan: Loan, *, paid_on: dt.date, principal=Decimal("0"), interest=Decimal("0"),
                   penalty=Decimal("0"), idempotency_key: str = "", today: dt.date | None = None) -> tuple[Repayment, bool]:
    """Record a repayment. Returns (repayment, created). The same Idempotency-Key with the same content
    returns the first repayment and records nothing; with different content it is refused (409)."""
    cents = Decimal("0.01")  # 1000 and 1000.00 are one content
    parts = {"loan": loan.pk, "paid_on": paid_on.isoformat(), "principal": str(Decimal(principal).quantize(cents)),
             "interest": str(Decimal(interest).quantize(cents)), "penalty": str(Decimal(penalty).quantize(cents))}
    digest = _request_digest(parts)
    key = (idempotency_key or "").strip()
    if key and not IDEMPOTENCY_KEY_CHARACTERS.fullmatch(key):  # a header carries latin-1: "键" would be stored garbled
        raise DomainError("idempotency_key_invalid", fields={"Idempotency-Key": ["idempotency_key_invalid"]})
    if len(key) > IDEMPOTENCY_KEY_MAX:  # truncating would make two different keys one
        raise DomainError("idempotency_key_too_long", fields={"Idempotency-Key": ["idempotency_key_too_long"]})
    if key and (existing := _replay(actor, key, digest)):
        return existing, False
    try:
        with transaction.atomic():
            return _repayment_record(actor, loan, paid_on, principal, interest, penalty, key, digest, today), True
    except IntegrityError:
        # A concurrent request with this key recorded first: replay it if it was this content, else 409.
        if key and (existing := _replay(actor, key, digest)):
            return existing, False
        raise


def _repayment_record(actor, loan, paid_on, principal, interest, penalty, key, digest, today=None):
    loan = _locked(actor, loan)
    _bank_officer_of(actor, loan)
    if not loan.is_active:
        raise Conflict("loan_not_active")
    check_business_date("paid_on", paid_on, today=today, not_before=loan.disbursed_on, event="disbursement",
                        label=_label(Repayment, "paid_on"))
    problems = {}
    for name, value in (("principal", principal), ("interest", interest), ("penalty", penalty)):
        if value < 0:
            problems[name] = ["repayment_negative"]
    if not problems and principal + interest + penalty <= 0:
        problems["amount"] = ["repayment_empty"]
    if principal > loan.balance:
        problems["principal"] = ["repayment_over_balance"]
    if problems:
        raise DomainError(next(iter(problems.values()))[0], fields=problems)
    repayment = Repayment.objects.create(
        loan=loan, region_code=loan.region_code, bank=loan.bank, paid_on=paid_on, principal=principal, interest=interest,
        penalty=penalty, idempotency_key=key, request_digest=digest, recorded_by=actor,
    )
    loan.principal_repaid += principal
    loan.interest_paid += interest
    loan.penalty_paid += penalty
    before = loan.state
    if loan.principal_repaid == loan.principal:
        loan.settle(paid_on)
    loan.save()
    _event(loan, actor, "settled" if loan.state == LoanState.SETTLED else "repaid", before,
           principal=str(principal), interest=str(interest), penalty=str(penalty), paid_on=paid_on.isoformat())
    return repayment


@transaction.atomic
def renewal_open(actor, old: Loan, *, term_months: int, signed_on: dt.date, contract_no: str, receipt_no: str,
                 max_term: int) -> Loan:
    """续贷 without repaying principal first: the old loan closes as renewed and a linked new loan opens for
    its outstanding balance, disbursed the same day. Eligibility is the caller's (approvals) concern."""
    old = _locked(actor, old)
    _bank_officer_of(actor, old)
    if not old.is_active:
        raise Conflict("loan_not_active")
    if selectors.overdue(old, signed_on).overdue:
        raise DomainError("renewal_overdue")
    pol = selectors.loan_policy(old, signed_on)
    if selectors.renewals_in_chain(old) >= pol.max_renewals:
        raise DomainError("renewal_already_used")
    if not 1 <= term_months <= max_term:
        raise DomainError("term_over_maximum", fields={"term_months": ["term_over_maximum"]})
    balance = old.balance
    before = old.state
    old.close_by_renewal(signed_on)
    old.save()
    new = loan_open(actor, household=old.household, borrower=old.borrower, bank=old.bank, branch=old.branch, principal=balance,
                    term_months=term_months, purpose=old.purpose, purpose_detail=old.purpose_detail, signed_on=signed_on,
                    contract_no=contract_no, receipt_no=receipt_no)
    new.renewed_from = old
    new.disburse(signed_on)  # no new money moves: the balance carries over
    new.save()
    _event(old, actor, "renewed", before, new_loan=new.pk)
    _event(new, actor, "opened_by_renewal", LoanState.CONTRACTED, old_loan=old.pk)
    return new


@transaction.atomic
def term_change_request(actor, loan: Loan, *, kind: str, reason: str, months: int | None = None,
                        new_maturity_on: dt.date | None = None, today: dt.date | None = None):
    """The village group or the bank asks for an extension (months) or an epidemic deferral (new maturity)."""
    if actor.role not in ("village_member", "bank_officer"):
        raise DomainError("not_your_level", status=403)
    loan = _locked(actor, loan)
    today = today or timezone.localdate()
    if not loan.is_active:
        raise Conflict("loan_not_active")
    if not (reason or "").strip():
        raise DomainError("comment_required", fields={"reason": ["comment_required"]})
    pol = selectors.loan_policy(loan, today)
    if kind == Change.EXTENSION:
        months = int(months or 0)
        codes = policy.extension_violations(term_months=loan.term_months, months=months, rule=pol.extension_rule,
                                            product_max=pol.max_term_months, extensions_so_far=selectors.changes_used(loan, kind),
                                            max_extensions=pol.max_extensions)
        new_maturity_on = policy.maturity(loan.maturity_on, months) if months > 0 else loan.maturity_on
    elif kind == Change.DEFERRAL:
        if new_maturity_on is None and months:
            new_maturity_on = policy.maturity(loan.maturity_on, int(months))
        if new_maturity_on is None:
            raise DomainError("deferral_not_later", fields={"new_maturity_on": ["deferral_not_later"]})
        codes = policy.deferral_violations(maturity_on=loan.maturity_on, original_maturity_on=loan.original_maturity_on,
                                           new_maturity_on=new_maturity_on, max_months=pol.deferral_max_months,
                                           allow_to_2021_03_31=True, deferrals_so_far=selectors.changes_used(loan, kind))
    else:
        raise DomainError("validation_error", fields={"kind": ["invalid_choice"]})
    if codes:
        raise DomainError(codes[0], fields={"months" if kind == Change.EXTENSION else "new_maturity_on": codes})
    if TermChange.objects.filter(loan=loan, kind=kind, status=TermChange.Status.REQUESTED).exists():
        raise Conflict("term_change_pending")
    change = TermChange.objects.create(loan=loan, region_code=loan.region_code, kind=kind, months=months or None,
                                       new_maturity_on=new_maturity_on, old_maturity_on=loan.maturity_on, reason=reason.strip(),
                                       requested_by=actor)
    _event(loan, actor, f"{kind}_requested", loan.state, reason.strip(), change=change.pk, new_maturity_on=new_maturity_on.isoformat())
    return change


@transaction.atomic
def term_change_decide(actor, change, *, approve: bool, comment: str = "", today: dt.date | None = None):
    """The bank decides. An extension that moves the loan into the longer rate band takes that band's rate
    in force on the decision day, from that day on."""
    change = TermChange.objects.visible_to(actor).select_for_update().get(pk=change.pk)
    loan = _locked(actor, change.loan)
    _bank_officer_of(actor, loan)
    today = today or timezone.localdate()
    if change.status != TermChange.Status.REQUESTED:
        raise Conflict("transition_not_allowed")
    if not approve and not comment.strip():
        raise DomainError("comment_required", fields={"comment": ["comment_required"]})
    change.decided_by, change.decided_at, change.decision_comment = actor, timezone.now(), comment.strip()
    before = loan.state
    if approve:
        if loan.maturity_on != change.old_maturity_on:
            raise Conflict("application_changed")
        try:
            (loan.extend if change.kind == Change.EXTENSION else loan.defer)(change.new_maturity_on)
        except Exception:
            raise Conflict("transition_not_allowed") from None
        if change.kind == Change.EXTENSION and loan.term_months <= 12 < loan.term_months + (change.months or 0):
            row = rate_on(today, policy.rate_kind_for(today))
            change.new_rate, change.effective_on = row.long_term, today
            loan.annual_rate = row.long_term
        change.status = TermChange.Status.APPROVED
        loan.save()
    else:
        change.status = TermChange.Status.REJECTED
    change.save()
    _event(loan, actor, f"{change.kind}_{change.status}", before, comment.strip(), change=change.pk)
    return change


@transaction.atomic
def notice_publish(actor, village_code: str, *, today: dt.date | None = None):
    """Publish the village's disbursed, not yet published loans (公示) for the county's notice period."""
    if actor.role not in ("county_officer", "county_head"):
        raise DomainError("not_your_level", status=403)
    today = today or timezone.localdate()
    loans = list(Loan.objects.visible_to(actor).filter(region_code=village_code, state__in=ACTIVE_STATES,
                                                       notice_entry__isnull=True).select_related("borrower", "household__village"))
    if not loans:
        raise DomainError("notice_nothing_to_publish")
    pol = policy_for(village_code, today)
    village = loans[0].household.village
    notice = PublicNotice.objects.create(
        region_code=village_code, village_name=village.full_name(), published_on=today,
        ends_on=notice_end(today, pol.notice_working_days), hotline=pol.hotline or village.hotline or "", created_by=actor,
    )
    PublicNoticeEntry.objects.bulk_create([
        PublicNoticeEntry(
            notice=notice, loan=loan, borrower_masked=mask_name(loan.borrower.name), id_masked=mask(loan.borrower.id_number),
            purpose=f"{loan.get_purpose_display()}：{loan.purpose_detail}"[:300], amount=loan.principal,
            subsidy_rate=(loan.annual_rate * pol.subsidy_rate).quantize(Decimal("0.001")),
            subsidy_estimate=policy.subsidy_estimate(loan.principal, loan.annual_rate, loan.term_months, pol.subsidy_rate,
                                                     pol.subsidy_principal_cap),
        )
        for loan in loans
    ])
    for loan in loans:
        _event(loan, actor, "notice_published", loan.state, notice=notice.pk)
    return notice


def notice_end(published_on: dt.date, working_days: int) -> dt.date:
    """The last day of a notice period of n working days, the day of publication counting when it is one."""
    first = published_on if is_working_day(published_on) else add_working_days(published_on, 1)
    return add_working_days(first, working_days - 1)


def mask_name(name: str) -> str:
    """张三 → 张*, 张三丰 → 张*丰: enough for neighbours to recognise, not a full identifier."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
