"""Where is a point? Municipality polygons (Area) and shapely's point-in-polygon.

Each process keeps the prepared polygons and rebuilds them when an area changed (a cheap
query for the newest `updated_at`, at most every few seconds). Distances for the duplicate
proposal: core.geo.
"""

from __future__ import annotations

import threading
import time

from django.db.models import Count, Max
from shapely import prepare
from shapely.geometry import Point, shape

from openkreis.core.geo import bounding_box, distance_m  # noqa: F401 (used as geo.*)

from .models import Area

_CHECK_SECONDS = 5.0
_lock = threading.Lock()
_cache: dict = {"version": None, "checked": 0.0, "areas": []}


def geometry_of(geojson: dict):
    """A shapely geometry from GeoJSON (Polygon or MultiPolygon), valid, or ValueError."""
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError("geometry must be a GeoJSON Polygon or MultiPolygon")
    geom = shape(geojson)
    if geom.is_empty:
        raise ValueError("geometry is empty")
    if not geom.is_valid:
        geom = geom.buffer(0)
    return geom


def _areas() -> list[tuple[int, object]]:
    now = time.monotonic()
    if now - _cache["checked"] < _CHECK_SECONDS and _cache["version"] is not None:
        return _cache["areas"]
    with _lock:
        stats = Area.objects.aggregate(n=Count("id"), newest=Max("updated_at"))
        version = (stats["n"], stats["newest"])
        if version != _cache["version"]:
            areas = []
            for area_id, geojson in Area.objects.values_list("id", "geometry"):
                geom = geometry_of(geojson)
                prepare(geom)
                areas.append((area_id, geom))
            _cache["areas"] = areas
            _cache["version"] = version
        _cache["checked"] = now
        return _cache["areas"]


def forget() -> None:
    """Drop the cached polygons (after loading areas in this process)."""
    _cache["version"] = None
    _cache["checked"] = 0.0


def area_at(lat: float, lon: float) -> Area | None:
    """The area containing the point, or None (outside the county)."""
    point = Point(lon, lat)
    for area_id, geom in _areas():
        if geom.covers(point):
            return Area.objects.select_related("region").get(pk=area_id)
    return None
