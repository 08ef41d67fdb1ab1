from decimal import Decimal

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from ..models import CollectionNotice, Withdrawal


class WithdrawalSerializer(serializers.ModelSerializer):
    contract_no = serializers.CharField(source="loan.contract_no", read_only=True)
    follow_up = serializers.ChoiceField(choices=Withdrawal.FollowUp.choices, read_only=True,
                                        help_text="空：无需跟进；pending：待跟进（大额支取或抽查）；done：已跟进")

    class Meta:
        model = Withdrawal
        fields = ["id", "loan", "contract_no", "withdrawn_on", "amount", "payee", "note", "external_id", "needs_follow_up",
                  "sampled_month", "follow_up", "use_matches", "follow_up_result", "followed_up_on", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=[
    OpenApiExample("大额支取（≥1万元，通知村联查小组跟进）", request_only=True,
                   value={"amount": "15000.00", "withdrawn_on": "2024-06-10", "external_id": "TXN20240610000123",
                          "payee": "蓬溪县某养殖场", "note": "购买种牛"}),
])
class WithdrawalInSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    withdrawn_on = serializers.DateField(help_text="支取日期：不晚于今天（北京时间），不早于放款日期")
    external_id = serializers.CharField(max_length=64, help_text="银行流水号：同一贷款同一流水号重复提交只记一次，返回首次记录（200）")
    payee = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="", help_text="申报用途")


class FollowUpInSerializer(serializers.Serializer):
    use_matches = serializers.BooleanField(help_text="资金是否按申报用途使用")
    result = serializers.CharField(max_length=500, help_text="跟进情况")
    followed_up_on = serializers.DateField(required=False, help_text="跟进日期，默认今天：不晚于今天（北京时间），不早于支取日期")


class CollectionNoticeSerializer(serializers.ModelSerializer):
    contract_no = serializers.CharField(source="loan.contract_no", read_only=True)
    borrower_name = serializers.CharField(source="loan.borrower.name", read_only=True)

    class Meta:
        model = CollectionNotice
        fields = ["id", "loan", "contract_no", "borrower_name", "kind", "maturity_on", "issued_on", "receipt_signed_on",
                  "receipt_signer"]
        read_only_fields = fields


class ReceiptInSerializer(serializers.Serializer):
    signer = serializers.CharField(max_length=50, help_text="签收人姓名")
    signed_on = serializers.DateField(help_text="签收日期：不晚于今天（北京时间），不早于通知书发出日期")
