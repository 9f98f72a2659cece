"""The public pages (views/public.py): transparency page, open data and its DCAT
metadata, small figures suppressed, the help page in both languages."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from openkreis.cockpit import aggregates

from ..factories import SERVICE, case_event

pytestmark = pytest.mark.django_db


def test_transparency_and_open_data(client, log):
    page = client.get("/cockpit/transparenz/").content.decode()
    assert "Baugenehmigung" in page
    data = json.loads(client.get("/api/v1/cockpit/open-data.json").content)
    row = next(r for r in data["services"] if r["service"] == SERVICE)
    assert row["received"] == 15 and row["decided"] == 12
    r = client.get("/api/v1/cockpit/open-data.csv")
    assert r.status_code == 200 and SERVICE in r.content.decode()
    doc = json.loads(client.get("/api/v1/cockpit/dcat.jsonld").content)
    assert doc["@type"] == "dcat:Dataset"
    assert {d["@type"] for d in doc["dcat:distribution"]} == {"dcat:Distribution"}
    assert any(
        d["dcat:downloadURL"]["@id"].endswith("open-data.csv") for d in doc["dcat:distribution"]
    )
    assert client.get("/api/v1/cockpit/open-data.xml").status_code == 404


def test_small_service_is_suppressed_publicly(client, harz):
    now = timezone.now()
    for n in range(3):
        case_event(
            300 + n, "received", now - dt.timedelta(days=5), "new", "queue", service="jagdschein"
        )
        case_event(
            300 + n, "decided", now - dt.timedelta(days=1), "decided", "done", service="jagdschein"
        )
    aggregates.refresh()
    data = json.loads(client.get("/api/v1/cockpit/open-data.json").content)
    row = next(r for r in data["services"] if r["service"] == "jagdschein")
    assert row["received"] is None and row["median_lead_days"] is None


def test_english_pages(client, log):
    page = client.get("/en/cockpit/hilfe/").content.decode()
    assert "How is this computed?" in page
    assert "Wie wird das berechnet?" in client.get("/cockpit/hilfe/").content.decode()
