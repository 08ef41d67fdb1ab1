from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import LoanViewSet, TermChangeDecideApi

router = SimpleRouter()
router.register("loans", LoanViewSet, basename="loan")
urlpatterns = router.urls + [path("term-changes/<int:pk>/decide/", TermChangeDecideApi.as_view(), name="term-change-decide")]
