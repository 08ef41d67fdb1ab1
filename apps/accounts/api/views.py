from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..roles import CAPABILITIES


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    real_name = serializers.CharField()
    role = serializers.CharField()
    region = serializers.CharField(allow_null=True)
    scope_prefix = serializers.CharField(allow_null=True)
    bank = serializers.CharField(allow_null=True)
    capabilities = serializers.ListField(child=serializers.CharField())


class MeApi(APIView):
    @extend_schema(summary="当前用户、角色、可见范围与权限", responses=MeSerializer)
    def get(self, request):
        u = request.user
        return Response({
            "username": u.username, "real_name": u.real_name, "role": u.role,
            "region": u.region.code if u.region_id else None, "scope_prefix": u.scope_prefix,
            "bank": u.bank.name if u.bank_id else None,
            "capabilities": sorted(c for c in CAPABILITIES if u.can(c)),
        })
