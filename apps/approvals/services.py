"""The review chain. Every action: lock the application, check role, level, state and the rules as of
that day, transition, save, append the decision. Nothing half-done: errors roll the whole action back."""
import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from apps.accounts.models import CountyBank
from apps.accounts.roles import Position, Role
from apps.core import idnumber
from apps.core.dates import business_today, check_business_date
from apps.core.errors import Conflict, DomainError
from apps.loans import services as loan_services
from apps.loans.models import Loan
from apps.regions.selectors import policy_for

from . import policy
from .models import OPEN_STATES, Application, Decision, Level, ReviewBatch, ReviewDecision, State

LEVEL_ROLES = {
    Level.APPLICANT: {Role.VILLAGE_MEMBER},
    Level.VILLAGE: {Role.VILLAGE_MEMBER},
    Level.TOWNSHIP: {Role.TOWNSHIP_OFFICER, Role.TOWNSHIP_LEADER},
    Level.COUNTY: {Role.COUNTY_OFFICER, Role.COUNTY_HEAD},
    Level.BANK: {Role.BANK_OFFICER},
}
APPROVE_ACTION = {Level.APPLICANT: "submit", Level.VILLAGE: "village_approve", Level.TOWNSHIP: "township_approve",
                  Level.COUNTY: "county_recommend", Level.BANK: "bank_approve"}
APPROVE_DECISION = {Level.APPLICANT: Decision.SUBMIT, Level.VILLAGE: Decision.APPROVE, Level.TOWNSHIP: Decision.APPROVE,
                    Level.COUNTY: Decision.RECOMMEND, Level.BANK: Decision.APPROVE}


def is_signer(user, level: str) -> bool:
    """The accountable signer of each level (DOMAIN: pre-loan review)."""
    if level == Level.VILLAGE:
        return user.role == Role.VILLAGE_MEMBER and user.position == Position.FIRST_SECRETARY
    if level == Level.TOWNSHIP:
        return user.role == Role.TOWNSHIP_LEADER
    if level == Level.COUNTY:
        return user.role == Role.COUNTY_HEAD
    if level == Level.BANK:
        return user.role == Role.BANK_OFFICER
    return user.role == Role.VILLAGE_MEMBER


def acts_at(user, app: Application) -> bool:
    level = app.acting_level
    if level is None or user.role not in LEVEL_ROLES.get(level, set()):
        return False
    return level != Level.BANK or user.bank_id == app.bank_id


def available_actions(user, app: Application) -> list[str]:
    """What this user may do now; drives the HTML buttons and the API alike."""
    if not user.is_active or app.state not in OPEN_STATES:
        return []
    actions = []
    level = app.acting_level
    if acts_at(user, app):
        if is_signer(user, level):
            actions.append(APPROVE_ACTION[level])
        if level != Level.APPLICANT:
            actions += ["return", "reject"]
            if not is_signer(user, level):
                actions.append("opinion")
    if user.role == Role.VILLAGE_MEMBER:
        actions.append("withdraw")
    return actions


def facts_for(app: Application) -> policy.Facts:
    household = app.household
    other_apps = Application.objects.filter(household=household, state__in=OPEN_STATES).exclude(pk=app.pk)
    # Requests already in review count against the cap; drafts do not (they may never be submitted).
    pending = other_apps.filter(borrower=app.borrower).exclude(state=State.DRAFT).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    busy = other_apps.exclude(borrower=app.borrower).exists() or \
        Loan.objects.filter(household=household).open().exclude(borrower=app.borrower).exists()
    return policy.Facts(
        status=household.status, registered=household.status != "not_registered", credit_grade=household.credit_grade,
        rated_on=household.rated_on, borrower_birth=idnumber.birth_date(app.borrower.id_number),
        amount=app.approved_amount or app.amount, term_months=app.approved_term_months or app.term_months, purpose=app.purpose,
        cooperative_mode=app.cooperative_mode, cooperative_consent=app.cooperative_consent,
        household_committed=loan_services.household_committed(household.pk) + pending, other_member_busy=busy,
    )


def eligibility_violations(app: Application, today: dt.date) -> list[str]:
    """The rules the application breaks on `today`, under the county's policy of that day."""
    pol = policy_for(app.region_code, today)
    return policy.violations(facts_for(app), pol, today, rerating_months=pol.rerating_months)


def check_eligible(app: Application, today: dt.date) -> None:
    codes = eligibility_violations(app, today)
    if codes:
        raise DomainError(codes[0], fields={"eligibility": codes})


def _record(app, actor, decision, level, before, comment="", batch=None):
    ReviewDecision.objects.create(
        application=app, region_code=app.region_code, level=level, decision=decision, actor=actor, role=actor.role,
        signer_name=actor.display_name if decision in (Decision.APPROVE, Decision.RECOMMEND, Decision.SUBMIT) else "",
        comment=comment, from_state=before, to_state=app.state, batch=batch,
    )


def _locked(actor, app, expected_state: str | None = None) -> Application:
    """Lock the row. `expected_state` is the state the user saw: if another user moved the application
    meanwhile, this user lost the race (409), whatever their role allows in the new state."""
    try:
        locked = Application.objects.visible_to(actor).select_for_update().select_related("household", "borrower").get(pk=app.pk)
    except Application.DoesNotExist:
        raise DomainError("not_found", status=404) from None
    if expected_state and locked.state != expected_state:
        raise Conflict("application_changed")
    return locked


def _transition(app, name, *args):
    try:
        getattr(app, name)(*args)
    except TransitionNotAllowed:
        raise Conflict("transition_not_allowed") from None


@transaction.atomic
def application_create(actor, *, household, borrower=None, bank=None, amount: Decimal, term_months: int, purpose: str,
                       project: str, cooperative_mode=False, cooperative_consent="", today: dt.date | None = None,
                       submit=False) -> Application:
    if actor.role != Role.VILLAGE_MEMBER:
        raise DomainError("not_your_level", status=403)
    from apps.households.models import Household

    household = Household.objects.visible_to(actor).get(pk=household.pk)
    borrower = borrower or household.members.get(relation="head")
    if borrower.household_id != household.pk:
        raise DomainError("borrower_not_member", fields={"borrower": ["borrower_not_member"]})
    county = household.region_code[:6] + "000000"
    lending = CountyBank.objects.filter(county__code=county)
    if bank is None:
        main = lending.filter(main_townships__code=household.region_code[:9] + "000").first() or lending.first()
        bank = main.bank if main else None
    if bank is None or not lending.filter(bank=bank).exists():
        raise DomainError("bank_not_lending_here", fields={"bank": ["bank_not_lending_here"]})
    today = today or timezone.localdate()
    app = Application(household=household, borrower=borrower, bank=bank, amount=amount, term_months=term_months,
                      purpose=purpose, project=project.strip(), cooperative_mode=cooperative_mode,
                      cooperative_consent=cooperative_consent.strip(), applied_on=today, region_code=household.region_code,
                      created_by=actor)
    codes = eligibility_violations(app, today)
    shape = [c for c in codes if c.startswith(("purpose_", "cooperative_", "amount_not", "term_not"))]
    if shape:  # a draft may wait for a rating, not for a forbidden purpose
        raise DomainError(shape[0], fields={"eligibility": shape})
    app.save()
    _record(app, actor, Decision.CREATE, Level.APPLICANT, "")
    if submit:
        return application_submit(actor, app, today=today)
    return app


@transaction.atomic
def application_approve(actor, app: Application, *, comment: str = "", today: dt.date | None = None, batch=None,
                        bank_terms: dict | None = None, expected_state: str | None = None) -> Application:
    """The acting level's signer passes the application up: submit, village, township, county, bank."""
    app = _locked(actor, app, expected_state)
    today = today or business_today()
    level = app.acting_level
    if not acts_at(actor, app):
        raise DomainError("not_your_level", status=403)
    if not is_signer(actor, level):
        raise DomainError("signer_required", status=403)
    before = app.state
    if level == Level.BANK:
        terms = bank_terms or {}
        signed_on = terms.get("signed_on") or today
        check_business_date("signed_on", signed_on, today=today, not_before=app.applied_on, event="application",
                            label=Loan._meta.get_field("signed_on").verbose_name)
        amount = Decimal(str(terms.get("amount") or app.amount))
        term = int(terms.get("term_months") or app.term_months)
        if codes := policy.bank_terms_violations(app.amount, app.term_months, amount, term):
            raise DomainError(codes[0], fields={"terms": codes})
        _transition(app, "bank_approve", amount, term)
        check_eligible(app, today)
        app.loan = loan_services.loan_open(
            actor, household=app.household, borrower=app.borrower, bank=app.bank, branch=actor.branch, principal=amount,
            term_months=term, purpose=app.purpose, purpose_detail=app.project, signed_on=signed_on,
            contract_no=terms.get("contract_no", ""), receipt_no=terms.get("receipt_no", ""),
        )
    else:
        check_eligible(app, today)
        _transition(app, APPROVE_ACTION[level])
    if batch is not None:
        app.batch = batch
    app.save()
    _record(app, actor, APPROVE_DECISION[level], level, before, comment, batch)
    return app


def application_submit(actor, app, *, today=None):
    return application_approve(actor, app, today=today)


def _level_action(actor, app, name, decision, comment, expected_state=None, require_comment=True):
    app = _locked(actor, app, expected_state)
    if require_comment and not (comment or "").strip():
        raise DomainError("comment_required", fields={"comment": ["comment_required"]})
    if not acts_at(actor, app) or app.acting_level == Level.APPLICANT:
        raise DomainError("not_your_level", status=403)
    level, before = app.acting_level, app.state
    if name:
        _transition(app, name)
        app.save()
    _record(app, actor, decision, level, before, comment.strip())
    return app


@transaction.atomic
def application_return(actor, app, *, comment: str, expected_state: str | None = None) -> Application:
    """Back to the level below for correction, with the reason."""
    if app.state == State.RETURNED:
        raise Conflict("transition_not_allowed")
    return _level_action(actor, app, "send_back", Decision.RETURN, comment, expected_state)


@transaction.atomic
def application_reject(actor, app, *, comment: str, expected_state: str | None = None) -> Application:
    return _level_action(actor, app, "reject", Decision.REJECT, comment, expected_state)


@transaction.atomic
def application_opinion(actor, app, *, comment: str, expected_state: str | None = None) -> Application:
    """A reviewer's opinion at the acting level (e.g. the township office's pre-review); no state change."""
    return _level_action(actor, app, None, Decision.OPINION, comment, expected_state)


@transaction.atomic
def application_withdraw(actor, app, *, comment: str = "", expected_state: str | None = None) -> Application:
    app = _locked(actor, app, expected_state)
    if actor.role != Role.VILLAGE_MEMBER:
        raise DomainError("not_your_level", status=403)
    before = app.state
    _transition(app, "withdraw")
    app.save()
    _record(app, actor, Decision.WITHDRAW, Level.APPLICANT, before, comment)
    return app


@transaction.atomic
def application_batch_approve(actor, apps: list[Application], *, comment: str = "", today: dt.date | None = None) -> ReviewBatch:
    """A village sends several applications in one submission (with a summary sheet); a township or county
    approves several in one step. All or nothing: one that cannot pass stops the batch."""
    if not apps:
        raise DomainError("batch_empty")
    today = today or timezone.localdate()
    levels = {a.acting_level for a in apps}
    level = levels.pop() if len(levels) == 1 else None
    batch = ReviewBatch.objects.create(level=level or "", region_code=(actor.scope_prefix or "").ljust(12, "0"),
                                       created_by=actor, note=comment[:300])
    failures = {}
    for app in sorted(apps, key=lambda a: a.pk):
        try:
            with transaction.atomic():
                application_approve(actor, app, comment=comment, today=today, batch=batch)
        except DomainError as exc:
            failures[str(app.pk)] = exc.fields.get("eligibility") or [exc.code]
    if failures or level is None:
        raise DomainError("batch_has_ineligible", fields={f"applications.{k}": v for k, v in failures.items()} or
                          {"applications": ["not_your_level"]})
    return batch


@transaction.atomic
def loan_renew(actor, loan: Loan, *, term_months: int, contract_no: str, receipt_no: str, signed_on: dt.date | None = None) -> Loan:
    """续贷: for a household still eligible, the bank renews without principal being repaid first.
    The household is checked as for a new application, the renewed balance replacing the old loan's."""
    from apps.loans.selectors import loan_policy

    today = business_today()
    signed_on = signed_on or today
    loan = Loan.objects.visible_to(actor).select_related("household", "borrower").filter(pk=loan.pk).first()
    if loan is None:
        raise DomainError("not_found", status=404)
    # Before the eligibility rules: judged on a date centuries ahead they would give a misleading reason.
    check_business_date("signed_on", signed_on, today=today, not_before=loan.disbursed_on, event="disbursement",
                        label=Loan._meta.get_field("signed_on").verbose_name)
    household = loan.household
    busy = Application.objects.filter(household=household, state__in=OPEN_STATES).exclude(borrower=loan.borrower).exists() or \
        Loan.objects.filter(household=household).open().exclude(borrower=loan.borrower).exists()
    facts = policy.Facts(
        status=household.status, registered=household.status != "not_registered", credit_grade=household.credit_grade,
        rated_on=household.rated_on, borrower_birth=idnumber.birth_date(loan.borrower.id_number), amount=loan.balance,
        term_months=term_months, purpose=loan.purpose, household_committed=loan_services.household_committed(household.pk, loan.pk),
        other_member_busy=busy,
    )
    pol = loan_policy(loan, signed_on)
    # The rating's age is judged by the county's interval on the signing day, not by the old contract's policy.
    rerating_months = policy_for(loan.region_code, signed_on).rerating_months
    if codes := policy.violations(facts, pol, signed_on, rerating_months=rerating_months):
        raise DomainError(codes[0], fields={"eligibility": codes})
    return loan_services.renewal_open(actor, loan, term_months=term_months, signed_on=signed_on, contract_no=contract_no,
                                      receipt_no=receipt_no, max_term=pol.max_term_months)
