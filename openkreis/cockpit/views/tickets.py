"""Guest tickets and HarzCard (tickets.py): guests per night and municipality, checks per
line and hour, entries per attraction, small counts hidden. County-wide for every manager
(stays belong to accommodations in municipalities, not to org units)."""

from __future__ import annotations

from django.shortcuts import render

from .. import tickets
from ._common import manager_required
from .reports import PeriodForm


@manager_required
def ticket_figures(request):
    form = PeriodForm(request.GET or {})
    figures = None
    if form.is_valid():
        data = form.cleaned_data
        figures = tickets.figures(data["start"], data["end"])
        figures.update(start=data["start"], end=data["end"])
    return render(
        request,
        "cockpit/tickets.html",
        {"form": form, "figures": figures},
        status=400 if figures is None else 200,
    )
