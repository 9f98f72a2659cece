"""core.gpx: real-world GPX quirks, the climb's noise threshold, DIN 33466, difficulty."""

from __future__ import annotations

import random

import gpxpy
import pytest
from django.utils.translation import override

from openkreis.core import gpx
from openkreis.core.geo import distance_m

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"'


def track(*segments, extra_ns: str = "") -> str:
    body = "".join("<trkseg>" + "".join(segment) + "</trkseg>" for segment in segments)
    return f"{HEAD}{extra_ns}><trk><name>Test</name>{body}</trk></gpx>"


def pt(lat, lon, ele=None, tag="trkpt", inner=""):
    e = f"<ele>{ele}</ele>" if ele is not None else ""
    return f'<{tag} lat="{lat}" lon="{lon}">{e}{inner}</{tag}>'


# a line northwards along 10.6°E: a step of 0.0009° latitude ≈ 100 m
def line(n, ele=lambda i: None, lat0=51.7, step=0.0009):
    return [pt(round(lat0 + i * step, 6), 10.6, ele(i)) for i in range(n)]


# --- DIN 33466 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("km", "up", "down", "minutes"),
    [
        # 12 km, 600 m up, 600 m down: horizontal 3 h, vertical 600/300 + 600/500 = 2 + 1.2 =
        # 3.2 h → 3.2 + 3/2 = 4.7 h = 282 min
        (12, 600, 600, 282),
        # flat: 8 km = 2 h horizontal, no vertical → 2 h
        (8, 0, 0, 120),
        # steep and short: 4 km, 900 m up: horizontal 1 h, vertical 3 h → 3 + 0.5 = 3.5 h
        (4, 900, 0, 210),
        # 10 km, 300 m up, 300 m down: horizontal 2.5 h, vertical 1 + 0.6 = 1.6 h
        # → 2.5 + 0.8 = 3.3 h = 198 min
        (10, 300, 300, 198),
        # only down: 6 km, 1000 m down: horizontal 1.5 h, vertical 2 h → 2 + 0.75 = 2.75 h
        (6, 0, 1000, 165),
    ],
)
def test_walking_time_by_din_33466(km, up, down, minutes):
    assert gpx.walking_minutes(km, up, down) == minutes


def test_unknown_climb_counts_as_flat_for_the_walking_time():
    assert gpx.walking_minutes(8, None, None) == 120


# --- parsing quirks ----------------------------------------------------------------------


def test_two_segments_the_gap_is_not_counted():
    first = line(3, ele=lambda i: 300 + 10 * i)  # 2 steps north, 300 → 320 m
    # the second segment starts 5 km further north (a bus ride), 2 steps, 500 → 480 m
    second = line(3, ele=lambda i: 500 - 10 * i, lat0=51.75)
    result = gpx.analyse(track(first, second))
    step = distance_m(51.7, 10.6, 51.7009, 10.6)
    assert result.length_m == pytest.approx(4 * step, rel=1e-6)
    # the 180 m between the segments are neither ascent nor descent
    assert (result.ascent_m, result.descent_m) == (20, 20)
    assert (result.min_ele_m, result.max_ele_m) == (300, 500)
    # gpxpy's own length_2d counts no gap either, but its climb jumps across it
    parsed = gpxpy.parse(track(first, second))
    assert parsed.length_2d() == pytest.approx(result.length_m, rel=2e-3)
    # the simplified track keeps the gap: two parts for the map
    parts = gpx.segments_of(result.track)
    assert len(parts) == 2
    assert parts[1][0][3] == parts[0][-1][3]


def test_a_file_without_elevation_has_unknown_ascent_not_zero():
    result = gpx.analyse(track(line(5)))
    assert result.ascent_m is None and result.descent_m is None
    assert result.min_ele_m is None and result.max_ele_m is None
    assert not result.has_elevation
    assert all(p[2] is None for p in result.track)
    assert result.length_m == pytest.approx(400.3, abs=0.1)


def test_points_without_ele_in_a_file_with_some_are_skipped_not_zero():
    points = line(5, ele=lambda i: None if i == 2 else 400 + 10 * i)
    result = gpx.analyse(track(points))
    assert (result.ascent_m, result.descent_m, result.min_ele_m) == (40, 0, 400)


def test_a_route_file_rte_is_read_like_a_track():
    points = "".join(pt(51.7 + i * 0.0009, 10.6, 200 + 20 * i, tag="rtept") for i in range(4))
    text = f"{HEAD}><rte><name>Geplante Route</name>{points}</rte></gpx>"
    result = gpx.analyse(text)
    assert result.name == "Geplante Route"
    assert result.ascent_m == 60
    assert result.length_m == pytest.approx(3 * distance_m(51.7, 10.6, 51.7009, 10.6))


def test_a_garmin_file_with_extensions_and_times():
    ns = (
        ' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"'
        ' xmlns:gpxx="http://www.garmin.com/xmlschemas/GpxExtensions/v3"'
    )
    points = [
        pt(
            51.7 + i * 0.0009,
            10.6,
            f"{300 + 6 * i}.4",
            inner=f"<time>2026-05-01T08:{i:02d}:00Z</time><extensions><gpxtpx:TrackPointExtension>"
            f"<gpxtpx:hr>{100 + i}</gpxtpx:hr><gpxtpx:cad>80</gpxtpx:cad>"
            "</gpxtpx:TrackPointExtension></extensions>",
        )
        for i in range(6)
    ]
    text = track(points, extra_ns=ns).replace(
        "<trk><name>Test</name>",
        '<metadata><link href="http://www.garmin.com"><text>Garmin International</text></link>'
        "</metadata><trk><name>Brocken 01.05.</name><extensions><gpxx:TrackExtension>"
        "<gpxx:DisplayColor>Red</gpxx:DisplayColor></gpxx:TrackExtension></extensions>",
    )
    result = gpx.analyse(text.encode("utf-8"))
    assert result.name == "Brocken 01.05."
    assert result.ascent_m == 30
    assert (result.min_ele_m, result.max_ele_m) == (300, 330)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "ist leer"),
        (b"   \n", "ist leer"),
        ("<html><body>nope</body></html>", "keine lesbare GPX-Datei"),
        ("<gpx><trk>", "keine lesbare GPX-Datei"),
        (f"{HEAD}></gpx>", "keinen Track und keine Route mit mindestens zwei"),
        (track([pt(51.7, 10.6, 100)]), "keinen Track und keine Route mit mindestens zwei"),
        (b"\xff\xfe<gpx", "kein UTF-8-Text"),
    ],
)
def test_broken_and_empty_files_are_a_clear_error(data, message):
    """The messages are the user's: German (the tests run in the portal's language)."""
    with override("de"), pytest.raises(gpx.GPXError, match=message):
        gpx.analyse(data)


def test_waypoints_are_kept_with_their_type():
    text = track(line(3)).replace(
        "<trk>",
        '<wpt lat="51.7" lon="10.6"><name> Gasthaus </name><type>Inn</type></wpt><trk>',
    )
    (wpt,) = gpx.analyse(text).waypoints
    assert (wpt.name, wpt.kind) == ("Gasthaus", "inn")


# --- the climb: noise threshold -----------------------------------------------------------


def test_noise_on_flat_ground_is_not_ascent_but_gpxpy_counts_some():
    rng = random.Random(21)
    # 200 points on the level at 400 m with ±2 m jitter (a phone's barometer)
    points = line(200, ele=lambda i: round(400 + rng.uniform(-2, 2), 1), step=0.0001)
    text = track(points)
    result = gpx.analyse(text)
    assert result.ascent_m == 0 and result.descent_m == 0
    gpxpy_up = gpxpy.parse(text).get_uphill_downhill().uphill
    assert gpxpy_up > 20  # summing every smoothed rise turns the jitter into "ascent"


def test_a_real_climb_with_noise_is_counted_about_right():
    rng = random.Random(7)
    # 300 m up in 300 points with ±2 m jitter, then 300 m down
    up = [300 + i + rng.uniform(-2, 2) for i in range(300)]
    down = [600 - i + rng.uniform(-2, 2) for i in range(300)]
    elevations = up + down
    ascent, descent = gpx.climb(elevations)
    assert 290 <= ascent <= 310
    assert 290 <= descent <= 310


def test_the_threshold_is_hysteresis_not_a_per_step_filter():
    # 1 m steps: each step is below 5 m, the climb of 100 m is still counted in full
    assert gpx.climb([float(e) for e in range(100, 201)]) == (100.0, 0.0)
    # a 4 m bump and back is noise
    assert gpx.climb([100.0, 104.0, 100.0]) == (0.0, 0.0)
    # a 6 m bump and back counts
    assert gpx.climb([100.0, 106.0, 100.0]) == (6.0, 6.0)


# --- simplification ----------------------------------------------------------------------


def test_a_long_track_is_simplified_to_500_points_with_true_distances():
    rng = random.Random(3)
    points, lat, lon = [], 51.7, 10.6
    for i in range(3000):
        lat += 0.0001 + rng.uniform(-0.00005, 0.00005)
        lon += rng.uniform(-0.0002, 0.0002)
        points.append(pt(round(lat, 6), round(lon, 6), 300 + (i % 50)))
    result = gpx.analyse(track(points))
    assert 2 <= len(result.track) <= gpx.MAX_POINTS
    assert result.track[0][3] == 0
    assert result.track[-1][3] == pytest.approx(result.length_m, abs=0.1)
    metres = [p[3] for p in result.track]
    assert metres == sorted(metres)


def test_a_straight_line_simplifies_to_its_ends():
    result = gpx.analyse(track(line(50, ele=lambda i: 300)))
    assert len(result.track) == 2


# --- difficulty --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("km", "up", "top", "level"),
    [
        (6, 90, 270, "easy"),  # Bodetal-like: short, little climb
        (10, 200, 600, "easy"),  # 12 performance km, 200 m
        (10, 350, 600, "medium"),  # more than 300 m of ascent
        (6, 150, 1141, "medium"),  # short, but on the Brocken
        (16.6, 906, 1141, "hard"),  # Wernigerode–Brocken: 25.7 performance km
        (8, 1100, 900, "hard"),  # more than 1000 m ascent
        (26, None, None, "hard"),  # unknown ascent: the length decides
        (11, None, None, "easy"),
    ],
)
def test_difficulty_rule(km, up, top, level):
    assert gpx.difficulty(km, up, top) == level


def test_the_harz_demo_routes_parse(settings):
    from pathlib import Path

    folder = Path(settings.OPENKREIS_TENANTS_DIR) / "harz" / "routes"
    found = {p.stem: gpx.analyse(p.read_text(encoding="utf-8")) for p in folder.glob("*.gpx")}
    brocken = found["wernigerode-brocken"]
    assert brocken.max_ele_m == 1141 and brocken.ascent_m > 800
    assert brocken.difficulty == "hard"


def test_a_straight_path_over_a_hill_keeps_the_hill_in_the_profile():
    # due north (a straight line on the map), 500 m up to the top in the middle and down again
    points = line(41, ele=lambda i: 300 + 25 * (i if i <= 20 else 40 - i))
    result = gpx.analyse(track(points))
    assert (result.ascent_m, result.descent_m) == (500, 500)
    elevations = [p[2] for p in result.track]
    assert max(elevations) == 800 and len(result.track) == 3
    assert result.track[1][3] == pytest.approx(result.length_m / 2, abs=0.1)
