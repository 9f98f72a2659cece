"""The JSON API: services, competence, organisations, regions, autocomplete, OpenAPI schema."""

import re

import pytest
import yaml
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_valid_and_offline(client, harz):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    spec = yaml.safe_load(response.content)
    validate(spec)
    paths = spec["paths"]
    for path in [
        "/api/v1/services/",
        "/api/v1/services/{slug}/",
        "/api/v1/services/{slug}/competence/",
        "/api/v1/organisations/",
        "/api/v1/organisations/{key}/",
        "/api/v1/regions/",
        "/api/v1/search/autocomplete/",
    ]:
        assert path in paths, path
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    # every script and stylesheet from our own static files, none from another host (a CDN);
    # only the addresses are looked at — a random CSRF token may well contain "cdn"
    addresses = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html)
    assert addresses and not [a for a in addresses if re.match(r"(https?:)?//", a)]
    assert "/static/drf_spectacular_sidecar/" in html


def test_service_list_and_detail(client, harz):
    data = client.get("/api/v1/services/?limit=500").json()
    assert data["count"] >= 80
    slugs = {s["slug"] for s in data["results"]}
    assert "kfz-zulassung" in slugs
    detail = client.get("/api/v1/services/kfz-zulassung/").json()
    assert (
        detail["level"] == "county"
        and detail["documents"]
        and detail["url"].endswith("/leistungen/kfz-zulassung/")
    )
    topic = client.get("/api/v1/services/?topic=mobilitaet-reisen&limit=500").json()
    assert topic["count"] > 0
    assert all(s["ozg_topic"] == "mobilitaet-reisen" for s in topic["results"])


def test_competence_by_ags_and_by_shared_postcode(client, harz):
    one = client.get("/api/v1/services/wohnsitz-anmelden/competence/?ags=15085235").json()
    assert len(one) == 1 and one[0]["region_name"] == "Quedlinburg"
    assert one[0]["location"]["opening_hours"]
    many = client.get("/api/v1/services/wohnsitz-anmelden/competence/?postcode=06493").json()
    assert {a["region_name"] for a in many} >= {"Ballenstedt", "Harzgerode"}
    county = client.get("/api/v1/services/kfz-zulassung/competence/?ags=15085370").json()
    assert county[0]["organisation_key"] == "lra-harz"


def test_organisations_and_regions(client, harz):
    orgs = client.get("/api/v1/organisations/?limit=100").json()
    assert any(o["key"] == "lra-harz" for o in orgs["results"])
    lra = client.get("/api/v1/organisations/lra-harz/").json()
    unit_keys = {u["key"] for u in lra["units"]}
    assert {"fahrerlaubnisbehoerde", "kfz-zulassung", "jugendamt"} <= unit_keys
    regions = client.get("/api/v1/regions/?kind=municipality&limit=100").json()
    assert regions["count"] == 20
    by_plz = client.get("/api/v1/regions/?postcode=38820").json()
    assert [r["name"] for r in by_plz["results"]] == ["Halberstadt"]


def test_autocomplete(client, harz):
    hits = client.get("/api/v1/search/autocomplete/?q=f%C3%BChrersch").json()
    assert hits[0]["slug"] == "fahrerlaubnis-ersterteilung"
    assert hits[0]["url"] == "/leistungen/fahrerlaubnis-ersterteilung/"
    assert client.get("/api/v1/search/autocomplete/?q=").json() == []


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/services/no-such-service/", 404),
        ("/api/v1/services/?topic=kochen", 400),
        ("/api/v1/services/?level=galaxy", 400),
        ("/api/v1/services/?leika=12", 400),
        ("/api/v1/services/?limit=abc", 200),
        ("/api/v1/services/kfz-zulassung/competence/", 400),
        ("/api/v1/services/kfz-zulassung/competence/?ags=1&postcode=38820", 400),
        ("/api/v1/services/kfz-zulassung/competence/?ags=99999999", 404),
        ("/api/v1/services/kfz-zulassung/competence/?ags=%ff", 404),
        # a NUL anywhere in the query is refused (PostgreSQL text cannot hold it)
        ("/api/v1/services/kfz-zulassung/competence/?ags=%00%ff", 400),
        ("/api/v1/services/kfz-zulassung/competence/?postcode=3882", 400),
        ("/api/v1/services/kfz-zulassung/competence/?postcode=%27%3B--", 400),
        ("/api/v1/regions/?kind=planet", 400),
        ("/api/v1/regions/?postcode=x", 400),
        ("/api/v1/regions/123/", 404),
        ("/api/v1/organisations/nope/", 404),
        ("/api/v1/search/autocomplete/?q=a&limit=0", 400),
        ("/api/v1/search/autocomplete/?q=a&limit=x", 400),
        ("/api/v1/search/autocomplete/?q=" + "x" * 5000, 200),
        ("/api/v1/search/autocomplete/?q=%F0%9F%98%80%01", 200),
        ("/api/v1/search/autocomplete/?q=%F0%9F%98%80%00%01", 400),
    ],
)
def test_bad_input_gets_4xx_or_empty_never_500(client, harz, url, status):
    response = client.get(url)
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    if status >= 400:
        assert response.json()  # a message saying what was wrong


def test_error_messages_follow_the_language(client, harz):
    german = client.get("/api/v1/regions/?postcode=x", HTTP_ACCEPT_LANGUAGE="de").json()
    english = client.get("/api/v1/regions/?postcode=x", HTTP_ACCEPT_LANGUAGE="en").json()
    assert german == {"postcode": ["Eine Postleitzahl hat genau 5 Ziffern."]}
    assert english == {"postcode": ["A postcode has exactly 5 digits."]}


def test_autocomplete_answers_in_the_callers_language(client, harz):
    german = client.get("/api/v1/search/autocomplete/?q=Wohngeld", HTTP_ACCEPT_LANGUAGE="de")
    english = client.get("/api/v1/search/autocomplete/?q=Wohngeld", HTTP_ACCEPT_LANGUAGE="en")
    assert german.json()[0]["slug"] == english.json()[0]["slug"] == "wohngeld"
    assert german.json()[0]["name"] != english.json()[0]["name"]
    assert "housing" in english.json()[0]["name"].lower()
