"""Beteiligung figures (participation.py): questionnaires started and completed per survey,
completed ballots per municipality, code letters, proposals; small counts hidden.
County-wide for every manager (surveys belong to the county or municipalities, and the
figures carry no org unit)."""

from __future__ import annotations

from django.shortcuts import render

from . import participation
from .views._common import manager_required
from .views.reports import PeriodForm


@manager_required
def participation_figures(request):
    form = PeriodForm(request.GET or {})
    figures = None
    if form.is_valid():
        data = form.cleaned_data
        figures = participation.figures(data["start"], data["end"])
        figures.update(start=data["start"], end=data["end"])
    return render(
        request,
        "cockpit/participation.html",
        {"form": form, "figures": figures},
        status=400 if figures is None else 200,
    )
