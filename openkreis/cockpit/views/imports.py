"""Import of event logs (XES, CSV, also gzip-compressed) from specialist procedures, for
county-wide managers: upload, mapping (CSV columns; which activity starts and ends a case,
asks for documents or reopens it, with a preview of the first rows and one example
case), progress and the full report. Every status change of a batch goes through
services; a change the batch's state does not allow (another request was quicker)
becomes a message on the batch's page, never an error page."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import importer, presenters, services
from ..forms import MappingForm, RolesForm, UploadForm, guess_roles
from ..models import ImportBatch, ImportSource
from ._common import county_wide, manager_required

PAGE_SIZE = 20
REPORT_ROWS = 50  # skipped rows listed on the page; all of them are in the CSV report


def _list_page(request, form, status: int = 200):
    page = Paginator(ImportBatch.objects.all(), PAGE_SIZE).get_page(request.GET.get("seite"))
    sources = ImportSource.objects.values_list("name", flat=True)
    return render(
        request,
        "cockpit/imports.html",
        {"form": form, "page": page, "sources": sources},
        status=status,
    )


def _refused(request, exc: services.IllegalImportTransition):
    messages.warning(
        request, _("This import is already under way or finished; nothing was changed.")
    )
    return redirect("cockpit:import", pk=exc.batch_id)


@manager_required
@require_http_methods(["GET", "POST"])
def imports(request):
    county_wide(request)
    _services, units = presenters.display_names()
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        units=sorted(units.items(), key=lambda item: item[1]),
    )
    if request.method != "POST":
        return _list_page(request, form)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    batch = services.register_upload(
        upload=form.cleaned_data["file"],
        service=form.cleaned_data.get("service", ""),
        source=form.cleaned_data.get("source", ""),
        owner_unit=form.cleaned_data.get("owner_unit", ""),
        user=request.user,
    )
    return redirect("cockpit:import", pk=batch.pk)


def _head(batch: ImportBatch):
    """Header and first rows of an uploaded CSV file; a file whose header cannot be read
    fails the batch with the reason (None)."""
    try:
        with importer.open_log(batch) as (stream, _raw):
            return importer.csv_head(stream)
    except (importer.ImportFailed, *importer.UNREADABLE) as exc:
        services.fail_import(batch, errors=[{"line": 1, "message": str(importer.unreadable(exc))}])
        return None


def _found(batch: ImportBatch) -> dict | None:
    """The preview of the file (read once, kept on the batch); a file that gives no
    event fails the batch with the reason (None)."""
    if batch.preview:
        return batch.preview
    try:
        found = importer.preview(batch)
    except importer.ImportFailed as exc:
        services.fail_import(batch, errors=[{"line": 0, "message": str(exc)}])
        return None
    services.keep_preview(batch, found)
    return found


def _stored(batch: ImportBatch) -> dict:
    """The mapping to offer: the batch's own, else its source's last one."""
    if batch.mapping.get("roles"):
        return batch.mapping
    source = batch.source_entry
    return source.mapping if source and source.mapping else batch.mapping


def _column_step(request, batch: ImportBatch) -> tuple[dict, int] | HttpResponse:
    head = _head(batch)
    if head is None:
        return {}, 200
    columns, rows = head
    stored = _stored(batch)
    initial = {k: v for k, v in stored.items() if isinstance(v, str) and v in columns}
    form = MappingForm(request.POST or None, columns=columns, initial=initial)
    if request.method == "POST":
        if not form.is_valid():
            return {"mapping_form": form, "head": (columns, rows)}, 400
        chosen = {k: v for k, v in form.cleaned_data.items() if v}
        services.set_columns(batch, chosen)
        return redirect("cockpit:import", pk=batch.pk)
    return {"mapping_form": form, "head": (columns, rows)}, 200


def _roles_step(request, batch: ImportBatch) -> tuple[dict, int] | HttpResponse:
    found = _found(batch)
    if found is None:
        return {}, 200
    activities = [name for name, _n in found["activities"]]
    stored = _stored(batch).get("roles") or guess_roles(activities)
    known = set(activities) | {importer.FIRST, importer.LAST}
    initial = {
        "start": stored.get("start") if stored.get("start") in known else importer.FIRST,
        "end": [a for a in stored.get("end", ()) if a in known] or [importer.LAST],
        "requests": [a for a in stored.get("requests", ()) if a in known],
        "reopened": [a for a in stored.get("reopened", ()) if a in known],
        "target_days": stored.get("target_days"),
    }
    form = RolesForm(request.POST or None, activities=activities, initial=initial)
    roles = initial
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            roles = form.roles()
            if request.POST.get("action") != "preview":
                mapping = {**batch.mapping, "roles": roles}
                services.start_import(batch, mapping=mapping)
                messages.success(request, _("The import has started."))
                return redirect("cockpit:import", pk=batch.pk)
    example = importer.example_case(
        batch, importer.Roles.from_mapping({**batch.mapping, "roles": roles}), found
    )
    return {"roles_form": form, "preview": presenters.import_preview(found, example)}, status


@manager_required
@require_http_methods(["GET", "POST"])
def import_detail(request, pk: int):
    county_wide(request)
    batch = get_object_or_404(ImportBatch.objects.select_related("source_entry"), pk=pk)
    context: dict = {}
    status = 200
    if batch.status == ImportBatch.Status.UPLOADED:
        columns_needed = batch.format == ImportBatch.Format.CSV and (
            not batch.mapping.get("case_id") or request.GET.get("spalten")
        )
        step = _column_step if columns_needed else _roles_step
        try:
            result = step(request, batch)
        except services.IllegalImportTransition as exc:
            return _refused(request, exc)
        if isinstance(result, HttpResponse):
            return result
        context, status = result
    batch.refresh_from_db()
    running = batch.status in (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING)
    context.update(
        batch=batch,
        running=running,
        report=batch.errors[:REPORT_ROWS],
        report_more=max(0, len(batch.errors) - REPORT_ROWS),
        skip_limit=round(100 * importer.SKIP_LIMIT),
    )
    response = render(request, "cockpit/import_detail.html", context, status=status)
    if running:
        response["Refresh"] = "2"  # progress without JavaScript: the page reloads itself
    return response


@manager_required
def import_status(request, pk: int):
    county_wide(request)
    batch = get_object_or_404(ImportBatch, pk=pk)
    return JsonResponse(presenters.import_status(batch))


@manager_required
def import_report(request, pk: int):
    """Every skipped row of a batch and why, as CSV (the page lists the first ones)."""
    county_wide(request)
    batch = get_object_or_404(ImportBatch, pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-bericht.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_("Line / event"), _("Problem")])
    for error in batch.errors:
        writer.writerow([error.get("line") or "", error.get("message", "")])
    return response
