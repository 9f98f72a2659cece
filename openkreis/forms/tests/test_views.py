"""Pages of the online application: start, steps, drafts, check answers, isolation."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openkreis.catalog.models import Service
from openkreis.core.models import Event
from openkreis.forms import integration
from openkreis.forms import services as forms
from openkreis.forms.models import Application, FormDefinition

from .conftest import PDF, PNG
from .factories import ApplicationFactory, FormDefinitionFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def start(client, slug="aufenthaltskarte-eu") -> Application:
    response = client.post(f"/antrag/{slug}/")
    assert response.status_code == 302
    return Application.objects.filter(service__slug=slug).latest("pk")


def page_url(app, key):
    return f"/antrag/a/{app.public_id}/seite/{key}/"


PERSON = {"f-family_name": "Berg", "f-given_names": "Anna", "f-birth_date": "1990-05-01"}
CONTACT = {
    "f-address-street": "Friedrich-Ebert-Straße 42",
    "f-address-postcode": "38820",
    "f-address-city": "Halberstadt",
    "f-email": "anna@example.org",
}


def test_loader_is_idempotent_and_every_form_is_there(harz_forms, harz, settings):
    keys = set(FormDefinition.objects.filter(tenant=harz).values_list("key", flat=True))
    assert keys == {
        "allgemeiner-antrag",
        "aufenthaltskarte-eu",
        "baugenehmigung-vereinfacht",
        "fahrerlaubnis-ersterteilung",
        "hilfe-zum-lebensunterhalt",
    }
    changed, unchanged = forms.load_forms(harz, settings.OPENKREIS_TENANTS_DIR / "harz")
    assert (changed, unchanged) == (0, 5)


def test_every_online_service_has_a_form(harz_forms, harz):
    online = [s for s in Service.objects.filter(tenant=harz) if s.online_url.startswith("/antrag/")]
    assert len(online) >= 13
    for service in online:
        assert service.is_online
        form = forms.form_for_service(service)
        assert form is not None, service.slug
    assert forms.form_for_service(Service.objects.get(tenant=harz, slug="fuehrungszeugnis")) is None


def test_start_page_shows_fee_and_needs_login(harz_forms, client):
    response = client.get("/antrag/aufenthaltskarte-eu/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "22.80 €" in text or "22,80 €" in text
    assert "Anmelden und starten" in text
    response = client.post("/antrag/aufenthaltskarte-eu/")
    assert response.status_code == 302 and "/konto/login/" in response["Location"]
    assert client.get("/antrag/fuehrungszeugnis/").status_code == 404
    assert client.get("/antrag/gibt-es-nicht/").status_code == 404


def test_start_prefills_from_profile_and_emits_started(harz_forms, anna, citizen):
    app = start(anna)
    assert app.user == citizen
    assert app.data["family_name"] == "Berg" and app.data["email"] == "anna@example.org"
    event = Event.objects.get(kind="application.started", subject=f"draft:{app.pk}")
    assert event.data == {"service": "aufenthaltskarte-eu", "form": "aufenthaltskarte-eu"}
    # starting again continues the same draft
    assert start(anna).pk == app.pk


def test_page_errors_are_summarised_with_links_to_fields(harz_forms, anna):
    app = start(anna)
    response = anna.post(
        page_url(app, "person"), {"f-family_name": "", "f-birth_date": "31.02.1990"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert 'href="#f-family_name"' in html and 'href="#f-birth_date"' in html
    assert 'id="f-family_name"' in html and 'id="f-birth_date"' in html
    assert "Familienname: Bitte füllen Sie dieses Feld aus." in html
    assert "<title>Fehler:" in html


def test_cross_field_rule_on_page_post(harz_forms, anna):
    app = start(anna)
    anna.post(page_url(app, "person"), PERSON)
    response = anna.post(page_url(app, "einreise"), {"f-entry_date": "1980-01-01"})
    assert response.status_code == 400
    assert "Die Einreise muss nach Ihrer Geburt liegen." in response.content.decode()
    response = anna.post(page_url(app, "einreise"), {"f-entry_date": "2999-01-01"})
    assert response.status_code == 400


def test_conditional_question_only_counts_when_its_condition_holds(harz_forms, anna):
    app = start(anna)
    data = {
        "f-eu_name": "Marie Dupont",
        "f-eu_nationality": "FR",
        "f-relationship": "spouse",
        "f-relationship_other": "should be dropped",
        "f-eu_purpose": "work",
        "f-not_a_field": "tampered",
    }
    response = anna.post(page_url(app, "unionsbuerger"), data)
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.data["relationship"] == "spouse"
    assert "relationship_other" not in app.data and "not_a_field" not in app.data
    data["f-relationship"] = "other"
    data["f-relationship_other"] = ""
    response = anna.post(page_url(app, "unionsbuerger"), data)
    assert response.status_code == 400
    assert 'href="#f-relationship_other"' in response.content.decode()


def test_tampered_choice_value_is_refused(harz_forms, anna):
    app = start(anna)
    response = anna.post(
        page_url(app, "unionsbuerger"),
        {
            "f-eu_name": "X Y",
            "f-eu_nationality": "US",
            "f-relationship": "spouse",
            "f-eu_purpose": "work",
        },
    )
    assert response.status_code == 400
    assert "angebotenen Optionen" in response.content.decode()


def test_uploads_are_checked_by_content(harz_forms, anna):
    app = start(anna)
    fake = SimpleUploadedFile(
        "pass.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf"
    )
    response = anna.post(page_url(app, "unterlagen"), {"action": "upload", "f-passport": fake})
    assert response.status_code == 400
    assert "PDF, JPG, PNG" in response.content.decode()
    assert not app.files.exists()
    good = SimpleUploadedFile("pass.png", PNG, content_type="image/png")
    response = anna.post(page_url(app, "unterlagen"), {"action": "upload", "f-passport": good})
    assert response.status_code == 302
    stored = app.files.get()
    assert (
        stored.content_type == "image/png"
        and stored.field == "f-passport"
        and len(stored.sha256) == 64
    )
    empty = SimpleUploadedFile("leer.pdf", b"", content_type="application/pdf")
    response = anna.post(
        page_url(app, "unterlagen"), {"action": "upload", "f-relationship_proof": empty}
    )
    assert response.status_code == 400
    odd = anna.post(page_url(app, "unterlagen"), {"action": "delete-file:not-a-uuid"})
    assert odd.status_code == 302 and app.files.exists()  # answered 500 (issue 16 F6)
    response = anna.post(page_url(app, "unterlagen"), {"action": f"delete-file:{stored.public_id}"})
    assert response.status_code == 302 and not app.files.exists()


def test_oversized_upload_is_refused(harz_forms, anna, settings):
    app = start(anna)
    big = SimpleUploadedFile(
        "gross.pdf", PDF + b"0" * (10 * 1024 * 1024), content_type="application/pdf"
    )
    response = anna.post(page_url(app, "unterlagen"), {"action": "upload", "f-passport": big})
    assert response.status_code == 400
    assert "größer als 10 MB" in response.content.decode()


def fill_aufenthaltskarte(client, app):
    steps = [
        ("person", PERSON),
        ("herkunft", {"f-nationality": "türkisch", "f-birth_place": "Izmir, Türkei"}),
        ("kontakt", CONTACT),
        (
            "unionsbuerger",
            {
                "f-eu_name": "Marie Dupont",
                "f-eu_nationality": "FR",
                "f-relationship": "spouse",
                "f-eu_purpose": "work",
            },
        ),
        ("einreise", {"f-entry_date": "2024-03-01"}),
        (
            "unterlagen",
            {
                "f-passport": SimpleUploadedFile("pass.pdf", PDF, content_type="application/pdf"),
                "f-relationship_proof": SimpleUploadedFile(
                    "heirat.pdf", PDF, content_type="application/pdf"
                ),
            },
        ),
        ("erklaerung", {"f-truthful": "1"}),
    ]
    for key, data in steps:
        response = client.post(page_url(app, key), data)
        assert response.status_code == 302, (key, response.content.decode()[:3000])
    return response


def test_full_walk_to_check_answers_with_change_links(harz_forms, anna):
    app = start(anna)
    response = fill_aufenthaltskarte(anna, app)
    assert response["Location"] == f"/antrag/a/{app.public_id}/pruefen/"
    response = anna.get(response["Location"])
    html = response.content.decode()
    assert response.status_code == 200
    assert "Friedrich-Ebert-Straße 42, 38820 Halberstadt" in html
    assert "01.03.2024" in html and "pass.pdf" in html
    assert f"/antrag/a/{app.public_id}/seite/einreise/?zurueck=pruefen#f-entry_date" in html
    assert "Weiter zur Bezahlung" in html  # the EU residence card costs a fee


def test_change_link_returns_to_check_page(harz_forms, anna):
    app = start(anna)
    fill_aufenthaltskarte(anna, app)
    response = anna.post(
        page_url(app, "einreise") + "?zurueck=pruefen", {"f-entry_date": "2024-04-01"}
    )
    assert response["Location"] == f"/antrag/a/{app.public_id}/pruefen/"


def test_draft_resumes_on_another_device(harz_forms, anna, citizen):
    from django.test import Client

    app = start(anna)
    anna.post(page_url(app, "person"), PERSON)
    response = anna.post(
        page_url(app, "herkunft"),
        {"f-nationality": "türkisch", "f-birth_place": "", "action": "draft"},
    )
    assert response.status_code == 302 and response["Location"] == "/antrag/meine/"
    app.refresh_from_db()
    assert app.data["nationality"] == "türkisch" and "birth_place" not in app.data
    other_device = Client()
    other_device.force_login(citizen)
    listing = other_device.get("/antrag/meine/").content.decode()
    assert f"/antrag/a/{app.public_id}/" in listing and "Entwurf" in listing
    response = other_device.get(f"/antrag/a/{app.public_id}/")
    assert response.status_code == 302 and response["Location"].endswith("/seite/herkunft/")
    page = other_device.get(response["Location"]).content.decode()
    assert 'value="türkisch"' in page


def test_repeatable_group_add_and_remove_without_javascript(harz_forms, anna):
    app = start(anna, "hilfe-zum-lebensunterhalt")
    url = page_url(app, "haushalt")
    response = anna.post(
        url, {"f-lives_alone": "no", "f-household-count": "1", "action": "add:household"}
    )
    html = response.content.decode()
    assert 'name="f-household-count" value="2"' in html and 'id="f-household-1-name"' in html
    response = anna.post(
        url,
        {
            "f-lives_alone": "no",
            "f-household-count": "2",
            "f-household-0-name": "Kim",
            "f-household-0-birth_date": "2015-01-01",
            "f-household-0-relation": "child",
            "f-household-1-name": "Lou",
            "f-household-1-birth_date": "2017-01-01",
            "f-household-1-relation": "child",
        },
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert [p["name"] for p in app.data["household"]] == ["Kim", "Lou"]
    response = anna.post(url, {"f-lives_alone": "yes", "f-household-count": "1"})
    app.refresh_from_db()
    assert app.data["lives_alone"] == "yes" and "household" not in app.data


def test_iban_page(harz_forms, anna):
    app = start(anna, "hilfe-zum-lebensunterhalt")
    url = page_url(app, "konto")
    response = anna.post(
        url, {"f-iban": "DE02 1203 0000 0000 2020 52", "f-account_holder": "Anna Berg"}
    )
    assert response.status_code == 400 and "gültige IBAN" in response.content.decode()
    response = anna.post(
        url, {"f-iban": "de02 1203 0000 0000 2020 51", "f-account_holder": "Anna Berg"}
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.data["iban"] == "DE02120300000000202051"


def test_delete_draft_emits_abandoned(harz_forms, anna):
    app = start(anna)
    anna.post(page_url(app, "person"), PERSON)
    response = anna.post(f"/antrag/a/{app.public_id}/loeschen/")
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == "abandoned" and app.data == {}
    event = Event.objects.get(kind="application.abandoned")
    assert event.data == {
        "service": "aufenthaltskarte-eu",
        "form": "aufenthaltskarte-eu",
        "page": "person",
    }
    assert anna.get(page_url(app, "person")).status_code == 404


def paid(app):
    return PaymentFactory(application=app, amount=integration.fee_amount(app))


def test_deleting_a_draft_asks_first_and_names_what_is_lost(harz_forms, anna):
    app = start(anna)
    fill_aufenthaltskarte(anna, app)
    paid(app)
    url = f"/antrag/a/{app.public_id}/loeschen/"
    response = anna.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Entwurf wirklich löschen?" in html
    assert "pass.pdf" in html and "heirat.pdf" in html  # the uploads that would go
    assert "nicht automatisch erstattet" in html and "22,80 €" in html
    assert "Ausländerbehörde" in html  # whom to ask for the money
    assert f'<form method="post" action="{url}"' in html and "Ja, Entwurf löschen" in html
    assert f'href="/antrag/a/{app.public_id}/"' in html  # "no": back to the draft
    app.refresh_from_db()
    assert app.status == "draft" and app.files.count() == 2  # asking changed nothing
    response = anna.post(url)
    assert response.status_code == 302 and response["Location"] == "/antrag/meine/"
    app.refresh_from_db()
    assert app.status == "abandoned" and not app.files.exists()


def test_deleting_an_unpaid_draft_says_nothing_about_refunds(harz_forms, anna):
    app = start(anna)
    html = anna.get(f"/antrag/a/{app.public_id}/loeschen/?von=meine").content.decode()
    assert "Entwurf wirklich löschen?" in html and "alle Ihre Antworten" in html
    assert "erstattet" not in html and "hochgeladen" not in html
    assert 'href="/antrag/meine/"' in html  # came from "My applications": back there


def test_check_page_links_to_the_question_apart_from_sending(harz_forms, anna):
    app = start(anna)
    fill_aufenthaltskarte(anna, app)
    paid(app)
    html = anna.get(f"/antrag/a/{app.public_id}/pruefen/").content.decode()
    delete_url = f"/antrag/a/{app.public_id}/loeschen/"
    assert "Antrag abschicken" in html
    assert f'action="{delete_url}"' not in html  # no one-tap delete any more
    section = html[html.index('class="delete-section"') :]
    assert f'<a class="button button-delete" href="{delete_url}">' in section
    assert html.index("Antrag abschicken") < html.index('class="delete-section"')


def test_my_applications_offer_deleting_a_draft(harz_forms, anna, citizen):
    draft = ApplicationFactory(user=citizen, form_key="aufenthaltskarte-eu")
    html = anna.get("/antrag/meine/").content.decode()
    assert f'href="/antrag/a/{draft.public_id}/loeschen/?von=meine"' in html


def test_stale_drafts_are_abandoned(harz_forms, anna):
    import datetime as dt

    from django.utils import timezone

    app = start(anna)
    Application.objects.filter(pk=app.pk).update(updated_at=timezone.now() - dt.timedelta(days=40))
    assert forms.abandon_stale_drafts() == 1
    assert Event.objects.filter(kind="application.abandoned", subject=f"draft:{app.pk}").exists()


def test_english_pages(harz_forms, anna):
    app = start(anna)
    html = anna.get(f"/en{page_url(app, 'person')}").content.decode()
    assert "About you" in html and "Family name" in html and "Step 1 of" in html


def test_a_service_with_a_form_of_its_own_is_applied_for_with_it(harz_forms, anna, citizen):
    form = FormDefinitionFactory()
    assert forms.form_for_service(form.service) == form
    app = start(anna, form.service.slug)
    assert app.form == form and app.user == citizen
    response = anna.post(page_url(app, "anliegen"), {"f-request": " "})
    assert response.status_code == 400
    response = anna.post(page_url(app, "anliegen"), {"f-request": "Bitte um Rückruf."})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.data == {"request": "Bitte um Rückruf."}


def test_my_applications_list_drafts_and_sent_ones_of_mine_only(harz_forms, anna, citizen):
    draft = ApplicationFactory(user=citizen, form_key="aufenthaltskarte-eu")
    sent = ApplicationFactory(user=citizen, form_key="fahrerlaubnis-ersterteilung", submitted=True)
    foreign = ApplicationFactory(form_key="aufenthaltskarte-eu")
    html = anna.get("/antrag/meine/").content.decode()
    assert f"/antrag/a/{draft.public_id}/" in html and sent.file_number in html
    assert str(foreign.public_id) not in html
