"""Issue 15: an imported process is not a catalogue service: it gets its own entry (the
source's name, an owner unit), filters show its name, its fact sheet and open data work."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openkreis.cockpit.models import CaseFact, ImportSource
from openkreis.core.testing import login_staff, make_staff

from .. import eventlogs

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(client, harz, django_capture_on_commit_callbacks):
    user, secret = make_staff("proc-chef", "landrat", "manager")
    login_staff(client, user, secret)
    r = client.post(
        "/cockpit/import/",
        {
            "file": SimpleUploadedFile("running-example.xes", eventlogs.running_example()),
            "source": "Flugentschädigung",
            "owner_unit": "bauordnungsamt",
        },
    )
    assert r.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            r["Location"],
            {"action": "start", "start": "register request",
             "end": ["pay compensation", "reject request"]},
        )  # fmt: skip
    return ImportSource.objects.get(name="Flugentschädigung")


def test_an_imported_process_has_its_own_entry(client, imported):
    assert imported.service == "flugentschadigung" and imported.owner_unit == "bauordnungsamt"
    facts = CaseFact.objects.filter(service="flugentschadigung")
    assert facts.count() == 6 and set(facts.values_list("org_unit", flat=True)) == {
        "bauordnungsamt"
    }
    page = client.get("/cockpit/?von=2010-12-01&bis=2011-01-31").content.decode()
    assert '<option value="flugentschadigung">Flugentschädigung</option>' in page
    page = client.get(
        "/cockpit/?service=flugentschadigung&org_unit=bauordnungsamt&von=2010-12-01&bis=2011-01-31"
    )
    assert page.status_code == 200


def test_the_fact_sheet_of_an_imported_process(client, imported):
    r = client.get("/cockpit/steckbrief/flugentschadigung.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")


def test_open_data_lists_an_imported_process_by_its_name(client, imported):
    data = json.loads(client.get("/api/v1/cockpit/open-data.json").content)
    row = next(r for r in data["services"] if r["service"] == "flugentschadigung")
    assert row["name"] == "Flugentschädigung"
    csv = client.get("/api/v1/cockpit/open-data.csv").content.decode()
    assert "Flugentschädigung" in csv
