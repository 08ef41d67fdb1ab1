import datetime as dt

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from apps.core import filters

from ..calendar import coverage_warning
from ..models import CalendarYear, CountyPolicy, InterestRate, Level, Region
from ..selectors import policy_for

POLICY_FIELDS = [
    "household_cap", "max_term_months", "borrower_min_age", "borrower_max_age", "min_credit_grade",
    "grade_aaa_min", "grade_aa_min", "grade_a_min", "rerating_months", "disbursement_working_days",
    "notice_working_days", "due_reminder_days", "withdrawal_alert_amount", "spot_check_share",
    "first_inspection_months", "inspection_months_normal", "inspection_months_problem", "extension_rule",
    "max_renewals", "max_extensions", "deferral_max_months", "compensation_overdue_days", "share_scheme",
    "share_county", "share_bank", "share_insurer", "share_guarantor", "share_counter_guarantor", "recovery_years",
    "overdue_red_line", "fund_leverage", "fund_topup_days", "npl_stop_ratio", "subsidy_rate", "subsidy_principal_cap",
    "subsidy_settlement", "subsidy_on_time_only", "hotline",
]
PERCENT_FIELDS = {"spot_check_share", "share_county", "share_bank", "share_insurer", "share_guarantor",
                  "share_counter_guarantor", "overdue_red_line", "npl_stop_ratio", "subsidy_rate"}
YUAN_FIELDS = {"household_cap", "withdrawal_alert_amount", "subsidy_principal_cap"}


def _shown(policy: CountyPolicy, name: str) -> str:
    """As a county clerk reads it: shares and rates in percent, amounts in yuan with separators."""
    value = getattr(policy, name)
    if name in PERCENT_FIELDS:
        return f"{value * 100:.2f}%"
    if name in YUAN_FIELDS:
        return _("%(amount)s yuan") % {"amount": f"{value:,.2f}"}
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    display = getattr(policy, f"get_{name}_display", None)
    return str(display() if display else value)


class CountyQuery(forms.Form):
    county = filters.PatternField(required=False, pattern=r"[0-9]{12}", code="filter_region_code_invalid")


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
        query = CountyQuery(self.request.GET)
        selected = (query.cleaned_data["county"] if query.is_valid() else "") or (counties[0].code if counties else "")
        county = counties.filter(code=selected).first()
        if county:
            current = policy_for(county.code, today)
            ctx["policy_rows"] = [(current._meta.get_field(f).verbose_name, _shown(current, f)) for f in POLICY_FIELDS]
            ctx["current"] = current
            ctx["history"] = CountyPolicy.objects.filter(county=county).select_related("created_by")
        ctx.update(
            counties=counties[:100], county=county, filter_errors=filters.filter_errors(query), rates=InterestRate.objects.all()[:40],
            calendar_years=list(CalendarYear.objects.values_list("year", flat=True)),
            calendar_warning=coverage_warning(today, dt.date(today.year + 1, 1, 1)),
        )
        return ctx
