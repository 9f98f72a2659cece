"""The Atom feed per municipality and for the county: public data only, bad ARS → 404."""

import xml.etree.ElementTree as ET

import pytest

from openkreis.reports import services
from openkreis.reports.models import Area, Report
from openkreis.reports.tests.factories import FollowerFactory, ReportFactory

ATOM = "{http://www.w3.org/2005/Atom}"


def _entries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own output
    return root, root.findall(f"{ATOM}entry")


@pytest.mark.django_db
def test_area_feed_lists_only_that_area_with_public_texts(client, django_user_model):
    halberstadt = Area.objects.get(region__name="Halberstadt")
    other = Area.objects.exclude(pk=halberstadt.pk).filter(routes__category__key="strasse").first()
    user = django_user_model.objects.create_user("erika", "erika-privat@example.org", "pw-123456!x")
    here = ReportFactory(
        area=halberstadt, street="Breiter Weg 3", place="vor der Bäckerei", user=user, email=""
    )
    FollowerFactory(report=here, email="nachbar-geheim@example.org")
    services.change_status(
        here,
        Report.Status.CONFIRMED,
        actor=None,
        public_text="Wir schauen uns das an.",
        internal_note="GEHEIME-NOTIZ",
    )
    there = ReportFactory(area=other, email="anderswo@example.org")

    root, entries = _entries(client.get(f"/maengelmelder/feed/{halberstadt.region.ars}.atom"))
    assert "Halberstadt" in root.find(f"{ATOM}title").text
    assert [e.find(f"{ATOM}id").text for e in entries] == [here.public_id]
    body = ET.tostring(root, encoding="unicode")
    assert "Breiter Weg 3" in body and "vor der Bäckerei" in body
    assert "Wir schauen uns das an." in body
    assert "Bestätigt" in body or "Confirmed" in body
    for secret in (
        "erika-privat@example.org",
        "erika",
        "nachbar-geheim",
        "GEHEIME-NOTIZ",
        "Schlagloch",  # the description is not in the feed (free text may name people)
    ):
        assert secret not in body, secret
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link.endswith(f"/maengelmelder/meldung/{here.public_id}/")

    _root, county = _entries(client.get("/maengelmelder/feed/all.atom"))
    assert {e.find(f"{ATOM}id").text for e in county} == {here.public_id, there.public_id}
    assert "anderswo@example.org" not in client.get("/maengelmelder/feed/all.atom").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("area", ["999999999999", "15085", "x" * 12, "%C2%B2" * 12, "ALL"])
def test_unknown_or_malformed_area_is_404(client, area):
    assert client.get(f"/maengelmelder/feed/{area}.atom").status_code == 404


@pytest.mark.django_db
def test_list_page_links_the_feeds(client):
    halberstadt = Area.objects.get(region__name="Halberstadt")
    html = client.get("/maengelmelder/").content.decode()
    assert 'rel="alternate" type="application/atom+xml"' in html
    assert 'href="/maengelmelder/feed/all.atom"' in html
    html = client.get(f"/maengelmelder/?gemeinde={halberstadt.pk}").content.decode()
    assert f'href="/maengelmelder/feed/{halberstadt.region.ars}.atom"' in html
