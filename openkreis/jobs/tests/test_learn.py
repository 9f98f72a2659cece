"""Offers: the search (words, kind, field, distance), the offer page and its schema.org markup."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from openkreis.core.models import Region
from openkreis.jobs import learn
from openkreis.jobs.models import Field, Offer


def _slugs(offers):
    return {o.slug for o in offers}


@pytest.mark.django_db
def test_search_by_words_kind_and_field():
    found = learn.search_offers(learn.OfferQuery(words="informatik"))
    assert {"hs-harz-wirtschaftsinformatik", "hs-harz-medieninformatik"} <= _slugs(found)
    # every word must match
    found = learn.search_offers(learn.OfferQuery(words="informatik medien"))
    assert _slugs(found) == {"hs-harz-medieninformatik"}
    found = learn.search_offers(learn.OfferQuery(kind="kurs"))
    assert found and all(o.kind == "kurs" for o in found)
    health = Field.objects.get(slug="gesundheit")
    found = learn.search_offers(learn.OfferQuery(field=health))
    assert "harzklinikum-pflegefachfrau" in _slugs(found)
    assert all(health in o.fields.all() for o in found)
    # by provider name
    assert "harzklinikum-ota" in _slugs(learn.search_offers(learn.OfferQuery(words="Harzklinikum")))


@pytest.mark.django_db
def test_search_by_distance_from_a_municipality():
    halberstadt = Region.objects.get(ags="15085135")
    near = learn.search_offers(learn.OfferQuery(near=halberstadt, radius_km=5))
    assert near and all(o.town == "Halberstadt" for o in near)
    assert all(o.distance_km <= 5 for o in near)
    wider = learn.search_offers(learn.OfferQuery(near=halberstadt, radius_km=50))
    assert "hs-harz-wirtschaftsinformatik" in _slugs(wider)  # Wernigerode, ~20 km
    assert [o.distance_km for o in wider] == sorted(o.distance_km for o in wider)


@pytest.mark.django_db
def test_offers_page_without_javascript(client):
    response = client.get(reverse("jobs:offers"), {"q": "Pflege", "municipality": "15085235"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ausbildung Pflegefachfrau / Pflegefachmann" in html
    assert "km" in html
    assert reverse("jobs:offer", args=["harzklinikum-pflegefachfrau"]) in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", [{"kind": "zauberei"}, {"field": "gibt-es-nicht"}, {"municipality": "99999999"}]
)
def test_bad_filters_give_400(client, query):
    response = client.get(reverse("jobs:offers"), query)
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()


@pytest.mark.django_db
def test_offer_page_with_jsonld(client):
    response = client.get(reverse("jobs:offer", args=["hs-harz-oeffentliche-verwaltung"]))
    assert response.status_code == 200
    html = response.content.decode()
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(raw)
    assert data["@type"] == "EducationalOccupationalProgram"
    assert data["provider"]["name"] == "Hochschule Harz"
    assert data["startDate"] == "2027-10-01"
    assert data["location"]["address"]["addressLocality"] == "Halberstadt"

    course = client.get(reverse("jobs:offer", args=["kvhs-englisch-a1"])).content.decode()
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', course, re.S).group(1)
    data = json.loads(raw)
    assert data["@type"] == "Course"
    assert data["hasCourseInstance"]["endDate"] == "2027-05-10"


@pytest.mark.django_db
def test_unpublished_or_unknown_offer_is_404(client):
    Offer.objects.filter(slug="kvhs-fotografie").update(published=False)
    assert client.get(reverse("jobs:offer", args=["kvhs-fotografie"])).status_code == 404
    assert client.get(reverse("jobs:offer", args=["nicht-da"])).status_code == 404
    found = learn.search_offers(learn.OfferQuery(words="Fotografieren"))
    assert not found


@pytest.mark.django_db
def test_start_page(client):
    response = client.get(reverse("jobs:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("jobs:interest") in html and reverse("jobs:offers") in html
    assert "Wirtschaft, Verwaltung" in html


@pytest.mark.django_db
def test_distance_defaults_to_what_the_form_shows(client):
    query = {"q": "informatik", "municipality": "15085135"}
    html = client.get(reverse("jobs:offers"), query).content.decode()
    assert '<option value="20" selected>' in html
    assert "Wirtschaftsinformatik" in html  # Wernigerode, about 14 km from Halberstadt
    html = client.get(reverse("jobs:offers"), {**query, "radius": "10"}).content.decode()
    assert "Wirtschaftsinformatik" not in html
    assert '<option value="10" selected>' in html
    assert '<option value="20" selected>' in client.get(reverse("jobs:offers")).content.decode()
