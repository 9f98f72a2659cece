"""Distances and the transit-stop port, for every app that shows things on a map.

* `distance_m` — metres between two points (haversine; exact enough for a county);
* `bounding_box` — (min_lat, max_lat, min_lon, max_lon) around a point, for an indexed
  pre-filter before the exact distance;
* `stop_finders` — a port: an app that knows public-transport stops (tickets, from the GTFS
  feed) registers a `StopFinder`; an app that wants the stops near a point (the directory's
  hiking routes) asks `nearby_stops`, and gets nothing when no app registered one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from .registry import Registry

EARTH_RADIUS_M = 6_371_000.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, metres: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) around a point, for an indexed pre-filter."""
    dlat = math.degrees(metres / EARTH_RADIUS_M)
    dlon = math.degrees(metres / (EARTH_RADIUS_M * max(math.cos(math.radians(lat)), 0.01)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


@dataclass(frozen=True)
class Stop:
    """A public-transport stop near a point."""

    name: str
    lat: float
    lon: float
    distance_m: int
    url: str = ""  # its departures page, where the app has one


class StopFinder(Protocol):
    def nearby(self, lat: float, lon: float, radius_m: float, limit: int) -> list[Stop]: ...


stop_finders: Registry[StopFinder] = Registry("stop finders")


def nearby_stops(lat: float, lon: float, *, radius_m: float = 1000, limit: int = 3) -> list[Stop]:
    """The stops within `radius_m` of every registered finder, nearest first."""
    found: list[Stop] = []
    for _id, finder in stop_finders.items():
        found.extend(finder.nearby(lat, lon, radius_m, limit))
    return sorted(found, key=lambda s: s.distance_m)[:limit]
