from django.urls import path

from apps.core.api.routers import Router

from .views import CollectionNoticeViewSet, LoanWithdrawalsApi, WithdrawalViewSet

router = Router()
router.register("withdrawals", WithdrawalViewSet, basename="withdrawal")
router.register("collection-notices", CollectionNoticeViewSet, basename="collection-notice")
# The loans app's router owns "loans/": the withdrawal POST on a loan is a separate path.
urlpatterns = router.urls + [path("loans/<int:pk>/withdrawals/", LoanWithdrawalsApi.as_view(), name="loan-withdrawals")]
