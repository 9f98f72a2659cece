"""Einkaufen im Harz figures (cockpit/marketplace.py): product searches and those without
result, shop page views, reservations, loyalty points, per municipality; small counts
hidden. County-wide for every manager (shops belong to no org unit of a manager's scope).
The charts are drawn here, on the server (cockpit/svg.py), each next to its table."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .. import marketplace, svg
from ..presenters import COUNT
from ._common import manager_required
from .reports import PeriodForm


def _weeks(table: dict, value) -> list[tuple[str, float | None]]:
    """(short week label, value(row)) for the week rows of a table, oldest first."""
    return [
        (date_format(dt.date.fromisoformat(row["key"]), "d.m."), value(row))
        for row in table["rows"]
        if not row["total_row"]
    ]


def charts(figures: dict) -> dict:
    """The page's SVG charts (None where a table has no rows)."""
    searches, reservations, missed = (
        figures["searches"],
        figures["reservations"],
        figures["missed"],
    )
    out = {"searches": None, "missed": None, "collected": None}
    if searches["rows"]:
        out["searches"] = svg.bar_chart(
            _("Product searches per week"),
            _weeks(searches, lambda row: row["total"]),
            _("Bars: searches per week (start of the week); * hidden small count."),
            unit=str(COUNT),
        )
    if missed["rows"]:
        out["missed"] = svg.hbar_chart(
            _("The most frequent searches without result"),
            [(query, n) for query, n in missed["rows"][:10]],
            unit=_("searches"),
        )
    if reservations["rows"]:
        out["collected"] = svg.line_chart(
            _("Collection rate per week"),
            _weeks(
                reservations,
                lambda row: row["rate"] if isinstance(row["rate"], float) else None,
            ),
            _("Share of the reservations ended in a week that were collected."),
            unit="%",
        )
    return out


@manager_required
def marketplace_figures(request):
    form = PeriodForm(request.GET or {})
    if not form.is_valid():
        return render(
            request, "cockpit/marketplace.html", {"form": form, "figures": None}, status=400
        )
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    figures = marketplace.figures(start, end)
    figures.update(start=start, end=end, charts=charts(figures))
    return render(request, "cockpit/marketplace.html", {"form": form, "figures": figures})
