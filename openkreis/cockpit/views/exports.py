"""Downloads: a dashboard chart's table as CSV or XLSX, and the open data as CSV or JSON.
The figures are the presenters'; this module only writes them in a file format."""

from __future__ import annotations

import csv
import io

from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from .. import presenters
from ._common import filters, manager_required

TABLE_FORMATS = ("csv", "xlsx")
OPEN_DATA_FORMATS = ("json", "csv")


@manager_required
def export(request, name: str, fmt: str):
    if name not in presenters.CHARTS or fmt not in TABLE_FORMATS:
        raise Http404
    _form, chosen, services, _units = filters(request)
    if chosen is None:
        return HttpResponse(_("The filters are not valid."), status=400, content_type="text/plain")
    data = presenters.chart(name, chosen, services)
    filename = f"cockpit-{name}-{chosen.start}-{chosen.end}"
    return table_response(data["columns"], data["rows"], filename, fmt, data["title"])


def table_response(columns, rows, filename: str, fmt: str, title: str = "") -> HttpResponse:
    """A table as CSV (UTF-8 with BOM, semicolons, as German spreadsheets expect) or XLSX.
    Suppressed cells are written as empty."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow([str(c) for c in columns])
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
    else:
        # imported here: openpyxl is slow to load and only Excel downloads need it
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(title=(str(title) or "Cockpit")[:31].replace("/", "-"))
        sheet.append([str(c) for c in columns])
        for row in rows:
            sheet.append([None if v is None else v for v in row])
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def open_data_response(figures: dict, fmt: str) -> HttpResponse:
    """The public figures as open data: CSV (as table_response) or JSON (UTF-8 as is)."""
    if fmt == "csv":
        rows = presenters.open_data_rows(figures)
        return table_response(presenters.OPEN_COLUMNS, rows, "cockpit-kennzahlen", "csv")
    return JsonResponse(
        presenters.open_data_json(figures), json_dumps_params={"ensure_ascii": False}
    )
