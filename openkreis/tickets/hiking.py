"""Hiking routes for the guest's day planning (docs/tickets.md "Planning a day").

A route is a GPX 1.1 file in tenants/<slug>/routes/ (parsed with gpxpy): the track, its name
and description, and waypoints for the inns and offers along the way (`<type>inn</type>` or
`<type>offer</type>`). The Harz files are demo data: approximated courses, not for
navigation. The page shows the length, the ascent, the bus stops near the start and the end
(with the distance) and the places along the way (with the kilometre they are at).

The files are read when first asked for and kept per process until they change (mtime).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from openkreis.core import gpx
from openkreis.core.loader import TenantDataError

from .geo import distance_m

PLACE_KINDS = ("inn", "offer")


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # inn | offer
    description: str
    lat: float
    lon: float
    km: float  # along the route, from the start


@dataclass(frozen=True)
class HikingRoute:
    slug: str
    name: str
    description: str
    length_km: float
    ascent_m: int
    descent_m: int
    start: tuple[float, float]
    end: tuple[float, float]
    points: tuple[tuple[float, float], ...] = ()
    places: tuple[Place, ...] = field(default=())

    @property
    def inns(self) -> list[Place]:
        return [p for p in self.places if p.kind == "inn"]

    @property
    def offers(self) -> list[Place]:
        return [p for p in self.places if p.kind == "offer"]


def routes_folder() -> Path:
    return Path(settings.OPENKREIS_TENANTS_DIR) / settings.OPENKREIS_TENANT / "routes"


def parse(path: Path) -> HikingRoute:
    """One GPX file → HikingRoute; a broken file raises TenantDataError naming it. Length and
    climb come from core.gpx (the same figures as the Harz-Kompass route pages)."""
    try:
        analysis = gpx.analyse(path.read_bytes())
    except OSError as exc:
        raise TenantDataError(f"{path}: not a readable GPX file ({exc})") from exc
    except gpx.GPXError as exc:
        raise TenantDataError(f"{path}: not a readable GPX file ({exc})") from exc
    points = [p for seg in analysis.segments for p in seg]
    cumulative = [m for row in analysis.cumulative() for m in row]
    places = []
    for wpt in analysis.waypoints:
        if wpt.kind not in PLACE_KINDS:
            raise TenantDataError(
                f"{path}: waypoint {wpt.name!r}: <type> must be one of {', '.join(PLACE_KINDS)}"
            )
        nearest = min(
            range(len(points)),
            key=lambda i: distance_m(wpt.lat, wpt.lon, points[i][0], points[i][1]),
        )
        places.append(
            Place(
                name=wpt.name,
                kind=wpt.kind,
                description=wpt.description,
                lat=wpt.lat,
                lon=wpt.lon,
                km=round(cumulative[nearest] / 1000, 1),
            )
        )
    places.sort(key=lambda p: p.km)
    return HikingRoute(
        slug=path.stem,
        name=analysis.name or path.stem,
        description=analysis.description,
        length_km=round(analysis.length_km, 1),
        ascent_m=analysis.ascent_m or 0,
        descent_m=analysis.descent_m or 0,
        start=analysis.start,
        end=analysis.end,
        points=tuple((p[0], p[1]) for p in points),
        places=tuple(places),
    )


@functools.lru_cache(maxsize=8)
def _load(folder: str, stamp: tuple) -> tuple[HikingRoute, ...]:
    return tuple(sorted((parse(p) for p in Path(folder).glob("*.gpx")), key=lambda r: r.name))


def routes(folder: Path | None = None) -> tuple[HikingRoute, ...]:
    """Every route of the county (sorted by name); none without a routes folder."""
    folder = folder or routes_folder()
    if not folder.is_dir():
        return ()
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in folder.glob("*.gpx")))
    return _load(str(folder), stamp)


def route(slug: str, folder: Path | None = None) -> HikingRoute | None:
    return next((r for r in routes(folder) if r.slug == slug), None)


def check(folder: Path) -> int:
    """County data check (load_tenant): every GPX file in `folder`/routes parses."""
    target = folder / "routes"
    return len(routes(target)) if target.is_dir() else 0
