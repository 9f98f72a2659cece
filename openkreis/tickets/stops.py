"""The tickets app's stop finder for `core.geo.stop_finders`: the GTFS stops of the county's
timetable (tickets.transit), each with its departures page of the day planner. The
Harz-Kompass asks it for the bus stops at a hiking route's start and end."""

from __future__ import annotations

from django.urls import reverse

from openkreis.core.geo import Stop

from . import transit


class TransitStopFinder:
    """`StopFinder` over tickets.transit.nearby_stops (indexed box, then the exact distance)."""

    def nearby(self, lat: float, lon: float, radius_m: float, limit: int) -> list[Stop]:
        return [
            Stop(
                name=stop.name,
                lat=stop.lat,
                lon=stop.lon,
                distance_m=distance,
                url=reverse("tickets:plan_stop", args=[stop.pk]),
            )
            for stop, distance in transit.nearby_stops(lat, lon, radius_m=radius_m, limit=limit)
        ]
