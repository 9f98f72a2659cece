"""Place search for the Mängelmelder's form: a port with two backends.

`geocoders` (a `core.registry.Registry`) holds the backends; `OPENKREIS_GEOCODER` picks one:

- `local` (default): a gazetteer of the county from its own data — the municipalities
  (name and centre from regions.csv) and their Ortsteile from `tenants/<slug>/reports/
  places.csv` (name, municipality ARS, approximate centre). No network. The loader's
  `reports` step checks the file (`check_places`); the backend reads it from the tenant
  folder of this deployment and keeps it per process until the file or the areas change.
- `nominatim`: an OpenStreetMap Nominatim server (`OPENKREIS_NOMINATIM_URL`, e.g. the
  county's own instance), asked for the county's bounding box only (`viewbox` + `bounded=1`);
  a hit outside every municipality polygon is dropped. Answers are cached for a day (the
  public server allows one request per second). A dead server gives no results, never an
  error page.

A result is a `Place`: name, label ("Schierke (Wernigerode)"), the Mängelmelder area
(municipality) it lies in, and its position.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import math
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max
from shapely.geometry import Point

from openkreis.core.loader import TenantDataError
from openkreis.core.registry import Registry

from . import geo
from .models import Area

logger = logging.getLogger(__name__)
PLACES_FILE = Path("reports") / "places.csv"
MAX_RESULTS = 10


@dataclass(frozen=True)
class Place:
    name: str
    label: str
    area_id: int | None
    municipality: str
    lat: float
    lon: float
    kind: str  # "municipality", "ortsteil" or "address"

    def as_json(self) -> dict:
        # inside: the position lies in one of the county's area polygons, so a report there
        # is accepted (approximate demo polygons leave out some far corners of the county)
        return {**asdict(self), "inside": inside_county(self.lat, self.lon)}


def inside_county(lat: float, lon: float) -> bool:
    """Whether a point lies in one of the area polygons (no query: the cached polygons)."""
    point = Point(lon, lat)
    return any(geom.covers(point) for _id, geom in geo._areas())


class Geocoder(Protocol):
    label: str

    def search(self, query: str, limit: int = MAX_RESULTS) -> list[Place]: ...


geocoders: Registry[Geocoder] = Registry("geocoders")


def fold(text: str) -> str:
    """Compare place names without case, accents or ß ("gross" finds "Groß Quenstedt")."""
    text = text.casefold().replace("ß", "ss")
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def _fold_loose(text: str) -> str:
    # "ubeland" and "Rübeland": also match with umlauts reduced to their base letter
    text = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    return "".join(c for c in text if not unicodedata.combining(c))


# -- the county's gazetteer ----------------------------------------------------------------------
def county_bounds() -> tuple[float, float, float, float] | None:
    """(west, south, east, north) around every area polygon, or None without areas."""
    bounds = [geom.bounds for _id, geom in geo._areas()]
    if not bounds:
        return None
    return (
        min(b[0] for b in bounds),
        min(b[1] for b in bounds),
        max(b[2] for b in bounds),
        max(b[3] for b in bounds),
    )


def read_places(path: Path) -> list[dict]:
    """The rows of a places.csv (name, municipality ARS, lat, lon), checked: every
    municipality has an area of the county and every position lies within the county's
    bounding box. TenantDataError names the file and row."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return []
    except UnicodeDecodeError as exc:
        raise TenantDataError(f"{path}: not UTF-8 ({exc})") from exc
    reader = csv.DictReader(text.splitlines())
    missing = {"name", "municipality", "lat", "lon"} - set(reader.fieldnames or [])
    if missing:
        raise TenantDataError(f"{path}: columns missing: {', '.join(sorted(missing))}")
    areas = {a.region.ars: a for a in Area.objects.select_related("region")}
    bounds = county_bounds()
    rows, seen = [], set()
    for number, row in enumerate(reader, start=2):
        where = f"{path}: row {number}"
        name = (row.get("name") or "").strip()
        if not name or len(name) > 100:
            raise TenantDataError(f"{where}: 'name' is required (at most 100 characters)")
        area = areas.get((row.get("municipality") or "").strip())
        if area is None:
            raise TenantDataError(
                f"{where} ({name}): no municipality area with ARS {row.get('municipality')!r}"
            )
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
        except (TypeError, ValueError) as exc:
            raise TenantDataError(f"{where} ({name}): 'lat' and 'lon' must be numbers") from exc
        if not (math.isfinite(lat) and math.isfinite(lon)):
            raise TenantDataError(f"{where} ({name}): 'lat' and 'lon' must be numbers")
        if bounds and not (bounds[0] <= lon <= bounds[2] and bounds[1] <= lat <= bounds[3]):
            raise TenantDataError(f"{where} ({name}): {lat}, {lon} lies outside the county")
        if (name, area.pk) in seen:
            raise TenantDataError(f"{where}: {name} is listed twice for {area.region.name}")
        seen.add((name, area.pk))
        rows.append({"name": name, "area": area, "lat": lat, "lon": lon})
    return rows


def check_places(folder: Path) -> int:
    """The loader's check of tenants/<slug>/reports/places.csv (the number of places)."""
    return len(read_places(folder / PLACES_FILE))


class LocalGazetteer:
    """Municipalities and Ortsteile of the county from its data, in memory."""

    label = "local"
    recheck_seconds = 10.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = None
        self._checked = 0.0
        self._places: list[tuple[str, str, Place]] = []

    def _path(self) -> Path:
        return Path(settings.OPENKREIS_TENANTS_DIR) / settings.OPENKREIS_TENANT / PLACES_FILE

    def reset(self) -> None:
        self._version = None
        self._checked = 0.0

    def places(self) -> list[tuple[str, str, Place]]:
        now = time.monotonic()
        if self._version is not None and now - self._checked < self.recheck_seconds:
            return self._places
        with self._lock:
            path = self._path()
            stats = Area.objects.aggregate(n=Count("id"), newest=Max("updated_at"))
            mtime = path.stat().st_mtime if path.exists() else None
            version = (stats["n"], stats["newest"], str(path), mtime)
            if version != self._version:
                self._places = self._build(path)
                self._version = version
            self._checked = now
        return self._places

    def _build(self, path: Path) -> list[tuple[str, str, Place]]:
        places = []
        for area in Area.objects.select_related("region"):
            region = area.region
            if region.lat is None or region.lon is None:
                continue
            places.append(
                Place(
                    region.name,
                    region.name,
                    area.pk,
                    region.name,
                    region.lat,
                    region.lon,
                    "municipality",
                )
            )
        try:
            rows = read_places(path)
        except TenantDataError:
            logger.exception("places.csv cannot be read; only municipalities are searched")
            rows = []
        for row in rows:
            town = row["area"].region.name
            places.append(
                Place(
                    row["name"],
                    f"{row['name']} ({town})",
                    row["area"].pk,
                    town,
                    row["lat"],
                    row["lon"],
                    "ortsteil",
                )
            )
        return [(fold(p.name), _fold_loose(p.name), p) for p in places]

    def search(self, query: str, limit: int = MAX_RESULTS) -> list[Place]:
        wanted, loose = fold(query.strip()), _fold_loose(query.strip())
        if not wanted:
            return []
        ranked = []
        for name, name_loose, place in self.places():
            words = name.replace("-", " ").replace("/", " ").replace("(", " ").split()
            if name == wanted:
                rank = 0
            elif name.startswith(wanted) or name_loose.startswith(loose):
                rank = 1
            elif any(w.startswith(wanted) for w in words):
                rank = 2
            elif wanted in name or loose in name_loose:
                rank = 3
            else:
                continue
            town_first = place.kind != "municipality"
            ranked.append((rank, town_first, place.name, place.municipality, place))
        ranked.sort(key=lambda r: r[:4])
        return [r[-1] for r in ranked[:limit]]


local = geocoders.register("local", LocalGazetteer())


# -- Nominatim (OpenStreetMap) -------------------------------------------------------------------
class Nominatim:
    """An OpenStreetMap Nominatim server's /search, bounded to the county."""

    label = "nominatim"
    timeout = 4.0

    def _url(self) -> str:
        return getattr(settings, "OPENKREIS_NOMINATIM_URL", "").rstrip("/")

    def is_enabled(self) -> bool:
        return bool(self._url())

    def search(self, query: str, limit: int = MAX_RESULTS) -> list[Place]:
        base = self._url()
        bounds = county_bounds()
        if not base or bounds is None:
            return []
        params = {
            "q": query,
            "format": "jsonv2",
            "addressdetails": "1",
            "limit": str(limit),
            "countrycodes": "de",
            "viewbox": ",".join(f"{v:.5f}" for v in bounds),
            "bounded": "1",
            "accept-language": "de",
        }
        key = "reports:geocode:" + hashlib.sha256(json.dumps(params).encode()).hexdigest()
        hits = cache.get(key)
        if hits is None:
            request = urllib.request.Request(  # noqa: S310 - the configured https/http server
                f"{base}/search?{urllib.parse.urlencode(params)}",
                headers={
                    "User-Agent": getattr(
                        settings, "OPENKREIS_NOMINATIM_USER_AGENT", "openkreis-maengelmelder/1.0"
                    ),
                    "Accept": "application/json",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    hits = json.loads(response.read(1_000_000).decode("utf-8"))
            except (OSError, ValueError, urllib.error.URLError):
                logger.warning("Nominatim at %s did not answer; no place results", base)
                return []
            if not isinstance(hits, list):
                return []
            cache.set(key, hits, 86400)
        return self._places(hits, limit)

    def _places(self, hits: list, limit: int) -> list[Place]:
        places = []
        for hit in hits:
            try:
                lat, lon = float(hit["lat"]), float(hit["lon"])
            except (KeyError, TypeError, ValueError):
                continue
            if not (math.isfinite(lat) and math.isfinite(lon)):
                continue
            area = geo.area_at(lat, lon)
            if area is None:  # outside the county: not ours
                continue
            address = hit.get("address") if isinstance(hit.get("address"), dict) else {}
            name = str(hit.get("name") or "").strip()
            road = str(address.get("road") or "").strip()
            number = str(address.get("house_number") or "").strip()
            if road:
                name = f"{road} {number}".strip() if not name or name == road else name
            if not name:
                name = str(hit.get("display_name") or "").split(",")[0].strip()
            town = area.region.name
            locality = str(
                address.get("village") or address.get("suburb") or address.get("town") or ""
            ).strip()
            where = town if not locality or locality == town else f"{locality}, {town}"
            label = name if name == town else f"{name} ({where})"
            places.append(Place(name[:100], label[:160], area.pk, town, lat, lon, "address"))
            if len(places) >= limit:
                break
        return places


geocoders.register("nominatim", Nominatim())


def geocoder() -> Geocoder:
    return geocoders[getattr(settings, "OPENKREIS_GEOCODER", "local") or "local"]


def search(query: str, limit: int = MAX_RESULTS) -> list[Place]:
    return geocoder().search(query, limit)
