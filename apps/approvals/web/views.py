from django.contrib import messages
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from apps.accounts.models import Bank, CountyBank
from apps.accounts.roles import Role
from apps.accounts.web.views import CapabilityRequiredMixin
from apps.core import filters
from apps.core.errors import DomainError
from apps.core.forms import add_domain_errors
from apps.core.messages import message
from apps.core.web import error_text, paginate
from apps.households.models import Household
from apps.loans.models import Loan

from .. import policy, services
from ..filters import ApplicationFilter
from ..models import ACTING_LEVEL, OPEN_STATES, Application, Level, ReviewBatch, ReviewDecision, State
from .forms import ActionForm, ApplicationForm, RenewForm

LEVEL_OF_ROLE = {Role.VILLAGE_MEMBER: [Level.APPLICANT, Level.VILLAGE], Role.TOWNSHIP_OFFICER: [Level.TOWNSHIP],
                 Role.TOWNSHIP_LEADER: [Level.TOWNSHIP], Role.COUNTY_OFFICER: [Level.COUNTY], Role.COUNTY_HEAD: [Level.COUNTY],
                 Role.BANK_OFFICER: [Level.BANK]}
STATE_OF_LEVEL = {level: state for state, level in ACTING_LEVEL.items()}


def awaiting(user):
    """Applications waiting for the user's level: in its review state, or returned to it."""
    levels = LEVEL_OF_ROLE.get(user.role, [])
    cond = Q(pk__in=[])
    for level in levels:
        cond |= Q(state=STATE_OF_LEVEL.get(level, "-")) | Q(state=State.RETURNED, returned_to=level)
    qs = Application.objects.visible_to(user).filter(cond)
    return qs.select_related("household__village__parent", "borrower", "bank").order_by("applied_on", "id")


def get_application_or_404(user, pk) -> Application:
    try:
        return Application.objects.visible_to(user).select_related("household__village__parent", "borrower", "bank", "loan").get(pk=pk)
    except Application.DoesNotExist:
        raise Http404 from None


class QueueView(CapabilityRequiredMixin, TemplateView):
    """待办: applications waiting for my level, with counts, and a batch approval for signers."""

    capability = "application.view"
    template_name = "approvals/queue.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        waiting = list(awaiting(user)[:200])
        ctx["applications"] = [(a, services.available_actions(user, a)) for a in waiting]
        ctx["can_batch"] = any(services.APPROVE_ACTION.get(a.acting_level) in acts for a, acts in ctx["applications"])
        ctx["counts"] = {
            "waiting": awaiting(user).count(),
            "returned": awaiting(user).filter(state=State.RETURNED).count(),
            "in_review": Application.objects.visible_to(user).filter(state__in=[State.SUBMITTED, State.VILLAGE_APPROVED,
                                                                                State.TOWNSHIP_APPROVED, State.COUNTY_RECOMMENDED]).count(),
        }
        today = timezone.localdate()
        loans = Loan.objects.visible_to(user)
        ctx["to_disburse"] = loans.filter(state="contracted").select_related("borrower").order_by("disburse_by")[:50]
        ctx["late_disbursements"] = loans.filter(Q(state="contracted", disburse_by__lt=today) |
                                                 Q(disbursed_on__isnull=False, disbursed_on__gt=F("disburse_by"))).count()
        ctx["today"] = today
        ctx["batches"] = (ReviewBatch.objects.visible_to(user).select_related("created_by")
                          .annotate(n=Count("applications")).order_by("-created_at")[:10])
        return ctx


class BatchApproveView(CapabilityRequiredMixin, View):
    capability = "application.view"

    def post(self, request):
        ids = [int(i) for i in request.POST.getlist("ids") if i.isascii() and i.isdigit()]
        apps = list(Application.objects.visible_to(request.user).filter(pk__in=ids))
        try:
            batch = services.application_batch_approve(request.user, apps, comment=request.POST.get("comment", ""))
        except DomainError as exc:
            for key, codes in exc.fields.items():
                pk = key.split(".")[-1]
                messages.error(request, f"#{pk}：" + "；".join(message(c) for c in codes))
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("%(n)d applications approved in one batch.") % {"n": batch.applications.count()})
        return redirect("approvals:queue")


class ApplicationListView(CapabilityRequiredMixin, TemplateView):
    capability = "application.view"
    template_name = "approvals/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        found = filters.bind(ApplicationFilter, self.request,
                             Application.objects.visible_to(self.request.user).select_related("household", "borrower", "bank"))
        pages = paginate(self.request, found.qs.order_by("-applied_on", "-id"))
        ctx.update(pages, applications=pages["page_obj"].object_list, states=State.choices, filter=found,
                   filter_errors=found.filter_errors)
        return ctx


class ApplicationCreateView(CapabilityRequiredMixin, TemplateView):
    capability = "household.view"
    template_name = "approvals/create.html"

    def _context(self, request, form=None):
        household = get_object_or_404(Household.objects.visible_to(request.user), pk=filters.query_id(request.GET, "household") or 0)
        self.require("application.create")
        lending = CountyBank.objects.filter(county__code=household.region_code[:6] + "000000")
        banks = Bank.objects.filter(pk__in=lending.values("bank"))
        main = lending.filter(main_townships__code=household.region_code[:9] + "000").first() or lending.first()
        form = form or ApplicationForm(household=household, banks=banks, default_bank=main.bank if main else None)
        if form.is_bound:
            form.fields["borrower"].queryset = household.members.all()
            form.fields["bank"].queryset = banks
        return {"household": household, "form": form, "forbidden": policy.FORBIDDEN_PURPOSES}

    def get(self, request):
        return self.render_to_response(self._context(request))

    def post(self, request):
        ctx = self._context(request)
        household = ctx["household"]
        form = ApplicationForm(request.POST, household=household, banks=ctx["form"].fields["bank"].queryset)
        if form.is_valid():
            data = form.cleaned_data
            try:
                app = services.application_create(
                    request.user, household=household, borrower=data["borrower"], bank=data["bank"], amount=data["amount"],
                    term_months=data["term_months"], purpose=data["purpose"], project=data["project"],
                    cooperative_mode=data["cooperative_mode"], cooperative_consent=data["cooperative_consent"],
                    submit=data["submit_now"],
                )
            except DomainError as exc:
                for code in exc.fields.get("eligibility", []):
                    form.add_error(None, message(code))
                if not exc.fields.get("eligibility"):
                    add_domain_errors(form, exc)
            else:
                messages.success(request, _("Application recorded."))
                return redirect("approvals:detail", pk=app.pk)
        ctx["form"] = form
        return self.render_to_response(ctx)


class ApplicationDetailView(CapabilityRequiredMixin, TemplateView):
    capability = "application.view"
    template_name = "approvals/detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        app = get_application_or_404(user, kwargs["pk"])
        today = timezone.localdate()
        actions = services.available_actions(user, app)
        problems = []
        if app.state in OPEN_STATES:
            problems = [message(c) for c in services.eligibility_violations(app, today)]
        ctx.update(
            application=app, actions=actions, problems=problems, form=kwargs.get("form") or ActionForm(initial={
                "expected_state": app.state, "amount": app.amount, "term_months": app.term_months, "signed_on": today}),
            decisions=ReviewDecision.objects.filter(application=app).select_related("actor"),
            is_bank_step="bank_approve" in actions,
        )
        return ctx


class ApplicationActView(CapabilityRequiredMixin, View):
    """One POST endpoint for every action on an application; the service decides what is allowed."""

    capability = "application.view"

    def post(self, request, pk):
        app = get_application_or_404(request.user, pk)
        form = ActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, message("validation_error"))
            return redirect("approvals:detail", pk=app.pk)
        d = form.cleaned_data
        act, expected, comment = d["action"], d["expected_state"], d["comment"] or ""
        try:
            if act in ("submit", "village_approve", "township_approve", "county_recommend", "bank_approve"):
                terms = None
                if act == "bank_approve":
                    terms = {k: d[k] for k in ("amount", "term_months", "contract_no", "receipt_no", "signed_on") if d.get(k)}
                    missing = [k for k in ("contract_no", "receipt_no") if not d.get(k)]
                    if missing:
                        raise DomainError("household_field_missing", fields={k: ["household_field_missing"] for k in missing})
                services.application_approve(request.user, app, comment=comment, bank_terms=terms, expected_state=expected)
            elif act == "return":
                services.application_return(request.user, app, comment=comment, expected_state=expected)
            elif act == "reject":
                services.application_reject(request.user, app, comment=comment, expected_state=expected)
            elif act == "opinion":
                services.application_opinion(request.user, app, comment=comment, expected_state=expected)
            elif act == "withdraw":
                services.application_withdraw(request.user, app, comment=comment, expected_state=expected)
        except DomainError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Done."))
        return redirect("approvals:detail", pk=app.pk)


class LoanRenewView(CapabilityRequiredMixin, TemplateView):
    capability = "loan.view"
    template_name = "approvals/renew.html"

    def _loan(self, request, pk):
        return get_object_or_404(Loan.objects.visible_to(request.user).select_related("borrower", "household"), pk=pk)

    def get(self, request, pk):
        loan = self._loan(request, pk)
        return self.render_to_response({"loan": loan, "form": RenewForm(initial={"term_months": loan.term_months,
                                                                                  "signed_on": timezone.localdate()})})

    def post(self, request, pk):
        loan = self._loan(request, pk)
        form = RenewForm(request.POST)
        if form.is_valid():
            try:
                new = services.loan_renew(request.user, loan, **form.cleaned_data)
            except DomainError as exc:
                for code in exc.fields.get("eligibility", []) or [exc.code]:
                    form.add_error(None, message(code, **exc.params))
            else:
                messages.success(request, _("Renewed: new loan %(no)s.") % {"no": new.contract_no})
                return redirect("loans:detail", pk=new.pk)
        return self.render_to_response({"loan": loan, "form": form})
