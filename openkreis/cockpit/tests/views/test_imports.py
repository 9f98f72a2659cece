"""Import of XES and CSV logs over HTTP (views/imports.py): upload, column mapping,
progress; bad files give a report, never a 500."""

import importlib
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openkreis.cockpit.forms import MappingForm
from openkreis.cockpit.models import CaseFact, ImportBatch
from openkreis.core.models import Event
from openkreis.core.testing import login_staff, make_staff

from ..factories import CSV, XES, XES_BAD, ImportBatchFactory

# the module, not the view of the same name that openkreis.cockpit.views re-exports
imports_views = importlib.import_module("openkreis.cockpit.views.imports")

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, harz):
    user, secret = make_staff("imp-chef", "landrat", "manager")
    login_staff(client, user, secret)
    return user


def test_xes_import_streams_into_the_kpis(client, manager, django_capture_on_commit_callbacks):
    r = client.post(
        "/cockpit/import/",
        {"file": SimpleUploadedFile("log.xes", XES), "service": "jagdschein"},
    )
    assert r.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == "uploaded"  # waits for its mapping
    page = client.get(r["Location"]).content.decode()
    # the German names the importer knew are offered as start and end
    assert re.search(r'<option value="Antrag eingegangen" selected', page)
    assert re.search(r'value="Bescheid"[^>]*checked', page)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            r["Location"], {"action": "start", "start": "Antrag eingegangen", "end": ["Bescheid"]}
        )
    assert r.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "done" and batch.events == 5 and batch.cases == 2
    assert batch.errors == [] and batch.skipped == 0
    events = Event.objects.filter(data__source=batch.source)
    assert set(events.values_list("kind", flat=True)) == {
        "case.received",
        "import.pruefung",
        "case.decided",
    }
    assert "Frau Beispiel" not in json.dumps(list(events.values_list("data", flat=True)))
    fact = CaseFact.objects.get(subject=f"import:{batch.pk}:A-1")
    assert fact.lead_seconds == 4 * 86400 and fact.service == "jagdschein"
    assert fact.waiting_seconds == 2 * 86400 and fact.processing_seconds == 2 * 86400
    page = client.get(f"/cockpit/import/{batch.pk}/").content.decode()
    assert "Fertig" in page and "Bericht" not in page


def test_csv_import_with_mapping_chosen_in_the_ui(
    client, manager, django_capture_on_commit_callbacks
):
    r = client.post(
        "/cockpit/import/",
        {"file": SimpleUploadedFile("log.csv", CSV), "service": "baugenehmigung-vereinfacht"},
    )
    batch = ImportBatch.objects.get()
    page = client.get(r["Location"]).content.decode()
    assert "Welche Spalte enthält was?" in page and 'value="Vorgang" selected' in page
    r = client.post(
        r["Location"], {"case_id": "Vorgang", "activity": "Schritt", "timestamp": "Vorgang"}
    )
    assert r.status_code == 400 and "drei verschiedene Spalten" in r.content.decode()
    r = client.post(
        f"/cockpit/import/{batch.pk}/",
        {
            "case_id": "Vorgang",
            "activity": "Schritt",
            "timestamp": "Zeitpunkt",
            "resource": "Bearbeiter",
            "deadline": "Frist",
        },
    )
    assert r.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            f"/cockpit/import/{batch.pk}/",
            {
                "action": "start",
                "start": "Eingang",
                "end": ["Bescheid"],
                "requests": ["Nachforderung"],
            },
        )
    assert r.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "done" and batch.events == 5 and batch.cases == 2
    b1 = CaseFact.objects.get(subject=f"import:{batch.pk}:B-1")
    assert b1.requests == 1 and b1.lead_seconds == 7 * 86400 and b1.on_time is True
    assert b1.applicant_seconds == 2 * 86400
    # a local time without offset on the DST night: 01:30 CET = 00:30 UTC
    b2 = CaseFact.objects.get(subject=f"import:{batch.pk}:B-2")
    assert b2.received_at.isoformat() == "2026-03-29T00:30:00+00:00"
    assert (
        json.loads(client.get(f"/cockpit/import/{batch.pk}/status.json").content)["status"]
        == "done"
    )


def test_a_file_with_bad_rows_ends_failed_with_the_full_report(
    client, manager, django_capture_on_commit_callbacks
):
    """1 of 5 events unreadable (20 %, above 5 %): nothing imported, the page says how
    many rows were skipped and the report lists each of them."""
    r = client.post("/cockpit/import/", {"file": SimpleUploadedFile("log.xes", XES_BAD)})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(r["Location"], {"action": "start", "start": "__first__", "end": ["__last__"]})
    batch = ImportBatch.objects.get()
    assert batch.status == "failed" and batch.skipped == 1 and batch.rows == 5
    assert not Event.objects.filter(data__source=batch.source).exists()
    page = client.get(r["Location"]).content.decode()
    assert "Abgebrochen, nichts importiert" in page and "Ereignis ohne Fall" in page
    assert "1 von 5 Zeilen übersprungen" in page
    report = client.get(f"/cockpit/import/{batch.pk}/bericht.csv").content.decode("utf-8-sig")
    assert "5;Ereignis ohne Fall" in report


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("x.xes", b"<log><trace>", "kein wohlgeformtes XML"),
        (
            "x.xes",
            b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "b">]><log>&a;</log>',
            "unzulässige XML",
        ),
        ("x.xes", b"<log></log>", "kein gültiges Ereignis"),
    ],
)
def test_bad_xes_gives_a_report(
    client, manager, name, content, message, django_capture_on_commit_callbacks
):
    """A file that gives no event at all fails when its mapping step reads it."""
    r = client.post("/cockpit/import/", {"file": SimpleUploadedFile(name, content)})
    assert r.status_code == 302
    batch = ImportBatch.objects.get()
    page = client.get(r["Location"])
    assert page.status_code == 200
    batch.refresh_from_db()
    assert batch.status == "failed"
    page = client.get(r["Location"])
    assert page.status_code == 200 and message in page.content.decode()


def test_bad_csv_and_bad_uploads(client, manager):
    r = client.post("/cockpit/import/", {"file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00bad")})
    page = client.get(r["Location"])
    assert page.status_code == 200 and "kein UTF-8" in page.content.decode()
    r = client.post("/cockpit/import/", {"file": SimpleUploadedFile("x.pdf", b"%PDF")})
    assert r.status_code == 400 and ".xes- oder .csv-Datei" in r.content.decode()
    assert "auch .xes.gz, .csv.gz" in r.content.decode()
    r = client.post("/cockpit/import/", {})
    assert r.status_code == 400


def test_a_mapping_sent_twice_starts_the_import_once(
    client, manager, monkeypatch, django_capture_on_commit_callbacks
):
    """Two requests map the same CSV file at once: the one that comes second gets a
    message, not an error page, and the import is queued only once."""
    batch = ImportBatchFactory(csv=True, mapping={})

    class QuickerRequest(MappingForm):
        def is_valid(self):
            # another request starts the import while this one checks its form
            ImportBatch.objects.filter(pk=batch.pk).update(status="queued")
            return super().is_valid()

    monkeypatch.setattr(imports_views, "MappingForm", QuickerRequest)
    with django_capture_on_commit_callbacks(execute=False) as sent:
        r = client.post(
            f"/cockpit/import/{batch.pk}/",
            {"case_id": "Vorgang", "activity": "Schritt", "timestamp": "Zeitpunkt"},
        )
    assert r.status_code == 302 and sent == []
    batch.refresh_from_db()
    assert batch.status == "queued" and batch.mapping == {}
    page = client.get(r["Location"]).content.decode()
    assert "läuft bereits oder ist abgeschlossen" in page
