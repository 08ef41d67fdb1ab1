from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.schema import refusals
from apps.loans.api.serializers import LoanSerializer
from apps.loans.models import Loan

from .. import services
from ..filters import ApplicationFilter
from ..models import Application, ReviewDecision
from .serializers import ApplicationSerializer, BankApproveSerializer, CommentSerializer, RenewSerializer

# The refusals of approvals.policy.violations (the household's eligibility), re-checked on approval and renewal.
ELIGIBILITY = ("household_not_registered", "status_not_eligible", "credit_grade_too_low", "credit_rating_expired",
               "borrower_birth_unknown", "borrower_too_young", "borrower_too_old", "amount_not_positive",
               "amount_over_household_cap", "term_not_positive", "term_over_maximum", "household_has_other_borrower",
               "purpose_marriage", "purpose_housing", "purpose_wealth_management", "purpose_household_goods",
               "purpose_enterprise_pooling", "purpose_unknown", "cooperative_without_consent")
REVIEW_CONFLICTS = ("transition_not_allowed", "application_changed")
APPROVE_ERRORS = refusals(
    invalid=("validation_error", "bank_amount_above_request", "bank_term_above_request", "date_in_future", "date_before_application",
             "rate_missing", "contract_no_taken", *ELIGIBILITY),
    forbidden=("not_your_level", "signer_required"), conflict=REVIEW_CONFLICTS)
DECLINE_ERRORS = refusals(invalid=("validation_error", "comment_required"), forbidden=("not_your_level",),
                          conflict=REVIEW_CONFLICTS)
RENEW_ERRORS = refusals(invalid=("validation_error", "date_in_future", "date_before_disbursement", "renewal_overdue", "renewal_already_used", "contract_no_taken",
                                 "rate_missing", *ELIGIBILITY),
                        forbidden=("not_your_level",), conflict=("loan_not_active",))


@extend_schema_view(
    list=extend_schema(summary="申请列表（银行用户只见本行；可按 state=county_recommended 取待审队列）"),
    retrieve=extend_schema(summary="申请详情，含各级审批记录与当前可执行操作"),
)
class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter

    def get_queryset(self):
        return (Application.objects.visible_to(self.request.user)
                .select_related("household", "borrower", "bank")
                .prefetch_related(Prefetch("decisions", queryset=ReviewDecision.objects.select_related("actor")))
                .order_by("-applied_on", "-id"))

    def _respond(self, app):
        app = self.get_queryset().get(pk=app.pk)
        return Response(ApplicationSerializer(app, context={"request": self.request}).data)

    @extend_schema(summary="审批通过。银行：批准并签订合同（生成贷款账户）；县乡村各级签字人：本级通过（只需 comment）",
                   request=BankApproveSerializer, responses={200: ApplicationSerializer, **APPROVE_ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        app = self.get_object()
        is_bank = request.user.role == "bank_officer"
        data = (BankApproveSerializer if is_bank else CommentSerializer)(data=request.data, partial=not is_bank)
        data.is_valid(raise_exception=True)
        terms = dict(data.validated_data)
        comment, expected = terms.pop("comment", ""), terms.pop("expected_state", None)
        return self._respond(services.application_approve(request.user, app, comment=comment, bank_terms=terms if is_bank else None,
                                                          expected_state=expected))

    @extend_schema(summary="拒绝（须说明理由）", request=CommentSerializer, responses={200: ApplicationSerializer, **DECLINE_ERRORS})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        app = self.get_object()
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(services.application_reject(request.user, app, **data.validated_data))

    @extend_schema(summary="退回下一级补正（须说明理由）", request=CommentSerializer, responses={200: ApplicationSerializer, **DECLINE_ERRORS})
    @action(detail=True, methods=["post"], url_path="return")
    def send_back(self, request, pk=None):
        app = self.get_object()
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(services.application_return(request.user, app, **data.validated_data))


class LoanRenewApi(APIView):
    @extend_schema(summary="续贷：无还本续贷，旧贷结清为“已续贷”，开立关联新贷", request=RenewSerializer,
                   responses={201: LoanSerializer, **RENEW_ERRORS})
    def post(self, request, pk):
        loan = get_object_or_404(Loan.objects.visible_to(request.user), pk=pk)
        data = RenewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = services.loan_renew(request.user, loan, **data.validated_data)
        return Response(LoanSerializer(new, context={"request": request}).data, status=status.HTTP_201_CREATED)
