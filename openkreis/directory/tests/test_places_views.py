"""The resident's pages (views_places.py): start page, list without JavaScript, bad input
answered 400 with a message, the place page, the map's GeoJSON, the placeholder tile."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from openkreis.core.models import Event
from openkreis.directory.models import MissedSearch, Place

from .factories import d2_category, d2_municipality, d2_open, d2_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat():
    return d2_category("d2-view-kat", "culture", "Heimatstube D2")


def test_start_page(client, cat):
    response = client.get(reverse("directory:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'action="/kompass/orte/"' in html
    assert f'href="/kompass/orte/?kategorie={cat.slug}"' in html
    assert 'href="/kompass/orte/?gruppe=culture"' in html
    assert 'name="offen"' in html and 'name="rollstuhl"' in html
    assert 'name="gemeinde"' in html and ">Wernigerode<" in html
    assert "data-near-me" in html and "hidden" in html  # the button waits for JavaScript


def test_list_without_javascript(client, cat):
    now = timezone.now()
    museum = d2_place("Museum am Markt D2", category=cat, opening_hours="Mo-Su 00:00-24:00")
    d2_open(museum, now - dt.timedelta(hours=1), now + dt.timedelta(hours=2))
    d2_place(
        "Stube im Tal D2",
        category=cat,
        opening_hours="Mo 08:00-09:00",
        wheelchair=Place.Wheelchair.YES,
    )
    response = client.get(reverse("directory:places"), {"kategorie": cat.slug})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Museum am Markt D2") < html.index("Stube im Tal D2")  # by name
    assert 'href="/kompass/orte/museum-am-markt-d2/"' in html
    assert "badge-open" in html and "badge-closed" in html
    assert "badge-wheelchair" in html
    assert "Marktplatz 1" in html
    assert 'data-kompass-map="list"' in html  # the map block, hidden without JavaScript


def test_list_near_a_position_shows_distances(client, cat):
    d2_place("Weiter weg D2", 51.80, 10.7853, category=cat)
    d2_place("Ganz nah D2", 51.8360, 10.7853, category=cat)
    response = client.get(
        reverse("directory:places"), {"kategorie": cat.slug, "lat": "51.8358", "lon": "10.7853"}
    )
    html = response.content.decode()
    assert html.index("Ganz nah D2") < html.index("Weiter weg D2")
    assert re.search(r"22 m", html)
    assert 'value="51.83580"' in html  # the position stays in the form


def test_list_by_municipality_sorts_from_its_centre(client, cat):
    wr = d2_municipality()
    d2_place("Rand D2", 51.85, 10.80, category=cat, municipality=wr)
    d2_place("Zentrum D2", 51.8359, 10.7854, category=cat, municipality=wr)
    d2_place("Anderswo D2", 51.8359, 10.7854, category=cat)  # no municipality
    response = client.get(reverse("directory:places"), {"kategorie": cat.slug, "gemeinde": wr.ars})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Zentrum D2") < html.index("Rand D2")
    assert "Anderswo D2" not in html


def test_pagination(client, cat):
    for i in range(23):
        d2_place(f"Seite {i:02d} D2", category=cat)
    first = client.get(reverse("directory:places"), {"kategorie": cat.slug}).content.decode()
    second = client.get(
        reverse("directory:places"), {"kategorie": cat.slug, "seite": "2"}
    ).content.decode()
    assert "Seite 19 D2" in first and "Seite 20 D2" not in first
    assert "Seite 20 D2" in second and "Seite 22 D2" in second
    assert f"kategorie={cat.slug}&amp;seite=2" in first


@pytest.mark.parametrize(
    "params",
    [
        {"lat": "abc", "lon": "10.7"},
        {"lat": "51.8"},  # no longitude
        {"lat": "nan", "lon": "10.7"},
        {"lat": "91", "lon": "10.7"},
        {"umkreis": "7"},
        {"gemeinde": "999999999999"},
        {"gruppe": "space"},
        {"kategorie": "gibt-es-nicht"},
        {"kategorie": "../../etc"},
        {"q": "x" * 101},
        {"seite": "abc"},
        {"seite": "0"},
        {"seite": "99999999999999999999"},
    ],
)
def test_bad_parameters_answer_400_with_a_message(client, params):
    response = client.get(reverse("directory:places"), params, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert re.search(r"<ul><li>[^<]+</li>", html)


def test_geojson_same_filter_and_bbox(client, cat):
    d2_place("Im Fenster D2", 51.84, 10.79, category=cat, opening_hours="Mo 08:00-09:00")
    d2_place("Draußen D2", 51.70, 11.10, category=cat)
    url = reverse("directory:places_geojson")
    data = client.get(url, {"kategorie": cat.slug}).json()
    assert {f["properties"]["name"] for f in data["features"]} == {"Im Fenster D2", "Draußen D2"}
    data = client.get(url, {"kategorie": cat.slug, "bbox": "10.7,51.8,10.9,51.9"}).json()
    assert [f["properties"]["name"] for f in data["features"]] == ["Im Fenster D2"]
    feature = data["features"][0]
    assert feature["geometry"]["coordinates"] == [10.79, 51.84]
    assert feature["properties"]["url"] == "/kompass/orte/im-fenster-d2/"
    assert feature["properties"]["open"] is False
    assert data["truncated"] is False


@pytest.mark.parametrize(
    "params",
    [
        {"bbox": "1,2,3"},
        {"bbox": "a,b,c,d"},
        {"bbox": "11,51,10,52"},  # west > east
        {"bbox": "5,45,15,55"},  # too large
        {"bbox": "inf,51,10,52"},
        {"lat": "x", "lon": "1"},
    ],
)
def test_geojson_bad_parameters(client, params):
    response = client.get(reverse("directory:places_geojson"), params)
    assert response.status_code == 400
    assert response.json()["error"]


def test_place_page(client, cat):
    wr = d2_municipality()
    place = d2_place(
        "Heimatstube Schierke D2",
        category=cat,
        municipality=wr,
        opening_hours="Mo-Fr 10:00-16:00; Sa 10:00-12:00",
        wheelchair=Place.Wheelchair.LIMITED,
        toilet_wheelchair=True,
        languages=["de", "en"],
        phone="03943 123456",
        website="https://example.org/heimatstube",
        description="Alte Dinge <b>aus</b> dem Harz",
    )
    before = Event.objects.filter(kind="directory.place_viewed").count()
    response = client.get(reverse("directory:place", args=[place.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Heimatstube Schierke D2</h1>" in html
    assert html.count("<tr") == 8  # head + seven days
    assert "10:00–16:00" in html and "10:00–12:00" in html
    assert "&lt;b&gt;aus&lt;/b&gt;" in html  # escaped
    assert 'id="place-now"' in html
    ld = json.loads(re.search(r'application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert ld["@type"] == "Place" and ld["name"] == "Heimatstube Schierke D2"
    assert ld["geo"]["latitude"] == place.lat
    assert ld["address"]["postalCode"] == "38855"
    assert 'data-kompass-map="place"' in html and 'data-lat="51.835800"' in html
    event = Event.objects.filter(kind="directory.place_viewed").order_by("pk").last()
    assert Event.objects.filter(kind="directory.place_viewed").count() == before + 1
    assert event.data == {"category": cat.slug, "municipality": wr.ars}


def test_place_page_without_hours(client, cat):
    place = d2_place("Ohne Zeiten D2", category=cat)
    html = client.get(reverse("directory:place", args=[place.slug])).content.decode()
    assert "hours-table" not in html


def test_unpublished_or_unknown_place_404(client, cat):
    place = d2_place("Entwurf D2", category=cat, published=False)
    assert client.get(reverse("directory:place", args=[place.slug])).status_code == 404
    assert client.get("/kompass/orte/gibt-es-nicht/").status_code == 404


def test_search_events_and_missed_searches(client):
    before = Event.objects.filter(kind="directory.searched").count()
    url = reverse("directory:places")
    client.get(url, {"q": "Quxxelbahn", "offen": "1"})
    client.get(url, {"q": "quxxelbahn "})
    client.get(url, {"q": "quxxelbahn", "seite": "2"})  # later pages are no new search
    assert MissedSearch.objects.get(query="quxxelbahn", day=timezone.localdate()).count == 2
    events = list(Event.objects.filter(kind="directory.searched").order_by("pk")[before:])
    assert len(events) == 2
    assert events[0].data == {"category": "", "near": "", "open_now": True, "results": 0}


def test_placeholder_tile(client):
    response = client.get(reverse("directory:tile", args=[12, 2170, 1370]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(response.content))
    assert image.size == (256, 256)
    assert client.get("/kompass/kacheln/2/4/0.png").status_code == 404
    assert client.get("/kompass/kacheln/21/0/0.png").status_code == 404


def test_local_tile_setting(client, settings, cat):
    settings.OPENKREIS_DIRECTORY_TILE_URL = "local"
    d2_place("Kachel D2", category=cat)
    html = client.get(reverse("directory:places"), {"kategorie": cat.slug}).content.decode()
    assert 'data-tiles="/kompass/kacheln/{z}/{x}/{y}.png"' in html


def test_near_me_may_ask_for_the_position(client):
    for url in (reverse("directory:index"), reverse("directory:places")):
        assert "geolocation=(self)" in client.get(url)["Permissions-Policy"]
