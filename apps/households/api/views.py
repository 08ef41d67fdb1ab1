from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets

from apps.core.api.permissions import CapabilityPermission

from .. import services
from ..filters import HouseholdFilter
from ..models import Household, Member
from .serializers import HouseholdListSerializer, HouseholdSerializer


@extend_schema_view(
    list=extend_schema(summary="户籍名单（可见范围内）", parameters=[
        OpenApiParameter("credit_grade", str, enum=["AAA", "AA", "A"], description="信用等级")]),
    retrieve=extend_schema(summary="一户详情（一户一档）"),
    create=extend_schema(summary="登记一户"),
    update=extend_schema(summary="修改一户"),
    partial_update=extend_schema(summary="部分修改一户"),
)
class HouseholdViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       mixins.UpdateModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, CapabilityPermission]
    capabilities = {"GET": "household.view", "POST": "household.edit", "PUT": "household.edit", "PATCH": "household.edit"}
    filterset_class = HouseholdFilter

    def get_queryset(self):
        qs = Household.objects.visible_to(self.request.user)
        if self.action == "list":
            return qs.order_by("region_code", "head_name", "id")
        return qs.select_related("village", "village__parent").prefetch_related(
            Prefetch("members", queryset=Member.objects.order_by("id"))
        )

    def get_serializer_class(self):
        return HouseholdListSerializer if self.action == "list" else HouseholdSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        members = data.pop("members_in", [])
        village = data.pop("village")
        serializer.instance = services.household_create(self.request.user, village=village, members=members, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        members = data.pop("members_in", None)
        village = data.pop("village", None)
        serializer.instance = services.household_update(self.request.user, serializer.instance, village=village,
                                                        members=members, **data)
