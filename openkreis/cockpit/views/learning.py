"""Digitaler Führerschein and Digitale Werkstatt figures (cockpit/learning.py): modules
started and passed, certificates, live quizzes, advice requests; per module, offer, kind of
group and municipality; small counts hidden. County-wide for every manager."""

from __future__ import annotations

from django.shortcuts import render

from .. import learning
from ._common import manager_required
from .reports import PeriodForm


@manager_required
def learning_figures(request):
    form = PeriodForm(request.GET or {})
    if not form.is_valid():
        return render(request, "cockpit/learning.html", {"form": form, "figures": None}, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    figures = learning.figures(start, end)
    figures.update(start=start, end=end)
    return render(request, "cockpit/learning.html", {"form": form, "figures": figures})
