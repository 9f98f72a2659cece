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

import gpxpy
import gpxpy.gpx
from django.conf import settings

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
    """One GPX file → HikingRoute; a broken file raises TenantDataError naming it."""
    try:
        with path.open(encoding="utf-8") as fh:
            gpx = gpxpy.parse(fh)
    except (OSError, gpxpy.gpx.GPXException, ValueError) as exc:
        raise TenantDataError(f"{path}: not a readable GPX file ({exc})") from exc
    points = [p for track in gpx.tracks for seg in track.segments for p in seg.points]
    if len(points) < 2:
        raise TenantDataError(f"{path}: the GPX file has no track (at least two points)")
    track = gpx.tracks[0]
    name = track.name or gpx.name or path.stem
    # cumulative distance along the track, for the places' kilometre
    cumulative = [0.0]
    for a, b in zip(points, points[1:], strict=False):
        cumulative.append(
            cumulative[-1] + distance_m(a.latitude, a.longitude, b.latitude, b.longitude)
        )
    places = []
    for wpt in gpx.waypoints:
        kind = (wpt.type or "").strip().lower()
        if kind not in PLACE_KINDS:
            raise TenantDataError(
                f"{path}: waypoint {wpt.name!r}: <type> must be one of {', '.join(PLACE_KINDS)}"
            )
        nearest = min(
            range(len(points)),
            key=lambda i: distance_m(
                wpt.latitude, wpt.longitude, points[i].latitude, points[i].longitude
            ),
        )
        places.append(
            Place(
                name=wpt.name or "",
                kind=kind,
                description=wpt.description or "",
                lat=wpt.latitude,
                lon=wpt.longitude,
                km=round(cumulative[nearest] / 1000, 1),
            )
        )
    places.sort(key=lambda p: p.km)
    updown = gpx.get_uphill_downhill()
    return HikingRoute(
        slug=path.stem,
        name=name,
        description=track.description or gpx.description or "",
        length_km=round(cumulative[-1] / 1000, 1),
        ascent_m=round(updown.uphill or 0),
        descent_m=round(updown.downhill or 0),
        start=(points[0].latitude, points[0].longitude),
        end=(points[-1].latitude, points[-1].longitude),
        points=tuple((p.latitude, p.longitude) for p in points),
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
