from django.contrib import admin
from django.urls import include, path

from .csp_report import csp_report
from .home import HomeView

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("accounts/", include("apps.accounts.web.urls")),
    path("households/", include("apps.households.web.urls")),
    path("regions/", include("apps.regions.web.urls")),
    path("approvals/", include("apps.approvals.web.urls")),
    path("loans/", include("apps.loans.web.urls")),
    path("postloan/", include("apps.postloan.web.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("microcredit.api_urls")),
    # settings.CSP_REPORT_URL: the policy's report-uri.
    path("csp-report/", csp_report, name="csp-report"),
]

# Unknown paths and exceptions outside DRF: the API's JSON error shape under /api/, Django's HTML pages elsewhere.
handler403 = "apps.core.api.errors.handler403"
handler404 = "apps.core.api.errors.handler404"
handler500 = "apps.core.api.errors.handler500"
