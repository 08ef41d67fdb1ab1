from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from .. import selectors
from ..models import Loan, Repayment, TermChange


class RepaymentSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Repayment
        fields = ["id", "paid_on", "principal", "interest", "penalty", "amount", "created_at"]


@extend_schema_serializer(examples=[
    OpenApiExample("季度结息", request_only=True, value={"paid_on": "2024-09-20", "principal": "0.00", "interest": "296.25", "penalty": "0.00"}),
    OpenApiExample("部分提前还本", request_only=True, value={"paid_on": "2024-10-08", "principal": "10000.00", "interest": "0", "penalty": "0"}),
])
class RepaymentInSerializer(serializers.Serializer):
    # At most 99,999,999.99 each (a loan is at most 50,000 yuan): the loan's running totals keep 14 digits, and a
    # 14-digit interest or penalty added to them overflowed the column (a 500 found by schemathesis).
    paid_on = serializers.DateField(help_text="还款日期：不晚于今天（北京时间），不早于放款日期")
    principal = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, default=0)
    interest = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, default=0)
    penalty = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, default=0)


class TermChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = TermChange
        fields = ["id", "loan", "kind", "months", "old_maturity_on", "new_maturity_on", "reason", "status", "new_rate",
                  "effective_on", "requested_at", "decided_at", "decision_comment"]


class ExtensionRequestSerializer(serializers.Serializer):
    months = serializers.IntegerField(min_value=1, max_value=36)
    reason = serializers.CharField(max_length=500)


class DeferralRequestSerializer(serializers.Serializer):
    new_maturity_on = serializers.DateField()
    reason = serializers.CharField(max_length=500)


class DecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                    help_text="批准时可省略；不批准（approve=false）时必填，否则 400 comment_required")


class DisburseSerializer(serializers.Serializer):
    disbursed_on = serializers.DateField(required=False, help_text="放款日期，默认今天：不晚于今天（北京时间），不早于合同签订日期")


class LoanListSerializer(serializers.ModelSerializer):
    borrower_name = serializers.CharField(source="borrower.name")
    village = serializers.CharField(source="region_code")
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Loan
        fields = ["id", "contract_no", "receipt_no", "borrower_name", "village", "state", "principal", "balance", "annual_rate",
                  "signed_on", "disbursed_on", "maturity_on", "term_months", "purpose"]


class LoanSerializer(LoanListSerializer):
    overdue = serializers.SerializerMethodField()
    schedule = serializers.SerializerMethodField()
    disbursement_late = serializers.SerializerMethodField()
    repayments = RepaymentSerializer(many=True, read_only=True)
    term_changes = TermChangeSerializer(many=True, read_only=True)
    renewed_from = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)  # null unless a renewal

    class Meta(LoanListSerializer.Meta):
        fields = LoanListSerializer.Meta.fields + [
            "borrower", "household", "bank", "original_maturity_on", "disburse_by", "disbursement_late", "principal_repaid",
            "interest_paid", "penalty_paid", "settled_on", "renewed_from", "purpose_detail", "overdue", "schedule", "repayments",
            "term_changes",
        ]

    @extend_schema_field({"type": "object", "properties": {"overdue": {"type": "boolean"}, "days": {"type": "integer"},
                                                           "since": {"type": "string", "format": "date", "nullable": True},
                                                           "principal": {"type": "string"}, "interest": {"type": "string"}}})
    def get_overdue(self, obj):
        o = selectors.overdue(obj, timezone.localdate(), list(obj.repayments.all()))
        return {"overdue": o.overdue, "days": o.days, "since": o.since, "principal": str(o.principal), "interest": str(o.interest)}

    @extend_schema_field({"type": "array", "items": {"type": "object", "properties": {
        "due_on": {"type": "string", "format": "date"}, "interest": {"type": "string"}, "principal": {"type": "string"}}}})
    def get_schedule(self, obj):
        return [{"due_on": r.due_on, "interest": str(r.interest), "principal": str(r.principal)}
                for r in selectors.schedule(obj, list(obj.repayments.all()))]

    def get_disbursement_late(self, obj) -> bool:
        return selectors.disbursement_late(obj, timezone.localdate())
