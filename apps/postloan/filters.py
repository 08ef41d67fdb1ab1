"""The post-loan lists' filters, shared by the HTML pages (/postloan/withdrawals/, /postloan/notices/) and the API
(/api/v1/withdrawals/, /api/v1/collection-notices/)."""
from django.utils.translation import gettext_lazy as _

from apps.core import filters

from .models import CollectionNotice, Withdrawal


class WithdrawalFilter(filters.FilterSet):
    follow_up = filters.ChoiceFilter(choices=[("pending", "待跟进"), ("done", "已跟进"), ("none", "无需跟进")], method="filter_follow_up",
                                     help_text="pending 待跟进；done 已跟进；none 无需跟进")
    kind = filters.ChoiceFilter(choices=[("large", "大额支取"), ("spot", "抽查")], method="filter_kind", label=_("Kind"),
                                help_text="large 大额支取；spot 月度抽查")
    month = filters.MonthFilter(field_name="withdrawn_on", help_text="支取月份 YYYY-MM")
    loan = filters.IdFilter(field_name="loan_id", label=_("Loan"))

    class Meta:
        model = Withdrawal
        fields = ["follow_up", "kind", "month", "loan"]

    def filter_follow_up(self, qs, name, value):
        return qs.filter(follow_up="" if value == "none" else value)

    def filter_kind(self, qs, name, value):
        return qs.filter(needs_follow_up=True) if value == "large" else qs.filter(sampled_month__isnull=False)


class CollectionNoticeFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=CollectionNotice.Kind.choices)
    unsigned = filters.BooleanFilter(field_name="receipt_signed_on", lookup_expr="isnull", label=_("Not signed yet"), help_text="true：尚未签收")
    loan = filters.IdFilter(field_name="loan_id", label=_("Loan"))

    class Meta:
        model = CollectionNotice
        fields = ["kind", "unsigned", "loan"]
