from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

urlpatterns = [
    path("v1/", include("apps.households.api.urls")),
    path("v1/", include("apps.accounts.api.urls")),
    path("v1/", include("apps.loans.api.urls")),
    path("v1/", include("apps.approvals.api.urls")),
    path("v1/", include("apps.postloan.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (/api/docs/?script): no inline script for the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
         name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html"), name="api-redoc"),
]
