from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..filters import LoanFilter
from ..models import Change, Loan, Repayment, TermChange
from .serializers import (
    DecideSerializer,
    DeferralRequestSerializer,
    DisburseSerializer,
    ExtensionRequestSerializer,
    LoanListSerializer,
    LoanSerializer,
    RepaymentInSerializer,
    RepaymentSerializer,
    TermChangeSerializer,
)

ERRORS = {400: OpenApiResponse(description="规则不满足：{code, detail, fields}"), 403: OpenApiResponse(description="角色不符"),
          404: OpenApiResponse(description="不存在或不在可见范围（含他行贷款）"), 409: OpenApiResponse(description="状态不允许或并发冲突")}


@extend_schema_view(list=extend_schema(summary="贷款列表（银行用户仅本行）"), retrieve=extend_schema(summary="贷款详情：还款计划、逾期、还款记录"))
class LoanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = LoanFilter

    def get_queryset(self):
        qs = Loan.objects.visible_to(self.request.user).select_related("borrower")
        if self.action == "list":
            return qs.order_by("-signed_on", "-id")
        return qs.select_related("bank").prefetch_related(
            Prefetch("repayments", queryset=Repayment.objects.order_by("paid_on", "id")), "term_changes")

    def get_serializer_class(self):
        return LoanListSerializer if self.action == "list" else LoanSerializer

    def _respond(self, loan, code=status.HTTP_200_OK):
        loan = self.get_queryset().get(pk=loan.pk)
        return Response(LoanSerializer(loan, context={"request": self.request}).data, status=code)

    @extend_schema(summary="放款（签约后 7 个工作日内；逾期放款会被标记）", request=DisburseSerializer, responses={200: LoanSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def disburse(self, request, pk=None):
        loan = self.get_object()
        data = DisburseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(services.loan_disburse(request.user, loan, data.validated_data.get("disbursed_on")))

    @extend_schema(summary="登记还款（本金/利息/罚息）。带 Idempotency-Key 头重试只记一次并返回首次结果",
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
                   request=RepaymentInSerializer, responses={201: RepaymentSerializer, 200: RepaymentSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def repayments(self, request, pk=None):
        loan = self.get_object()
        data = RepaymentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        repayment, created = services.repayment_post(request.user, loan, idempotency_key=request.headers.get("Idempotency-Key", ""),
                                                     **data.validated_data)
        return Response(RepaymentSerializer(repayment).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(summary="申请展期（由银行决定）", request=ExtensionRequestSerializer, responses={201: TermChangeSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="extension-requests")
    def extension_requests(self, request, pk=None):
        loan = self.get_object()
        data = ExtensionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.term_change_request(request.user, loan, kind=Change.EXTENSION, **data.validated_data)
        return Response(TermChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="申请疫情延期还款（由银行决定）", request=DeferralRequestSerializer, responses={201: TermChangeSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="deferral-requests")
    def deferral_requests(self, request, pk=None):
        loan = self.get_object()
        data = DeferralRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.term_change_request(request.user, loan, kind=Change.DEFERRAL, **data.validated_data)
        return Response(TermChangeSerializer(change).data, status=status.HTTP_201_CREATED)


class TermChangeDecideApi(APIView):
    @extend_schema(summary="银行决定展期/延期申请", request=DecideSerializer, responses={200: TermChangeSerializer, **ERRORS})
    def post(self, request, pk):
        change = get_object_or_404(TermChange.objects.visible_to(request.user), pk=pk)
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(TermChangeSerializer(services.term_change_decide(request.user, change, **data.validated_data)).data)
