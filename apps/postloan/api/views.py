"""The bank's post-loan API: withdrawals (idempotent on the bank's reference) and their follow-up, collection
notices and their signed receipts. Every lookup goes through `visible_to`: another county's or another bank's
object answers 404."""
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.schema import refusals
from apps.loans.models import Loan

from .. import services
from ..filters import CollectionNoticeFilter, WithdrawalFilter
from ..models import CollectionNotice, Withdrawal
from .serializers import (
    CollectionNoticeSerializer,
    FollowUpInSerializer,
    ReceiptInSerializer,
    WithdrawalInSerializer,
    WithdrawalSerializer,
)

WITHDRAWAL_ERRORS = refusals(invalid=("validation_error", "repayment_empty", "withdrawal_outside_loan", "date_in_future",
                                      "date_before_disbursement", "withdrawal_reference_too_long"),
                             forbidden=("not_your_level",), conflict=("withdrawal_reference_reused",))
FOLLOW_UP_ERRORS = refusals(invalid=("validation_error", "comment_required", "date_in_future", "date_before_withdrawal"), forbidden=("not_your_level",),
                            conflict=("transition_not_allowed",))
RECEIPT_ERRORS = refusals(invalid=("validation_error", "household_field_missing", "date_in_future", "date_before_notice"), forbidden=("not_your_level",),
                          conflict=("notice_already_signed",))


class LoanWithdrawalsApi(APIView):
    @extend_schema(tags=["withdrawals"],
                   summary="登记支取（按银行流水号幂等：首次 201，重复 200 返回首次记录）。≥ 县设定金额（默认 1 万元）通知村联查小组跟进",
                   request=WithdrawalInSerializer, responses={201: WithdrawalSerializer, 200: WithdrawalSerializer, **WITHDRAWAL_ERRORS})
    def post(self, request, pk):
        loan = get_object_or_404(Loan.objects.visible_to(request.user), pk=pk)
        data = WithdrawalInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        withdrawal, created = services.withdrawal_record(request.user, loan, **data.validated_data)
        return Response(WithdrawalSerializer(withdrawal).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# django-filter's NumberFilter reads as "number" in the schema; a loan id is an integer.
LOAN_ID = OpenApiParameter("loan", int, description="贷款 id")


@extend_schema_view(list=extend_schema(summary="支取记录（银行用户只见本行）；follow_up=pending 为待跟进的大额支取和抽查",
                                       parameters=[LOAN_ID]),
                    retrieve=extend_schema(summary="支取记录详情"))
class WithdrawalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = WithdrawalSerializer
    filterset_class = WithdrawalFilter

    def get_queryset(self):
        return Withdrawal.objects.visible_to(self.request.user).select_related("loan").order_by("-withdrawn_on", "-id")

    @extend_schema(summary="登记跟进结果（大额支取或抽查）", request=FollowUpInSerializer, responses={200: WithdrawalSerializer, **FOLLOW_UP_ERRORS})
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request, pk=None):
        withdrawal = self.get_object()
        data = FollowUpInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        withdrawal = services.withdrawal_follow_up(request.user, withdrawal, **data.validated_data)
        return Response(WithdrawalSerializer(self.get_queryset().get(pk=withdrawal.pk)).data)


@extend_schema_view(list=extend_schema(summary="催收通知书（到期/逾期）；unsigned=true 为尚未签收"),
                    retrieve=extend_schema(summary="催收通知书详情"))
class CollectionNoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CollectionNoticeSerializer
    filterset_class = CollectionNoticeFilter

    def get_queryset(self):
        return (CollectionNotice.objects.visible_to(self.request.user).select_related("loan__borrower")
                .order_by("-issued_on", "-id"))

    @extend_schema(summary="登记农户签收回执（中断诉讼时效）", request=ReceiptInSerializer,
                   responses={200: CollectionNoticeSerializer, **RECEIPT_ERRORS})
    @action(detail=True, methods=["post"])
    def receipt(self, request, pk=None):
        notice = self.get_object()
        data = ReceiptInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.notice_receipt(request.user, notice, **data.validated_data)
        return Response(CollectionNoticeSerializer(self.get_queryset().get(pk=notice.pk)).data)
