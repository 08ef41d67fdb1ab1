"""The home page composes every app's work for the user, so it lives above the apps (DESIGN §3)."""
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, F, Q
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView

from apps.accounts.roles import Role
from apps.approvals.web.views import awaiting
from apps.households.models import ImportJob
from apps.households.selectors import household_list
from apps.loans.models import Loan, LoanState
from apps.postloan.models import InspectionSchedule
from apps.regions.calendar import coverage_warning


class HomeView(LoginRequiredMixin, TemplateView):
    """The work queue (待办): what this user should act on, with counts. The village group's home is its
    field task list (DESIGN §13)."""

    template_name = "accounts/home.html"

    def get(self, request, *args, **kwargs):
        if request.user.role == Role.VILLAGE_MEMBER:
            return redirect("postloan:tasks")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        visible = household_list(user)
        stats = visible.aggregate(
            total=Count("id"),
            unrated=Count("id", filter=Q(rated_on__isnull=True)),
        )
        ctx["stats"] = stats
        ctx["rating_due"] = household_list(user, rating_due_on=today).count()
        ctx["recent_imports"] = []
        if user.can("household.import"):
            ctx["recent_imports"] = ImportJob.objects.visible_to(user).select_related("created_by").defer("errors")[:5]
        loans = Loan.objects.visible_to(user)
        ctx["work"] = {
            "reviews": awaiting(user).count(),
            "to_disburse": loans.filter(state=LoanState.CONTRACTED).count(),
            "late_disbursements": loans.filter(Q(state=LoanState.CONTRACTED, disburse_by__lt=today) |
                                               Q(disbursed_on__gt=F("disburse_by"))).count(),
            "overdue": loans.filter(overdue_mark__isnull=False).count(),
            "inspections_overdue": InspectionSchedule.objects.visible_to(user).filter(active=True, next_due_on__lt=today).count(),
        }
        ctx["calendar_warning"] = coverage_warning(today)
        return ctx
