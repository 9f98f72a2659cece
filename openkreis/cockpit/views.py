"""Pages of the Steuerungs-Cockpit. Management pages sit behind the staff gate (login,
second factor, role `manager`); the help page, the transparency page and the open data
are public. Every figure comes from the aggregates (read.py), never from a case."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from openkreis.core import staff
from openkreis.core.models import OrgUnit

from . import aggregates, engine, read, scope, svg
from .forms import FilterForm, MappingForm, UploadForm
from .models import Alert, AlertRule, ImportBatch

Role = staff.Role
COCKPIT_ROLES = (Role.MANAGER,)
CHANNEL_LABELS = {
    "online": gettext_lazy("Online"),
    "paper": gettext_lazy("Paper"),
    "counter": gettext_lazy("Counter"),
}
KIND_LABELS = {
    "queue": gettext_lazy("waiting in the inbox"),
    "applicant": gettext_lazy("waiting for the applicant"),
    "work": gettext_lazy("being worked on"),
}
ACTIVITY_LABELS = {
    "received": gettext_lazy("Received"),
    "assigned": gettext_lazy("Claimed"),
    "handed_over": gettext_lazy("Handed over"),
    "documents_requested": gettext_lazy("Documents requested"),
    "documents_received": gettext_lazy("Documents received"),
    "decided": gettext_lazy("Decided"),
    "closed": gettext_lazy("Closed"),
    "reopened": gettext_lazy("Reopened"),
}
CHARTS = ("intake", "lead", "backlog", "steps", "channels", "services")


# -- helpers ----------------------------------------------------------------------------------
def _names():
    """Display names of services and org units by key (read-only look-ups)."""
    from openkreis.catalog.models import Service

    services = dict(Service.objects.values_list("slug", "name"))
    units = dict(OrgUnit.objects.values_list("key", "name"))
    return services, units


def _today() -> dt.date:
    return timezone.now().astimezone(engine.BERLIN).date()


CACHE_SECONDS = 300  # at most; "now" figures (backlog, overdue) are at most this old


def cached(part: str, parts, compute):
    """`compute()` through the Django cache (Redis in production), keyed by the tenant and
    database, the language, `parts` (filters) and the high-water mark of the aggregates:
    any newly folded event gives new keys, so nothing stale is ever shown from the cache
    except the clock-driven backlog figures, for at most CACHE_SECONDS."""
    import hashlib

    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.utils.translation import get_language

    raw = "|".join(
        str(p)
        for p in (
            settings.OPENKREIS_TENANT,
            connection.settings_dict.get("NAME"),
            get_language(),
            *aggregates.version(),
            *parts,
        )
    )
    key = f"cockpit:{part}:" + hashlib.sha256(raw.encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


def _used_keys(units=scope.COUNTY):
    """Services and org units that have figures (within `units` when given)."""
    from .models import DailyCaseStat

    # from the daily rows (thousands), not the per-case facts (millions)
    rows = DailyCaseStat.objects.all()
    if units is not scope.COUNTY:
        rows = rows.filter(org_unit__in=units)
    return (
        sorted(set(rows.values_list("service", flat=True).distinct())),
        sorted(set(rows.values_list("org_unit", flat=True).distinct())),
    )


def _scope(request):
    """The org unit keys the manager may see (None: the whole county), once per request."""
    if not hasattr(request, "_cockpit_units"):
        request._cockpit_units = scope.units_for(request.user)
    return request._cockpit_units


def _scoped(request, filters: read.Filters) -> read.Filters:
    units = _scope(request)
    if units is not scope.COUNTY:
        filters.units = units
        filters.services = tuple(cached("used", (units,), lambda: _used_keys(units))[0])
    return filters


def _county_wide(request) -> None:
    """Pages that act for the whole county (imports) are for county-wide managers only."""
    if _scope(request) is not scope.COUNTY:
        raise PermissionDenied


def _visible_alerts(request, qs):
    units = _scope(request)
    return qs if units is scope.COUNTY else qs.filter(rule__org_unit__in=units)


def _filter_form(request, services, units):
    scoped = _scope(request)
    used_services, used_units = cached("used", (scoped,), lambda: _used_keys(scoped))
    form = FilterForm(
        request.GET or None,
        services=sorted(((s, services.get(s, s)) for s in used_services if s), key=lambda x: x[1]),
        units=sorted(((u, units.get(u, u)) for u in used_units if u), key=lambda x: x[1]),
    )
    return form


def _filters(request):
    services, units = _names()
    form = _filter_form(request, services, units)
    if request.GET and not form.is_valid():
        return form, None, services, units
    filters = form.filters(_today()) if request.GET else read.default_filters(_today())
    return form, _scoped(request, filters), services, units


def _pct(value):
    return None if value is None else round(value * 100, 1)


def _days(value):
    return None if value is None else round(value, 1)


def chart(name: str, filters: read.Filters, services: dict, cache: dict | None = None) -> dict:
    """One chart: title, explanation key, table (columns + rows) and its SVG."""
    period_label = _("Month") if filters.period == "month" else _("Week")
    cache = {} if cache is None else cache
    if name in ("intake", "backlog") and "series" not in cache:
        cache["series"] = read.series(filters)
    if name == "intake":
        rows = cache["series"]
        table = [[r["period"], r["received"], r["decided"]] for r in rows]
        return {
            "name": name,
            "title": _("Cases received and decided"),
            "columns": [period_label, _("Received"), _("Decided")],
            "rows": table,
            "svg": svg.bar_chart(
                _("Cases received per %(period)s") % {"period": period_label},
                [(r[0], r[1]) for r in table],
            ),
        }
    if name == "lead":
        rows = read.lead_distribution(filters)
        return {
            "name": name,
            "title": _("Lead time of the decided cases (days)"),
            "columns": [_("Lead time in days"), _("Cases")],
            "rows": [[label, n] for label, n in rows],
            "svg": svg.bar_chart(_("Lead time distribution"), rows),
        }
    if name == "backlog":
        rows = cache["series"]
        table = [[r["period"], r["backlog"]] for r in rows]
        return {
            "name": name,
            "title": _("Backlog (open cases) at the end of each period"),
            "columns": [period_label, _("Open cases")],
            "rows": table,
            "svg": svg.line_chart(_("Backlog over time"), [(r[0], r[1]) for r in table]),
        }
    if name == "steps":
        rows = read.steps(filters)
        table = [
            [
                r["state"],
                str(KIND_LABELS.get(r["kind"], r["kind"])),
                r["cases"],
                _days(r["median_hours"]),
                _days(r["score"] / 24) if r["score"] else None,
            ]
            for r in rows
        ]
        return {
            "name": name,
            "title": _("Time per step and bottlenecks"),
            "columns": [
                _("Step (state)"),
                _("Meaning"),
                _("Cases"),
                _("Median hours"),
                _("Bottleneck score (case-days)"),
            ],
            "rows": table,
            "svg": svg.hbar_chart(_("Median hours per step"), [(r[0], r[3]) for r in table[:12]]),
        }
    if name == "channels":
        rows = read.channel_mix(filters)
        table = [
            [r["period"], r["online"], r["paper"], r["counter"], _pct(r["online_share"])]
            for r in rows
        ]
        return {
            "name": name,
            "title": _("Channel mix of the received cases"),
            "columns": [period_label, _("Online"), _("Paper"), _("Counter"), _("Online share %")],
            "rows": table,
            "svg": svg.stacked_chart(
                _("Channel mix"),
                [r[0] for r in table],
                [
                    (str(CHANNEL_LABELS[c]), [r[i + 1] for r in table])
                    for i, c in enumerate(read.CHANNELS)
                ],
            ),
        }
    if name == "services":
        t = read.per_service_table(filters, services)
        rows = [[r["name"], *r["cells"], r["total"]] for r in t["rows"]]
        rows.append([_("Total"), *t["totals"], t["grand"]])
        return {
            "name": name,
            "title": _("Cases received per service"),
            "columns": [_("Service"), *t["periods"], _("Total")],
            "rows": rows,
            "svg": None,
        }
    raise Http404


def _tiles(filters: read.Filters) -> list[dict]:
    now = read.headline(filters)
    before = read.headline(filters.previous())
    backlog = read.backlog_now(filters)
    tiles = [
        ("received", _("Cases received"), now["received"], before["received"], ""),
        ("decided", _("Cases decided"), now["decided"], before["decided"], ""),
        (
            "completion_rate",
            _("Completion rate"),
            _pct(now["completion_rate"]),
            _pct(before["completion_rate"]),
            "%",
        ),
        (
            "median_lead_days",
            _("Median lead time"),
            _days(now["median_lead_days"]),
            _days(before["median_lead_days"]),
            _("days"),
        ),
        (
            "p90_lead_days",
            _("Lead time, 90 % of cases within"),
            _days(now["p90_lead_days"]),
            _days(before["p90_lead_days"]),
            _("days"),
        ),
        (
            "deadline_rate",
            _("Deadline adherence"),
            _pct(now["deadline_rate"]),
            _pct(before["deadline_rate"]),
            "%",
        ),
        (
            "first_time_right_rate",
            _("Complete on receipt (first-time-right)"),
            _pct(now["first_time_right_rate"]),
            _pct(before["first_time_right_rate"]),
            "%",
        ),
        (
            "satisfaction",
            _("Satisfaction (1–5)"),
            _days(now["satisfaction"]),
            _days(before["satisfaction"]),
            "",
        ),
    ]
    out = []
    for key, label, value, previous, unit in tiles:
        out.append(
            {
                "key": key,
                "label": label,
                "value": value,
                "unit": unit,
                "trend": read.trend(value, previous, read.GOOD_WHEN_UP.get(key)),
            }
        )
    out.append(
        {
            "key": "backlog",
            "label": _("Open cases now"),
            "value": backlog["open"],
            "unit": "",
            "trend": None,
        }
    )
    out.append(
        {
            "key": "overdue",
            "label": _("Overdue now"),
            "value": backlog["overdue"],
            "unit": "",
            "trend": None,
        }
    )
    out.append(
        {
            "key": "at_risk",
            "label": _("At risk (due within 7 days)"),
            "value": backlog["at_risk"],
            "unit": "",
            "trend": None,
        }
    )
    for tile in out:
        tile["suppressed"] = tile["value"] is None
        if tile["key"] in ("backlog", "overdue", "at_risk") and 0 < tile["value"] < 5:
            tile["value"], tile["suppressed"] = None, True
    return out


# -- management pages -----------------------------------------------------------------------
@staff.staff_required(*COCKPIT_ROLES)
def dashboard(request):
    aggregates.ensure_fresh()
    form, filters, services, units = _filters(request)
    if filters is None:
        return render(request, "cockpit/dashboard.html", {"form": form}, status=400)
    with read.one_request():
        return _dashboard(request, form, filters, services)


def _dashboard_data(filters, services) -> dict:
    memo: dict = {}
    return {
        "charts": [chart(name, filters, services, memo) for name in CHARTS],
        "tiles": _tiles(filters),
        "backlog": read.backlog_now(filters),
        "portal": read.portal(filters),
        "appointments": read.appointments(filters),
        "satisfaction": read.satisfaction(filters),
    }


def _dashboard(request, form, filters, services):
    data = cached(
        "dashboard",
        (filters.query_string(), filters.units, sorted(services.items())),
        lambda: _dashboard_data(filters, services),
    )
    context = {
        "form": form,
        "filters": filters,
        "query": filters.query_string(),
        **data,
        "services": services,
        "service_name": services.get(filters.service, ""),
        "alerts": _visible_alerts(
            request, Alert.objects.filter(cleared_at__isnull=True).select_related("rule")
        )[:5],
        "pending": aggregates.pending(),
    }
    return render(request, "cockpit/dashboard.html", context)


@staff.staff_required(*COCKPIT_ROLES)
def export(request, name: str, fmt: str):
    if name not in CHARTS or fmt not in ("csv", "xlsx"):
        raise Http404
    form, filters, services, units = _filters(request)
    if filters is None:
        return HttpResponse(_("The filters are not valid."), status=400, content_type="text/plain")
    data = chart(name, filters, services)
    filename = f"cockpit-{name}-{filters.start}-{filters.end}"
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


@staff.staff_required(*COCKPIT_ROLES)
def process(request, service: str):
    aggregates.ensure_fresh()
    services, _units = _names()
    data = read.process(service, units=_scope(request))
    if not data["cases"]:
        raise Http404(_("No cases of this service in the cockpit."))
    labels = {n: str(ACTIVITY_LABELS.get(n, n.replace("_", " "))) for n in data["nodes"]}
    graph = svg.process_graph(
        _("Process of %(service)s") % {"service": services.get(service, service)},
        data["nodes"],
        data["edges"],
        labels,
    )
    return render(
        request,
        "cockpit/process.html",
        {
            "service": service,
            "service_name": services.get(service, service),
            "data": data,
            "graph": graph,
            "labels": labels,
            "enough": engine.enough(data["cases"]),
        },
    )


def _factsheet_context(service: str, services: dict, filters: read.Filters) -> dict:
    today = _today()
    filters.service = service
    head = read.headline(filters)
    steps = [s for s in read.steps(filters) if s["kind"] in ("queue", "applicant")][:5]
    return {
        "service": service,
        "service_name": services.get(service, service),
        "filters": filters,
        "head": head,
        "backlog": read.backlog_now(filters),
        "steps": steps,
        "satisfaction": read.satisfaction(filters),
        "quality": head,
        "today": today,
        "lead": read.lead_distribution(filters),
    }


@staff.staff_required(*COCKPIT_ROLES)
def factsheet(request, service: str):
    from weasyprint import HTML

    aggregates.ensure_fresh()
    services, _units = _names()
    filters = _scoped(request, read.default_filters(_today()))
    if service not in services or (
        filters.services is not None and service not in filters.services
    ):
        raise Http404(_("No such service."))
    context = _factsheet_context(service, services, filters)
    from django.template.loader import render_to_string

    html = render_to_string("cockpit/factsheet.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="steckbrief-{service}.pdf"'
    return response


@staff.staff_required(*COCKPIT_ROLES)
def alerts(request):
    active = _visible_alerts(
        request, Alert.objects.filter(cleared_at__isnull=True).select_related("rule")
    )
    rows = [{"alert": a, "cases_url": _alert_cases_url(a.rule)} for a in active]
    recent = _visible_alerts(
        request, Alert.objects.filter(cleared_at__isnull=False).select_related("rule")
    )[:20]
    rules = AlertRule.objects.all()
    if _scope(request) is not scope.COUNTY:
        rules = rules.filter(org_unit__in=_scope(request))
    return render(
        request,
        "cockpit/alerts.html",
        {"rows": rows, "recent": recent, "rules": rules},
    )


def _alert_cases_url(rule):
    from .alerts import at_risk_url

    return at_risk_url(rule)


@staff.staff_required(*COCKPIT_ROLES)
@require_http_methods(["GET", "POST"])
def imports(request):
    _county_wide(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not form.is_valid():
            page = Paginator(ImportBatch.objects.all(), 20).get_page(request.GET.get("seite"))
            return render(request, "cockpit/imports.html", {"form": form, "page": page}, status=400)
        upload = form.cleaned_data["file"]
        fmt = ImportBatch.Format.CSV if upload.name.lower().endswith(".csv") else "xes"
        batch = ImportBatch.objects.create(
            name=upload.name[:200],
            format=fmt,
            file=upload,
            size=upload.size,
            service=form.cleaned_data.get("service", ""),
            created_by=request.user,
        )
        if fmt == ImportBatch.Format.XES:
            from . import importer

            importer.start(batch)
        return redirect("cockpit:import", pk=batch.pk)
    page = Paginator(ImportBatch.objects.all(), 20).get_page(request.GET.get("seite"))
    return render(request, "cockpit/imports.html", {"form": form, "page": page})


@staff.staff_required(*COCKPIT_ROLES)
@require_http_methods(["GET", "POST"])
def import_detail(request, pk: int):
    from . import importer

    _county_wide(request)
    batch = get_object_or_404(ImportBatch, pk=pk)
    mapping_form = None
    status = 200
    if batch.status == ImportBatch.Status.UPLOADED and batch.format == ImportBatch.Format.CSV:
        try:
            with batch.file.open("rb") as stream:
                columns = importer.csv_columns(stream)
        except importer.ImportFailed as exc:
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportBatch.Status.FAILED,
                errors=[{"line": 1, "message": str(exc)}],
                finished_at=timezone.now(),
            )
            batch.refresh_from_db()
            columns = None
        if columns is not None:
            mapping_form = MappingForm(request.POST or None, columns=columns)
            if request.method == "POST":
                if mapping_form.is_valid():
                    batch.mapping = {k: v for k, v in mapping_form.cleaned_data.items() if v}
                    batch.save(update_fields=["mapping"])
                    importer.start(batch)
                    messages.success(request, _("The import has started."))
                    return redirect("cockpit:import", pk=batch.pk)
                status = 400
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


@staff.staff_required(*COCKPIT_ROLES)
def import_status(request, pk: int):
    _county_wide(request)
    batch = get_object_or_404(ImportBatch, pk=pk)
    return JsonResponse(
        {
            "status": batch.status,
            "progress": batch.progress,
            "events": batch.events,
            "cases": batch.cases,
            "errors": len(batch.errors),
        }
    )


# -- public pages -----------------------------------------------------------------------------
def help_page(request):
    return render(request, "cockpit/help.html", {"k": engine.K_ANONYMITY})


TRANSPARENCY_KPIS = (
    "received",
    "decided",
    "median_lead_days",
    "deadline_rate",
    "first_time_right_rate",
)


def public_figures() -> dict:
    """The figures of the transparency page and the open data: per service over the last 12
    months, suppressed below five cases."""
    aggregates.ensure_fresh()
    services, _units = _names()
    today = _today()
    base = read.default_filters(today)
    from .models import CaseFact

    rows = []
    used = sorted(
        set(
            CaseFact.objects.exclude(source__startswith="import:")
            .values_list("service", flat=True)
            .distinct()
        )
    )
    for service in used:
        f = read.default_filters(today)
        f.service = service
        h = read.headline(f)
        rows.append(
            {
                "service": service,
                "name": services.get(service, service),
                "received": h["received"],
                "decided": h["decided"],
                "median_lead_days": _days(h["median_lead_days"]),
                "deadline_rate": _pct(h["deadline_rate"]),
                "first_time_right_rate": _pct(h["first_time_right_rate"]),
                "satisfaction": _days(h["satisfaction"]),
            }
        )
    total = read.headline(base)
    return {
        "start": base.start,
        "end": base.end,
        "rows": rows,
        "total": {
            "received": total["received"],
            "decided": total["decided"],
            "median_lead_days": _days(total["median_lead_days"]),
            "deadline_rate": _pct(total["deadline_rate"]),
            "first_time_right_rate": _pct(total["first_time_right_rate"]),
            "satisfaction": _days(total["satisfaction"]),
        },
        "portal": read.portal(base),
    }


def transparency(request):
    figures = public_figures()
    return render(request, "cockpit/transparency.html", {"figures": figures})


OPEN_COLUMNS = [
    "service",
    "name",
    "received",
    "decided",
    "median_lead_days",
    "deadline_rate",
    "first_time_right_rate",
    "satisfaction",
]


def open_data(request, fmt: str):
    if fmt not in ("json", "csv"):
        raise Http404
    figures = public_figures()
    if fmt == "csv":
        rows = [[r[c] for c in OPEN_COLUMNS] for r in figures["rows"]]
        return table_response(OPEN_COLUMNS, rows, "cockpit-kennzahlen", "csv")
    payload = {
        "period": {"start": figures["start"].isoformat(), "end": figures["end"].isoformat()},
        "note": "Figures over fewer than 5 cases are null (suppressed).",
        "services": figures["rows"],
        "total": figures["total"],
    }
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


def dcat(request):
    """DCAT-AP.de metadata (JSON-LD) of the open data: one dcat:Dataset, two
    dcat:Distribution (JSON and CSV)."""
    from openkreis.core.services import current_tenant

    tenant = current_tenant()
    name = tenant.name if tenant else "openkreis"
    base = request.build_absolute_uri("/").rstrip("/")
    json_url = base + reverse("cockpit-api:open-data", args=["json"])
    csv_url = base + reverse("cockpit-api:open-data", args=["csv"])
    dataset_id = base + reverse("cockpit-api:dcat") + "#dataset"
    doc = {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "dcatde": "http://dcat-ap.de/def/dcatde/",
            "foaf": "http://xmlns.com/foaf/0.1/",
        },
        "@id": dataset_id,
        "@type": "dcat:Dataset",
        "dct:title": {"@value": f"Verwaltungskennzahlen {name}", "@language": "de"},
        "dct:description": {
            "@value": (
                "Eingänge, Erledigungen, Durchlaufzeit (Median, Tage), Termintreue, "
                "Vollständigkeit bei Eingang und Zufriedenheit je Verwaltungsleistung, "
                "letzte 12 Monate. Werte aus weniger als 5 Fällen sind unterdrückt (null)."
            ),
            "@language": "de",
        },
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": name},
        "dct:issued": {
            "@value": timezone.now().date().isoformat(),
            "@type": "http://www.w3.org/2001/XMLSchema#date",
        },
        "dct:accrualPeriodicity": {
            "@id": "http://publications.europa.eu/resource/authority/frequency/DAILY"
        },
        "dcat:theme": {"@id": "http://publications.europa.eu/resource/authority/data-theme/GOVE"},
        "dcatde:politicalGeocodingLevelURI": {
            "@id": "http://dcat-ap.de/def/politicalGeocoding/Level/administrativeDistrict"
        },
        "dct:license": {"@id": "http://dcat-ap.de/def/licenses/dl-zero-de/2.0"},
        "dcatde:licenseAttributionByText": name,
        "dcat:landingPage": {"@id": base + reverse("cockpit:transparency")},
        "dcat:distribution": [
            {
                "@id": json_url,
                "@type": "dcat:Distribution",
                "dct:title": "Kennzahlen (JSON)",
                "dcat:accessURL": {"@id": json_url},
                "dcat:downloadURL": {"@id": json_url},
                "dcat:mediaType": {
                    "@id": "https://www.iana.org/assignments/media-types/application/json"
                },
                "dct:format": {
                    "@id": "http://publications.europa.eu/resource/authority/file-type/JSON"
                },
                "dct:license": {"@id": "http://dcat-ap.de/def/licenses/dl-zero-de/2.0"},
            },
            {
                "@id": csv_url,
                "@type": "dcat:Distribution",
                "dct:title": "Kennzahlen (CSV)",
                "dcat:accessURL": {"@id": csv_url},
                "dcat:downloadURL": {"@id": csv_url},
                "dcat:mediaType": {"@id": "https://www.iana.org/assignments/media-types/text/csv"},
                "dct:format": {
                    "@id": "http://publications.europa.eu/resource/authority/file-type/CSV"
                },
                "dct:license": {"@id": "http://dcat-ap.de/def/licenses/dl-zero-de/2.0"},
            },
        ],
    }
    return HttpResponse(
        json.dumps(doc, ensure_ascii=False, indent=2), content_type="application/ld+json"
    )
