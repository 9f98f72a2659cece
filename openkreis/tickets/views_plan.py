"""The guest's day planning (docs/tickets.md "Planning a day"): public pages, no account,
no JavaScript needed. /hatix/ausflug/ shows the departures near the guest's accommodation
(the wallet's link `?unterkunft=<public_id>`) or a searched stop; a stop's next departures;
direct trips from A to B on one line; hiking routes with the stops near their start and end
and the inns and offers along the way. Nothing entered here is stored."""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from openkreis.core.models import Region

from . import hiking, transit
from .models import Accommodation
from .models_transit import TransitStop

NEAR_M = 1500  # stops shown near an accommodation or a route's start and end
ROUTE_NEAR_M = 2000


class TimeForm(forms.Form):
    zeit = forms.DateTimeField(
        label=gettext_lazy("Departure from"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("Leave empty for now."),
    )

    def when(self) -> dt.datetime:
        value = self.cleaned_data.get("zeit") if self.is_valid() else None
        if value is None:
            return timezone.now()
        if timezone.is_naive(value):
            value = value.replace(tzinfo=transit.BERLIN)
        return value


class ConnectionForm(TimeForm):
    von = forms.CharField(label=gettext_lazy("From (stop)"), max_length=200)
    nach = forms.CharField(label=gettext_lazy("To (stop)"), max_length=200)
    field_order = ["von", "nach", "zeit"]

    def _stops(self, name: str) -> list[TransitStop]:
        text = self.cleaned_data.get(name, "").strip()
        found = list(TransitStop.objects.filter(name__iexact=text))
        if not found:
            found = transit.search_stops(text, limit=50)
            if len({s.name for s in found}) > 1:
                names = ", ".join(sorted({s.name for s in found})[:5])
                self.add_error(
                    name, _("Several stops match: %(names)s. Please choose one.") % {"names": names}
                )
                return []
        if not found:
            self.add_error(name, _("No stop of this name was found."))
        return found

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        data["from_stops"] = self._stops("von")
        data["to_stops"] = self._stops("nach")
        if (
            data["from_stops"]
            and data["to_stops"]
            and {s.name for s in data["from_stops"]} == {s.name for s in data["to_stops"]}
        ):
            self.add_error("nach", _("Start and destination are the same stop."))
        return data


def _same_name(stop: TransitStop) -> list[TransitStop]:
    """A stop with its other platforms (same name in the same feed)."""
    return list(TransitStop.objects.filter(feed_id=stop.feed_id, name=stop.name))


def _accommodation(request):
    """The wallet's accommodation (?unterkunft=<public_id>) or None; a bad id is a 404."""
    raw = request.GET.get("unterkunft", "").strip()
    if not raw:
        return None
    try:
        public_id = uuid.UUID(raw)
    except ValueError as exc:
        raise Http404(_("This accommodation is unknown.")) from exc
    return get_object_or_404(
        Accommodation.objects.select_related("municipality"), public_id=public_id
    )


def _boards(stops_with_distance, now, per_stop=4):
    """[{stop, distance, departures}] for stops near a place (platforms merged by name)."""
    boards, seen = [], set()
    for stop, distance in stops_with_distance:
        if (stop.feed_id, stop.name) in seen:
            continue
        seen.add((stop.feed_id, stop.name))
        boards.append(
            {
                "stop": stop,
                "distance": distance,
                "departures": transit.departures(_same_name(stop), now, limit=per_stop),
            }
        )
    return boards


@require_GET
def plan_home(request):
    accommodation = _accommodation(request)
    now = timezone.now()
    query = request.GET.get("q", "").strip()[:100]
    boards, results, no_position = [], [], False
    if accommodation is not None:
        if accommodation.lat is None or accommodation.lon is None:
            no_position = True
        else:
            near = transit.nearby_stops(accommodation.lat, accommodation.lon, radius_m=NEAR_M)
            boards = _boards(near, now)
    place = None
    if query and accommodation is None:
        # a municipality: the stops near its centre
        place = Region.objects.filter(
            kind=Region.Kind.MUNICIPALITY, name__iexact=query, lat__isnull=False
        ).first()
        if place is not None:
            boards = _boards(transit.nearby_stops(place.lat, place.lon, radius_m=NEAR_M), now)
    if query:
        stops = transit.search_stops(query)
        if not stops:
            # a municipality or town: the stops whose name starts with it
            stops = list(TransitStop.objects.filter(name__istartswith=query.split()[0])[:20])
        names = {}
        for stop in stops:
            names.setdefault((stop.feed_id, stop.name), stop)
        results = list(names.values())
    context = {
        "accommodation": accommodation,
        "place": place,
        "no_position": no_position,
        "boards": boards,
        "query": query,
        "results": results,
        "routes": hiking.routes(),
        "now": now,
        "connection_form": ConnectionForm(),
        "stop_names": _stop_names(),
    }
    return render(request, "tickets/plan/home.html", context)


def _stop_names() -> list[str]:
    return list(
        TransitStop.objects.order_by("name").values_list("name", flat=True).distinct()[:500]
    )


@require_GET
def stop_departures(request, pk: int):
    stop = get_object_or_404(TransitStop, pk=pk)
    form = TimeForm(request.GET or None)
    status = 200
    if request.GET and not form.is_valid():
        status = 400
    when = form.when() if request.GET else timezone.now()
    found = transit.departures(_same_name(stop), when, limit=12)
    later = None
    if found:
        later = (found[-1].when + dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    context = {"stop": stop, "form": form, "departures": found, "when": when, "later": later}
    return render(request, "tickets/plan/stop.html", context, status=status)


@require_GET
def connection(request):
    form = ConnectionForm(request.GET or None)
    found, status = None, 200
    if request.GET:
        if form.is_valid():
            data = form.cleaned_data
            found = transit.departures(
                data["from_stops"], form.when(), limit=8, hours=24, to_stops=data["to_stops"]
            )
        else:
            status = 400
    context = {"form": form, "connections": found, "stop_names": _stop_names()}
    return render(request, "tickets/plan/connection.html", context, status=status)


@require_GET
def route_list(request):
    return render(request, "tickets/plan/routes.html", {"routes": hiking.routes()})


@require_GET
def route_detail(request, slug: str):
    route = hiking.route(slug)
    if route is None:
        raise Http404(_("This hiking route is unknown."))
    now = timezone.now()
    start = _boards(transit.nearby_stops(*route.start, radius_m=ROUTE_NEAR_M, limit=3), now, 3)
    end = _boards(transit.nearby_stops(*route.end, radius_m=ROUTE_NEAR_M, limit=3), now, 3)
    return render(
        request, "tickets/plan/route.html", {"route": route, "start": start, "end": end, "now": now}
    )
