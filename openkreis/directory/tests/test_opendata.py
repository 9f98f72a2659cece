"""Open data of the Harz-Kompass (opendata.py): published places only, as GeoJSON and CSV with
the same columns, no personal data, each row's licence (ODbL for OSM rows), and the DCAT-AP.de
metadata naming both distributions and the county's licence."""

import csv
import io
import json

import pytest

from openkreis.directory import opendata
from openkreis.directory.tests.factories import d6_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(harz):
    shown = d6_place("Stadtbibliothek D6-Open", toilet_wheelchair=True, languages=["de", "en"])
    hidden = d6_place("Entwurf D6-Open", published=False)
    osm = d6_place("Freibad D6-Open", source="osm", source_ref="node/4711")
    return shown, hidden, osm


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_geojson_has_the_published_places(client, places):
    shown, hidden, osm = places
    response = client.get("/kompass/daten/orte.geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(_body(response))
    assert data["type"] == "FeatureCollection"
    by_name = {f["properties"]["name"]: f for f in data["features"]}
    assert "Entwurf D6-Open" not in by_name
    feature = by_name["Stadtbibliothek D6-Open"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [10.7853, 51.8358]}
    props = feature["properties"]
    assert props["id"] == str(shown.key)
    assert props["category"] == "d6-museum"
    assert props["opening_hours"] == "Mo-Su 10:00-17:00"
    assert props["toilet_wheelchair"] == "yes" and props["parking_wheelchair"] == ""
    assert props["languages"] == "de;en"
    assert props["licence"] == "dl-de/by-2-0"
    assert by_name["Freibad D6-Open"]["properties"]["licence"] == "ODbL-1.0"
    assert set(props) == set(opendata.COLUMNS) - {"lat", "lon"}


def test_csv_has_the_same_columns(client, places):
    response = client.get("/kompass/daten/orte.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = _body(response)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows and list(rows[0]) == opendata.COLUMNS
    names = {r["name"] for r in rows}
    assert "Stadtbibliothek D6-Open" in names and "Entwurf D6-Open" not in names
    row = next(r for r in rows if r["name"] == "Stadtbibliothek D6-Open")
    assert (row["lat"], row["lon"], row["postcode"]) == ("51.8358", "10.7853", "38855")


def test_no_personal_or_internal_fields(client, places):
    text = _body(client.get("/kompass/daten/orte.csv"))
    header = text.lstrip("\ufeff").splitlines()[0]
    for internal in ("published", "created_at", "slug", "source_ref", "description"):
        assert internal not in header.split(",")


def test_dcat_metadata(client, places):
    response = client.get("/kompass/daten/katalog.jsonld")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    data = json.loads(response.content)
    assert data["@type"] == "dcat:Dataset"
    assert data["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    assert data["dct:license"] == {"@id": "http://dcat-ap.de/def/licenses/dl-by-de/2.0"}
    assert data["dct:publisher"]["foaf:name"] == harz_name()
    urls = {d["dcat:downloadURL"]["@id"] for d in data["dcat:distribution"]}
    assert urls == {
        "http://testserver/kompass/daten/orte.geojson",
        "http://testserver/kompass/daten/orte.csv",
    }
    formats = {d["dct:format"]["@id"].rsplit("/", 1)[1] for d in data["dcat:distribution"]}
    assert formats == {"GEOJSON", "CSV"}
    assert (
        "ODbL" in data["dct:description"]["@value"]
        or "Open Database" in data["dct:description"]["@value"]
    )
    assert data["dct:spatial"]["@id"].startswith(
        "http://dcat-ap.de/def/politicalGeocoding/districtKey/"
    )


def harz_name():
    from openkreis.core.models import Tenant

    return Tenant.objects.get(slug="harz").name


def test_the_open_data_page(client, places):
    response = client.get("/kompass/daten/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/kompass/daten/orte.geojson" in body and "/kompass/daten/orte.csv" in body
    assert "/kompass/daten/katalog.jsonld" in body
    assert "Datenlizenz Deutschland" in body


def test_only_get(client, places):
    assert client.post("/kompass/daten/orte.csv").status_code == 405


def test_an_unknown_licence_in_county_data_falls_back(harz, monkeypatch):
    assert opendata.licence_key() in opendata.LICENCES
