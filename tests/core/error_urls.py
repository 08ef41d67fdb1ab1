"""The site's URLs plus views that fail, for tests/core/test_api_errors.py (pytest.mark.urls)."""
from django.core.exceptions import PermissionDenied
from django.urls import path

from microcredit import urls


def _boom(request):
    raise RuntimeError("boom: secret detail")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("api/v1/plain-boom/", _boom),
    path("api/v1/plain-forbidden/", _forbidden),
    path("boom/", _boom),
    path("forbidden/", _forbidden),
    *urls.urlpatterns,
]
handler403, handler404, handler500 = urls.handler403, urls.handler404, urls.handler500
