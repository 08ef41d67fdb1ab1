from django.urls import path

from apps.core.api.routers import Router

from .views import LoanViewSet, TermChangeDecideApi

router = Router()
router.register("loans", LoanViewSet, basename="loan")
urlpatterns = router.urls + [path("term-changes/<int:pk>/decide/", TermChangeDecideApi.as_view(), name="term-change-decide")]
