from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import CollectionNoticeViewSet, LoanWithdrawalsApi, WithdrawalViewSet

router = SimpleRouter()
router.register("withdrawals", WithdrawalViewSet, basename="withdrawal")
router.register("collection-notices", CollectionNoticeViewSet, basename="collection-notice")
# The loans app's router owns "loans/": the withdrawal POST on a loan is a separate path.
urlpatterns = router.urls + [path("loans/<int:pk>/withdrawals/", LoanWithdrawalsApi.as_view(), name="loan-withdrawals")]
