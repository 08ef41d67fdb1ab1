"""The public notice (公示) as a PDF for posting. The lookup goes through `visible_to`: another county gets a 404."""
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views import View

from apps.accounts.web.views import CapabilityRequiredMixin
from apps.core.pdf import PDF_CONTENT_TYPE, file_response

from .. import documents
from ..models import PublicNotice


class NoticePdfView(CapabilityRequiredMixin, View):
    capability = "loan.view"

    def get(self, request, pk):
        notice = get_object_or_404(PublicNotice.objects.visible_to(request.user), pk=pk)
        return file_response(documents.notice_pdf(notice), documents.notice_filename(notice), PDF_CONTENT_TYPE)


# Included under "loans/" in the "loans" namespace (loans:notice-pdf).
app_name = "loans"
urlpatterns = [
    path("notices/<int:pk>/notice.pdf", NoticePdfView.as_view(), name="notice-pdf"),
]
