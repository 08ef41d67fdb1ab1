from django.urls import path

from apps.core.api.routers import Router

from .views import ApplicationViewSet, LoanRenewApi

router = Router()
router.register("applications", ApplicationViewSet, basename="application")
urlpatterns = router.urls + [path("loans/<int:pk>/renew/", LoanRenewApi.as_view(), name="loan-renew")]
