from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ApplicationViewSet, LoanRenewApi

router = SimpleRouter()
router.register("applications", ApplicationViewSet, basename="application")
urlpatterns = router.urls + [path("loans/<int:pk>/renew/", LoanRenewApi.as_view(), name="loan-renew")]
