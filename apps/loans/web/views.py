import uuid

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from apps.accounts.web.views import CapabilityRequiredMixin
from apps.core import filters
from apps.core.errors import DomainError
from apps.core.web import error_text, paginate

from .. import selectors, services
from ..filters import LoanFilter
from ..models import ACTIVE_STATES, Loan, LoanState, PublicNotice, Repayment, TermChange
from .forms import DecideForm, DisburseForm, RepaymentForm, TermChangeForm


def _error(request, exc: DomainError):
    messages.error(request, error_text(exc))


def get_loan_or_404(user, pk) -> Loan:
    try:
        return (Loan.objects.visible_to(user).select_related("household__village__parent", "borrower", "bank", "renewed_from")
                .prefetch_related(Prefetch("repayments", queryset=Repayment.objects.order_by("paid_on", "id"))).get(pk=pk))
    except Loan.DoesNotExist:
        raise Http404 from None


class LoanListView(CapabilityRequiredMixin, TemplateView):
    capability = "loan.view"
    template_name = "loans/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        found = filters.bind(LoanFilter, self.request, Loan.objects.visible_to(self.request.user))
        pages = paginate(self.request, found.qs.select_related("borrower", "bank").order_by("-signed_on", "-id"))
        ctx.update(pages, loans=pages["page_obj"].object_list, states=LoanState.choices, filter=found,
                   filter_errors=found.filter_errors, today=timezone.localdate())
        return ctx


class LoanDetailView(CapabilityRequiredMixin, TemplateView):
    capability = "loan.view"
    template_name = "loans/detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        loan = get_loan_or_404(user, kwargs["pk"])
        today = timezone.localdate()
        repayments = list(loan.repayments.all())
        is_bank = user.role == "bank_officer" and user.bank_id == loan.bank_id
        ctx.update(
            loan=loan, today=today, repayments=repayments, schedule=selectors.schedule(loan, repayments),
            overdue=selectors.overdue(loan, today, repayments), late=selectors.disbursement_late(loan, today),
            changes=loan.term_changes.select_related("requested_by", "decided_by"),
            events=loan.events.select_related("actor"),
            is_bank=is_bank, can_request=(is_bank or user.role == "village_member") and loan.is_active,
            disburse_form=DisburseForm(initial={"disbursed_on": today}),
            repayment_form=RepaymentForm(initial={"paid_on": today, "idempotency_key": uuid.uuid4().hex}),
            change_form=TermChangeForm(), decide_form=DecideForm(),
            application=getattr(loan, "application", None),
        )
        return ctx


class LoanActView(CapabilityRequiredMixin, View):
    capability = "loan.view"

    def post(self, request, pk, action):
        loan = get_loan_or_404(request.user, pk)
        try:
            if action == "disburse":
                form = DisburseForm(request.POST)
                if form.is_valid():
                    services.loan_disburse(request.user, loan, form.cleaned_data["disbursed_on"])
                    messages.success(request, _("Disbursement recorded."))
            elif action == "repay":
                form = RepaymentForm(request.POST)
                if form.is_valid():
                    d = form.cleaned_data
                    _r, created = services.repayment_post(request.user, loan, paid_on=d["paid_on"], principal=d["principal"],
                                                          interest=d["interest"], penalty=d["penalty"],
                                                          idempotency_key="web-" + (d["idempotency_key"] or uuid.uuid4().hex))
                    messages.success(request, _("Repayment recorded.") if created else _("This repayment was already recorded."))
            elif action == "term-change":
                form = TermChangeForm(request.POST)
                if form.is_valid():
                    d = form.cleaned_data
                    services.term_change_request(request.user, loan, kind=d["kind"], months=d["months"],
                                                 new_maturity_on=d["new_maturity_on"], reason=d["reason"])
                    messages.success(request, _("Request sent to the bank."))
            else:
                raise Http404
            if not form.is_valid():
                messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        except DomainError as exc:
            _error(request, exc)
        return redirect("loans:detail", pk=loan.pk)


class TermChangeDecideView(CapabilityRequiredMixin, View):
    capability = "loan.view"

    def post(self, request, pk):
        change = get_object_or_404(TermChange.objects.visible_to(request.user), pk=pk)
        form = DecideForm(request.POST)
        if form.is_valid():
            try:
                services.term_change_decide(request.user, change, **form.cleaned_data)
                messages.success(request, _("Decision recorded."))
            except DomainError as exc:
                _error(request, exc)
        return redirect("loans:detail", pk=change.loan_id)


class NoticeListView(CapabilityRequiredMixin, TemplateView):
    """公示: published notices, and for the county the villages with loans waiting to be published."""

    capability = "loan.view"
    template_name = "loans/notices.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        notices = PublicNotice.objects.visible_to(user).annotate(n=Count("entries")).order_by("-published_on", "-id")
        pages = paginate(self.request, notices)
        waiting = (Loan.objects.visible_to(user).filter(state__in=ACTIVE_STATES, notice_entry__isnull=True)
                   .values("region_code", "household__village__name").annotate(n=Count("id")).order_by("region_code"))
        ctx.update(pages, notices=pages["page_obj"].object_list, waiting=waiting if user.can("notice.publish") else [],
                   today=timezone.localdate())
        return ctx


class NoticePublishView(CapabilityRequiredMixin, View):
    capability = "notice.publish"

    def post(self, request):
        village = request.POST.get("village", "")
        if not (len(village) == 12 and village.isascii() and village.isdigit()):
            raise Http404
        try:
            notice = services.notice_publish(request.user, village)
        except DomainError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Notice published until %(d)s.") % {"d": notice.ends_on.isoformat()})
        return redirect("loans:notices")


class NoticeDetailView(CapabilityRequiredMixin, TemplateView):
    capability = "loan.view"
    template_name = "loans/notice_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        notice = get_object_or_404(PublicNotice.objects.visible_to(self.request.user), pk=kwargs["pk"])
        ctx.update(notice=notice, entries=notice.entries.all(), today=timezone.localdate())
        return ctx
