"""What the cockpit's pages show, made from the read model's figures (read.py): headline
tiles, charts with their tables, the process graph, the fact sheet and the public figures.
Nothing here knows a request: the views ask for the filters and the scope, call these and
render what comes back, so the same figures serve the page, the exports and the open data
alike."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openkreis.catalog import services as catalog
from openkreis.catalog.models import Service
from openkreis.core.models import OrgUnit
from openkreis.core.services import current_tenant

from . import engine, labels, read, svg
from .alerts import at_risk_url, rule_state
from .models import CaseFact, ImportSource

CHANNEL_LABELS = {
    "online": gettext_lazy("Online"),
    "paper": gettext_lazy("Paper"),
    "counter": gettext_lazy("Counter"),
    "school": gettext_lazy("Driving school"),
}
KIND_LABELS = {
    "queue": gettext_lazy("waiting in the inbox"),
    "applicant": gettext_lazy("waiting for the applicant"),
    "work": gettext_lazy("being worked on"),
}
CHARTS = ("intake", "lead", "backlog", "steps", "channels", "services")


# -- units ------------------------------------------------------------------------------------
# every figure says its unit: tiles after the value, tables and exports in the column's
# heading, charts above the value axis
COUNT = gettext_lazy("number")  # Anzahl
CASES = gettext_lazy("cases")  # after a count of cases on a tile
DAYS = gettext_lazy("days")
HOURS = gettext_lazy("hours")
PERCENT = "%"


def column(label, unit) -> str:
    """A column heading with its unit: "Eingänge (Anzahl)"."""
    return _("%(label)s (%(unit)s)") % {"label": label, "unit": unit}


# -- formatting -------------------------------------------------------------------------------
def pct(value):
    """A rate (0..1) as a percentage with one decimal; None (suppressed) stays None."""
    return None if value is None else round(value * 100, 1)


def days(value):
    """Days (or any figure shown with one decimal); None (suppressed) stays None."""
    return None if value is None else round(value, 1)


def _as_is(value):
    return value


def duration(seconds: float | None) -> str:
    """A duration for people: below two days in hours ("19,4 Stunden"), else in days with
    one decimal ("3,2 Tage"); "–" when unknown."""
    if seconds is None:
        return "–"
    if seconds < 2 * engine.DAY:
        return _("%(n)s hours") % {"n": formats.number_format(round(seconds / 3600, 1), 1)}
    return _("%(n)s days") % {"n": formats.number_format(round(seconds / engine.DAY, 1), 1)}


def in_days_or_hours(value_days: float | None) -> tuple[float | None, str]:
    """A duration in days as (value, unit) for a tile: below two days in hours (a median
    of 0.81 days is "19.4 hours", not "0.8 days"), else days; one decimal."""
    if value_days is None:
        return None, str(DAYS)
    if value_days < 2:
        return round(value_days * 24, 1), str(HOURS)
    return round(value_days, 1), str(DAYS)


def _moment(ts: float | None):
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC)


ROLE_LABELS = {
    "received": gettext_lazy("Start"),
    "decided": gettext_lazy("End (decision)"),
    "documents_requested": gettext_lazy("Request for documents"),
    "reopened": gettext_lazy("Reopened"),
    "assigned": gettext_lazy("Assigned"),
    "documents_received": gettext_lazy("Documents received"),
    "closed": gettext_lazy("Closed"),
}


def import_preview(found: dict, example: dict) -> dict:
    """The mapping step's preview: the first rows and the example case with the roles
    applied, times as moments (shown in Berlin time), the lead time in words."""
    rows = [
        {"case": c, "activity": a, "at": _moment(ts), "lifecycle": lc}
        for c, a, ts, lc in found.get("rows", [])
    ]
    case = None
    if example:
        case = {
            "id": example["case"],
            "rows": [
                {
                    "activity": r["activity"],
                    "at": _moment(r["at"]),
                    "lifecycle": r["lifecycle"],
                    "role": ROLE_LABELS.get(r["role"], ""),
                }
                for r in example["rows"]
            ],
            "received_at": _moment(example["received_at"]),
            "decided_at": _moment(example["decided_at"]),
            "lead": duration(example["lead_seconds"]) if example["decided_at"] else None,
            "target_at": _moment(example["target_at"]),
            "on_time": example["on_time"],
            "requests": example["requests"],
            "reopened": example["reopened"],
        }
    return {
        "rows": rows,
        "case": case,
        "activities": found.get("activities", []),
        "scanned": found.get("scanned", 0),
        "complete": found.get("complete", True),
    }


# -- look-ups ---------------------------------------------------------------------------------
def display_names() -> tuple[dict, dict]:
    """Display names of services (by slug) and org units (by key), read-only. An
    imported process (a source whose service the catalogue does not know) is named by
    its source entry."""
    services = dict(Service.objects.values_list("slug", "name"))
    for slug, name in ImportSource.objects.exclude(service="").values_list("service", "name"):
        services.setdefault(slug, name)
    units = dict(OrgUnit.objects.values_list("key", "name"))
    return services, units


def imported_processes() -> dict[str, str]:
    """{service slug: name} of the imported processes with their own entry."""
    catalogue = set(Service.objects.values_list("slug", flat=True))
    return {
        slug: name
        for slug, name in ImportSource.objects.exclude(service="").values_list("service", "name")
        if slug not in catalogue
    }


def today() -> dt.date:
    """Today in Berlin: the last day of every default window."""
    return timezone.now().astimezone(engine.BERLIN).date()


# -- charts -----------------------------------------------------------------------------------
def _period_label(filters: read.Filters) -> str:
    return _("Month") if filters.period == "month" else _("Week")


def _intake(filters, services, memo) -> dict:
    period = _period_label(filters)
    table = [[r["period"], r["received"], r["decided"]] for r in _series(filters, memo)]
    return {
        "title": _("Cases received and decided"),
        "columns": [period, column(_("Received"), COUNT), column(_("Decided"), COUNT)],
        "rows": table,
        "svg": svg.bar_chart(
            _("Cases received per %(period)s") % {"period": period},
            [(r[0], r[1]) for r in table],
            unit=str(COUNT),
        ),
    }


def _lead(filters, services, memo) -> dict:
    rows = read.lead_distribution(filters)
    return {
        "title": _("Lead time of the decided cases (days)"),
        "columns": [_("Lead time in days"), column(_("Cases"), COUNT)],
        "rows": [[label, n] for label, n in rows],
        "svg": svg.bar_chart(_("Decided cases by lead time in days"), rows, unit=str(COUNT)),
    }


def _backlog(filters, services, memo) -> dict:
    table = [[r["period"], r["backlog"]] for r in _series(filters, memo)]
    return {
        "title": _("Backlog (open cases) at the end of each period"),
        "columns": [_period_label(filters), column(_("Open cases"), COUNT)],
        "rows": table,
        "svg": svg.line_chart(
            _("Backlog over time"), [(r[0], r[1]) for r in table], unit=str(COUNT)
        ),
    }


def _steps(filters, services, memo) -> dict:
    names = labels.state_names(read.procedures(filters))
    table = [
        [
            labels.state_name(r["state"], names),
            str(KIND_LABELS.get(r["kind"], r["kind"])),
            r["cases"],
            days(r["median_hours"]),
            days(r["score"] / 24) if r["score"] else None,
        ]
        for r in read.steps(filters)
    ]
    return {
        "title": _("Time per step and bottlenecks"),
        "columns": [
            _("Step"),
            _("Meaning"),
            column(_("Cases"), COUNT),
            column(_("Median time in the step"), HOURS),
            column(_("Bottleneck score"), _("case-days")),
        ],
        "rows": table,
        "svg": svg.hbar_chart(
            _("Median time per step"), [(r[0], r[3]) for r in table[:12]], unit=str(HOURS)
        ),
    }


def _channels(filters, services, memo) -> dict:
    table = [
        [r["period"], *(r[c] for c in read.CHANNELS), pct(r["online_share"])]
        for r in read.channel_mix(filters)
    ]
    return {
        "title": _("Channel mix of the received cases"),
        "columns": [
            _period_label(filters),
            column(_("Online"), COUNT),
            column(_("Paper"), COUNT),
            column(_("Counter"), COUNT),
            column(_("Driving school"), COUNT),
            column(_("Online share"), PERCENT),
        ],
        "rows": table,
        "svg": svg.stacked_chart(
            _("Channel mix"),
            [r[0] for r in table],
            [
                (str(CHANNEL_LABELS[c]), [r[i + 1] for r in table])
                for i, c in enumerate(read.CHANNELS)
            ],
            unit=str(COUNT),
        ),
    }


def _services(filters, services, memo) -> dict:
    t = read.per_service_table(filters, services)
    rows = [[r["name"], *r["cells"], r["total"]] for r in t["rows"]]
    rows.append([_("Total"), *t["totals"], t["grand"]])
    return {
        # a column per period: the unit is said in the title and the first column
        "title": column(_("Cases received per service"), COUNT),
        "columns": [
            column(_("Service"), _("cases received")),
            *t["periods"],
            column(_("Total"), COUNT),
        ],
        "rows": rows,
        "svg": None,  # a table with a column per period: no picture says it better
    }


def _series(filters: read.Filters, memo: dict) -> list[dict]:
    # the intake and backlog charts share one series: read it once per dashboard
    if "series" not in memo:
        memo["series"] = read.series(filters)
    return memo["series"]


_CHART_BUILDERS = {
    "intake": _intake,
    "lead": _lead,
    "backlog": _backlog,
    "steps": _steps,
    "channels": _channels,
    "services": _services,
}


def chart(name: str, filters: read.Filters, services: dict, cache: dict | None = None) -> dict:
    """One chart: name, title, table (columns + rows) and its SVG (None: table only).
    `cache` lets the charts of one page share what they read. Unknown name: 404."""
    build = _CHART_BUILDERS.get(name)
    if build is None:
        raise Http404
    return {"name": name, **build(filters, services, {} if cache is None else cache)}


# -- dashboard --------------------------------------------------------------------------------
# (key, label, unit, how the value is shown): headline figures, compared with the window
# of the same length before
HEADLINE_TILES = (
    ("received", gettext_lazy("Cases received"), CASES, _as_is),
    ("decided", gettext_lazy("Cases decided"), CASES, _as_is),
    ("completion_rate", gettext_lazy("Completion rate"), PERCENT, pct),
    ("median_lead_days", gettext_lazy("Median lead time"), DAYS, days),
    ("p90_lead_days", gettext_lazy("Lead time, 90 % of cases within"), DAYS, days),
    ("mean_lead_days", gettext_lazy("Mean lead time"), DAYS, days),
    ("deadline_rate", gettext_lazy("Deadline adherence"), PERCENT, pct),
    (
        "first_time_right_rate",
        gettext_lazy("Complete on receipt (first-time-right)"),
        PERCENT,
        pct,
    ),
    ("satisfaction", gettext_lazy("Satisfaction (1–5)"), gettext_lazy("of 5"), days),
)
# (key, field of read.backlog_now, label): "now" figures, without a trend
BACKLOG_TILES = (
    ("backlog", "open", gettext_lazy("Open cases now")),
    ("overdue", "overdue", gettext_lazy("Overdue now")),
    ("at_risk", "at_risk", gettext_lazy("At risk (due within 7 days)")),
)


def tiles(filters: read.Filters) -> list[dict]:
    """The headline tiles: value, unit, trend against the window before, and whether the
    value is suppressed (fewer than K_ANONYMITY cases)."""
    now = read.headline(filters)
    before = read.headline(filters.previous())
    backlog = read.backlog_now(filters)
    out = []
    for key, label, unit, show in HEADLINE_TILES:
        value = show(now[key])
        trend = read.trend(value, show(before[key]), read.GOOD_WHEN_UP.get(key))
        if unit is DAYS:
            value, unit = in_days_or_hours(now[key])
        out.append(
            {
                "key": key,
                "label": str(label),
                "value": value,
                "unit": str(unit),
                "trend": trend,
                "suppressed": value is None,
            }
        )
    for key, field, label in BACKLOG_TILES:
        value = backlog[field]
        small = 0 < value < engine.K_ANONYMITY  # counted from so few cases: not shown
        out.append(
            {
                "key": key,
                "label": str(label),
                "value": None if small else value,
                "unit": str(CASES),
                "trend": None,
                "suppressed": small,
            }
        )
    return out


def dashboard_data(filters: read.Filters, services: dict) -> dict:
    """The figures of the dashboard (what the view caches): charts, tiles, backlog by age,
    portal, appointments and satisfaction."""
    memo: dict = {}
    return {
        "charts": [chart(name, filters, services, memo) for name in CHARTS],
        "tiles": tiles(filters),
        "backlog": read.backlog_now(filters),
        "portal": portal(filters),
        "appointments": read.appointments(filters),
        "satisfaction": read.satisfaction(filters),
    }


def portal(filters: read.Filters, top: int = 10) -> dict:
    """The portal's figures; of the queries that found nothing, only those that still find
    nothing are listed to be fixed: a query that finds services now (a synonym was added,
    a service came) was fixed, whatever it found when it was typed."""
    figures = read.portal(filters, top=top * 5)
    tenant = current_tenant()
    figures["zero_queries"] = [
        (query, n)
        for query, n in figures["zero_queries"]
        if tenant is None or not catalog.search(tenant, query, limit=1)
    ][:top]
    return figures


def alert_rows(active) -> list[dict]:
    """The active alerts, each with what its rule measured (value and unit, window) and
    the link to its cases at risk in the caseworker desk."""
    return [
        {"alert": a, "state": rule_state(a.rule), "cases_url": at_risk_url(a.rule)} for a in active
    ]


def rule_rows(rules) -> list[dict]:
    """Every rule with its state as the last evaluation found it, and the names of the
    service and unit it watches ("" for the whole county)."""
    services, units = display_names()
    return [
        {
            "rule": r,
            "state": rule_state(r),
            "scope": ", ".join(
                name
                for name in (services.get(r.service, r.service), units.get(r.org_unit, r.org_unit))
                if name
            ),
        }
        for r in rules
    ]


# -- process view and fact sheet --------------------------------------------------------------
def process_context(service: str, services: dict, data: dict) -> dict:
    """The process page of `service` from read.process: the graph with every step named
    as the service's procedure names it; the same as a list of steps (each with where the
    cases went next, how often and the median time in between) for narrow screens; and
    the waiting states that lose the most time."""
    name = services.get(service, service)
    names = labels.state_names(data["procedures"])
    node_names = {n: labels.name_of(n, names) for n in data["nodes"]}
    graph = svg.process_graph(
        _("Process of %(service)s") % {"service": name},
        data["nodes"],
        data["edges"],
        node_names,
    )
    steps = []
    for node in data["nodes"]:
        out = [e for e in data["edges"] if e["source"] == node]
        steps.append(
            {
                "label": node_names[node],
                "next": [
                    {
                        "label": node_names[e["target"]],
                        "count": e["count"],
                        "time": None
                        if e["median_hours"] is None
                        else svg.duration(e["median_hours"]),
                    }
                    for e in out
                ],
            }
        )
    waits = [
        {
            **b,
            "label": labels.state_name(b["state"], names),
            "time": None if b["median"] is None else svg.duration(b["median"] / 3600),
        }
        for b in data["bottlenecks"][:5]
        if engine.enough(b["cases"])
    ]
    return {
        "service": service,
        "service_name": name,
        "data": data,
        "graph": graph,
        "labels": node_names,
        "steps": steps,
        "bottlenecks": waits,
        "enough": engine.enough(data["cases"]),
    }


def factsheet_context(service: str, services: dict, filters: read.Filters) -> dict:
    """The fact sheet of one service: headline, backlog, the five longest waits."""
    filters.service = service
    head = read.headline(filters)
    # the fact sheet is German whatever the page's language (a printed county document)
    names = labels.state_names(read.procedures(filters), language="de")
    waits = [
        {**s, "label": labels.state_name(s["state"], names)}
        for s in read.steps(filters)
        if s["kind"] in ("queue", "applicant")
    ][:5]
    with translation.override("de"):
        durations = {
            key: duration(None if head[f"{key}_lead_days"] is None else
                          head[f"{key}_lead_days"] * engine.DAY)
            for key in ("median", "p90", "mean")
        }  # fmt: skip
    return {
        "service": service,
        "service_name": services.get(service, service),
        "filters": filters,
        "head": head,
        "durations": durations,
        "backlog": read.backlog_now(filters),
        "steps": waits,
        "satisfaction": read.satisfaction(filters),
        "quality": head,
        "today": today(),
        "lead": read.lead_distribution(filters),
    }


# -- imports ----------------------------------------------------------------------------------
def import_status(batch) -> dict:
    """How far an import got, for the status JSON the upload page polls."""
    return {
        "status": batch.status,
        "progress": batch.progress,
        "events": batch.events,
        "cases": batch.cases,
        "errors": len(batch.errors),
        "rows": batch.rows,
        "skipped": batch.skipped,
    }


# -- public figures ---------------------------------------------------------------------------
# the columns of the open data, in this order
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


def _public_kpis(h: dict) -> dict:
    return {
        "received": h["received"],
        "decided": h["decided"],
        "median_lead_days": days(h["median_lead_days"]),
        "deadline_rate": pct(h["deadline_rate"]),
        "first_time_right_rate": pct(h["first_time_right_rate"]),
        "satisfaction": days(h["satisfaction"]),
    }


def public_figures() -> dict:
    """The figures of the transparency page and the open data: per service over the last 12
    months, suppressed below five cases. Imported logs filed under a county service are
    not the county's own cases and are left out; an imported process with its own entry
    (ImportSource) has its own row, under its name."""
    services, _units = display_names()
    day = today()
    base = read.default_filters(day)
    used = sorted(
        set(
            CaseFact.objects.exclude(source__startswith="import:")
            .values_list("service", flat=True)
            .distinct()
        )
        | set(imported_processes())
    )
    rows = []
    for service in used:
        f = read.default_filters(day)
        f.service = service
        name = services.get(service, service)
        rows.append({"service": service, "name": name, **_public_kpis(read.headline(f))})
    return {
        "start": base.start,
        "end": base.end,
        "rows": rows,
        "total": _public_kpis(read.headline(base)),
        "portal": read.portal(base),
    }


def open_data_rows(figures: dict) -> list[list]:
    """The rows of the open data CSV: one per service, in OPEN_COLUMNS order."""
    return [[r[c] for c in OPEN_COLUMNS] for r in figures["rows"]]


def open_data_json(figures: dict) -> dict:
    """The open data as JSON: the window, the note on suppression, per service and total."""
    return {
        "period": {"start": figures["start"].isoformat(), "end": figures["end"].isoformat()},
        "note": "Figures over fewer than 5 cases are null (suppressed).",
        "services": figures["rows"],
        "total": figures["total"],
    }


LICENCE = {"@id": "http://dcat-ap.de/def/licenses/dl-zero-de/2.0"}
EU_VOCABULARY = "http://publications.europa.eu/resource/authority/"


def _distribution(url: str, title: str, media_type: str, file_type: str) -> dict:
    return {
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:title": title,
        "dcat:accessURL": {"@id": url},
        "dcat:downloadURL": {"@id": url},
        "dcat:mediaType": {"@id": "https://www.iana.org/assignments/media-types/" + media_type},
        "dct:format": {"@id": EU_VOCABULARY + "file-type/" + file_type},
        "dct:license": LICENCE,
    }


def dcat_document(base: str, publisher: str) -> dict:
    """DCAT-AP.de metadata (JSON-LD) of the open data: one dcat:Dataset with two
    dcat:Distribution (JSON and CSV); `base` is the site's absolute root URL."""
    json_url = base + reverse("cockpit-api:open-data", args=["json"])
    csv_url = base + reverse("cockpit-api:open-data", args=["csv"])
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "dcatde": "http://dcat-ap.de/def/dcatde/",
            "foaf": "http://xmlns.com/foaf/0.1/",
        },
        "@id": base + reverse("cockpit-api:dcat") + "#dataset",
        "@type": "dcat:Dataset",
        "dct:title": {"@value": f"Verwaltungskennzahlen {publisher}", "@language": "de"},
        "dct:description": {
            "@value": (
                "Eingänge, Erledigungen, Durchlaufzeit (Median, Tage), Termintreue, "
                "Vollständigkeit bei Eingang und Zufriedenheit je Verwaltungsleistung, "
                "letzte 12 Monate. Werte aus weniger als 5 Fällen sind unterdrückt (null)."
            ),
            "@language": "de",
        },
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": publisher},
        "dct:issued": {
            "@value": timezone.now().date().isoformat(),
            "@type": "http://www.w3.org/2001/XMLSchema#date",
        },
        "dct:accrualPeriodicity": {"@id": EU_VOCABULARY + "frequency/DAILY"},
        "dcat:theme": {"@id": EU_VOCABULARY + "data-theme/GOVE"},
        "dcatde:politicalGeocodingLevelURI": {
            "@id": "http://dcat-ap.de/def/politicalGeocoding/Level/administrativeDistrict"
        },
        "dct:license": LICENCE,
        "dcatde:licenseAttributionByText": publisher,
        "dcat:landingPage": {"@id": base + reverse("cockpit:transparency")},
        "dcat:distribution": [
            _distribution(json_url, "Kennzahlen (JSON)", "application/json", "JSON"),
            _distribution(csv_url, "Kennzahlen (CSV)", "text/csv", "CSV"),
        ],
    }
