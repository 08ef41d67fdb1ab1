from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.schema import refusals

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

DISBURSE_ERRORS = refusals(invalid=("validation_error", "date_in_future", "date_before_signing"), forbidden=("not_your_level",),
                           conflict=("transition_not_allowed",))
REPAYMENT_ERRORS = refusals(invalid=("validation_error", "repayment_negative", "repayment_empty", "repayment_over_balance",
                                     "date_in_future", "date_before_disbursement", "idempotency_key_too_long", "idempotency_key_invalid"),
                            forbidden=("not_your_level",), conflict=("loan_not_active", "idempotency_key_reused"))
EXTENSION_ERRORS = refusals(invalid=("validation_error", "comment_required", "extension_already_used", "extension_not_positive",
                                     "extension_too_long", "extension_over_product_maximum"),
                            forbidden=("not_your_level",), conflict=("loan_not_active", "term_change_pending"))
DEFERRAL_ERRORS = refusals(invalid=("validation_error", "comment_required", "deferral_already_used",
                                    "deferral_maturity_before_2020", "deferral_not_later", "deferral_too_long"),
                           forbidden=("not_your_level",), conflict=("loan_not_active", "term_change_pending"))
DECIDE_ERRORS = refusals(invalid=("validation_error", "comment_required"), forbidden=("not_your_level",),
                         conflict=("transition_not_allowed", "application_changed"))


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

    @extend_schema(summary="放款（签约后 7 个工作日内；逾期放款会被标记）", request=DisburseSerializer, responses={200: LoanSerializer, **DISBURSE_ERRORS})
    @action(detail=True, methods=["post"])
    def disburse(self, request, pk=None):
        loan = self.get_object()
        data = DisburseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(services.loan_disburse(request.user, loan, data.validated_data.get("disbursed_on")))

    @extend_schema(summary="登记还款（本金/利息/罚息）。带 Idempotency-Key 头重试只记一次并返回首次结果",
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
                   request=RepaymentInSerializer, responses={201: RepaymentSerializer, 200: RepaymentSerializer, **REPAYMENT_ERRORS})
    @action(detail=True, methods=["post"])
    def repayments(self, request, pk=None):
        loan = self.get_object()
        data = RepaymentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        repayment, created = services.repayment_post(request.user, loan, idempotency_key=request.headers.get("Idempotency-Key", ""),
                                                     **data.validated_data)
        return Response(RepaymentSerializer(repayment).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(summary="申请展期（由银行决定）", request=ExtensionRequestSerializer, responses={201: TermChangeSerializer, **EXTENSION_ERRORS})
    @action(detail=True, methods=["post"], url_path="extension-requests")
    def extension_requests(self, request, pk=None):
        loan = self.get_object()
        data = ExtensionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.term_change_request(request.user, loan, kind=Change.EXTENSION, **data.validated_data)
        return Response(TermChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="申请疫情延期还款（由银行决定）", request=DeferralRequestSerializer, responses={201: TermChangeSerializer, **DEFERRAL_ERRORS})
    @action(detail=True, methods=["post"], url_path="deferral-requests")
    def deferral_requests(self, request, pk=None):
        loan = self.get_object()
        data = DeferralRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.term_change_request(request.user, loan, kind=Change.DEFERRAL, **data.validated_data)
        return Response(TermChangeSerializer(change).data, status=status.HTTP_201_CREATED)


class TermChangeDecideApi(APIView):
    @extend_schema(summary="银行决定展期/延期申请", request=DecideSerializer, responses={200: TermChangeSerializer, **DECIDE_ERRORS})
    def post(self, request, pk):
        change = get_object_or_404(TermChange.objects.visible_to(request.user), pk=pk)
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(TermChangeSerializer(services.term_change_decide(request.user, change, **data.validated_data)).data)
