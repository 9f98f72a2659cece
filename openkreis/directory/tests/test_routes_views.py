"""The hiking route pages: list with filters, route page, GPX download, route sheet (PDF)."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse as django_reverse
from django.utils import translation
from pypdf import PdfReader

from openkreis.core import event_kinds
from openkreis.core.geo import stop_finders
from openkreis.core.models import Event
from openkreis.directory import routes
from openkreis.tickets.models_transit import Feed, TransitStop

from .factories import d3_gpx, d3_place, d3_route

pytestmark = pytest.mark.django_db


def reverse(name, args=None):
    """The English page (/en/…): the tests read the source strings."""
    with translation.override("en"):
        return django_reverse(name, args=args)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def three():
    """An easy, a medium and a hard route (figures from their GPX files)."""
    easy = d3_route(slug="d3-leicht", name="D3 Leichte Runde", steps=20, ele=lambda i: 300)
    medium = d3_route(
        slug="d3-mittel", name="D3 Mittlere Runde", steps=60, ele=lambda i: 300 + 8 * i
    )
    hard = d3_route(
        slug="d3-schwer", name="D3 Schwere Tour", steps=120, step=0.0018, ele=lambda i: 300 + 9 * i
    )
    assert (easy.difficulty, medium.difficulty, hard.difficulty) == ("easy", "medium", "hard")
    return easy, medium, hard


def test_the_list_shows_the_figures_and_filters_without_javascript(client, three):
    easy, medium, hard = three
    response = client.get(reverse("directory:routes"))
    assert response.status_code == 200
    page = text(response)
    for route in three:
        assert route.name in page
    assert '<form class="filter-form route-filter" method="get"' in page
    assert "2.0 km" in page and "480 m" in page  # the medium route: 6 km, 480 m up
    response = client.get(reverse("directory:routes"), {"schwierigkeit": "schwer"})
    names = [row["route"].name for row in response.context["rows"]]
    assert hard.name in names and easy.name not in names and medium.name not in names
    response = client.get(reverse("directory:routes"), {"hoechstens_km": "6,5"})
    names = [row["route"].name for row in response.context["rows"]]
    assert easy.name in names and medium.name in names and hard.name not in names


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"schwierigkeit": "extrem"}, "Please choose a difficulty from the list."),
        ({"hoechstens_km": "weit"}, "number of kilometres from 1 to 200"),
        ({"hoechstens_km": "-3"}, "number of kilometres from 1 to 200"),
        ({"hoechstens_km": "nan"}, "number of kilometres from 1 to 200"),
        ({"hoechstens_km": "1e999"}, "number of kilometres from 1 to 200"),
    ],
)
def test_a_wrong_filter_is_400_with_a_message(client, params, message):
    response = client.get(reverse("directory:routes"), params)
    assert response.status_code == 400
    assert message in text(response)


def test_the_route_page_has_figures_profile_table_map_places_and_stops(client):
    route = d3_route(slug="d3-seite", name="D3 Seitenrunde", steps=30)
    d3_place("D3 Gasthaus am Weg", 51.712, 10.6012)
    feed = Feed.objects.create(key="d3-view-feed", sha256="1" * 64)
    stop = TransitStop.objects.create(
        feed=feed, stop_id="d3v", name="D3 Waldhaus Haltestelle", lat=51.7003, lon=10.6008
    )
    before = Event.objects.filter(
        kind=event_kinds.DIRECTORY_ROUTE_VIEWED, subject=route.slug
    ).count()
    response = client.get(reverse("directory:route", args=[route.slug]))
    assert response.status_code == 200
    page = text(response)
    assert "<h1>D3 Seitenrunde</h1>" in page
    assert "3.0 km" in page and "300 m" in page and "1 h 23 min" in page
    assert 'role="img"' in page and "<title>Elevation profile of D3 Seitenrunde</title>" in page
    assert "<caption" in page and "<td>1.5 km</td><td>450 m</td>" in page
    assert 'class="route-map-block" hidden' in page and "directory/route-map.js" in page
    assert "km 1.3" in page and "D3 Gasthaus am Weg" in page
    assert "D3 Waldhaus Haltestelle" in page and f"/ausflug/haltestelle/{stop.pk}/" in page
    assert reverse("directory:route_gpx", args=[route.slug]) in page
    assert reverse("directory:route_sheet", args=[route.slug]) in page
    events = Event.objects.filter(kind=event_kinds.DIRECTORY_ROUTE_VIEWED, subject=route.slug)
    assert events.count() == before + 1
    assert events.last().data == {"route": route.slug}


def test_without_elevation_the_page_says_unknown_and_at_least(client):
    route = d3_route(slug="d3-ohne-hoehe", name="D3 Ohne Höhe", ele=None)
    page = text(client.get(reverse("directory:route", args=[route.slug])))
    assert "unknown" in page and "at least" in page
    assert 'role="img"' not in page
    assert "has no elevation" in page


def test_without_a_stop_finder_the_page_says_nothing_about_buses(client):
    route = d3_route(slug="d3-kein-bus")
    finder = stop_finders["tickets"]
    stop_finders.unregister("tickets")
    try:
        page = text(client.get(reverse("directory:route", args=[route.slug])))
    finally:
        stop_finders.register("tickets", finder)
    assert "By bus" not in page and "Stops near" not in page


def test_unknown_and_unpublished_routes_are_404(client):
    hidden = d3_route(slug="d3-versteckt")
    hidden.published = False
    hidden.save()
    for name in ("directory:route", "directory:route_gpx", "directory:route_sheet"):
        assert client.get(reverse(name, args=["d3-gibt-es-nicht"])).status_code == 404
        assert client.get(reverse(name, args=[hidden.slug])).status_code == 404
    assert "d3-versteckt" not in text(client.get(reverse("directory:routes")))


def test_the_gpx_download_is_the_original_file(client):
    source = d3_gpx(name="D3 Download")
    route, _ = routes.import_gpx(source, slug="d3-download")
    response = client.get(reverse("directory:route_gpx", args=[route.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/gpx+xml"
    assert 'filename="d3-download.gpx"' in response["Content-Disposition"]
    assert response.content.decode() == source


def test_the_route_sheet_is_a_pdf_with_the_route(client):
    route = d3_route(slug="d3-blatt", name="D3 Blattrunde", steps=30)
    d3_place("D3 Hütte fürs Blatt", 51.712, 10.6012)
    response = client.get(reverse("directory:route_sheet", args=[route.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    content = " ".join(page.extract_text() for page in reader.pages)
    assert "D3 Blattrunde" in content
    assert "D3 Hütte fürs Blatt" in content
    assert "Elevation profile" in content
    assert len(reader.pages[0].mediabox) == 4
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
