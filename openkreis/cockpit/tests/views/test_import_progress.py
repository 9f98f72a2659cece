"""Issue 15: without a broker (make run) the request that starts an import answers at
once; the import runs in a thread and the batch's page shows how far it got."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openkreis.cockpit import importer
from openkreis.cockpit.models import ImportBatch
from openkreis.core.testing import login_staff, make_staff

from .. import eventlogs


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_page_shows_the_progress_while_the_import_runs(client, harz, settings, monkeypatch):
    settings.COCKPIT_IMPORT_THREAD = True
    assert settings.CELERY_TASK_ALWAYS_EAGER  # the make-run mode
    user, secret = make_staff("prog-chef", "landrat", "manager")
    login_staff(client, user, secret)
    release, reached = threading.Event(), threading.Event()
    real = importer._write

    def held_before_writing(batch, roles, scan):
        reached.set()
        assert release.wait(30)
        return real(batch, roles, scan)

    monkeypatch.setattr(importer, "_write", held_before_writing)
    r = client.post(
        "/cockpit/import/",
        {"file": SimpleUploadedFile("financial_log.xes", eventlogs.bpic2012_xes(cases=40))},
    )
    url = r["Location"]
    r = client.post(url, {"action": "start", "start": "__first__", "end": ["__last__"]})
    assert r.status_code == 302  # answered while the import still runs
    assert reached.wait(30)
    page = client.get(url)
    assert page["Refresh"] == "2"
    text = page.content.decode()
    assert "Läuft" in text and 'value="90"' in text and "alles oder nichts" in text
    release.set()
    worker = next(t for t in threading.enumerate() if t.name.startswith("cockpit-import-"))
    worker.join(30)
    batch = ImportBatch.objects.get()
    assert batch.status == "done" and batch.progress == 100 and batch.events > 0
    page = client.get(url)
    assert "Refresh" not in page and "Fertig" in page.content.decode()
