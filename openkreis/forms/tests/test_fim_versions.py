"""Form versions (issue 15.1): re-importing under the same key makes a new version of the
form (still the service's form); a running draft keeps the version it started with and is
sent with it; a new draft gets the new version."""

import pytest

from openkreis.forms import integration
from openkreis.forms import services as forms
from openkreis.forms.models import Application, FormVersion

from .test_fim_import import ANTRAG, code_lists

pytestmark = pytest.mark.django_db

# version 1.2 of the schema: the e-mail field is gone, a new required field is added
NEW_FIELD = (
    "<xdf:name>E-Mail</xdf:name><xdf:bezeichnungEingabe>E-Mail-Adresse</xdf:bezeichnungEingabe>",
    "<xdf:name>Telefax</xdf:name><xdf:bezeichnungEingabe>Faxnummer</xdf:bezeichnungEingabe>",
)


def schema(version="1.1", change=False) -> bytes:
    xml = (ANTRAG / "antrag-2.0.xml").read_text()
    xml = xml.replace(
        "<xdf:version>1.1</xdf:version></xdf:identifikation><xdf:name>Testantrag",
        f"<xdf:version>{version}</xdf:version></xdf:identifikation><xdf:name>Testantrag",
    )
    if change:
        xml = xml.replace(*NEW_FIELD)
    return xml.encode()


def answers(app):
    app.data = {
        "vertretung_durch_gesetzlichen_vertreter_oder_bevol": "001",
        "familienname_2": "Berg",
        "vornamen_2": "Anna",
        "staat": "121",
        "anschrift_inland_strassenanschrift": {
            "strasse": "Markt",
            "hausnummer": "1",
            "postleitzahl": "38820",
            "ort": "Halberstadt",
        },
        "e_mail": "anna@example.org",
    }
    app.save(update_fields=["data"])


def test_reimport_makes_a_new_version_and_drafts_keep_theirs(fim_service, harz, citizen, anna):
    form, report = forms.import_xdatenfelder(
        harz, schema(), key="fim-antrag", service_slug=fim_service.slug, code_lists=code_lists()
    )
    assert form is not None and report.form_version == 1
    draft = forms.start_application(citizen, fim_service)
    assert draft.form_version.number == 1
    answers(draft)

    again, report = forms.import_xdatenfelder(
        harz, schema("1.2", change=True), key="fim-antrag", code_lists=code_lists()
    )
    assert again.pk == form.pk and again.service_id == fim_service.pk  # not detached
    assert report.form_version == 2
    assert any("Neue Version 2" in n and "1 laufende" in n for n in report.notes)
    assert list(FormVersion.objects.filter(form=form).values_list("number", "version")) == [
        (2, "1.2"),
        (1, "1.1"),
    ]
    # the same file again: no third version
    _same, report = forms.import_xdatenfelder(
        harz, schema("1.2", change=True), key="fim-antrag", code_lists=code_lists()
    )
    assert report.form_version == 2 and FormVersion.objects.filter(form=form).count() == 2

    # the running draft still shows and checks the old fields …
    draft.refresh_from_db()
    page = draft.definition["pages"][1]["key"]
    html = anna.get(f"/antrag/a/{draft.public_id}/seite/{page}/").content.decode()
    assert "E-Mail-Adresse" in html and "Faxnummer" not in html
    # … and is sent with its version
    sent = forms.submit(draft, str(draft.idempotency_key))
    assert sent.status == Application.Status.SUBMITTED
    case = integration.case_of(sent)
    assert case.data["form_version"] == "1.1" and case.data["form_version_number"] == 1
    labels = [a["label"] for p in case.data["summary"] for a in p["answers"]]
    assert "E-Mail-Adresse" in labels and "Faxnummer" not in labels

    # a new draft is on version 2
    fresh = forms.start_application(citizen, fim_service)
    assert fresh.form_version.number == 2
    labels = [f["label"]["de"] for p in fresh.definition["pages"] for f in p["fields"]]
    assert "Faxnummer" in labels and "E-Mail-Adresse" not in labels


def test_a_yaml_form_gets_versions_too(harz_forms, harz):
    form = harz.form_definitions.get(key="allgemeiner-antrag")
    assert form.versions.count() == 1
    definition = dict(form.definition, version="2")
    changed_form, changed = forms.store_definition(harz, definition)
    assert changed and changed_form.versions.first().number == 2


def test_a_running_draft_keeps_the_title_of_its_version(harz_forms, harz, anna):
    """The headings of a draft's pages come from the version it is filled in with: a newer
    version that renames the form does not rename a running draft."""
    from .test_views import page_url, start

    app = start(anna)
    title = app.definition["title"]["de"]
    renamed = dict(
        app.form.definition, version="2", title={"de": "Neu benannter Antrag", "en": "Renamed"}
    )
    form, changed = forms.store_definition(harz, renamed)
    assert changed and form.pk == app.form_id and form.versions.first().number == 2
    html = anna.get(page_url(app, "person")).content.decode()
    assert f'<span class="caption">{title}</span>' in html and "Neu benannter Antrag" not in html
    html = anna.get(f"/antrag/a/{app.public_id}/pruefen/").content.decode()
    assert f'<span class="caption">{title}</span>' in html and "Neu benannter Antrag" not in html
