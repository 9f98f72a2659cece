"""Importing a FIM schema in the staff UI (issue 15.1): upload schema and code lists, see
the preview (pages, fields, code lists, rules) and the report naming every rule that was not
translated, confirm; each confirmed import is a version; only team leads and managers with
the second factor; bad input is a 400 with the reason, never a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openkreis.core.testing import login_staff, make_staff
from openkreis.forms.models import FormDefinition

from .test_fim_import import ANTRAG

pytestmark = pytest.mark.django_db
URL = "/antrag/fim-import/"


@pytest.fixture
def lead(client, harz_forms):
    user, secret = make_staff("fim-lead", "landrat", "team_lead")
    login_staff(client, user, secret)
    return client


def files():
    return {
        "schema": SimpleUploadedFile("antrag-2.0.xml", (ANTRAG / "antrag-2.0.xml").read_bytes()),
        "codelists": [
            SimpleUploadedFile(p.name, p.read_bytes())
            for p in sorted(ANTRAG.glob("*_genericode.xml"))
        ],
    }


def test_preview_report_and_confirm_make_a_version(lead, fim_service):
    response = lead.post(URL, {"action": "preview", "service": fim_service.slug, **files()})
    html = response.content.decode()
    assert response.status_code == 200, html[:2000]
    # the preview: pages, fields, code lists, the applicant, the rules not translated
    assert "Persönliche Daten der antragstellenden Person" in html
    assert "Staatsangehörigkeit" in html and "Auswahl" in html
    assert "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat" in html
    assert "R00000001 „Hinweis Gebühr“" in html
    assert "Die Gebühr richtet sich nach der Aufenthaltsverordnung." in html
    assert "1 Regel nicht übernommen" in html
    assert not FormDefinition.objects.filter(key="fim-s99000246").exists()  # nothing stored yet
    token = lead.session["forms-fim-import"]
    response = lead.post(
        URL,
        {"action": "confirm", "token": token, "key": "fim-s99000246", "service": fim_service.slug},
    )
    html = response.content.decode()
    assert response.status_code == 200, html[:2000]
    assert "Version 1" in html
    form = FormDefinition.objects.get(key="fim-s99000246")
    assert form.service == fim_service and form.versions.count() == 1
    # the same token twice imports nothing more
    again = lead.post(URL, {"action": "confirm", "token": token, "key": "fim-s99000246"})
    assert again.status_code == 400 and "abgelaufen" in again.content.decode()
    # a second import under the key: version 2, still the service's form
    lead.post(URL, {"action": "preview", **files(), "key": "fim-s99000246"})
    response = lead.post(
        URL,
        {"action": "confirm", "token": lead.session["forms-fim-import"], "key": "fim-s99000246"},
    )
    assert response.status_code == 200
    form.refresh_from_db()
    assert form.service == fim_service
    listing = lead.get(URL).content.decode()
    assert "fim-s99000246" in listing and "Version 1" in listing


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Schema-Datei"),
        ({"schema": SimpleUploadedFile("x.xml", b"<kein xml")}, "kein gültiges XML"),
        (
            {"schema": SimpleUploadedFile("x.xml", b"<a xmlns='urn:other'/>")},
            "weder XDatenfelder 2.0 noch 3.0",
        ),
        ({"schema": SimpleUploadedFile("x.xml", b"<a/>"), "key": "Not A Key"}, "Kleinbuchstaben"),
        ({"schema": SimpleUploadedFile("x.xml", b"<a/>"), "service": "gibt-es-nicht"}, "Leistung"),
        ({"action": "confirm", "token": "abc"}, "abgelaufen"),
    ],
)
def test_bad_input_is_a_400_with_the_reason(lead, data, message):
    response = lead.post(URL, {"action": "preview", **data})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_only_team_leads_and_managers_may_import(client, harz_forms, citizen):
    assert client.get(URL).status_code == 302  # to the login
    client.force_login(citizen)
    assert client.get(URL).status_code == 403
    client.logout()
    user, secret = make_staff("fim-sb", "landrat", "caseworker")
    login_staff(client, user, secret)
    assert client.get(URL).status_code == 403
    client.logout()
    manager, secret = make_staff("fim-mgr", "landrat", "manager")
    login_staff(client, manager, secret)
    assert client.get(URL).status_code == 200


def test_the_command_previews_without_storing(harz_forms, capsys):
    from django.core.management import call_command

    call_command(
        "import_xdatenfelder", str(ANTRAG / "antrag-2.0.xml"), "--key", "fim-x", "--preview"
    )
    out = capsys.readouterr().out
    assert "Preview only" in out and "page Vertretung" in out
    assert not FormDefinition.objects.filter(key="fim-x").exists()
    call_command("import_xdatenfelder", str(ANTRAG / "antrag-2.0.xml"), "--key", "fim-x")
    assert "version 1" in capsys.readouterr().out
