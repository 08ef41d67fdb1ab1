from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets

from apps.core.api.permissions import CapabilityPermission

from .. import selectors, services
from ..models import Household, Member, Status
from .serializers import HouseholdListSerializer, HouseholdSerializer


class HouseholdFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="姓名（前缀）或身份证号")
    village = filters.CharFilter(field_name="region_code", lookup_expr="startswith", label="区划代码前缀（乡 9 位 / 村 12 位）")
    status = filters.ChoiceFilter(choices=Status.choices)
    credit_grade = filters.CharFilter()
    rated_before = filters.DateFilter(field_name="rated_on", lookup_expr="lt")

    class Meta:
        model = Household
        fields = ["q", "village", "status", "credit_grade", "rated_before"]

    def search(self, queryset, name, value):
        return selectors.household_search(queryset, value)


@extend_schema_view(
    list=extend_schema(summary="户籍名单（可见范围内）", parameters=[OpenApiParameter("page_size", int)]),
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
