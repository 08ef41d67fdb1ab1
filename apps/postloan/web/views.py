"""Post-loan pages: the village group's field tasks, inspections with photos and location, findings and their
rectification, withdrawals and their follow-up, collection notices and logs, the daily bulletin, notifications.

Every object is looked up through `visible_to(user)` first (another county or bank → 404), and only then is the
user's role checked for the action (→ 403)."""
import datetime as dt
import uuid
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Prefetch, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from apps.accounts.models import Notification
from apps.accounts.roles import Role
from apps.accounts.web.views import CapabilityRequiredMixin
from apps.core import filters, uploads
from apps.core.errors import DomainError
from apps.core.forms import add_domain_errors
from apps.core.messages import message
from apps.core.money import to_wan
from apps.core.paging import CachedCountPaginator
from apps.loans.models import ACTIVE_STATES, Loan
from apps.regions.models import Region
from apps.regions.selectors import policy_for

from .. import documents, policy, services
from ..filters import CollectionNoticeFilter, WithdrawalFilter
from ..models import (
    BulletinRow,
    CollectionCase,
    CollectionLog,
    CollectionNotice,
    Finding,
    FindingStep,
    Inspection,
    InspectionPhoto,
    InspectionSchedule,
    RectState,
    Withdrawal,
)
from .forms import CollectionLogForm, FindingStepForm, FollowUpForm, InspectionForm, ReceiptForm, WithdrawalForm

PAGE_SIZE = 25
TASK_LIMIT = 100
DUE_HORIZON_DAYS = 30
CHART_DAYS = 90
LOAN_RELATED = ("loan__borrower", "loan__household__village__parent", "loan__bank")
FIELD_ROLES = (Role.VILLAGE_MEMBER, Role.BANK_OFFICER)
COLLECTION_ROLES = (Role.VILLAGE_MEMBER, Role.BANK_OFFICER, Role.COUNTY_OFFICER)


def _error(request, exc: DomainError) -> None:
    details = [message(c, **exc.params) for codes in exc.fields.values() for c in (codes if isinstance(codes, list | tuple) else [codes])]
    messages.error(request, "；".join(dict.fromkeys([exc.detail, *details])))


def _visible(model, user, pk, *related):
    """The object if the user may see it, else 404 — whatever the user's role."""
    obj = model.objects.visible_to(user).select_related(*related).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _loan(user, pk) -> Loan:
    return _visible(Loan, user, pk, "borrower", "household__village__parent", "bank")


def _require_role(user, roles) -> None:
    if user.role not in roles:
        raise PermissionDenied


def _querystring_without_page(params) -> str:
    query = params.copy()
    query.pop("page", None)
    return (query.urlencode() + "&") if query else ""


def _days_label(days: int) -> str:
    if days < 0:
        return _("%(n)d days overdue") % {"n": -days}
    if days == 0:
        return _("due today")
    return _("in %(n)d days") % {"n": days}


# --- the village group's task list -------------------------------------------------------------------------------

class TaskListView(CapabilityRequiredMixin, TemplateView):
    """The village group's home in the field (DESIGN §13): inspections due and overdue, notices to deliver,
    withdrawals to follow up, findings waiting for the group — each with household, loan and deadline."""

    capability = "loan.view"
    template_name = "postloan/tasks.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, today = self.request.user, timezone.localdate()
        show_all = self.request.GET.get("all") == "1"
        horizon = today + dt.timedelta(days=DUE_HORIZON_DAYS)

        schedules = InspectionSchedule.objects.visible_to(user).filter(active=True, loan__state__in=ACTIVE_STATES)
        due = schedules if show_all else schedules.filter(next_due_on__lte=horizon)
        inspections = list(due.select_related(*LOAN_RELATED).order_by("next_due_on", "id")[:TASK_LIMIT])
        for s in inspections:
            s.days = (s.next_due_on - today).days
            s.overdue = s.days < 0
            s.when = _days_label(s.days)

        notices_qs = (CollectionNotice.objects.visible_to(user)
                      .filter(receipt_signed_on__isnull=True, loan__state__in=ACTIVE_STATES))
        notices = list(notices_qs.select_related(*LOAN_RELATED).order_by("maturity_on", "id")[:TASK_LIMIT])
        for n in notices:
            n.days = (n.maturity_on - today).days
            n.overdue = n.kind == CollectionNotice.Kind.OVERDUE or n.days < 0
            n.when = _days_label(n.days)

        follow_qs = Withdrawal.objects.visible_to(user).filter(follow_up=Withdrawal.FollowUp.PENDING)
        follow_ups = list(follow_qs.select_related(*LOAN_RELATED).order_by("withdrawn_on", "id")[:TASK_LIMIT])
        for w in follow_ups:
            w.days = (today - w.withdrawn_on).days

        open_findings = (Finding.objects.visible_to(user).exclude(state=RectState.VERIFIED)
                         .select_related(*LOAN_RELATED, "inspection").order_by("deadline", "created_at", "id"))
        findings = []
        for f in open_findings[:500]:
            actions = services.finding_actions(user, f)
            if actions:
                f.actions = actions
                f.overdue = bool(f.deadline and f.deadline < today and f.state != RectState.RECTIFIED)
                findings.append(f)

        ctx.update(
            today=today, show_all=show_all, horizon_days=DUE_HORIZON_DAYS, is_village=user.role == Role.VILLAGE_MEMBER,
            inspections=inspections, notices=notices, follow_ups=follow_ups, findings=findings[:TASK_LIMIT],
            counts={
                "overdue": schedules.filter(next_due_on__lt=today).count(),
                "due": schedules.filter(next_due_on__gte=today, next_due_on__lte=horizon).count(),
                "scheduled": schedules.count() if show_all else None,
                "notices": notices_qs.count(),
                "follow_ups": follow_qs.count(),
                "findings": len(findings),
            },
            limit=TASK_LIMIT,
        )
        return ctx


# --- inspections -----------------------------------------------------------------------------------------------

class InspectionListView(CapabilityRequiredMixin, TemplateView):
    """Inspections done in the user's area, with filters for problems and suspicious locations."""

    capability = "loan.view"
    template_name = "postloan/inspections.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET
        qs = Inspection.objects.visible_to(self.request.user).select_related(*LOAN_RELATED)
        problem, suspect = params.get("problem") == "1", params.get("suspect") == "1"
        if problem:
            qs = qs.filter(problem_found=True)
        if suspect:
            qs = qs.filter(location_suspect=True)
        page = CachedCountPaginator(qs.order_by("-done_on", "-id"), PAGE_SIZE).get_page(params.get("page"))
        ctx.update(page_obj=page, inspections=page.object_list, problem=problem, suspect=suspect,
                   querystring_without_page=_querystring_without_page(params))
        return ctx


class InspectView(CapabilityRequiredMixin, TemplateView):
    """The inspection form for one loan, on a tablet: photos downscaled in the browser, location with its accuracy,
    a client-made id so a double submit records one inspection."""

    capability = "loan.view"
    template_name = "postloan/inspect.html"

    def _context(self, loan, form):
        schedule = InspectionSchedule.objects.filter(loan=loan).first()
        return {"loan": loan, "form": form, "schedule": schedule, "today": timezone.localdate(),
                "previous": loan.inspections.order_by("-done_on", "-id")[:3]}

    def get(self, request, pk):
        loan = _loan(request.user, pk)
        _require_role(request.user, (Role.VILLAGE_MEMBER,))
        form = InspectionForm(initial={"done_on": timezone.localdate(), "inspectors": request.user.display_name,
                                       "client_id": str(uuid.uuid4())})
        return self.render_to_response(self._context(loan, form))

    def post(self, request, pk):
        loan = _loan(request.user, pk)
        _require_role(request.user, (Role.VILLAGE_MEMBER,))
        form = InspectionForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                inspection, created = services.inspection_record(
                    request.user, loan, done_on=d["done_on"], actual_use=d["actual_use"], use_matches=d["use_matches"],
                    production_status=d["production_status"], income_effect=d["income_effect"], risks=d["risks"],
                    findings=d["findings"], inspectors=d["inspectors"], latitude=d["latitude"], longitude=d["longitude"],
                    accuracy_m=d["accuracy_m"], client_id=d["client_id"], photos=d["photos"])
            except DomainError as exc:
                fields = {}
                for key, codes in exc.fields.items():
                    if key.startswith("findings."):
                        _f, idx, name = key.split(".")
                        key = f"finding_{int(idx) + 1}_{name}"
                    fields[key] = codes
                exc.fields = fields
                add_domain_errors(form, exc)
            else:
                if created:
                    messages.success(request, _("Inspection recorded. Next inspection due on %(d)s.") % {
                        "d": inspection.loan.inspection_schedule.next_due_on.isoformat()})
                else:
                    messages.info(request, _("This inspection was already recorded."))
                return redirect("postloan:inspection-detail", pk=inspection.pk)
        if request.FILES:
            form.add_error("photos", _("Choose the photos again: they cannot be kept when the form has errors."))
        return self.render_to_response(self._context(loan, form))


class InspectionDetailView(CapabilityRequiredMixin, TemplateView):
    capability = "loan.view"
    template_name = "postloan/inspection_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        inspection = _visible(Inspection, self.request.user, kwargs["pk"], *LOAN_RELATED, "recorded_by")
        findings = list(inspection.problems.select_related("responsible").prefetch_related(
            Prefetch("steps", queryset=FindingStep.objects.select_related("actor"))))
        for f in findings:
            for s in f.steps.all():
                s.label = STEP_LABELS.get(s.action, s.action)
        ctx.update(inspection=inspection, loan=inspection.loan, photos=inspection.photos.order_by("id"), findings=findings,
                   schedule=InspectionSchedule.objects.filter(loan=inspection.loan).first())
        return ctx


class PhotoView(CapabilityRequiredMixin, View):
    """Streams an inspection photo after the visibility check: photos are never served from MEDIA_URL."""

    capability = "loan.view"

    def get(self, request, pk):
        visible = Inspection.objects.visible_to(request.user)
        photo = InspectionPhoto.objects.filter(pk=pk, inspection__in=visible).first()
        if photo is None:
            raise Http404
        try:
            response = uploads.file_response(photo.image, photo.content_type, download_name=f"photo-{photo.pk}")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        response["Cache-Control"] = "private, max-age=3600"
        return response


# --- findings and rectification --------------------------------------------------------------------------------

STEP_LABELS = {
    "found": gettext_lazy("Found at the inspection"),
    "propose": gettext_lazy("Plan proposed"),
    "township_approve": gettext_lazy("Approved by the township"),
    "send_back": gettext_lazy("Sent back to the village group"),
    "county_agree": gettext_lazy("Agreed by the county"),
    "bank_agree": gettext_lazy("Agreed by the bank"),
    "rectify": gettext_lazy("Rectified"),
    "verify": gettext_lazy("Verified"),
}
ACTION_BUTTONS = {
    "propose": (gettext_lazy("Propose the rectification plan"), ("plan", "deadline"), "btn-primary"),
    "township_approve": (gettext_lazy("Approve the plan"), ("comment",), "btn-success"),
    "send_back": (gettext_lazy("Send back to the village group"), ("comment",), "btn-outline-danger"),
    "county_agree": (gettext_lazy("Agree for the county"), ("comment",), "btn-success"),
    "bank_agree": (gettext_lazy("Agree for the bank"), ("comment",), "btn-success"),
    "rectify": (gettext_lazy("Report the rectification done"), ("result",), "btn-primary"),
    "verify": (gettext_lazy("Verify the rectification"), ("comment",), "btn-success"),
}


class FindingDetailView(CapabilityRequiredMixin, TemplateView):
    capability = "loan.view"
    template_name = "postloan/finding_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        finding = _visible(Finding, user, kwargs["pk"], *LOAN_RELATED, "inspection", "responsible")
        steps = list(finding.steps.select_related("actor"))
        for s in steps:
            s.label = STEP_LABELS.get(s.action, s.action)
            s.role_label = Role(s.role).label if s.role in Role.values else s.role
        forms = []
        for action in services.finding_actions(user, finding):
            label, fields, style = ACTION_BUTTONS[action]
            form = FindingStepForm(initial={"action": action}, auto_id=f"id_{action}_%s")
            form.fields["comment"].required = action == "send_back"
            forms.append({"action": action, "label": label, "style": style, "form": form,
                          "fields": [form[f] for f in fields], "hidden": form["action"]})
        ctx.update(finding=finding, loan=finding.loan, steps=steps, forms=forms, today=timezone.localdate(),
                   case=CollectionCase.objects.filter(finding=finding).first(),
                   states=list(RectState.choices))
        return ctx


class FindingStepView(CapabilityRequiredMixin, View):
    capability = "loan.view"

    def post(self, request, pk):
        finding = _visible(Finding, request.user, pk)
        form = FindingStepForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.finding_step(request.user, finding, d["action"], comment=d["comment"], plan=d["plan"],
                                      deadline=d["deadline"], result=d["result"])
            except DomainError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("Step recorded: %(step)s.") % {"step": STEP_LABELS.get(d["action"], d["action"])})
        else:
            messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("postloan:finding-detail", pk=finding.pk)


# --- withdrawals -----------------------------------------------------------------------------------------------

class WithdrawalListView(CapabilityRequiredMixin, TemplateView):
    capability = "loan.view"
    template_name = "postloan/withdrawals.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET
        found = filters.bind(WithdrawalFilter, self.request, Withdrawal.objects.visible_to(self.request.user).select_related(*LOAN_RELATED))
        page = CachedCountPaginator(found.qs.order_by("-withdrawn_on", "-id"), PAGE_SIZE).get_page(params.get("page"))
        data = found.form.cleaned_data
        ctx.update(page_obj=page, withdrawals=page.object_list, follow_up=data.get("follow_up") or "", kind=data.get("kind") or "",
                   month=data["month"][0].strftime("%Y-%m") if data.get("month") else "", filter_errors=found.filter_errors,
                   querystring_without_page=_querystring_without_page(params))
        return ctx


class WithdrawalDetailView(CapabilityRequiredMixin, TemplateView):
    capability = "loan.view"
    template_name = "postloan/withdrawal_detail.html"

    def _context(self, withdrawal, form=None):
        user = self.request.user
        can_follow = withdrawal.follow_up == Withdrawal.FollowUp.PENDING and user.role in FIELD_ROLES
        alert = policy_for(withdrawal.region_code, withdrawal.withdrawn_on).withdrawal_alert_amount
        return {"withdrawal": withdrawal, "loan": withdrawal.loan, "alert_amount": alert,
                "form": (form or FollowUpForm()) if can_follow else None}

    def get(self, request, pk):
        withdrawal = _visible(Withdrawal, request.user, pk, *LOAN_RELATED, "followed_up_by", "recorded_by")
        return self.render_to_response(self._context(withdrawal))

    def post(self, request, pk):
        withdrawal = _visible(Withdrawal, request.user, pk, *LOAN_RELATED, "followed_up_by", "recorded_by")
        _require_role(request.user, FIELD_ROLES)
        form = FollowUpForm(request.POST)
        if form.is_valid():
            try:
                services.withdrawal_follow_up(request.user, withdrawal, use_matches=form.cleaned_data["use_matches"],
                                              result=form.cleaned_data["result"],
                                              followed_up_on=form.cleaned_data["followed_up_on"])
            except DomainError as exc:
                if exc.fields:
                    add_domain_errors(form, exc)
                else:
                    _error(request, exc)
                    return redirect("postloan:withdrawal-detail", pk=withdrawal.pk)
            else:
                messages.success(request, _("Follow-up recorded."))
                return redirect("postloan:withdrawal-detail", pk=withdrawal.pk)
        return self.render_to_response(self._context(withdrawal, form))


class WithdrawalCreateView(CapabilityRequiredMixin, TemplateView):
    """The bank enters a withdrawal by hand (its core system normally posts them through the API)."""

    capability = "loan.view"
    template_name = "postloan/withdrawal_form.html"

    def _loan(self, request, pk):
        loan = _loan(request.user, pk)
        if request.user.role != Role.BANK_OFFICER or request.user.bank_id != loan.bank_id:
            raise PermissionDenied
        return loan

    def _context(self, loan, form):
        return {"loan": loan, "form": form, "withdrawals": loan.withdrawals.order_by("-withdrawn_on", "-id")[:20],
                "alert_amount": policy_for(loan.region_code, timezone.localdate()).withdrawal_alert_amount}

    def get(self, request, pk):
        loan = self._loan(request, pk)
        today = timezone.localdate()
        form = WithdrawalForm(initial={"withdrawn_on": today, "external_id": f"WEB-{today:%Y%m%d}-{uuid.uuid4().hex[:6].upper()}"})
        return self.render_to_response(self._context(loan, form))

    def post(self, request, pk):
        loan = self._loan(request, pk)
        form = WithdrawalForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                w, created = services.withdrawal_record(request.user, loan, amount=d["amount"], withdrawn_on=d["withdrawn_on"],
                                                        external_id=d["external_id"].strip(), payee=d["payee"], note=d["note"])
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                if not created:
                    messages.info(request, _("A withdrawal with this bank reference was already recorded."))
                elif w.needs_follow_up:
                    messages.success(request, _("Withdrawal recorded. It is a large withdrawal: the village group has been alerted."))
                else:
                    messages.success(request, _("Withdrawal recorded."))
                return redirect("postloan:withdrawal-detail", pk=w.pk)
        return self.render_to_response(self._context(loan, form))


# --- collection ------------------------------------------------------------------------------------------------

class NoticeListView(CapabilityRequiredMixin, TemplateView):
    capability = "loan.view"
    template_name = "postloan/notices.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET
        found = filters.bind(CollectionNoticeFilter, self.request,
                             CollectionNotice.objects.visible_to(self.request.user).select_related(*LOAN_RELATED, "receipt_recorded_by"))
        qs = found.qs.order_by(F("receipt_signed_on").asc(nulls_first=True), "maturity_on", "id")
        page = CachedCountPaginator(qs, PAGE_SIZE).get_page(params.get("page"))
        today = timezone.localdate()
        data = found.form.cleaned_data
        ctx.update(page_obj=page, notices=page.object_list, kinds=CollectionNotice.Kind.choices, kind=data.get("kind") or "",
                   unsigned=data.get("unsigned") is True, filter_errors=found.filter_errors,
                   today=today, can_sign=self.request.user.role in FIELD_ROLES,
                   querystring_without_page=_querystring_without_page(params))
        return ctx


class NoticeReceiptView(CapabilityRequiredMixin, TemplateView):
    """The household's signed receipt of a collection notice (it interrupts the limitation period)."""

    capability = "loan.view"
    template_name = "postloan/notice_receipt.html"

    def _context(self, notice, form=None):
        can_sign = not notice.receipt_signed_on and self.request.user.role in FIELD_ROLES
        if can_sign and form is None:
            form = ReceiptForm(initial={"signer": notice.loan.borrower.name, "signed_on": timezone.localdate()})
        return {"notice": notice, "loan": notice.loan, "form": form if can_sign else None}

    def get(self, request, pk):
        notice = _visible(CollectionNotice, request.user, pk, *LOAN_RELATED, "receipt_recorded_by")
        return self.render_to_response(self._context(notice))

    def post(self, request, pk):
        notice = _visible(CollectionNotice, request.user, pk, *LOAN_RELATED, "receipt_recorded_by")
        _require_role(request.user, FIELD_ROLES)
        form = ReceiptForm(request.POST)
        if form.is_valid():
            try:
                services.notice_receipt(request.user, notice, **form.cleaned_data)
            except DomainError as exc:
                if exc.fields:
                    add_domain_errors(form, exc)
                else:
                    _error(request, exc)
                    return redirect("postloan:notice-receipt", pk=notice.pk)
            else:
                messages.success(request, _("Receipt recorded."))
                return redirect(reverse("postloan:notices") + "?unsigned=1")
        return self.render_to_response(self._context(notice, form))


class CollectionLogView(CapabilityRequiredMixin, TemplateView):
    """The collection log of one loan, its notices, and a form to add a visit, call or repayment plan."""

    capability = "loan.view"
    template_name = "postloan/collection_log.html"

    def _context(self, loan, form=None):
        user = self.request.user
        can_add = user.role in COLLECTION_ROLES
        if can_add and form is None:
            form = CollectionLogForm(initial={"happened_on": timezone.localdate(), "kind": CollectionLog.Kind.VISIT})
        return {"loan": loan, "logs": loan.collection_logs.select_related("actor"),
                "notices": loan.collection_notices.order_by("-issued_on", "-id"), "form": form if can_add else None,
                "today": timezone.localdate()}

    def get(self, request, pk):
        return self.render_to_response(self._context(_loan(request.user, pk)))

    def post(self, request, pk):
        loan = _loan(request.user, pk)
        _require_role(request.user, COLLECTION_ROLES)
        form = CollectionLogForm(request.POST)
        if form.is_valid():
            try:
                services.collection_log_add(request.user, loan, **form.cleaned_data)
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("Added to the collection log."))
                return redirect("postloan:collection-log", pk=loan.pk)
        return self.render_to_response(self._context(loan, form))


# --- the daily bulletin ----------------------------------------------------------------------------------------

def _with_wan(rows):
    for r in rows:
        r.balance_wan = to_wan(r.balance)
        r.overdue_wan = to_wan(r.overdue_amount)
    return rows


class BulletinView(CapabilityRequiredMixin, TemplateView):
    """一日一通报: one day's figures — the county, its townships and banks; above the county, the counties side by
    side; a bank sees only its own rows. Any past day can be opened."""

    capability = "loan.view"
    template_name = "postloan/bulletin.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, params = self.request.user, self.request.GET
        rows = documents.bulletin_rows(user)
        prefix = user.scope_prefix or ""
        above_county = len(prefix) < 6 and user.role != Role.BANK_OFFICER
        county = params.get("county", "")
        if above_county and len(county) == 6 and county.isascii() and county.isdigit() and county.startswith(prefix):
            rows = rows.filter(county_code__startswith=county)
            above_county = False
        else:
            county = ""
        latest = rows.order_by("-day").values_list("day", flat=True).first()
        ctx.update(latest=latest, county=county, above_county=above_county)
        if latest is None:
            ctx["empty"] = True
            return ctx
        try:
            day = filters.parse_day(params["day"]) if params.get("day") else latest
        except ValidationError:
            day = latest
        day_rows = _with_wan(list(rows.filter(day=day).order_by("county_code", "group", "key")))
        by_group = {g: [r for r in day_rows if r.group == g] for g in BulletinRow.Group.values}
        primary = next((g for g in BulletinRow.Group.values if by_group[g]), None) or next(
            (g for g in BulletinRow.Group.values if rows.filter(group=g).exists()), BulletinRow.Group.COUNTY)
        window = None
        counties = {r.county_code for r in day_rows}
        if len(counties) == 1:
            window = policy_for(next(iter(counties)), day).due_reminder_days
        names = dict(Region.objects.filter(code__in=counties).values_list("code", "name"))
        ctx.update(
            day=day, today=timezone.localdate(), rows=day_rows, window=window, county_names=names,
            county_rows=by_group[BulletinRow.Group.COUNTY], township_rows=by_group[BulletinRow.Group.TOWNSHIP],
            bank_rows=by_group[BulletinRow.Group.BANK] + by_group[BulletinRow.Group.TOWNSHIP_BANK],
            previous_day=rows.filter(day__lt=day).order_by("-day").values_list("day", flat=True).first(),
            next_day=rows.filter(day__gt=day).order_by("day").values_list("day", flat=True).first(),
            chart=self._chart(rows.filter(group=primary), day),
            is_bank=user.role == Role.BANK_OFFICER,
        )
        return ctx

    @staticmethod
    def _chart(rows, day) -> dict:
        series = (rows.filter(day__gt=day - dt.timedelta(days=CHART_DAYS), day__lte=day).values("day")
                  .annotate(balance=Sum("balance"), overdue=Sum("overdue_amount")).order_by("day"))
        red_lines = set(rows.filter(day=day).values_list("red_line", flat=True))
        points = [(s["day"], Decimal(s["balance"] or 0), Decimal(s["overdue"] or 0)) for s in series]
        return {
            "labels": [d.isoformat() for d, _b, _o in points],
            "rate": [float(policy.overdue_rate(o, b)) for _d, b, o in points],
            "balance_wan": [float(to_wan(b)) for _d, b, _o in points],
            "red_line": float(red_lines.pop()) if len(red_lines) == 1 else None,
        }


# --- notifications (the bell) ----------------------------------------------------------------------------------

class NotificationListView(LoginRequiredMixin, TemplateView):
    """The bell's list. POST marks all read, or with `id` marks one read and opens its link."""

    template_name = "postloan/notifications.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = Notification.objects.filter(user=self.request.user)
        page = CachedCountPaginator(qs.order_by("-created_at", "-id"), 30).get_page(self.request.GET.get("page"))
        ctx.update(page_obj=page, notifications=page.object_list, unread=qs.filter(read_at__isnull=True).count(),
                   querystring_without_page="")
        return ctx

    def post(self, request):
        mine = Notification.objects.filter(user=request.user, read_at__isnull=True)
        pk = request.POST.get("id", "")
        if pk.isascii() and pk.isdigit():
            note = Notification.objects.filter(user=request.user, pk=int(pk)).first()
            if note is None:
                raise Http404
            mine.filter(pk=note.pk).update(read_at=timezone.now())
            if note.link and url_has_allowed_host_and_scheme(note.link, allowed_hosts={request.get_host()},
                                                              require_https=request.is_secure()):
                return redirect(note.link)
            return redirect("postloan:notifications")
        n = mine.update(read_at=timezone.now())
        messages.success(request, _("%(n)d notifications marked as read.") % {"n": n})
        return redirect("postloan:notifications")


class NotificationCountView(View):
    """htmx fragment: the unread count for the bell; it polls itself every minute."""

    def get(self, request):
        if not request.user.is_authenticated:
            return HttpResponse(status=204)
        n = Notification.objects.filter(user=request.user, read_at__isnull=True).count()
        html = render_to_string("postloan/_notification_count.html", {"unread": n}, request=request)
        response = HttpResponse(html)
        response["Cache-Control"] = "no-store"
        return response
