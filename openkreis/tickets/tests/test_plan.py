"""The guest's day planning pages (tickets/views_plan.py): plain GET forms and links, no
JavaScript; departures near the wallet's accommodation, a stop's departures, direct trips,
hiking routes from the GPX files with the stops at their start and end."""

import re
import uuid

import pytest
from django.urls import reverse as django_reverse
from django.utils import translation

from openkreis.accounts.models import Company
from openkreis.core.models import Region
from openkreis.tickets import hiking
from openkreis.tickets.models import Accommodation
from openkreis.tickets.models_transit import TransitStop

WERNIGERODE = "150850370370"


def reverse(name, args=None):
    """The English page (/en/…): the tests read the source strings."""
    with translation.override("en"):
        return django_reverse(name, args=args)


@pytest.fixture
def accommodation(harz):
    company = Company.objects.create(name="Pension am Bahnhof GmbH")
    return Accommodation.objects.create(
        company=company,
        name="Pension am Bahnhof",
        municipality=Region.objects.get(ars=WERNIGERODE),
        town="Wernigerode",
        lat=51.8372,
        lon=10.7840,
    )


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def no_script(response):
    """The page's own parts need no JavaScript: forms are GET forms with an action."""
    html = response.content.decode()
    for form in re.findall(r"<form[^>]*>", html):
        assert 'method="get"' in form or 'method="post"' in form
    assert "onclick" not in html


@pytest.mark.django_db
def test_the_planning_page_lists_the_forms_and_the_hiking_routes(client):
    response = client.get(reverse("tickets:plan"))
    assert response.status_code == 200
    page = text(response)
    assert 'action="/en/hatix/ausflug/verbindung/"' in page
    assert "Wernigerode – Brocken über Schierke" in page
    assert "Bodetal: Thale – Treseburg" in page
    assert '<option value="Schierke Ortsmitte">' in page
    no_script(response)


@pytest.mark.django_db
def test_the_wallet_link_shows_departures_near_the_accommodation(client, accommodation):
    response = client.get(reverse("tickets:plan"), {"unterkunft": str(accommodation.public_id)})
    assert response.status_code == 200
    boards = response.context["boards"]
    names = [b["stop"].name for b in boards]
    assert names[0] == "Wernigerode Hauptbahnhof"
    assert "Wernigerode Westerntor" in names
    assert boards[0]["distance"] < 200
    assert "Pension am Bahnhof" in text(response)
    # the search keeps the accommodation
    assert f'name="unterkunft" value="{accommodation.public_id}"' in text(response)


@pytest.mark.django_db
def test_an_unknown_or_malformed_accommodation_is_404(client, harz):
    assert client.get(reverse("tickets:plan"), {"unterkunft": "nonsense"}).status_code == 404
    assert client.get(reverse("tickets:plan"), {"unterkunft": str(uuid.uuid4())}).status_code == 404


@pytest.mark.django_db
def test_an_accommodation_without_position_asks_for_a_search(client, accommodation):
    Accommodation.objects.filter(pk=accommodation.pk).update(lat=None, lon=None)
    response = client.get(reverse("tickets:plan"), {"unterkunft": str(accommodation.public_id)})
    assert response.status_code == 200
    assert response.context["no_position"] is True


@pytest.mark.django_db
def test_search_by_stop_and_by_municipality(client, harz):
    response = client.get(reverse("tickets:plan"), {"q": "schierke"})
    names = [s.name for s in response.context["results"]]
    assert names == ["Schierke Ortsmitte", "Schierke Parkhaus"]
    # a municipality's name: the stops near its centre with their departures
    response = client.get(reverse("tickets:plan"), {"q": "Thale"})
    assert response.context["place"].name == "Thale"
    assert [b["stop"].name for b in response.context["boards"]] == ["Thale Busbahnhof"]
    response = client.get(reverse("tickets:plan"), {"q": "Atlantis"})
    assert response.status_code == 200
    assert "No stop matches" in text(response)


@pytest.mark.django_db
def test_a_stops_departures_at_a_chosen_time_and_later_ones(client, harz):
    stop = TransitStop.objects.get(name="Wernigerode Westerntor")
    url = reverse("tickets:plan_stop", args=[stop.pk])
    response = client.get(url, {"zeit": "2026-12-07T09:00"})
    assert response.status_code == 200
    page = text(response)
    deps = response.context["departures"]
    assert [(d.when.strftime("%H:%M"), d.line, d.headsign) for d in deps[:2]] == [
        ("10:14", "257", "Wernigerode Hauptbahnhof"),
        ("10:19", "257", "Braunlage Busbahnhof"),
    ]
    assert "Line 257" in page
    assert 'towards </span><span aria-hidden="true">→ </span>Braunlage Busbahnhof' in page
    assert 'href="?zeit=' in page
    later = client.get(url, {"zeit": response.context["later"]})
    assert later.context["departures"][0].when > deps[-1].when
    no_script(response)


@pytest.mark.django_db
def test_a_bad_time_is_400_with_a_message(client, harz):
    stop = TransitStop.objects.get(name="Wernigerode Westerntor")
    response = client.get(reverse("tickets:plan_stop", args=[stop.pk]), {"zeit": "gestern"})
    assert response.status_code == 400
    assert "There is a problem" in text(response)
    assert client.get(reverse("tickets:plan_stop", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_direct_buses_from_a_to_b(client, harz):
    response = client.get(
        reverse("tickets:plan_connection"),
        {
            "von": "Wernigerode Hauptbahnhof",
            "nach": "schierke ortsmitte",
            "zeit": "2026-12-07T09:00",
        },
    )
    assert response.status_code == 200
    first = response.context["connections"][0]
    assert (first.line, first.when.strftime("%H:%M"), first.arrival.strftime("%H:%M")) == (
        "257",
        "10:15",
        "10:51",
    )
    assert first.duration_minutes == 36
    assert "Wernigerode Hauptbahnhof to Schierke Ortsmitte, 36 min" in text(response)
    # the other way round is the other direction's trips
    back = client.get(
        reverse("tickets:plan_connection"),
        {
            "von": "Schierke Ortsmitte",
            "nach": "Wernigerode Hauptbahnhof",
            "zeit": "2026-12-07T09:00",
        },
    )
    assert back.context["connections"][0].headsign == "Wernigerode Hauptbahnhof"
    # no direct line between Schierke and Thale
    none = client.get(
        reverse("tickets:plan_connection"),
        {"von": "Schierke Ortsmitte", "nach": "Thale Busbahnhof", "zeit": "2026-12-07T09:00"},
    )
    assert none.status_code == 200 and none.context["connections"] == []
    assert "No direct bus in the next 24 hours" in text(none)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"von": "Atlantis", "nach": "Schierke Ortsmitte"}, "No stop of this name was found."),
        ({"von": "Wernigerode", "nach": "Schierke Ortsmitte"}, "Several stops match"),
        ({"von": "Schierke Ortsmitte", "nach": "Schierke Ortsmitte"}, "the same stop"),
        ({"von": "", "nach": "Schierke Ortsmitte"}, "This field is required."),
    ],
)
def test_a_bad_connection_search_is_400_with_a_message(client, harz, params, message):
    response = client.get(reverse("tickets:plan_connection"), params)
    assert response.status_code == 400
    assert message in text(response)


@pytest.mark.django_db
def test_hiking_routes_with_stops_at_start_and_end_and_places_along_the_way(client, harz):
    response = client.get(reverse("tickets:plan_routes"))
    assert response.status_code == 200
    response = client.get(reverse("tickets:plan_route", args=["bodetal-thale-treseburg"]))
    assert response.status_code == 200
    route = response.context["route"]
    assert 5 < route.length_km < 12
    assert [b["stop"].name for b in response.context["start"]][0] == "Thale Busbahnhof"
    assert [b["stop"].name for b in response.context["end"]][0] == "Treseburg Ortsmitte"
    page = text(response)
    assert "Gasthaus Königsruhe" in page and "(inn)" in page
    assert "Seilbahnen Thale" in page and "(offer)" in page
    # the Brocken has no bus stop within 2 km: said so, no error
    brocken = client.get(reverse("tickets:plan_route", args=["wernigerode-brocken"]))
    assert brocken.context["end"] == []
    assert "No bus stop within 2 km." in text(brocken)
    assert brocken.context["route"].ascent_m > 800
    assert client.get(reverse("tickets:plan_route", args=["nowhere"])).status_code == 404


def test_a_broken_gpx_file_is_a_clear_error(tmp_path):
    (tmp_path / "bad.gpx").write_text("<gpx><trk>")
    with pytest.raises(hiking.TenantDataError, match="bad.gpx"):
        hiking.routes(tmp_path)
    (tmp_path / "bad.gpx").write_text(
        '<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
        '<wpt lat="51.7" lon="10.6"><name>X</name><type>castle</type></wpt>'
        '<trk><trkseg><trkpt lat="51.7" lon="10.6"/><trkpt lat="51.71" lon="10.6"/>'
        "</trkseg></trk></gpx>"
    )
    with pytest.raises(hiking.TenantDataError, match="must be one of inn, offer"):
        hiking.routes(tmp_path)
