"""Public pages of the Kapazitätsfinder."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import services
from .forms import FreePlaceSearchForm


@require_GET
def free_places(request):
    """Anyone can search free Kita places — by age group, start month, hours and
    municipality; works without JavaScript (a GET form). Bad parameters answer 400 with the
    form's messages."""
    municipalities = services.municipalities_with_kitas()
    searched = bool(request.GET)
    form = FreePlaceSearchForm(request.GET or None, municipalities=municipalities)
    results = None
    status = 200
    if searched:
        if form.is_valid():
            data = form.cleaned_data
            results = services.free_places(
                age_group=data["gruppe"],
                month=data["ab"],
                hours=data.get("stunden"),
                municipality=data.get("gemeinde"),
            )
        else:
            status = 400
    return render(
        request,
        "capacity/free_places.html",
        {"form": form, "results": results, "searched": searched},
        status=status,
    )
