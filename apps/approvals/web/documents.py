"""Downloads of the review chain's formal documents: the 审批表 of one application (PDF) and the 汇总表 of a
review batch (PDF, Excel). Every lookup goes through `visible_to`: outside the user's scope it is a 404."""
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views import View

from apps.accounts.web.views import CapabilityRequiredMixin
from apps.core.pdf import PDF_CONTENT_TYPE, XLSX_CONTENT_TYPE, file_response

from .. import documents
from ..models import Application, ReviewBatch


class ApplicationFormPdfView(CapabilityRequiredMixin, View):
    """《扶贫小额信贷审批表》 of one application, rendered from its decisions as they stand now."""

    capability = "application.view"

    def get(self, request, pk):
        app = get_object_or_404(documents.form_queryset(Application.objects.visible_to(request.user)), pk=pk)
        return file_response(documents.application_form_pdf(app), documents.application_form_filename(app), PDF_CONTENT_TYPE)


class BatchSummaryMixin(CapabilityRequiredMixin):
    capability = "application.view"

    def batch_and_applications(self, pk):
        batch = get_object_or_404(ReviewBatch.objects.visible_to(self.request.user).select_related("created_by"), pk=pk)
        applications = list(documents.batch_applications(self.request.user, batch))
        if not applications:  # nothing of it is the user's (another bank's batch): don't confirm it exists
            raise Http404
        return batch, applications


class BatchSummaryPdfView(BatchSummaryMixin, View):
    def get(self, request, pk):
        batch, applications = self.batch_and_applications(pk)
        return file_response(documents.batch_summary_pdf(batch, applications), documents.batch_filename(batch, "pdf"),
                             PDF_CONTENT_TYPE)


class BatchSummaryXlsxView(BatchSummaryMixin, View):
    def get(self, request, pk):
        batch, applications = self.batch_and_applications(pk)
        return file_response(documents.batch_summary_xlsx(batch, applications), documents.batch_filename(batch, "xlsx"),
                             XLSX_CONTENT_TYPE)


# Included under "approvals/" in the "approvals" namespace (approvals:application-pdf, …).
app_name = "approvals"
urlpatterns = [
    path("applications/<int:pk>/form.pdf", ApplicationFormPdfView.as_view(), name="application-pdf"),
    path("batches/<int:pk>/summary.pdf", BatchSummaryPdfView.as_view(), name="batch-pdf"),
    path("batches/<int:pk>/summary.xlsx", BatchSummaryXlsxView.as_view(), name="batch-xlsx"),
]
