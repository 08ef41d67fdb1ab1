"""Downloads of the post-loan formal documents: the 贷后检查表 of one inspection, the 到期/逾期催收通知书 of one
collection notice and the 一日一通报 of a day (PDF).

Every lookup goes through `visible_to(request.user)` first — another county's or another bank's object is a 404
whatever the user's role — and only then is the read capability checked (403)."""
import re

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views import View

from apps.core import filters
from apps.core.middleware import refuse
from apps.core.pdf import PDF_CONTENT_TYPE, file_response

from .. import documents
from ..models import CollectionNotice, Inspection

READ_CAPABILITY = "loan.view"
COUNTY_CODE = re.compile(r"[0-9]{6}(?:000000)?")


class DocumentView(LoginRequiredMixin, View):
    """GET (and HEAD) only: anything else is a 405."""

    http_method_names = ["get", "head", "options"]

    def require_read(self) -> None:
        if not self.request.user.can(READ_CAPABILITY):
            raise PermissionDenied


class InspectionPdfView(DocumentView):
    """《扶贫小额信贷贷后检查表》 of one inspection, with its photos."""

    def get(self, request, pk):
        inspection = get_object_or_404(documents.inspection_queryset(Inspection.objects.visible_to(request.user)), pk=pk)
        self.require_read()
        return file_response(documents.inspection_pdf(inspection), documents.inspection_filename(inspection), PDF_CONTENT_TYPE)


class NoticePdfView(DocumentView):
    """《到期催收通知书》 or 《逾期催收通知书》 with its tear-off receipt."""

    def get(self, request, pk):
        notice = get_object_or_404(documents.notice_queryset(CollectionNotice.objects.visible_to(request.user)), pk=pk)
        self.require_read()
        return file_response(documents.notice_pdf(notice), documents.notice_filename(notice), PDF_CONTENT_TYPE)


class BulletinPdfView(DocumentView):
    """一日一通报 of ?day=YYYY-MM-DD (default: the latest day the user has figures for), of one county with
    ?county=<12-digit code>, else of every county the user sees. A bank user gets only its bank's rows."""

    def get(self, request):
        # The page's own parameters (its PDF button passes them on): a county as 6 digits (or padded to 12), a day.
        county = request.GET.get("county", "").strip()
        if county and not COUNTY_CODE.fullmatch(county):
            return refuse(request, "filter_region_code_invalid", 400)
        county = county[:6].ljust(12, "0") if county else ""
        raw_day = request.GET.get("day", "").strip()
        try:
            day = filters.parse_day(raw_day) if raw_day else None
        except ValidationError:
            return refuse(request, "filter_date_invalid", 400)
        visible = documents.bulletin_rows(request.user, county=county)
        day = day or documents.latest_day(visible)
        rows = list(visible.filter(day=day)) if day else []
        if not rows:
            raise Http404
        self.require_read()
        counties = {r.county_code for r in rows}
        # One county's figures are titled with that county, in the heading and the file name alike.
        scope = documents.bulletin_scope(request.user, county or (counties.pop() if len(counties) == 1 else ""))
        return file_response(documents.bulletin_pdf(rows, day, scope=scope), documents.bulletin_filename(day, scope), PDF_CONTENT_TYPE)


# Included under "postloan/" in the "postloan" namespace (postloan:inspection-pdf, …) by apps/postloan/web/urls.py.
app_name = "postloan"
urlpatterns = [
    path("inspections/<int:pk>/inspection.pdf", InspectionPdfView.as_view(), name="inspection-pdf"),
    path("notices/<int:pk>/notice.pdf", NoticePdfView.as_view(), name="notice-pdf"),
    path("bulletin.pdf", BulletinPdfView.as_view(), name="bulletin-pdf"),
]
