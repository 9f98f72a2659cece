"""Public pages of the Kapazitätsfinder."""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from . import services
from .forms import FreePlaceSearchForm


@require_GET
def free_places(request):
    """Anyone can search free Kita places — by age group, start month, hours and
    municipality; works without JavaScript (a GET form). Bad parameters answer 400 with the
    form's messages."""
    searched = bool(request.GET)
    form = FreePlaceSearchForm(request.GET or None, municipalities=services.search_municipalities())
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
        "capacity/search.html",
        {
            "form": form,
            "results": results,
            "cards": [_card(found) for found in results.kitas] if results else [],
            "searched": searched,
            "params": _params(request),
        },
        status=status,
    )


@dataclass(frozen=True)
class Card:
    """One search result as the page shows it: its lines are put together here, with the
    same messages the template had, because 20 cards of template tags and translation
    blocks took about 3 ms of CPU a request (bench/capacity.py)."""

    name: str
    address: str
    free: str
    months: str
    details: str


def _card(found: services.FreeKita) -> Card:
    kita = found.kita
    address = ", ".join(
        part for part in (kita.street, f"{kita.postcode} {kita.town}".strip()) if part
    )
    if kita.provider:
        address += " · " + _("Provider: %(provider)s") % {"provider": kita.provider}
    details = [kita.opening_hours] if kita.opening_hours else []
    details.append(_("up to %(hours)s hours a day") % {"hours": kita.max_hours})
    if kita.languages:
        details.append(_("Languages") + f": {kita.languages}")
    if kita.inclusion:
        details.append(_("inclusive care"))
    return Card(
        name=kita.name,
        address=address,
        free=ngettext("%(counter)s free place", "%(counter)s free places", found.free)
        % {"counter": found.free},
        # `_("from")` outside the f-string, so that makemessages finds it
        months=_("from") + " " + ", ".join(f"{month:%m/%Y}" for month in found.months),
        details=" · ".join(details),
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
