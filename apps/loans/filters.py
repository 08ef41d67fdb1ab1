"""The loan list's filters: the HTML page (/loans/) and the API (/api/v1/loans/) read the same parameters."""
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core import filters

from .models import ACTIVE_STATES, Loan, LoanState


class LoanFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Borrower or contract number"), help_text="借款人姓名（前缀）或合同号")
    status = filters.ChoiceFilter(field_name="state", choices=LoanState.choices)
    village = filters.RegionCodeFilter(field_name="region_code", label=_("Region code"), help_text="区划代码前缀")
    maturity_from = filters.DateFilter(field_name="maturity_on", lookup_expr="gte", label=_("Maturity from"))
    maturity_to = filters.DateFilter(field_name="maturity_on", lookup_expr="lte", label=_("Maturity to"))
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("Overdue"), help_text="本金逾期（到期未还）：true / false")

    class Meta:
        model = Loan
        fields = ["q", "status", "village", "maturity_from", "maturity_to", "overdue"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(borrower__name__startswith=value) | Q(contract_no=value)) if value else qs

    def filter_overdue(self, qs, name, value):
        # Principal overdue is a set query; interest overdue needs the schedule and is shown per loan.
        cond = {"state__in": ACTIVE_STATES, "maturity_on__lt": timezone.localdate()}
        return qs.filter(**cond) if value else qs.exclude(**cond)
