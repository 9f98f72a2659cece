"""Harz-Kompass hiking routes (D3, docs/directory.md "Hiking routes").

* `import_gpx` — a GPX file → `Route` with every figure from `core.gpx` (length, ascent and
  descent, lowest and highest point, DIN 33466 walking time, difficulty, the simplified track);
  the slug is the natural key: a second import of the same slug updates the route, and writes
  nothing when nothing changed.
* `load(tenant, folder, report)` — county data: every tenants/<slug>/routes/*.gpx (the same
  files the tickets day planner reads), the file name (without .gpx) is the slug.
* `places_along` — published directory places within 200 m of the track, with the kilometre
  where the track passes them: an indexed bounding box around the whole track first, then the
  exact distance to every segment of the (simplified) polyline.
* `stops_at_start_and_end` — public-transport stops via `core.geo.nearby_stops` (empty when no
  app registered a stop finder: the page then says nothing about buses).
* `profile_rows` / `profile_svg` — the elevation profile as a data table (about every 500 m)
  and as a server-side SVG chart with the same figures.

The elevation of a route whose file has none is unknown: `elevation_known(route)` is False
(min_ele_m is None), ascent_m and descent_m are stored as 0 but never shown as 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.translation import gettext as _

from openkreis.core import gpx
from openkreis.core.geo import Stop, bounding_box, distance_m, nearby_stops
from openkreis.core.loader import TenantDataError

from .models import Place, Route

ALONG_M = 200  # places within this distance of the track
STOP_RADIUS_M = 1500  # stops within this distance of the start or the end
STOP_LIMIT = 3
PROFILE_STEP_M = 500


class RouteError(ValueError):
    """A GPX file that cannot become a route; the message is for the person importing."""


def elevation_known(route: Route) -> bool:
    return route.min_ele_m is not None


@transaction.atomic
def import_gpx(
    data: str | bytes,
    *,
    slug: str,
    name: str = "",
    description: str = "",
    published: bool = True,
) -> tuple[Route, bool]:
    """Create or update the route `slug` from a GPX file. Returns (route, changed)."""
    slug = slugify(slug)[:120]
    if not slug:
        raise RouteError(_("A route needs a slug (letters, digits, hyphens)."))
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise RouteError(_("The GPX file is not UTF-8 text.")) from exc
    try:
        analysis = gpx.analyse(text)
    except gpx.GPXError as exc:
        raise RouteError(str(exc)) from exc
    values = {
        "name": (name or analysis.name or slug)[:200],
        "description": description or analysis.description,
        "gpx": text,
        "length_m": round(analysis.length_m),
        "ascent_m": analysis.ascent_m or 0,
        "descent_m": analysis.descent_m or 0,
        "min_ele_m": analysis.min_ele_m,
        "max_ele_m": analysis.max_ele_m,
        "walking_minutes": analysis.walking_minutes,
        "difficulty": analysis.difficulty,
        "start_lat": analysis.start[0],
        "start_lon": analysis.start[1],
        "end_lat": analysis.end[0],
        "end_lon": analysis.end[1],
        "track": analysis.track,
        "published": published,
    }
    route = Route.objects.select_for_update().filter(slug=slug).first()
    if route is None:
        return Route.objects.create(slug=slug, **values), True
    changed = [f for f, v in values.items() if getattr(route, f) != v]
    if changed:
        for f in changed:
            setattr(route, f, values[f])
        route.save(update_fields=[*changed, "updated_at"])
    return route, bool(changed)


def load(tenant, folder: Path, report) -> None:
    """County data: tenants/<slug>/routes/*.gpx → routes (idempotent; a broken file raises
    TenantDataError naming it)."""
    target = Path(folder) / "routes"
    if not target.is_dir():
        return
    for path in sorted(target.glob("*.gpx")):
        try:
            _route, created_or_changed = _load_file(path)
        except (RouteError, UnicodeDecodeError, OSError) as exc:
            raise TenantDataError(f"{path}: {exc}") from exc
        if created_or_changed == "created":
            report.created += 1
        elif created_or_changed == "updated":
            report.updated += 1


def _load_file(path: Path) -> tuple[Route, str]:
    existed = Route.objects.filter(slug=slugify(path.stem)).exists()
    route, changed = import_gpx(path.read_bytes(), slug=path.stem)
    return route, ("updated" if existed else "created") if changed else ""


# --- places along the route -----------------------------------------------------------


@dataclass(frozen=True)
class PlaceAlong:
    place: Place
    km: float  # where the track passes closest, from the start
    distance_m: int  # from the track


def _project(lat: float, lon: float, lat0: float, lon0: float) -> tuple[float, float]:
    k = math.pi / 180 * 6_371_000.0
    return (lon - lon0) * k * math.cos(math.radians(lat0)), (lat - lat0) * k


def track_box(track: list[list], margin_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of the track, widened by `margin_m`."""
    lats = [p[0] for p in track]
    lons = [p[1] for p in track]
    south, _n, west, _e = bounding_box(min(lats), min(lons), margin_m)
    _s, north, _w, east = bounding_box(max(lats), max(lons), margin_m)
    return south, north, west, east


def distance_to_track(lat: float, lon: float, track: list[list]) -> tuple[float, float]:
    """(metres to the nearest point of the polyline, metres along it from the start there).
    The gap between two segments is no part of the polyline."""
    best, along = math.inf, 0.0
    for part in gpx.segments_of(track):
        if len(part) == 1:
            x, y = _project(part[0][0], part[0][1], lat, lon)
            d = math.hypot(x, y)
            if d < best:
                best, along = d, part[0][3]
            continue
        for a, b in zip(part, part[1:], strict=False):
            ax, ay = _project(a[0], a[1], lat, lon)
            bx, by = _project(b[0], b[1], lat, lon)
            dx, dy = bx - ax, by - ay
            norm = dx * dx + dy * dy
            t = 0.0 if norm == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / norm))
            d = math.hypot(ax + t * dx, ay + t * dy)
            if d < best:
                best, along = d, a[3] + t * (b[3] - a[3])
    return best, along


def places_along(route: Route, within_m: float = ALONG_M) -> list[PlaceAlong]:
    """Published places within `within_m` of the track, in the order one meets them."""
    if not route.track:
        return []
    south, north, west, east = track_box(route.track, within_m)
    candidates = Place.objects.filter(
        published=True, lat__range=(south, north), lon__range=(west, east)
    ).select_related("category")
    found = []
    for place in candidates:
        d, along = distance_to_track(place.lat, place.lon, route.track)
        if d <= within_m:
            found.append(PlaceAlong(place=place, km=round(along / 1000, 1), distance_m=round(d)))
    return sorted(found, key=lambda p: (p.km, p.distance_m, p.place.name))


def stops_at_start_and_end(route: Route) -> tuple[list[Stop], list[Stop]]:
    """The nearest stops at the start and at the end (none when no app knows stops)."""
    start = nearby_stops(route.start_lat, route.start_lon, radius_m=STOP_RADIUS_M, limit=STOP_LIMIT)
    end = nearby_stops(route.end_lat, route.end_lon, radius_m=STOP_RADIUS_M, limit=STOP_LIMIT)
    return start, end


def is_round_trip(route: Route) -> bool:
    return distance_m(route.start_lat, route.start_lon, route.end_lat, route.end_lon) < 300


# --- the elevation profile ----------------------------------------------------------------


def profile_rows(route: Route, step_m: int = PROFILE_STEP_M) -> list[tuple[float, int | None]]:
    """[(km, elevation or None), …] every `step_m` metres and at the end, interpolated
    linearly between the track's points (the data table of the profile)."""
    points = [(p[3], p[2]) for p in route.track]
    if not points:
        return []
    total = points[-1][0]
    # 0, 500, 1000, … and the end (a mark closer than 100 m to the end gives way to it)
    marks = [i * step_m for i in range(int(total // step_m) + 1) if total - i * step_m > step_m / 5]
    marks.append(total)
    rows, j = [], 0
    for m in marks:
        while j < len(points) - 2 and points[j + 1][0] < m:
            j += 1
        (m1, e1), (m2, e2) = points[j], points[min(j + 1, len(points) - 1)]
        if e1 is None or e2 is None:
            ele = e1 if e2 is None else e2
        elif m2 == m1:
            ele = e2
        else:
            t = max(0.0, min(1.0, (m - m1) / (m2 - m1)))
            ele = e1 + t * (e2 - e1)
        rows.append((round(m / 1000, 1), None if ele is None else round(ele)))
    return rows


def _nice_step(span: float, steps: int) -> float:
    raw = span / max(steps, 1)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def profile_svg(
    route: Route, *, title: str, label: str, width: int = 480, height: int = 240
) -> str:
    """The elevation profile as an SVG (role="img", aria-label, <title>); "" without
    elevation. The data table next to it is the text alternative."""
    points = [(p[3], p[2]) for p in route.track if p[2] is not None]
    if len(points) < 2 or not elevation_known(route):
        return ""
    left, right, top, bottom = 58, 26, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    total = max(route.track[-1][3], 1)
    low, high = min(e for _m, e in points), max(e for _m, e in points)
    step = _nice_step(max(high - low, 50), 4)
    y0 = math.floor(low / step) * step
    y1 = max(math.ceil(high / step) * step, y0 + step)

    def x(m: float) -> float:
        return left + plot_w * m / total

    def y(e: float) -> float:
        return top + plot_h * (1 - (e - y0) / (y1 - y0))

    line = " ".join(f"{x(m):.1f},{y(e):.1f}" for m, e in points)
    area = f"{x(points[0][0]):.1f},{y(y0):.1f} {line} {x(points[-1][0]):.1f},{y(y0):.1f}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="route-profile" viewBox="0 0 {width} '
        f'{height}" width="{width}" height="{height}" role="img" aria-label="{escape(label)}">',
        f"<title>{escape(title)}</title>",
        f'<polygon points="{area}" fill="#d7e6f4"/>',
        f'<polyline points="{line}" fill="none" stroke="#0b4f8a" stroke-width="2"/>',
    ]
    e = y0
    while e <= y1 + 0.1:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(e):.1f}" y2="{y(e):.1f}" '
            'stroke="#767676" stroke-width="0.5"/>'
            f'<text x="{left - 6}" y="{y(e) + 4:.1f}" text-anchor="end" font-size="14" '
            f'fill="#1a1a1a">{int(e)} m</text>'
        )
        e += step
    km_step = _nice_step(total / 1000, 6)
    k = 0.0
    while k <= total / 1000 + 1e-9:
        label_km = f"{k:g}".replace(".", ",")
        parts.append(
            f'<line x1="{x(k * 1000):.1f}" x2="{x(k * 1000):.1f}" y1="{top + plot_h}" '
            f'y2="{top + plot_h + 4}" stroke="#1a1a1a"/>'
            f'<text x="{x(k * 1000):.1f}" y="{height - 12}" text-anchor="middle" font-size="14" '
            f'fill="#1a1a1a">{label_km} km</text>'
        )
        k += km_step
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
        'stroke="#1a1a1a"/></svg>'
    )
    return "".join(parts)


def published_routes(difficulty: str = "", max_km: float | None = None):
    """Published routes for the list, filtered by difficulty and the longest length."""
    routes = Route.objects.filter(published=True).defer("gpx", "track")
    if difficulty:
        routes = routes.filter(difficulty=difficulty)
    if max_km is not None:
        routes = routes.filter(length_m__lte=round(max_km * 1000))
    return routes.order_by("name")
