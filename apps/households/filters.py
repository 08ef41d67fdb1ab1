"""The household register's filters: the HTML list (/households/), its Excel export and the API
(/api/v1/households/) read the same parameters through HouseholdFilter."""
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core import filters

from . import selectors
from .models import Household, Status

GRADES = [("AAA", "AAA"), ("AA", "AA"), ("A", "A"), ("none", "none")]


def region_filter(params, scope: str | None) -> dict:
    """The register's place filters: `township` (9-digit prefix) and `village` (12-digit code), as the dependent selects
    post them. A village outside the chosen township is dropped (the township changed and the village list was not
    reloaded); a village alone brings its township. A 9-digit `village` is a township (older links); other digit
    prefixes pass through as in the API. A place outside the user's `scope` is ignored, as the selects cannot show it.
    `region` is the code prefix to filter by."""
    township = (params.get("township") or "").strip()
    village = (params.get("village") or "").strip()
    township = township if len(township) == 9 and township.isascii() and township.isdigit() else ""
    if not (village.isascii() and village.isdigit()) or len(village) > 12:
        village = ""
    elif len(village) == 9:
        township, village = township or village, ""
    if township and village and not village.startswith(township):
        village = ""
    if len(village) == 12 and not township:
        township = village[:9]

    def visible(code):
        return scope is not None and (code.startswith(scope) or scope.startswith(code))

    township = township if township and visible(township) else ""
    village = village if village and visible(village) else ""
    return {"township": township, "village": village, "region": village or township}


class HouseholdFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="姓名（前缀）或身份证号")
    township = filters.RegionCodeFilter(field_name="region_code", pattern=r"[0-9]{9}", label="乡镇区划代码（9 位）")
    village = filters.RegionCodeFilter(field_name="region_code", label="区划代码前缀（乡 9 位 / 村 12 位）")
    status = filters.ChoiceFilter(choices=Status.choices)
    credit_grade = filters.ChoiceFilter(choices=GRADES, method="filter_grade", label="信用等级；none 为未评级/无信用")
    rated_before = filters.DateFilter(field_name="rated_on", lookup_expr="lt", label=_("Rated before"))
    rating_due = filters.BooleanFilter(method="filter_rating_due", label="评级到期（从未评级或已满县定复评间隔）")

    class Meta:
        model = Household
        fields = ["q", "township", "village", "status", "credit_grade", "rated_before", "rating_due"]

    def search(self, queryset, name, value):
        return selectors.household_search(queryset, value)

    def filter_grade(self, queryset, name, value):
        return queryset.filter(credit_grade="" if value == "none" else value)

    def filter_rating_due(self, queryset, name, value):
        scope = getattr(self.request.user, "scope_prefix", None) if self.request else None
        if scope is None:
            return queryset
        cond = selectors.rating_due_q(selectors.narrowest(scope, self.form.cleaned_data.get("village") or ""),
                                      timezone.localdate())
        return queryset.filter(cond) if value else queryset.exclude(cond)

    def selection(self) -> dict:
        """The HTML register and its export: the accepted values as `selectors.household_list` arguments, the place
        read as the dependent selects post it (region_filter, kept in `self.place`); refused values are left out."""
        self.is_valid()
        data = self.form.cleaned_data
        self.place = region_filter(data, getattr(self.request.user, "scope_prefix", None))
        return {"q": (data.get("q") or "").strip(), "village": self.place["region"], "status": data.get("status") or "",
                "grade": data.get("credit_grade") or "",
                "rating_due_on": timezone.localdate() if data.get("rating_due") else None}
