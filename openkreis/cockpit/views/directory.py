"""Harz-Kompass and Bildung & Arbeit figures (cockpit/directory.py): views and searches of
places, routes and jobs, jobs submitted and moderated; small counts hidden. County-wide for
every manager (places and jobs belong to no org unit of a manager's scope)."""

from __future__ import annotations

from django.shortcuts import render

from .. import directory
from ._common import manager_required
from .reports import PeriodForm


@manager_required
def directory_figures(request):
    form = PeriodForm(request.GET or {})
    figures = None
    if form.is_valid():
        data = form.cleaned_data
        figures = directory.figures(data["start"], data["end"])
        figures.update(start=data["start"], end=data["end"])
    return render(
        request,
        "cockpit/directory.html",
        {"form": form, "figures": figures},
        status=400 if figures is None else 200,
    )
