"""Import of event logs (XES, CSV) from specialist procedures, for county-wide managers:
upload, column mapping, progress. Every status change of a batch goes through services;
a change the batch's state does not allow (another request was quicker) becomes a
message on the batch's page, never an error page."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import importer, presenters, services
from ..forms import MappingForm, UploadForm
from ..models import ImportBatch
from ._common import county_wide, manager_required

PAGE_SIZE = 20


def _list_page(request, form, status: int = 200):
    page = Paginator(ImportBatch.objects.all(), PAGE_SIZE).get_page(request.GET.get("seite"))
    return render(request, "cockpit/imports.html", {"form": form, "page": page}, status=status)


def _refused(request, exc: services.IllegalImportTransition):
    messages.warning(
        request, _("This import is already under way or finished; nothing was changed.")
    )
    return redirect("cockpit:import", pk=exc.batch_id)


@manager_required
@require_http_methods(["GET", "POST"])
def imports(request):
    county_wide(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return _list_page(request, form)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    try:
        batch = services.register_upload(
            upload=form.cleaned_data["file"],
            service=form.cleaned_data.get("service", ""),
            user=request.user,
        )
    except services.IllegalImportTransition as exc:
        return _refused(request, exc)
    return redirect("cockpit:import", pk=batch.pk)


def _columns(batch: ImportBatch) -> list[str] | None:
    """The header of an uploaded CSV file for the mapping form; a file whose header
    cannot be read fails the batch with the reason (None)."""
    try:
        with batch.file.open("rb") as stream:
            return importer.csv_columns(stream)
    except importer.ImportFailed as exc:
        services.fail_import(batch, errors=[{"line": 1, "message": str(exc)}])
        return None


@manager_required
@require_http_methods(["GET", "POST"])
def import_detail(request, pk: int):
    county_wide(request)
    batch = get_object_or_404(ImportBatch, pk=pk)
    mapping_form = None
    status = 200
    if batch.status == ImportBatch.Status.UPLOADED and batch.format == ImportBatch.Format.CSV:
        try:
            columns = _columns(batch)
        except services.IllegalImportTransition as exc:
            return _refused(request, exc)
        if columns is not None:
            mapping_form = MappingForm(request.POST or None, columns=columns)
            if request.method == "POST":
                if not mapping_form.is_valid():
                    status = 400
                else:
                    mapping = {k: v for k, v in mapping_form.cleaned_data.items() if v}
                    try:
                        services.start_import(batch, mapping=mapping)
                    except services.IllegalImportTransition as exc:
                        return _refused(request, exc)
                    messages.success(request, _("The import has started."))
                    return redirect("cockpit:import", pk=batch.pk)
    batch.refresh_from_db()
    running = batch.status in (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING)
    response = render(
        request,
        "cockpit/import_detail.html",
        {"batch": batch, "mapping_form": mapping_form, "running": running},
        status=status,
    )
    if running:
        response["Refresh"] = "2"  # progress without JavaScript: the page reloads itself
    return response


@manager_required
def import_status(request, pk: int):
    county_wide(request)
    batch = get_object_or_404(ImportBatch, pk=pk)
    return JsonResponse(presenters.import_status(batch))
