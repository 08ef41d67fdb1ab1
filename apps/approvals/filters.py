"""The application list's filters: the HTML page (/approvals/applications/) and the API (/api/v1/applications/)."""
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core import filters

from .models import Application, State


class ApplicationFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Name or ID number"), help_text="户主或借款人姓名（前缀），或借款人身份证号")
    state = filters.ChoiceFilter(choices=State.choices)
    village = filters.RegionCodeFilter(field_name="region_code", label=_("Region code"))
    applied_from = filters.DateFilter(field_name="applied_on", lookup_expr="gte", label=_("Applied from"))
    applied_to = filters.DateFilter(field_name="applied_on", lookup_expr="lte", label=_("Applied to"))

    class Meta:
        model = Application
        fields = ["q", "state", "village", "applied_from", "applied_to"]

    def search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(household__head_name__startswith=value) | Q(borrower__name__startswith=value)
                         | Q(borrower__id_number=value.upper()))
