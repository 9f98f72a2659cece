"""Import of XES and CSV logs into the same KPIs; bad files give a report, never a 500."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openkreis.cockpit import aggregates, engine, importer
from openkreis.cockpit.models import CaseFact, ImportBatch
from openkreis.core.models import Event
from openkreis.core.testing import login_staff, make_staff

pytestmark = pytest.mark.django_db

XES = b"""<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <trace><string key="concept:name" value="A-1"/>
    <event><string key="concept:name" value="Antrag eingegangen"/>
      <date key="time:timestamp" value="2026-03-02T08:00:00+01:00"/>
      <string key="org:resource" value="Frau Beispiel"/></event>
    <event><string key="concept:name" value="Pruefung"/>
      <string key="lifecycle:transition" value="start"/>
      <date key="time:timestamp" value="2026-03-04T08:00:00+01:00"/></event>
    <event><string key="concept:name" value="Bescheid"/>
      <date key="time:timestamp" value="2026-03-06T08:00:00+01:00"/></event>
  </trace>
  <trace><string key="concept:name" value="A-2"/>
    <event><string key="concept:name" value="Antrag eingegangen"/>
      <date key="time:timestamp" value="2026-03-03T08:00:00+01:00"/></event>
    <event><string key="concept:name" value="Bescheid"/>
      <date key="time:timestamp" value="kaputt"/></event>
  </trace>
</log>"""

CSV = (
    b"Vorgang;Schritt;Zeitpunkt;Bearbeiter;Frist\n"
    b"B-1;Eingang;02.03.2026 08:00;Herr X;20.03.2026\n"
    b"B-1;Nachforderung;03.03.2026 08:00;Herr X;\n"
    b"B-1;Unterlagen eingegangen;05.03.2026 08:00;;\n"
    b"B-1;Bescheid;09.03.2026 08:00;Herr X;\n"
    b"B-2;Eingang;2026-03-29T01:30:00;;\n"
    b";Bescheid;2026-03-30T08:00:00;;\n"
    b"B-2;Bescheid;not a date;;\n"
)


@pytest.fixture
def manager(client, harz):
    user, secret = make_staff("imp-chef", "landrat", "manager")
    login_staff(client, user, secret)
    return user


def test_xes_import_streams_into_the_kpis(client, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "/cockpit/import/",
            {"file": SimpleUploadedFile("log.xes", XES), "service": "jagdschein"},
        )
    assert r.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == "done" and batch.events == 4 and batch.cases == 2
    assert batch.errors and batch.errors[0]["line"] == 5
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
    assert "Bericht" in page and "Ereignis ohne Fall" in page


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
    with django_capture_on_commit_callbacks(execute=True):
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
    batch.refresh_from_db()
    assert batch.status == "done" and batch.events == 5 and batch.cases == 2
    assert [e["line"] for e in batch.errors] == [7, 8]
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
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/cockpit/import/", {"file": SimpleUploadedFile(name, content)})
    assert r.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == "failed"
    page = client.get(r["Location"])
    assert page.status_code == 200 and message in page.content.decode()


def test_bad_csv_and_bad_uploads(client, manager):
    r = client.post("/cockpit/import/", {"file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00bad")})
    page = client.get(r["Location"])
    assert page.status_code == 200 and "kein UTF-8" in page.content.decode()
    r = client.post("/cockpit/import/", {"file": SimpleUploadedFile("x.pdf", b"%PDF")})
    assert r.status_code == 400 and ".xes- oder .csv-Datei" in r.content.decode()
    r = client.post("/cockpit/import/", {})
    assert r.status_code == 400


def test_import_is_resumable(harz):
    from django.core.files.base import ContentFile

    batch = ImportBatch.objects.create(name="x.xes", format="xes", size=len(XES))
    batch.file.save("x.xes", ContentFile(XES))
    ImportBatch.objects.filter(pk=batch.pk).update(events=2, status="running")  # crashed
    assert importer.run(batch.pk) == 4
    assert Event.objects.filter(data__source=batch.source).count() == 2  # only the rest


def test_imported_kpis_equal_the_engine_on_the_same_log(harz):
    from django.core.files.base import ContentFile

    batch = ImportBatch.objects.create(
        name="x.csv",
        format="csv",
        size=len(CSV),
        mapping={"case_id": "Vorgang", "activity": "Schritt", "timestamp": "Zeitpunkt"},
    )
    batch.file.save("x.csv", ContentFile(CSV))
    importer.run(batch.pk)
    aggregates.refresh()
    evs = [aggregates.to_ev(e) for e in Event.objects.filter(data__source=batch.source)]
    facts = engine.fold_all(evs)
    assert engine.lead_time(list(facts.values()))["median"] == 7 * 86400
