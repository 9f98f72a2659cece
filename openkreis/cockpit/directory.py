"""Harz-Kompass and Bildung & Arbeit in the cockpit (issue 21): the page /cockpit/kompass/ —
place views per category, searches per week with the share that found nothing, hiking route
views, job views, searches and submissions per kind, moderation decisions.

The cockpit sits below the directory and jobs apps and does not import them: it reads only
the `directory.*` and `jobs.*` events (docs/events.md), whose data carry a category slug, a
route slug, a job kind, a result count — never a person, a position or the words of a search.
Categories, routes and kinds are shown by their key (no port needed). The words of searches
without result stay with the editors (directory's staff page), never here. Small counts are
hidden (K_ANONYMITY) with the secondary suppression of engine.suppress against the totals,
through the table builder of cockpit/tickets.py, like the Beteiligung page."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from openkreis.core import event_kinds
from openkreis.core.fields import comparable
from openkreis.core.models import Event

from . import engine
from .tickets import _table

KINDS = (
    event_kinds.DIRECTORY_PLACE_VIEWED,
    event_kinds.DIRECTORY_ROUTE_VIEWED,
    event_kinds.DIRECTORY_SEARCHED,
    event_kinds.JOBS_JOB_VIEWED,
    event_kinds.JOBS_SEARCHED,
    event_kinds.JOBS_JOB_SUBMITTED,
    event_kinds.JOBS_JOB_MODERATED,
)
UNKNOWN = "—"


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz),
    )


def _week(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())  # the week's Monday


def counts(start: dt.date, end: dt.date) -> list[tuple[str, dict, dt.date, int]]:
    """(kind, data, local day, n) for the Berlin days start..end: one GROUP BY over the
    events' kind, data and day (the data of these kinds take a few hundred distinct values)."""
    low, high = _bounds(start, end)
    rows = (
        Event.objects.filter(kind__in=KINDS, occurred_at__gte=low, occurred_at__lt=high)
        .annotate(
            day=TruncDate("occurred_at", tzinfo=timezone.get_default_timezone()),
            whole=comparable("data"),
        )
        .values_list("kind", "whole", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(kind, data or {}, day, n) for kind, data, day, n in rows]


def _add(table: dict, row: str, col: str, n: int) -> None:
    cells = table.setdefault(row or UNKNOWN, {})
    cells[col] = cells.get(col, 0) + n


def figures(start: dt.date, end: dt.date, k: int = engine.K_ANONYMITY) -> dict:
    """Tables (hidden values are None): `places` (views per category), `searches` (place
    searches and those without result per week, with the share where both are shown),
    `routes` (views per route), `jobs` (views, searches and submissions per kind),
    `job_searches` (job searches and those without result per week) and `moderation`
    (decisions)."""
    places: dict[str, dict[str, int]] = {}
    searches: dict[str, dict[str, int]] = {}
    routes: dict[str, dict[str, int]] = {}
    jobs: dict[str, dict[str, int]] = {}
    job_searches: dict[str, dict[str, int]] = {}
    moderation: dict[str, dict[str, int]] = {}
    for kind, data, day, n in counts(start, end):
        week = _week(day).isoformat()
        if kind == event_kinds.DIRECTORY_PLACE_VIEWED:
            _add(places, str(data.get("category") or ""), "viewed", n)
        elif kind == event_kinds.DIRECTORY_ROUTE_VIEWED:
            _add(routes, str(data.get("route") or ""), "viewed", n)
        elif kind == event_kinds.DIRECTORY_SEARCHED:
            _add(searches, week, "searched", n)
            _add(searches, week, "empty", n if not data.get("results") else 0)
        elif kind == event_kinds.JOBS_JOB_VIEWED:
            _add(jobs, str(data.get("kind") or ""), "viewed", n)
        elif kind == event_kinds.JOBS_SEARCHED:
            _add(jobs, str(data.get("kind") or "all"), "searched", n)
            _add(job_searches, week, "searched", n)
            _add(job_searches, week, "empty", n if not data.get("results") else 0)
        elif kind == event_kinds.JOBS_JOB_SUBMITTED:
            _add(jobs, str(data.get("kind") or ""), "submitted", n)
        elif kind == event_kinds.JOBS_JOB_MODERATED:
            _add(moderation, str(data.get("decision") or ""), "moderated", n)

    def week_label(key: str) -> str:
        if not key or key == UNKNOWN or key == "":
            return key
        return _("week of %(date)s") % {"date": date_format(dt.date.fromisoformat(key), "d.m.Y")}

    def weekly(table: dict) -> dict:
        built = _table(table, ["searched", "empty"], k, {}, _("Whole period"), _column)
        for row in built["rows"]:
            if not row["total_row"]:
                row["name"] = week_label(row["key"])
            searched, empty = row["cells"]
            row["share"] = (
                round(100.0 * empty / searched, 1) if searched and empty is not None else None
            )
        return built

    return {
        "k": k,
        "places": _table(places, ["viewed"], k, {}, _("All categories"), _column),
        "searches": weekly(searches),
        "routes": _table(routes, ["viewed"], k, {}, _("All routes"), _column),
        "jobs": _table(jobs, ["viewed", "searched", "submitted"], k, {}, _("All kinds"), _column),
        "job_searches": weekly(job_searches),
        "moderation": _table(
            moderation, ["moderated"], k, decision_names(), _("All decisions"), _column
        ),
    }


def _column(col: str) -> str:
    return {
        "viewed": pgettext("cockpit column", "Views"),
        "searched": pgettext("cockpit column", "Searches"),
        "empty": pgettext("cockpit column", "Without result"),
        "submitted": pgettext("cockpit column", "Submitted"),
        "moderated": pgettext("cockpit column", "Decisions"),
    }.get(col, col)


def decision_names() -> dict[str, str]:
    return {
        "published": pgettext("job moderation", "Published"),
        "rejected": pgettext("job moderation", "Rejected"),
    }
