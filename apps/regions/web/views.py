import datetime as dt

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils import timezone
from django.views.generic import TemplateView

from ..calendar import coverage_warning
from ..models import CalendarYear, CountyPolicy, InterestRate, Level, Region
from ..selectors import policy_for

POLICY_FIELDS = [
    "household_cap", "max_term_months", "borrower_min_age", "borrower_max_age", "min_credit_grade",
    "grade_aaa_min", "grade_aa_min", "grade_a_min", "rerating_months", "disbursement_working_days",
    "notice_working_days", "due_reminder_days", "withdrawal_alert_amount", "spot_check_share",
    "first_inspection_months", "inspection_months_normal", "inspection_months_problem", "extension_rule",
    "max_renewals", "max_extensions", "deferral_max_months", "compensation_overdue_days", "share_scheme",
    "share_county", "share_bank", "share_insurer", "recovery_years", "overdue_red_line", "subsidy_rate",
    "subsidy_principal_cap", "hotline",
]


class PolicyView(LoginRequiredMixin, TemplateView):
    """The county settings in force today, their history, the rate table and the holiday calendar's coverage."""

    template_name = "regions/policy.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, today = self.request.user, timezone.localdate()
        prefix = user.scope_prefix
        counties = Region.objects.filter(level=Level.COUNTY, code__startswith=prefix or "") if prefix is not None else Region.objects.none()
        if len(prefix or "") >= 6:
            counties = Region.objects.filter(level=Level.COUNTY, code=prefix[:6] + "000000")
        selected = self.request.GET.get("county") or (counties[0].code if counties else "")
        county = counties.filter(code=selected).first()
        if county:
            current = policy_for(county.code, today)
            ctx["policy_rows"] = [
                (current._meta.get_field(f).verbose_name, getattr(current, f"get_{f}_display", lambda f=f: getattr(current, f))())
                for f in POLICY_FIELDS
            ]
            ctx["current"] = current
            ctx["history"] = CountyPolicy.objects.filter(county=county).select_related("created_by")
        ctx.update(
            counties=counties[:100], county=county, rates=InterestRate.objects.all()[:40],
            calendar_years=list(CalendarYear.objects.values_list("year", flat=True)),
            calendar_warning=coverage_warning(today, dt.date(today.year + 1, 1, 1)),
        )
        return ctx
