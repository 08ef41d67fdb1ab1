from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from apps.regions.models import Level, Region

from ..models import Household, LabourCapacity, Member, Relation, Status


class MemberSerializer(serializers.ModelSerializer):
    relation = serializers.ChoiceField(choices=[c for c in Relation.choices if c[0] != Relation.HEAD])
    labour_capacity = serializers.ChoiceField(choices=LabourCapacity.choices, default=LabourCapacity.FULL)

    class Meta:
        model = Member
        fields = ["id", "name", "id_number", "relation", "labour_capacity", "phone"]
        read_only_fields = ["id"]
        extra_kwargs = {"id_number": {"validators": []}}


@extend_schema_serializer(examples=[
    OpenApiExample(
        "登记一户", request_only=True,
        value={"village": "510921100201", "head_name": "张三", "head_id_number": "510921198001011234",
               "status": "registered_poor", "national_no": "5109210001", "phone": "13800000000", "size": 4,
               "labour_count": 2, "annual_income": "12000.00",
               "members": [{"name": "李四", "id_number": "51092119820202123X", "relation": "spouse"}]},
    ),
])
class HouseholdSerializer(serializers.ModelSerializer):
    village = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.filter(level=Level.VILLAGE),
                                           help_text="12 位村级统计用区划代码")
    village_name = serializers.CharField(source="village.name", read_only=True)
    township_name = serializers.CharField(source="village.parent.name", read_only=True, default="")
    status = serializers.ChoiceField(choices=Status.choices)
    members = serializers.SerializerMethodField()
    member_input = MemberSerializer(many=True, write_only=True, required=False, source="members_in")

    class Meta:
        model = Household
        fields = ["id", "village", "village_name", "township_name", "region_code", "head_name", "head_id_number",
                  "status", "national_no", "phone", "address", "size", "labour_count", "annual_income", "industry",
                  "credit_score", "credit_grade", "rated_on", "members", "member_input", "created_at", "updated_at"]
        read_only_fields = ["region_code", "credit_score", "credit_grade", "rated_on", "created_at", "updated_at"]
        extra_kwargs = {"head_id_number": {"validators": []}, "national_no": {"validators": []}}

    def get_members(self, obj) -> list[dict]:
        return MemberSerializer([m for m in obj.members.all() if m.relation != Relation.HEAD], many=True).data

    def to_internal_value(self, data):
        # Accept `members` on input too: it is the natural name for API clients.
        if hasattr(data, "copy") and "members" in data and "member_input" not in data:
            data = data.copy()
            data["member_input"] = data.pop("members")
        return super().to_internal_value(data)


class HouseholdListSerializer(serializers.ModelSerializer):
    village = serializers.CharField(source="region_code")
    status = serializers.ChoiceField(choices=Status.choices)

    class Meta:
        model = Household
        fields = ["id", "village", "head_name", "head_id_number", "status", "national_no", "size", "labour_count",
                  "credit_grade", "rated_on"]
