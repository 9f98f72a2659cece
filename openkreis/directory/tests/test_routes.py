"""directory.routes: GPX import and re-import, county data, places along the route, stops,
the elevation profile."""

from __future__ import annotations

import pytest
from django.conf import settings

from openkreis.core.geo import bounding_box, stop_finders
from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.directory import routes
from openkreis.directory.models import Route
from openkreis.tickets.models_transit import Feed, TransitStop

from .factories import d3_gpx, d3_place, d3_route

pytestmark = pytest.mark.django_db


def test_import_stores_every_figure():
    route, changed = routes.import_gpx(d3_gpx(steps=30), slug="D3 Import Runde")
    assert changed and route.slug == "d3-import-runde"
    assert route.name == "Testrunde D3"
    # 30 steps of 0.0009° latitude ≈ 30 × 100.07 m
    assert 2990 < route.length_m < 3015
    assert (route.ascent_m, route.descent_m) == (300, 0)
    assert (route.min_ele_m, route.max_ele_m) == (300, 600)
    # DIN 33466: horizontal 3.002 km / 4 = 0.7505 h, vertical 300 / 300 = 1 h
    # → 1 + 0.7505 / 2 = 1.37525 h = 82.5 min → 83
    assert route.walking_minutes == 83
    assert route.difficulty == "easy"
    assert (route.start_lat, route.start_lon) == (51.7, 10.6)
    assert route.end_lat == pytest.approx(51.727)
    # a straight line: start and end are enough
    assert [p[3] for p in route.track] == [0, pytest.approx(route.length_m, abs=1)]
    assert route.gpx.startswith("<?xml")


def test_reimport_by_slug_updates_and_an_unchanged_file_writes_nothing():
    route = d3_route(slug="d3-reimport")
    stamp = route.updated_at
    again, changed = routes.import_gpx(d3_gpx(), slug="d3-reimport")
    assert again.pk == route.pk and not changed
    again.refresh_from_db()
    assert again.updated_at == stamp
    longer, changed = routes.import_gpx(d3_gpx(steps=60, name="Länger"), slug="d3-reimport")
    assert changed and longer.pk == route.pk
    longer.refresh_from_db()
    assert longer.name == "Länger" and longer.length_m > 5900
    assert Route.objects.filter(slug="d3-reimport").count() == 1


def test_a_file_without_elevation_is_unknown_not_zero():
    route = d3_route(slug="d3-flach", ele=None)
    assert not routes.elevation_known(route)
    assert route.min_ele_m is None and route.max_ele_m is None
    assert routes.profile_rows(route) != []
    assert all(ele is None for _km, ele in routes.profile_rows(route))
    assert routes.profile_svg(route, title="t", label="l") == ""


@pytest.mark.parametrize("data", ["", "<html></html>", d3_gpx(steps=0), b"\xff\xfe<gpx"])
def test_a_broken_file_is_a_route_error(data):
    with pytest.raises(routes.RouteError):
        routes.import_gpx(data, slug="d3-kaputt")
    assert not Route.objects.filter(slug="d3-kaputt").exists()


def test_county_data_reads_the_routes_folder(tmp_path):
    folder = tmp_path / "harz"
    (folder / "routes").mkdir(parents=True)
    (folder / "routes" / "d3-ordner-runde.gpx").write_text(d3_gpx(name="Ordnerrunde"))
    report = LoadReport()
    routes.load(None, folder, report)
    assert report.created == 1
    assert Route.objects.get(slug="d3-ordner-runde").name == "Ordnerrunde"
    report = LoadReport()
    routes.load(None, folder, report)
    assert (report.created, report.updated) == (0, 0)
    (folder / "routes" / "d3-ordner-runde.gpx").write_text(d3_gpx(name="Neu", steps=10))
    routes.load(None, folder, report)
    assert report.updated == 1
    (folder / "routes" / "d3-kaputt.gpx").write_text("<gpx><trk>")
    with pytest.raises(TenantDataError, match="d3-kaputt.gpx"):
        routes.load(None, folder, LoadReport())


def test_the_harz_routes_load_with_their_figures():
    from pathlib import Path

    folder = Path(settings.OPENKREIS_TENANTS_DIR) / "harz"
    report = LoadReport()
    routes.load(None, folder, report)
    brocken = Route.objects.get(slug="wernigerode-brocken")
    assert brocken.max_ele_m == 1141 and brocken.ascent_m > 800
    assert brocken.difficulty == "hard"
    assert Route.objects.get(slug="bodetal-thale-treseburg").difficulty == "easy"


# --- places along the route -------------------------------------------------------------


def _east_of(lat: float, lon: float, metres: float) -> float:
    """The longitude `metres` east of (lat, lon)."""
    _s, _n, _w, east = bounding_box(lat, lon, metres)
    return east


def test_places_within_200_m_are_found_with_their_kilometre():
    route = d3_route(slug="d3-entlang", steps=30)  # 51.700 → 51.727 along 10.6°E
    near = d3_place("D3 Hütte 150 m", 51.718, _east_of(51.718, 10.6, 150))
    far = d3_place("D3 Hütte 250 m", 51.712, _east_of(51.712, 10.6, 250))
    hidden = d3_place("D3 Hütte unveröffentlicht", 51.71, 10.6, published=False)
    beyond_end = d3_place("D3 hinter dem Ende", 51.7295, 10.6)  # ≈ 280 m past the end
    west = d3_place("D3 westlich 190 m", 51.7045, 10.6 - (_east_of(51.7045, 10.6, 190) - 10.6))
    found = routes.places_along(route)
    names = [p.place.name for p in found]
    assert names == ["D3 westlich 190 m", "D3 Hütte 150 m"]
    by_name = {p.place.name: p for p in found}
    assert by_name["D3 Hütte 150 m"].distance_m == pytest.approx(150, abs=2)
    # 0.018° north of the start ≈ 2.0 km
    assert by_name["D3 Hütte 150 m"].km == 2.0
    assert by_name["D3 westlich 190 m"].km == 0.5
    assert {far.name, hidden.name, beyond_end.name}.isdisjoint(names)
    assert near.name in names and west.name in names


def test_places_near_the_gap_between_two_segments_are_not_along_the_route():
    head = d3_gpx(steps=5).split("<trkseg>")[0]
    seg = "".join(
        f'<trkpt lat="{51.70 + i * 0.0009:.6f}" lon="10.600000"><ele>300</ele></trkpt>'
        for i in range(6)
    )
    seg2 = "".join(
        f'<trkpt lat="{51.75 + i * 0.0009:.6f}" lon="10.600000"><ele>300</ele></trkpt>'
        for i in range(6)
    )
    text = f"{head}<trkseg>{seg}</trkseg><trkseg>{seg2}</trkseg></trk></gpx>"
    route, _ = routes.import_gpx(text, slug="d3-luecke")
    assert 990 < route.length_m < 1010  # the 5 km gap is not walked
    d3_place("D3 in der Lücke", 51.725, 10.6)  # on the straight line across the gap
    d3_place("D3 am zweiten Stück", 51.751, 10.601)
    names = [p.place.name for p in routes.places_along(route)]
    assert names == ["D3 am zweiten Stück"]


# --- stops --------------------------------------------------------------------------------


def test_stops_at_start_and_end_come_from_the_gtfs_stops():
    assert "tickets" in dict(stop_finders.items())
    feed = Feed.objects.create(key="d3-feed", sha256="0" * 64)
    TransitStop.objects.create(
        feed=feed, stop_id="d3a", name="D3 Start Haltestelle", lat=51.7005, lon=10.601
    )
    TransitStop.objects.create(
        feed=feed, stop_id="d3b", name="D3 Ziel Haltestelle", lat=51.727, lon=10.6015
    )
    TransitStop.objects.create(feed=feed, stop_id="d3c", name="D3 Weit weg", lat=51.80, lon=10.6)
    route = d3_route(slug="d3-bus", steps=30)
    start, end = routes.stops_at_start_and_end(route)
    # (the test route ends near Braunlage: the county's demo feed may have stops there, too)
    assert start[0].name == "D3 Start Haltestelle"
    assert end[0].name == "D3 Ziel Haltestelle"
    assert "D3 Weit weg" not in {s.name for s in start + end}
    assert 50 < start[0].distance_m < 120
    assert start[0].url.endswith(
        f"/ausflug/haltestelle/{TransitStop.objects.get(stop_id='d3a').pk}/"
    )


def test_without_a_stop_finder_there_are_no_stops():
    route = d3_route(slug="d3-ohne-bus")
    finder = stop_finders["tickets"]
    stop_finders.unregister("tickets")
    try:
        assert routes.stops_at_start_and_end(route) == ([], [])
    finally:
        stop_finders.register("tickets", finder)


# --- the elevation profile ------------------------------------------------------------------


def test_profile_rows_every_500_m_and_the_end():
    route = d3_route(slug="d3-profil", steps=30)  # ≈ 3002 m, 300 → 600 m
    rows = routes.profile_rows(route)
    assert [km for km, _ele in rows] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    assert rows[0][1] == 300 and rows[-1][1] == 600
    assert rows[2][1] == pytest.approx(400, abs=1)  # linear along the straight climb


def test_profile_svg_is_an_accessible_image():
    route = d3_route(slug="d3-svg", steps=30)
    svg = routes.profile_svg(route, title="Höhenprofil <Test>", label="von 300 m bis 600 m")
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-label="von 300 m bis 600 m"' in svg
    assert "<title>Höhenprofil &lt;Test&gt;</title>" in svg
    assert "600 m</text>" in svg and "3 km</text>" in svg
