"""Excel import (upload → dry-run preview → commit) and export of the household register."""
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from apps.accounts.web.views import CapabilityRequiredMixin
from apps.core import filters
from apps.core.errors import DomainError
from apps.core.messages import message

from .. import exporting, importing, selectors
from ..filters import HouseholdFilter
from ..models import Household, ImportJob

ERRORS_PER_PAGE = 100
RUNNING = (ImportJob.State.VALIDATING, ImportJob.State.IMPORTING)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"), allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                               "class": "form-control form-control-lg"}),
    )


class JobCapabilityMixin(CapabilityRequiredMixin):
    """On a job's own URLs a user without the capability gets 404 like an outsider: existence is not confirmed."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.can(self.capability):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def _job_or_404(user, pk) -> ImportJob:
    job = ImportJob.objects.visible_to(user).defer("errors").select_related("created_by").filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def _summary(job: ImportJob) -> str:
    if job.state == ImportJob.State.DONE:
        return _("%(n)s households imported.") % {"n": job.created_count}
    if job.state == ImportJob.State.READY:
        return _("No errors found in %(n)s rows. Nothing is saved until you commit the import.") % {"n": job.total_rows}
    if job.state == ImportJob.State.VALIDATING:
        return _("Checking the file…")
    if job.state == ImportJob.State.IMPORTING:
        return _("Importing…")
    return message(job.message) if job.message else ""


class HouseholdImportView(CapabilityRequiredMixin, TemplateView):
    capability = "household.import"
    template_name = "households/import.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", ImportUploadForm())
        ctx["jobs"] = ImportJob.objects.visible_to(self.request.user).defer("errors").select_related("created_by")[:20]
        ctx["sync_max_rows"] = importing.settings.IMPORT_SYNC_MAX_ROWS
        ctx["max_mb"] = importing.settings.IMPORT_MAX_FILE_BYTES // (1024 * 1024)
        return ctx

    def post(self, request, *args, **kwargs):
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        if request.user.scope_prefix is None:
            raise PermissionDenied
        try:
            job = importing.household_import_start(request.user, form.cleaned_data["file"])
        except DomainError as exc:
            form.add_error(None, exc.detail)
            return self.render_to_response(self.get_context_data(form=form))
        return redirect("households:import-detail", pk=job.pk)


class HouseholdImportTemplateView(CapabilityRequiredMixin, View):
    capability = "household.import"

    def get(self, request):
        return FileResponse(exporting.import_template(), as_attachment=True, filename="household-import-template.xlsx",
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class HouseholdImportDetailView(JobCapabilityMixin, TemplateView):
    capability = "household.import"
    template_name = "households/import_detail.html"

    def get(self, request, *args, **kwargs):
        job = _job_or_404(request.user, kwargs["pk"])
        if request.GET.get("partial") == "progress":
            if job.state not in RUNNING:
                response = HttpResponse("")
                response["HX-Refresh"] = "true"  # done: reload the whole page (errors, buttons)
                return response
            return self.response_class(request=request, template="households/import_progress.html",
                                       context={"job": job, "running": True, "summary": _summary(job)}, using=self.template_engine)
        return self.render_to_response(self.get_context_data(job=job))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        job = ctx["job"]
        ctx.update(running=job.state in RUNNING, summary=_summary(job),
                   can_commit=job.state == ImportJob.State.READY, is_done=job.state == ImportJob.State.DONE,
                   retention_days=settings.IMPORT_FILE_RETENTION_DAYS)
        if job.state in (ImportJob.State.INVALID, ImportJob.State.FAILED):
            errors = ImportJob.objects.filter(pk=job.pk).values_list("errors", flat=True).first() or []
            paginator = Paginator(errors, ERRORS_PER_PAGE)
            page = paginator.get_page(self.request.GET.get("page"))
            page.object_list = [e | {"message": message(e.get("code", ""))} for e in page.object_list]
            ctx.update(page_obj=page, errors=page.object_list, stored_errors=len(errors),
                       errors_capped=job.error_count > 0 and len(errors) >= importing.MAX_STORED_ERRORS,
                       querystring_without_page="")
        return ctx


class HouseholdImportCommitView(JobCapabilityMixin, View):
    capability = "household.import"

    def get(self, request, pk):
        _job_or_404(request.user, pk)
        return redirect("households:import-detail", pk=pk)

    def post(self, request, pk):
        job = _job_or_404(request.user, pk)
        try:
            job = importing.household_import_commit(request.user, job)
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            if job.state == ImportJob.State.DONE:
                messages.success(request, _("%(n)s households imported.") % {"n": job.created_count})
            elif job.state == ImportJob.State.INVALID:
                messages.error(request, message("import_has_errors"))
        return redirect("households:import-detail", pk=pk)


class HouseholdExportView(CapabilityRequiredMixin, View):
    """The register as the list page shows it (same filters), as .xlsx."""

    capability = "household.export"

    def get(self, request):
        found = filters.bind(HouseholdFilter, request, Household.objects.none())
        selection = found.selection()
        if found.filter_errors:  # the list page says which filter it could not read; nothing is exported blindly
            return redirect(reverse("households:list") + f"?{request.GET.urlencode()}")
        rows = selectors.household_list(request.user, **selection).count()
        if rows > settings.EXPORT_MAX_ROWS:
            messages.error(request, message("export_too_large"))
            query = request.GET.urlencode()
            return redirect(reverse("households:list") + (f"?{query}" if query else ""))
        out = exporting.household_export(request.user, **selection)
        name = f"households-{timezone.localdate():%Y%m%d}.xlsx"
        return FileResponse(out, as_attachment=True, filename=name,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


urlpatterns = [
    path("import/", HouseholdImportView.as_view(), name="import"),
    path("import/template.xlsx", HouseholdImportTemplateView.as_view(), name="import-template"),
    path("import/<int:pk>/", HouseholdImportDetailView.as_view(), name="import-detail"),
    path("import/<int:pk>/commit/", HouseholdImportCommitView.as_view(), name="import-commit"),
]
