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


def _shown(rows: list[tuple[str, float | None]]) -> bool:
    return any(value is not None for _label, value in rows)


def charts(figures: dict) -> dict:
    """The page's SVG charts; None where a table has no shown value to draw."""
    searches = _weeks(figures["searches"], lambda row: row["total"])
    rates = _weeks(
        figures["reservations"],
        lambda row: row["rate"] if isinstance(row["rate"], float) else None,
    )
    missed = figures["missed"]["rows"][:10]
    return {
        "searches": svg.bar_chart(
            _("Product searches per week"),
            searches,
            _("Bars: searches per week (start of the week); * hidden small count."),
            unit=str(COUNT),
        )
        if _shown(searches)
        else None,
        "missed": svg.hbar_chart(
            _("The most frequent searches without result"), missed, unit=_("searches")
        )
        if missed
        else None,
        "collected": svg.line_chart(
            _("Collection rate per week"),
            rates,
            _("Share of the reservations ended in a week that were collected."),
            unit="%",
        )
        if _shown(rates)
        else None,
    }


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
