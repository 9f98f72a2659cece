"""XDatenfelder 3.0 (issue 15.1): a Stammdatenschema in the current standard becomes the
same kind of form as a 2.0 one — title and help of the schema, Baukasten ids with twelve
characters, attributes as Präzisierung, values in the file and genericode lists by
canonicalIdentification, the required-if rule as a condition — and a citizen can send it.
Fixture: tests/fixtures/fim-xdf3 (written for these tests, see the README there)."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openkreis.forms import engine, integration, xdatenfelder
from openkreis.forms import services as forms
from openkreis.forms.models import Application

from .conftest import PDF

XDF3 = Path(__file__).parent / "fixtures" / "fim-xdf3"


def code_lists():
    registry = xdatenfelder.CodeLists()
    for path in XDF3.glob("*_genericode.xml"):
        registry.add_file(path.read_bytes(), path.name)
    return registry


def parse():
    return xdatenfelder.parse((XDF3 / "hundesteuer-3.0.xml").read_bytes(), code_lists=code_lists())


def fields(definition):
    return {path[-1]: f for path, f in engine.single_fields(definition)}


def test_the_baukasten_ids_of_3_0_are_the_2_0_ones():
    assert xdatenfelder.baukasten_id("F60000000227") == "F60000227"
    assert xdatenfelder.baukasten_id("G60000000086") == "G60000086"
    assert xdatenfelder.baukasten_id("F60000227") == "F60000227"
    assert xdatenfelder.baukasten_id("F99000123456") == "F99123456"


def test_a_3_0_schema_becomes_a_form():
    definition, report = parse()
    assert report.version == "3.0" and report.schema_id == "S99000000001"
    assert definition["title"]["de"] == "Hund zur Hundesteuer anmelden (Test)"
    assert definition["intro"]["de"].startswith("Melden Sie Ihren Hund")
    assert [p["title"]["de"] for p in definition["pages"]] == [
        "Halterin oder Halter des Hundes",
        "Angaben zum Hund",
    ]
    f = fields(definition)
    # the applicant by the Baukasten ids; the dog's birthday is not the holder's
    assert f["familienname"]["applicant"] == "last_name"
    assert f["vornamen"]["applicant"] == "first_name"
    assert f["strasse"]["applicant"] == "street" and f["ort"]["applicant"] == "city"
    assert "applicant" not in f["geburtsdatum_des_hundes"]
    # Präzisierung as attributes
    assert f["strasse"]["max_length"] == 55
    assert f["hausnummer"]["pattern"] and engine.check_value(f["hausnummer"], "12a") == []
    assert engine.check_value(f["postleitzahl"], "00123") == [
        "Die Eingabe hat nicht das erwartete Format."
    ]
    assert f["anzahl_hunde"]["decimals"] == 0 and f["anzahl_hunde"]["max"] == 20
    assert f["e_mail"]["type"] == "email" and not f["e_mail"]["required"]
    # values in the file and a genericode list (30 states: a searchable select)
    assert [o["value"] for o in f["rasse"]["options"]] == ["001", "002", "003", "999"]
    state = f["staatsangehoerigkeit"]
    assert state["widget"] == "select" and len(state["options"]) == 30
    assert report.code_lists_used == {
        "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat"
    }
    # the required-if rule became a condition; the other is reported by id, name and text
    group = next(
        x for x in definition["pages"][1]["fields"] if x["key"] == "nachweise_gefaehrlicher_hund"
    )
    assert group["show_if"] == {"field": "gefaehrlicher_hund", "in": ["001"]}
    assert report.rules_translated == 1 and report.rules_not_translated == 1
    assert report.rules_open[0][1:3] == ("R99000000031", "Steuerbeginn")
    assert "Steuerpflicht" in report.rules_open[0][3]
    assert not [n for n in report.notes if "unbekanntes Element" in n]


@pytest.mark.django_db
def test_a_citizen_sends_the_3_0_form_and_the_caseworker_sees_the_answers(fim_service, harz, anna):
    form, report = forms.import_xdatenfelder(
        harz,
        (XDF3 / "hundesteuer-3.0.xml").read_bytes(),
        key="fim-hundesteuer",
        service_slug=fim_service.slug,
        code_lists=code_lists(),
    )
    assert form is not None, report.notes
    anna.post(f"/antrag/{fim_service.slug}/")
    app = Application.objects.filter(form=form).latest("pk")
    base = f"/antrag/a/{app.public_id}/seite"
    holder = {
        "f-familienname": "Berg",
        "f-vornamen": "Anna",
        "f-staatsangehoerigkeit": "000",
        "f-anschrift_inland_strassenanschrift-strasse": "Markt",
        "f-anschrift_inland_strassenanschrift-hausnummer": "1a",
        "f-anschrift_inland_strassenanschrift-postleitzahl": "38820",
        "f-anschrift_inland_strassenanschrift-ort": "Halberstadt",
    }
    response = anna.post(f"{base}/halterin-oder-halter-des-hundes/", holder)
    assert response.status_code == 302, response.content.decode()[:3000]
    dog = {
        "f-name_des_hundes": "Bello",
        "f-rasse": "001",
        "f-anzahl_hunde": "1",
        "f-gefaehrlicher_hund": "001",
        "f-nachweise_gefaehrlicher_hund-versicherungsnummer": "HV-123",
    }
    # a dangerous dog: the proof is now required
    response = anna.post(f"{base}/angaben-zum-hund/", dog)
    assert response.status_code == 400
    assert "Sachkundenachweis: Bitte laden Sie eine Datei hoch." in response.content.decode()
    proof = SimpleUploadedFile("sachkunde.pdf", PDF)
    response = anna.post(
        f"{base}/angaben-zum-hund/",
        {**dog, "f-nachweise_gefaehrlicher_hund-sachkundenachweis": proof},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    response = anna.post(
        f"/antrag/a/{app.public_id}/absenden/", {"idempotency_key": str(app.idempotency_key)}
    )
    assert response.status_code == 302 and response["Location"].endswith("/bestaetigung/")
    app.refresh_from_db()
    case = integration.case_of(app)
    assert case.applicant_name == "Anna Berg"
    summary = {a["label"]: a["value"] for p in case.data["summary"] for a in p["answers"]}
    assert summary["Staatsangehörigkeit"] == "Deutschland"
    assert summary["Rasse"] == "Mischling"
    assert "sachkunde.pdf" in summary["Nachweise für einen gefährlichen Hund"]
