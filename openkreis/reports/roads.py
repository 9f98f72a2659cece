"""The road layer: Kreisstraßen go to the county, Gemeindestraßen stay with the town.

`reports.yaml` names a GeoJSON file of road lines and a route per road class:

    roads:
      file: reports/roads.geojson        # LineString/MultiLineString features with the
                                         # properties ref ("K 1354"), class, name
      categories: [strasse, schilder]    # the categories that concern the road itself
      classes:
        kreisstrasse: {unit: kreisstrassen}   # the county's road unit takes the report
        landesstrasse: {body: lsbb}           # stays with the town, with a suggestion to
        bundesstrasse: {body: lsbb}           # forward it to that body

A report of one of these categories whose position lies within `distance_m` metres
(setting `OPENKREIS_REPORTS_ROAD_DISTANCE_M`, default 25) of a line of a class with a `unit`
goes to that unit instead of the one the routing table names for the municipality. A class
with a `body` does not change the route; `match()` tells the back office which body the
report probably belongs to. Roads of a class not listed (Gemeindestraßen) change nothing.

The layer is not stored in the database: it is read from the tenant folder this site serves
(settings.OPENKREIS_TENANTS_DIR / OPENKREIS_TENANT) and kept per process, read again when
reports.yaml or the GeoJSON file changes (checked at most every few seconds). `load_tenant`
checks the file (config._load_roads calls `read_layer`), so a broken layer stops the loader
with the file and feature named instead of failing at routing time.

Distances: every line is projected once to metres (equirectangular around the layer's
mean latitude; at 25 m the error across a county is centimetres) and put in an STRtree.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from shapely import STRtree
from shapely.errors import ShapelyError
from shapely.geometry import LineString, MultiLineString, Point, shape
from shapely.ops import transform

from openkreis.core.loader import TenantDataError, read_yaml
from openkreis.core.models import OrgUnit

logger = logging.getLogger(__name__)

CLASSES = ("kreisstrasse", "landesstrasse", "bundesstrasse", "gemeindestrasse")
DEFAULT_DISTANCE_M = 25.0
EARTH_RADIUS_M = 6_371_000
_CHECK_SECONDS = 5.0


@dataclass(frozen=True)
class Road:
    ref: str
    name: str
    road_class: str


@dataclass(frozen=True)
class Match:
    """The road a position lies on and what its class says: a unit key (the report goes
    there) or a body key (a suggestion to forward it)."""

    road: Road
    distance_m: float
    unit: str = ""
    body: str = ""


@dataclass
class Layer:
    categories: frozenset[str]
    routes: dict[str, dict]  # class -> {"unit": key} | {"body": key}
    roads: list[Road]
    lines: list  # projected to metres, in the order of `roads`
    tree: STRtree | None
    lat0: float

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        k = math.pi / 180 * EARTH_RADIUS_M
        return lon * k * math.cos(math.radians(self.lat0)), lat * k


def distance_setting() -> float:
    return float(getattr(settings, "OPENKREIS_REPORTS_ROAD_DISTANCE_M", DEFAULT_DISTANCE_M))


def _line(geometry) -> LineString | MultiLineString:
    if not isinstance(geometry, dict) or geometry.get("type") not in (
        "LineString",
        "MultiLineString",
    ):
        raise ValueError("geometry must be a GeoJSON LineString or MultiLineString")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, ShapelyError) as exc:
        raise ValueError(f"geometry is not readable ({exc})") from exc
    if geom.is_empty or geom.length == 0:
        raise ValueError("geometry is empty")
    for x, y in _coords(geom):
        if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
            raise ValueError(f"coordinate {x}, {y} is not longitude, latitude (WGS84)")
    return geom


def _coords(geom):
    parts = geom.geoms if isinstance(geom, MultiLineString) else [geom]
    for part in parts:
        yield from part.coords


def read_layer(folder: Path, spec) -> Layer:
    """The layer a `roads:` section describes, or TenantDataError naming the file and entry.
    Units and bodies are checked by the loader (config._load_roads), not here."""
    where = f"{folder / 'reports.yaml'}: roads"
    if not isinstance(spec, dict) or not spec.get("file"):
        raise TenantDataError(f"{where}: 'file' (the GeoJSON file of the road lines) missing")
    categories = spec.get("categories") or []
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise TenantDataError(f"{where}: 'categories' is a list of category keys")
    routes = spec.get("classes") or {}
    if not isinstance(routes, dict) or not routes:
        raise TenantDataError(f"{where}: 'classes' (a route per road class) missing")
    for road_class, route in routes.items():
        if road_class not in CLASSES:
            raise TenantDataError(
                f"{where}: unknown road class {road_class!r} (known: {', '.join(CLASSES)})"
            )
        if not isinstance(route, dict) or len({"unit", "body"} & set(route)) != 1:
            raise TenantDataError(
                f"{where}: classes.{road_class}: a route is {{unit: <key>}} or {{body: <key>}}"
            )
    path = folder / str(spec["file"])
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TenantDataError(f"{path}: file missing") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise TenantDataError(f"{path}: not valid GeoJSON ({exc})") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise TenantDataError(f"{path}: a GeoJSON FeatureCollection is expected")
    roads, geoms = [], []
    for index, feature in enumerate(data.get("features") or []):
        props = (feature or {}).get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        ref = str(props.get("ref") or "").strip()
        label = f"{path}: feature {index}" + (f" ({ref})" if ref else "")
        road_class = props.get("class")
        if road_class not in CLASSES:
            raise TenantDataError(
                f"{label}: unknown road class {road_class!r} (known: {', '.join(CLASSES)})"
            )
        try:
            geom = _line(feature.get("geometry"))
        except ValueError as exc:
            raise TenantDataError(f"{label}: {exc}") from exc
        roads.append(Road(ref=ref, name=str(props.get("name") or ""), road_class=road_class))
        geoms.append(geom)
    lats = [y for g in geoms for _x, y in _coords(g)]
    layer = Layer(
        categories=frozenset(categories),
        routes={k: dict(v) for k, v in routes.items()},
        roads=roads,
        lines=[],
        tree=None,
        lat0=sum(lats) / len(lats) if lats else 51.0,
    )
    layer.lines = [transform(lambda x, y, z=None: layer.project(x, y), g) for g in geoms]
    layer.tree = STRtree(layer.lines) if layer.lines else None
    return layer


# -- the layer of the county this site serves, per process --------------------------------------
_lock = threading.Lock()
_cache: dict = {"checked": 0.0, "stamp": None, "layer": None}


def _folder() -> Path:
    return Path(settings.OPENKREIS_TENANTS_DIR) / settings.OPENKREIS_TENANT


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def current() -> Layer | None:
    """The road layer of this site's county (None without a `roads:` section). A layer that
    cannot be read is logged and ignored: reports then follow the routing table."""
    now = time.monotonic()
    if now - _cache["checked"] < _CHECK_SECONDS:
        return _cache["layer"]
    with _lock:
        folder = _folder()
        config = folder / "reports.yaml"
        stamp = (str(folder), _mtime(config))
        spec = None
        if stamp[1] is not None:
            try:
                spec = read_yaml(config).get("roads")
            except TenantDataError:
                logger.exception("reports.yaml is not readable")
        if spec and isinstance(spec, dict) and spec.get("file"):
            stamp += (_mtime(folder / str(spec["file"])),)
        if stamp != _cache["stamp"]:
            layer = None
            if spec:
                try:
                    layer = read_layer(folder, spec)
                except TenantDataError:
                    logger.exception("the road layer is not readable; routing without it")
            _cache["layer"] = layer
            _cache["stamp"] = stamp
        _cache["checked"] = now
        return _cache["layer"]


def forget() -> None:
    """Read the layer again on the next call (after loading a tenant, in tests)."""
    _cache["checked"] = 0.0
    _cache["stamp"] = None


def match(category_key: str, lat: float | None, lon: float | None, layer=None) -> Match | None:
    """The nearest road of a routed class within the distance of the position, for a
    category that concerns roads; None otherwise (no position, other category, no road)."""
    layer = layer or current()
    if layer is None or layer.tree is None or lat is None or lon is None:
        return None
    if category_key not in layer.categories:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    limit = distance_setting()
    point = Point(layer.project(lon, lat))
    best = None
    for index in layer.tree.query(point, predicate="dwithin", distance=limit):
        road = layer.roads[int(index)]
        route = layer.routes.get(road.road_class)
        if not route:
            continue  # a class without a route (Gemeindestraße): the town's
        distance = layer.lines[int(index)].distance(point)
        if best is None or distance < best.distance_m:
            best = Match(
                road=road,
                distance_m=distance,
                unit=str(route.get("unit", "")),
                body=str(route.get("body", "")),
            )
    return best


def unit_for(category_key: str, lat: float | None, lon: float | None):
    """The org unit a road of a routed class sends this report to, or None (then the
    routing table decides)."""
    found = match(category_key, lat, lon)
    if found is None or not found.unit:
        return None
    unit = OrgUnit.objects.filter(key=found.unit).first()
    if unit is None:
        logger.warning("road layer: unknown org unit %r; routing by the table", found.unit)
    return unit
