from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from ..models import Application, ReviewDecision


class DecisionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.display_name")

    class Meta:
        model = ReviewDecision
        fields = ["level", "decision", "actor", "role", "signer_name", "comment", "from_state", "to_state", "at"]


class ApplicationSerializer(serializers.ModelSerializer):
    household_name = serializers.CharField(source="household.head_name")
    borrower_name = serializers.CharField(source="borrower.name")
    borrower_id_number = serializers.CharField(source="borrower.id_number")
    village = serializers.CharField(source="region_code")
    bank = serializers.CharField(source="bank.name")
    # Null until the bank signs: read-only relations do not take null=True from the model, so it is said here.
    loan = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    available_actions = serializers.SerializerMethodField()
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta:
        model = Application
        fields = ["id", "state", "returned_to", "household", "household_name", "borrower_name", "borrower_id_number", "village",
                  "bank", "amount", "term_months", "purpose", "project", "cooperative_mode", "applied_on", "approved_amount",
                  "approved_term_months", "loan", "available_actions", "decisions"]

    def get_available_actions(self, obj) -> list[str]:
        from ..services import available_actions

        return available_actions(self.context["request"].user, obj)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=1000, allow_blank=False,
                                    help_text="理由：退回、拒绝时必填，不可为空白；县乡村各级批准时可省略")
    expected_state = serializers.CharField(required=False, help_text="申请当前状态（并发保护：状态已变则返回 409）")


@extend_schema_serializer(examples=[
    OpenApiExample("批准并签订合同", request_only=True, value={
        "amount": "40000.00", "term_months": 24, "contract_no": "PXNSH2024-00017", "receipt_no": "JJ2024-00017",
        "signed_on": "2024-06-03", "comment": "经审查符合条件，同意发放", "expected_state": "county_recommended"}),
])
class BankApproveSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="批准金额（元），不得高于申请金额")
    term_months = serializers.IntegerField(min_value=1, max_value=36, help_text="批准期限（月），不得长于申请期限")
    contract_no = serializers.CharField(max_length=50)
    receipt_no = serializers.CharField(max_length=50, help_text="借据号")
    signed_on = serializers.DateField(help_text="合同签订日期 YYYY-MM-DD：不晚于今天（北京时间），不早于申请日期")
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    expected_state = serializers.CharField(required=False)


class RenewSerializer(serializers.Serializer):
    term_months = serializers.IntegerField(min_value=1, max_value=36)
    contract_no = serializers.CharField(max_length=50)
    receipt_no = serializers.CharField(max_length=50)
    signed_on = serializers.DateField(help_text="续贷合同签订日期：不晚于今天（北京时间），不早于原贷款放款日期")
