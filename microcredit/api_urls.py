from csp.constants import NONCE, SELF
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

# What ReDoc needs beyond the site's policy, on its page only (scripts stay 'self' only):
# - styles: styled-components writes <style> elements, allowed with the response's nonce (static/js/redoc-init.js
#   passes it on); while the bundle loads, before the nonce is known, it writes two more: an empty one and
#   perfect-scrollbar's CSS, allowed by their SHA-256 (drf-spectacular-sidecar's bundle; a new bundle may change the
#   second: tests/security/test_csp.py's browser test then reports the blocked style with the hash to put here);
# - its search index runs in a Web Worker made from a blob: URL.
REDOC_POLICY = {
    "style-src": [NONCE, "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
                  "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='"],
    "worker-src": [SELF, "blob:"],
}

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
    path("redoc/", csp_update(REDOC_POLICY)(
        SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html")), name="api-redoc"),
]
