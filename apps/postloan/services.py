"""Post-loan writes: withdrawals and their follow-up, inspections and the cadence, findings and their
rectification, collection notices' receipts and the collection log."""
import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import TransitionNotAllowed

from apps.accounts.models import User
from apps.accounts.notifications import notify
from apps.accounts.roles import Role
from apps.core import uploads
from apps.core.dates import business_today, check_business_date
from apps.core.errors import Conflict, DomainError
from apps.loans.models import Loan
from apps.regions.selectors import policy_for

from . import policy
from .models import (
    CollectionCase,
    CollectionLog,
    CollectionNotice,
    Finding,
    FindingCategory,
    FindingStep,
    Inspection,
    InspectionSchedule,
    RectState,
    Withdrawal,
)


def _loan(actor, loan) -> Loan:
    try:
        return Loan.objects.visible_to(actor).select_related("bank").get(pk=loan.pk)
    except Loan.DoesNotExist:
        raise DomainError("not_found", status=404) from None


def _label(model, field: str):
    return model._meta.get_field(field).verbose_name


def _village_group(code: str):
    return User.objects.filter(role=Role.VILLAGE_MEMBER, is_active=True, region__code=code)


def _withdrawal_replay(loan, external_id: str, content: dict) -> Withdrawal | None:
    """The withdrawal already recorded under the bank's reference when this request repeats it; a reference used
    for another withdrawal is refused (409), whichever request recorded it first."""
    existing = Withdrawal.objects.filter(loan=loan, external_id=external_id).first()
    if existing is not None and any(getattr(existing, f) != v for f, v in content.items()):
        raise Conflict("withdrawal_reference_reused")
    return existing


@transaction.atomic
def withdrawal_record(actor, loan, *, amount: Decimal, withdrawn_on: dt.date, external_id: str, payee: str = "",
                      note: str = "", today: dt.date | None = None) -> tuple[Withdrawal, bool]:
    """The bank posts a withdrawal (idempotent on its reference). ≥ the county's alert amount opens a follow-up
    for the village group, who are notified; smaller ones wait for the monthly spot check."""
    if actor.role != Role.BANK_OFFICER:
        raise DomainError("not_your_level", status=403)
    loan = _loan(actor, loan)
    if actor.bank_id != loan.bank_id:
        raise DomainError("not_found", status=404)
    if amount <= 0:
        raise DomainError("repayment_empty", fields={"amount": ["repayment_empty"]})
    if not loan.is_active:
        raise DomainError("withdrawal_outside_loan", fields={"withdrawn_on": ["withdrawal_outside_loan"]})
    check_business_date("withdrawn_on", withdrawn_on, today=today, not_before=loan.disbursed_on, event="disbursement",
                        label=_label(Withdrawal, "withdrawn_on"))
    external_id, payee, note = external_id.strip(), payee.strip(), note.strip()
    if len(external_id) > Withdrawal._meta.get_field("external_id").max_length:  # truncated, two references would be one
        raise DomainError("withdrawal_reference_too_long", fields={"external_id": ["withdrawal_reference_too_long"]})
    content = {"amount": amount, "withdrawn_on": withdrawn_on, "payee": payee[:100], "note": note[:300]}
    if existing := _withdrawal_replay(loan, external_id, content):
        return existing, False
    large = policy.withdrawal_needs_follow_up(amount, policy_for(loan.region_code, withdrawn_on).withdrawal_alert_amount)
    try:
        with transaction.atomic():
            w = Withdrawal.objects.create(loan=loan, region_code=loan.region_code, external_id=external_id, needs_follow_up=large,
                                          follow_up=Withdrawal.FollowUp.PENDING if large else "", recorded_by=actor, **content)
    except IntegrityError:
        # A concurrent request with this reference recorded first: replay it if it was this withdrawal, else 409.
        if existing := _withdrawal_replay(loan, external_id, content):
            return existing, False
        raise
    if large:
        for member in _village_group(loan.region_code):
            notify(member, key=f"withdrawal:{w.pk}", title=_("Large withdrawal of %(amount)s yuan: follow it up.") % {"amount": amount},
                   body=f"{loan.borrower.name} {loan.contract_no}", link=f"/postloan/withdrawals/{w.pk}/", channels=("inapp", "sms"))
    return w, True


@transaction.atomic
def withdrawal_follow_up(actor, withdrawal, *, use_matches: bool, result: str, followed_up_on: dt.date | None = None,
                         today: dt.date | None = None) -> Withdrawal:
    """The village group (or the bank) records what the follow-up found, dated the day it was done (today by default)."""
    if actor.role not in (Role.VILLAGE_MEMBER, Role.BANK_OFFICER):
        raise DomainError("not_your_level", status=403)
    w = Withdrawal.objects.visible_to(actor).select_for_update().filter(pk=withdrawal.pk).first()
    if w is None:
        raise DomainError("not_found", status=404)
    if w.follow_up != Withdrawal.FollowUp.PENDING:
        raise Conflict("transition_not_allowed")
    if not result.strip():
        raise DomainError("comment_required", fields={"result": ["comment_required"]})
    today = today or business_today()
    followed_up_on = followed_up_on or today
    check_business_date("followed_up_on", followed_up_on, today=today, not_before=w.withdrawn_on, event="withdrawal",
                        label=gettext_lazy("Follow-up date"))
    w.follow_up, w.use_matches, w.follow_up_result = Withdrawal.FollowUp.DONE, use_matches, result.strip()
    w.followed_up_by, w.followed_up_on = actor, followed_up_on
    w.save()
    return w


def spot_check_month(month_start: dt.date) -> dict:
    """Monthly: sample the previous month's small withdrawals per county (county-set share), assign them to
    the village group and the bank. Idempotent: a month already sampled is not sampled again."""
    prev_end = month_start - dt.timedelta(days=1)
    prev_start = prev_end.replace(day=1)
    sampled = 0
    small = Withdrawal.objects.filter(withdrawn_on__gte=prev_start, withdrawn_on__lte=prev_end, needs_follow_up=False)
    for county6 in sorted({c[:6] for c in small.values_list("region_code", flat=True).distinct()}):
        in_county = small.filter(region_code__startswith=county6)
        if in_county.filter(sampled_month=prev_start).exists():
            continue
        share = policy_for(county6 + "000000", month_start).spot_check_share
        ids = policy.spot_check_sample(list(in_county.values_list("id", flat=True)), share, f"{county6}-{prev_start}")
        Withdrawal.objects.filter(pk__in=ids).update(sampled_month=prev_start, follow_up=Withdrawal.FollowUp.PENDING)
        sampled += len(ids)
        for w in Withdrawal.objects.filter(pk__in=ids).select_related("loan"):
            users = list(_village_group(w.region_code)) + list(User.objects.filter(role=Role.BANK_OFFICER, bank_id=w.loan.bank_id,
                                                                                    is_active=True))
            for u in users:
                notify(u, key=f"spot-check:{w.pk}", title=_("Spot check of a withdrawal"), link=f"/postloan/withdrawals/{w.pk}/")
    return {"sampled": sampled}


@transaction.atomic
def inspection_record(actor, loan, *, done_on: dt.date, actual_use: str, use_matches: bool, production_status: str,
                      income_effect: str = "", risks: str = "", findings: list[dict] | None = None, inspectors: str = "",
                      latitude=None, longitude=None, accuracy_m=None, client_id: str = "", photos=(),
                      today: dt.date | None = None) -> tuple[Inspection, bool]:
    """Record a 贷后检查 and move the loan's cadence: no problem → next in a quarter; a problem → monthly and a
    rectification per finding; a wrong-borrower finding opens a county collection case."""
    if actor.role != Role.VILLAGE_MEMBER:
        raise DomainError("not_your_level", status=403)
    if client_id:
        existing = Inspection.objects.filter(client_id=client_id).first()
        if existing:
            return existing, False
    loan = _loan(actor, loan)
    check_business_date("done_on", done_on, today=today, not_before=loan.disbursed_on, event="disbursement",
                        label=_label(Inspection, "done_on"))
    problems = {}
    if not actual_use.strip():
        problems["actual_use"] = ["household_field_missing"]
    if not production_status.strip():
        problems["production_status"] = ["household_field_missing"]
    if not inspectors.strip():
        problems["inspectors"] = ["household_field_missing"]
    try:
        photos = [uploads.accept(p, uploads.PHOTO) for p in photos]  # re-encoded under server names, before any write
    except DomainError as exc:
        problems["photos"] = [exc.code]
    findings = [f for f in (findings or []) if f.get("category")]
    for idx, f in enumerate(findings):
        if f["category"] not in FindingCategory.values:
            problems[f"findings.{idx}.category"] = ["invalid_choice"]
        if not (f.get("description") or "").strip():
            problems[f"findings.{idx}.description"] = ["household_field_missing"]
    if problems:
        raise DomainError(next(iter(problems.values()))[0], fields=problems)
    schedule, _created = InspectionSchedule.objects.select_for_update().get_or_create(
        loan=loan, defaults={"region_code": loan.region_code, "next_due_on": policy.first_inspection_due(
            loan.disbursed_on, policy_for(loan.region_code, timezone.localdate()).first_inspection_months)})  # as the daily job
    suspect = accuracy_m is not None and Decimal(str(accuracy_m)) == 0
    problem = bool(findings) or not use_matches
    inspection = Inspection.objects.create(
        loan=loan, region_code=loan.region_code, due_on=schedule.next_due_on, done_on=done_on, actual_use=actual_use.strip(),
        use_matches=use_matches, production_status=production_status.strip(), income_effect=income_effect.strip(), risks=risks.strip(),
        findings="；".join(f["description"].strip() for f in findings), problem_found=problem, inspectors=inspectors.strip(),
        latitude=latitude, longitude=longitude, accuracy_m=accuracy_m, location_suspect=suspect, client_id=client_id[:64],
        recorded_by=actor,
    )
    for photo in photos:
        inspection.photos.create(image=photo, content_type=photo.content_type)
    for f in findings:
        finding = Finding.objects.create(inspection=inspection, loan=loan, region_code=loan.region_code, category=f["category"],
                                         description=f["description"].strip())
        FindingStep.objects.create(finding=finding, region_code=loan.region_code, action="found", actor=actor, role=actor.role)
        if f["category"] == FindingCategory.WRONG_BORROWER:
            CollectionCase.objects.create(finding=finding, loan=loan, region_code=loan.region_code, opened_on=done_on)
            for officer in User.objects.filter(role__in=[Role.COUNTY_OFFICER, Role.COUNTY_HEAD], is_active=True,
                                               region__code=loan.region_code[:6] + "000000"):
                notify(officer, key=f"collection-case:{finding.pk}", title=_("Wrong borrower found: form a joint collection team."),
                       link=f"/postloan/findings/{finding.pk}/")
    pol = policy_for(loan.region_code, done_on)
    open_problem = problem or Finding.objects.filter(loan=loan).exclude(state=RectState.VERIFIED).exists()
    schedule.last_done_on, schedule.problem_open = done_on, open_problem
    schedule.next_due_on = policy.next_inspection_due(done_on, open_problem, pol.inspection_months_normal, pol.inspection_months_problem)
    schedule.save()
    return inspection, True


RECT_STEPS = {
    # action: (roles allowed, transition)
    "propose": ({Role.VILLAGE_MEMBER}, "propose"),
    "township_approve": ({Role.TOWNSHIP_OFFICER, Role.TOWNSHIP_LEADER}, "township_approve"),
    "send_back": ({Role.TOWNSHIP_OFFICER, Role.TOWNSHIP_LEADER}, "send_back"),
    "county_agree": ({Role.COUNTY_OFFICER, Role.COUNTY_HEAD}, None),
    "bank_agree": ({Role.BANK_OFFICER}, None),
    "rectify": ({Role.VILLAGE_MEMBER}, "rectify"),
    "verify": ({Role.TOWNSHIP_OFFICER, Role.TOWNSHIP_LEADER, Role.COUNTY_OFFICER, Role.COUNTY_HEAD}, "verify"),
}


def finding_actions(user, finding: Finding) -> list[str]:
    state = finding.state
    wanted = {
        RectState.OPEN: ["propose"], RectState.PROPOSED: ["township_approve", "send_back"],
        RectState.TOWNSHIP_APPROVED: [a for a, done in (("county_agree", finding.county_agreed), ("bank_agree", finding.bank_agreed)) if not done],
        RectState.AGREED: ["rectify"], RectState.RECTIFIED: ["verify"],
    }.get(state, [])
    return [a for a in wanted if user.role in RECT_STEPS[a][0] and (a != "bank_agree" or user.bank_id == finding.loan.bank_id)]


@transaction.atomic
def finding_step(actor, finding, action: str, *, comment: str = "", plan: str = "", deadline: dt.date | None = None,
                 result: str = "", today: dt.date | None = None) -> Finding:
    """One step of the rectification, by the role that owns it; the actor is recorded as responsible."""
    finding = Finding.objects.visible_to(actor).select_for_update().select_related("loan").filter(pk=finding.pk).first()
    if finding is None:
        raise DomainError("not_found", status=404)
    if action not in finding_actions(actor, finding):
        raise DomainError("not_your_level", status=403) if action in RECT_STEPS else DomainError("validation_error")
    today = today or timezone.localdate()
    try:
        if action == "propose":
            if not plan.strip() or deadline is None or deadline <= today:
                raise DomainError("rectification_plan_incomplete", fields={"plan": ["rectification_plan_incomplete"]})
            finding.propose(plan.strip(), deadline)
            finding.responsible = actor
        elif action == "send_back":
            if not comment.strip():
                raise DomainError("comment_required", fields={"comment": ["comment_required"]})
            finding.send_back()
        elif action == "township_approve":
            finding.township_approve()
        elif action in ("county_agree", "bank_agree"):
            setattr(finding, "county_agreed" if action == "county_agree" else "bank_agreed", True)
            if finding.county_agreed and finding.bank_agreed:
                finding.agree()
        elif action == "rectify":
            if not result.strip():
                raise DomainError("comment_required", fields={"result": ["comment_required"]})
            finding.rectify(result.strip())
            finding.responsible = actor
        elif action == "verify":
            finding.verify(today)
    except TransitionNotAllowed:
        raise Conflict("transition_not_allowed") from None
    finding.save()
    FindingStep.objects.create(finding=finding, region_code=finding.region_code, action=action, actor=actor, role=actor.role,
                               comment=(comment or plan or result).strip()[:1000])
    if action == "verify":
        _after_verified(finding, today)
    return finding


def _after_verified(finding: Finding, today: dt.date) -> None:
    """Once every finding of the loan is verified the cadence goes back to quarterly."""
    if Finding.objects.filter(loan=finding.loan).exclude(state=RectState.VERIFIED).exists():
        return
    schedule = InspectionSchedule.objects.select_for_update().filter(loan=finding.loan).first()
    if schedule and schedule.last_done_on:
        pol = policy_for(finding.region_code, today)
        schedule.problem_open = False
        schedule.next_due_on = policy.next_inspection_due(schedule.last_done_on, False, pol.inspection_months_normal,
                                                          pol.inspection_months_problem, rectified_on=today)
        schedule.save()


@transaction.atomic
def notice_receipt(actor, notice, *, signer: str, signed_on: dt.date, today: dt.date | None = None) -> CollectionNotice:
    """The household's signed receipt of a collection notice (it interrupts the limitation period)."""
    if actor.role not in (Role.VILLAGE_MEMBER, Role.BANK_OFFICER):
        raise DomainError("not_your_level", status=403)
    n = CollectionNotice.objects.visible_to(actor).select_for_update().filter(pk=notice.pk).first()
    if n is None:
        raise DomainError("not_found", status=404)
    if n.receipt_signed_on:
        raise Conflict("notice_already_signed")
    if not signer.strip():
        raise DomainError("household_field_missing", fields={"signer": ["household_field_missing"]})
    check_business_date("signed_on", signed_on, today=today, not_before=n.issued_on, event="notice",
                        label=_label(CollectionNotice, "receipt_signed_on"))
    n.receipt_signer, n.receipt_signed_on, n.receipt_recorded_by = signer.strip(), signed_on, actor
    n.save()
    return n


def collection_log_add(actor, loan, *, kind: str, happened_on: dt.date, result: str, promise_to_pay_on=None,
                       promised_amount=None, today: dt.date | None = None) -> CollectionLog:
    if actor.role not in (Role.VILLAGE_MEMBER, Role.BANK_OFFICER, Role.COUNTY_OFFICER):
        raise DomainError("not_your_level", status=403)
    loan = _loan(actor, loan)
    if kind not in CollectionLog.Kind.values or not result.strip():
        raise DomainError("comment_required", fields={"result": ["comment_required"]})
    started = loan.disbursed_on or loan.signed_on
    check_business_date("happened_on", happened_on, today=today, not_before=started,
                        event="disbursement" if loan.disbursed_on else "signing", label=_label(CollectionLog, "happened_on"))
    return CollectionLog.objects.create(loan=loan, region_code=loan.region_code, kind=kind, happened_on=happened_on,
                                        result=result.strip(), promise_to_pay_on=promise_to_pay_on, promised_amount=promised_amount,
                                        actor=actor)
