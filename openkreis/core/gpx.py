"""GPX analysis for every app that shows a hiking route (the directory's routes, the tickets
day planner): parse with gpxpy, then compute the figures ourselves.

* Length: haversine (`core.geo.distance_m`) between consecutive points *within* a segment;
  the gap between two segments (a pause, a bus ride, a lost signal) is not walked and not
  counted. A `<rte>` (planned route) counts like a track with one segment.
* Ascent and descent: hysteresis with a threshold of `CLIMB_THRESHOLD_M` (5 m) per segment —
  an elevation change is counted only once the elevation moved at least 5 m away from the
  last counted point. GPS and barometric elevation jitters by a few metres from point to
  point; summing every positive difference (what gpxpy's `get_uphill_downhill` does after a
  light 3-point smoothing) turns that jitter on flat ground into tens or hundreds of metres
  of "ascent". 5 m is above the usual noise of a phone or Garmin barometer (1–3 m) and below
  any climb a hiker would notice; DEM-derived elevations (SRTM, 1 m steps) pass unchanged.
* No elevation at all: ascent, descent, min and max are None ("unknown"), never 0. Points
  without `<ele>` in a file that has some are skipped for the climb (not treated as 0 m).
* `simplify`: Douglas–Peucker on a local metric projection (for the map) and on (distance,
  elevation) (for the profile), the points either keeps, the tolerance doubled until at most
  `MAX_POINTS` (500) remain; every point keeps its distance from the start measured on
  the full track, so the profile's kilometres stay true.
* `walking_minutes`: DIN 33466 (see its docstring). `difficulty`: see its docstring.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import gpxpy
import gpxpy.gpx
from django.utils.translation import gettext as _

from .geo import distance_m

CLIMB_THRESHOLD_M = 5.0
GPX_ROOT = re.compile(r"<(\w+:)?gpx[\s>/]")
MAX_POINTS = 500

# DIN 33466 (Wanderwege): 4 km per hour on the level, 300 m of ascent or 500 m of descent per
# hour; the larger of the horizontal and the vertical time plus half of the smaller.
DIN_KM_PER_HOUR = 4.0
DIN_ASCENT_PER_HOUR = 300.0
DIN_DESCENT_PER_HOUR = 500.0


class GPXError(ValueError):
    """A file that is no usable GPX; the message says what is wrong (user's language)."""


@dataclass(frozen=True)
class Waypoint:
    name: str
    description: str
    kind: str  # the <type>, lower case ("" when none)
    lat: float
    lon: float


@dataclass(frozen=True)
class Analysis:
    """The figures of one GPX file."""

    name: str
    description: str
    # [[(lat, lon, ele|None), …], …]: every point, per segment (a <rte> is one segment)
    segments: list[list[tuple[float, float, float | None]]]
    length_m: float
    ascent_m: int | None  # None: the file has no elevation
    descent_m: int | None
    min_ele_m: int | None
    max_ele_m: int | None
    # [[lat, lon, ele|None, metres from the start], …], at most MAX_POINTS
    track: list[list] = field(default_factory=list)
    waypoints: list[Waypoint] = field(default_factory=list)

    @property
    def start(self) -> tuple[float, float]:
        lat, lon, _ele = self.segments[0][0]
        return lat, lon

    @property
    def end(self) -> tuple[float, float]:
        lat, lon, _ele = self.segments[-1][-1]
        return lat, lon

    @property
    def length_km(self) -> float:
        return self.length_m / 1000

    @property
    def has_elevation(self) -> bool:
        return self.ascent_m is not None

    @property
    def walking_minutes(self) -> int:
        return walking_minutes(self.length_km, self.ascent_m, self.descent_m)

    @property
    def difficulty(self) -> str:
        return difficulty(self.length_km, self.ascent_m, self.max_ele_m)

    def cumulative(self) -> list[list[float]]:
        """Metres from the start at every point, per segment (the gap adds nothing)."""
        out, total = [], 0.0
        for seg in self.segments:
            row = [total]
            for a, b in zip(seg, seg[1:], strict=False):
                total += distance_m(a[0], a[1], b[0], b[1])
                row.append(total)
            out.append(row)
        return out


def parse(data: str | bytes) -> gpxpy.gpx.GPX:
    """Text or bytes of a GPX file → gpxpy's GPX; anything else raises GPXError."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise GPXError(_("The GPX file is not UTF-8 text.")) from exc
    if not data.strip():
        raise GPXError(_("The GPX file is empty."))
    if not GPX_ROOT.search(data[:5000]):
        raise GPXError(_("This is not a readable GPX file ({error}).").format(error="<gpx>?"))
    try:
        return gpxpy.parse(data)
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        raise GPXError(_("This is not a readable GPX file ({error}).").format(error=exc)) from exc


def _float(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def analyse(
    data: str | bytes | gpxpy.gpx.GPX, *, threshold_m: float = CLIMB_THRESHOLD_M
) -> Analysis:
    """Every figure of a GPX file. Tracks (all segments of all tracks) win; a file without a
    track uses its routes (<rte>). Fewer than two points in all: GPXError."""
    gpx = data if isinstance(data, gpxpy.gpx.GPX) else parse(data)
    segments = [
        [(p.latitude, p.longitude, _float(p.elevation)) for p in seg.points]
        for track in gpx.tracks
        for seg in track.segments
    ]
    segments = [s for s in segments if s]
    source = gpx.tracks[0] if gpx.tracks else None
    if sum(len(s) for s in segments) < 2:
        segments = [
            [(p.latitude, p.longitude, _float(p.elevation)) for p in rte.points]
            for rte in gpx.routes
        ]
        segments = [s for s in segments if s]
        source = gpx.routes[0] if gpx.routes else None
    if sum(len(s) for s in segments) < 2:
        raise GPXError(_("The GPX file has no track or route with at least two points."))
    name = (source.name if source else "") or gpx.name or ""
    description = (source.description if source else "") or gpx.description or ""

    length = 0.0
    for seg in segments:
        for a, b in zip(seg, seg[1:], strict=False):
            length += distance_m(a[0], a[1], b[0], b[1])

    elevations = [[p[2] for p in seg if p[2] is not None] for seg in segments]
    known = [e for seg in elevations for e in seg]
    if known:
        up = down = 0.0
        for seg in elevations:
            u, d = climb(seg, threshold_m)
            up, down = up + u, down + d
        ascent, descent = round(up), round(down)
        lowest, highest = round(min(known)), round(max(known))
    else:
        ascent = descent = lowest = highest = None

    analysis = Analysis(
        name=name.strip(),
        description=description.strip(),
        segments=segments,
        length_m=length,
        ascent_m=ascent,
        descent_m=descent,
        min_ele_m=lowest,
        max_ele_m=highest,
        waypoints=[
            Waypoint(
                name=(w.name or "").strip(),
                description=(w.description or "").strip(),
                kind=(w.type or "").strip().lower(),
                lat=w.latitude,
                lon=w.longitude,
            )
            for w in gpx.waypoints
        ],
    )
    object.__setattr__(analysis, "track", simplify(analysis))
    return analysis


def climb(elevations: list[float], threshold_m: float = CLIMB_THRESHOLD_M) -> tuple[float, float]:
    """(ascent, descent) in metres with hysteresis: a change counts once the elevation moved
    `threshold_m` away from the last counted elevation; smaller wiggles are noise."""
    if not elevations:
        return 0.0, 0.0
    up = down = 0.0
    ref = elevations[0]
    for ele in elevations[1:]:
        if ele - ref >= threshold_m:
            up += ele - ref
            ref = ele
        elif ref - ele >= threshold_m:
            down += ref - ele
            ref = ele
    return up, down


def _xy(lat: float, lon: float, lat0: float) -> tuple[float, float]:
    """Metres on a local equirectangular projection (good to a few metres in a county)."""
    k = math.pi / 180 * 6_371_000.0
    return lon * k * math.cos(math.radians(lat0)), lat * k


def _douglas_peucker(xy: list[tuple[float, float]], tolerance: float) -> list[int]:
    """Indexes kept by Douglas–Peucker (iterative: long tracks must not hit recursion limits)."""
    n = len(xy)
    if n <= 2:
        return list(range(n))
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = xy[first], xy[last]
        dx, dy = x2 - x1, y2 - y1
        norm = dx * dx + dy * dy
        worst, index = -1.0, -1
        for i in range(first + 1, last):
            px, py = xy[i]
            if norm == 0:
                d = math.hypot(px - x1, py - y1)
            else:
                t = max(0.0, min(1.0, ((px - x1) * dx + (py - y1) * dy) / norm))
                d = math.hypot(px - (x1 + t * dx), py - (y1 + t * dy))
            if d > worst:
                worst, index = d, i
        if index > 0 and worst > tolerance:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [i for i in range(n) if keep[i]]


def simplify(analysis: Analysis, max_points: int = MAX_POINTS) -> list[list]:
    """[[lat, lon, ele|None, metres from the start], …] with at most `max_points` points.
    Every segment keeps its first and last point; a new segment starts where the metres stay
    the same while the position jumps (the map draws no line across the gap)."""
    cumulative = analysis.cumulative()
    lat0 = analysis.segments[0][0][0]
    tolerance = 1.0
    while True:
        kept = []
        for seg, metres in zip(analysis.segments, cumulative, strict=True):
            xy = [_xy(p[0], p[1], lat0) for p in seg]
            keep = set(_douglas_peucker(xy, tolerance))
            # the profile needs its own: a straight path over a hill is a straight line on
            # the map, but not in (distance, elevation)
            known = [i for i, p in enumerate(seg) if p[2] is not None]
            profile = [(metres[i], seg[i][2]) for i in known]
            keep.update(known[j] for j in _douglas_peucker(profile, tolerance / 2))
            for i in sorted(keep):
                lat, lon, ele = seg[i]
                kept.append(
                    [
                        round(lat, 6),
                        round(lon, 6),
                        None if ele is None else round(ele, 1),
                        round(metres[i], 1),
                    ]
                )
        if len(kept) <= max_points or tolerance > 100_000:
            return kept[:max_points] if len(kept) > max_points else kept
        tolerance *= 2


def segments_of(track: list[list]) -> list[list[list]]:
    """A simplified track split where a segment ended (same metres, another position)."""
    parts: list[list[list]] = []
    for point in track:
        if parts and parts[-1]:
            last = parts[-1][-1]
            if point[3] == last[3] and (point[0], point[1]) != (last[0], last[1]):
                parts.append([])
        elif not parts:
            parts.append([])
        parts[-1].append(point)
    return parts


def walking_minutes(length_km: float, ascent_m: float | None, descent_m: float | None) -> int:
    """Walking time by DIN 33466 in whole minutes. Horizontal time: length at 4 km/h;
    vertical time: ascent at 300 m/h plus descent at 500 m/h; total = the larger of both +
    half of the smaller. Unknown ascent or descent counts as 0 (the caller says "at least")."""
    horizontal = max(length_km, 0.0) / DIN_KM_PER_HOUR
    vertical = max(ascent_m or 0, 0) / DIN_ASCENT_PER_HOUR + max(descent_m or 0, 0) / (
        DIN_DESCENT_PER_HOUR
    )
    hours = max(horizontal, vertical) + min(horizontal, vertical) / 2
    return round(hours * 60)


# Difficulty from what a GPX file tells (it knows nothing about the path's surface,
# steepness or exposure, which the DAV's blue/red/black and the SAC's T1–T6 are about): the
# effort in "Leistungskilometer" (performance kilometres, as the Swiss hiking trails and the
# DAV's tour planning use them: 1 km on the level ≈ 100 m of ascent) plus the ascent alone.
#   easy:   at most 12 performance km and at most 300 m ascent (a half-day walk, no real climb)
#   hard:   more than 25 performance km or more than 1000 m ascent (a long day, good condition)
#   medium: everything between.
# A route reaching 1000 m or more (on the Harz: only the Brocken massif) is at least medium:
# open summit, fog and wind, the weather changes faster than in the valleys. Unknown ascent:
# the length alone decides.
EASY_MAX_EFFORT_KM = 12
EASY_MAX_ASCENT_M = 300
HARD_MIN_EFFORT_KM = 25
HARD_MIN_ASCENT_M = 1000
HIGH_ELEVATION_M = 1000


def effort_km(length_km: float, ascent_m: float | None) -> float:
    """Performance kilometres: length + 1 km per 100 m of ascent."""
    return length_km + (ascent_m or 0) / 100


def difficulty(length_km: float, ascent_m: float | None, max_ele_m: float | None) -> str:
    """ "easy", "medium" or "hard" by the rule above."""
    effort = effort_km(length_km, ascent_m)
    ascent = ascent_m or 0
    if effort > HARD_MIN_EFFORT_KM or ascent > HARD_MIN_ASCENT_M:
        return "hard"
    if effort <= EASY_MAX_EFFORT_KM and ascent <= EASY_MAX_ASCENT_M:
        if max_ele_m is not None and max_ele_m >= HIGH_ELEVATION_M:
            return "medium"
        return "easy"
    return "medium"
