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
                page=_page_number(request),
            )
        else:
            status = 400
    return render(
        request,
        "capacity/free_places.html",
        {
            "form": form,
            "results": results,
            "searched": searched,
            "params": _params(request),
        },
        status=status,
    )


def _params(request) -> str:
    """The search's own parameters for the page links (without the page number)."""
    query = request.GET.copy()
    query.pop("seite", None)
    return query.urlencode()


def _page_number(request) -> int:
    """`seite` as a number; anything else is the first page (beyond the last: the last)."""
    value = request.GET.get("seite", "")
    return int(value) if value.isdigit() and len(value) < 6 else 1
