from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("v1/", include("apps.households.api.urls")),
    path("v1/", include("apps.accounts.api.urls")),
    path("v1/", include("apps.loans.api.urls")),
    path("v1/", include("apps.approvals.api.urls")),
    path("v1/", include("apps.postloan.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
