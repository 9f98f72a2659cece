"""BITV 2.0: the accessibility statement, the feedback form ("Barriere melden"), Leichte
Sprache and German Sign Language pages, created from tenants/<slug>/pages.yaml."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from wagtail.models import Page

from openkreis.core.loader import TenantDataError
from openkreis.core.personal_data import erase_all, export_all
from openkreis.portal import services
from openkreis.portal.models import (
    AccessibilityStatementPage,
    BarrierReport,
    ContentPage,
    EasyLanguagePage,
    HomePage,
    SignLanguagePage,
)

pytestmark = pytest.mark.django_db

TENANTS = Path(settings.OPENKREIS_TENANTS_DIR)
FORM = "/barriere-melden/"
VALID = {
    "seite": "/leistungen/",
    "beschreibung": "Der Knopf zum Suchen lässt sich nicht mit der Tastatur erreichen.",
    "name": "Erika Mustermann",
    "email": "erika@example.org",
}


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def _page(path: str) -> Page | None:
    page = HomePage.objects.get()
    for slug in path.strip("/").split("/"):
        page = page.get_children().filter(slug=slug).first()
        if page is None:
            return None
    return page.specific


def test_the_statement_has_dates_status_barriers_feedback_and_enforcement(client, harz):
    response = client.get("/barrierefreiheit/")
    assert response.status_code == 200
    assert isinstance(response.context["page"], AccessibilityStatementPage)
    html = response.content.decode()
    assert "Diese Erklärung wurde am 2. November 2026 erstellt." in html
    assert "zuletzt am 1. Dezember 2026 überprüft" in html
    assert "teilweise vereinbar" in html and "WCAG 2.1" in html
    for barrier in ("PDF-Dokumente anderer Stellen", "/api/docs/", "Gebärdensprache"):
        assert barrier in html
    assert "axe-core" in html  # the method
    assert 'href="/barriere-melden/?seite=/barrierefreiheit/"' in html
    assert 'href="mailto:barrierefreiheit@kreis-hz.de"' in html and "03941 5970" in html
    assert "innerhalb von 6 Wochen" in html
    assert "Schlichtungsstelle beim Beauftragten der Landesregierung" in html
    assert "Turmschanzenstraße 25" in html
    assert 'href="/leichte-sprache/erklaerung-zur-barrierefreiheit/" lang="de"' in html


def test_the_statement_in_english_keeps_the_county_data(client, harz):
    html = client.get("/en/barrierefreiheit/").content.decode()
    assert "This website is partially compliant with WCAG 2.1" in html
    assert "Enforcement procedure" in html and "Turmschanzenstraße 25" in html


def test_easy_language_pages_exist_are_german_and_link_both_ways(client, harz):
    start = _page("leichte-sprache")
    assert isinstance(start, EasyLanguagePage)
    children = [p.slug for p in start.get_children().live().order_by("path")]
    assert children == [
        "so-benutzen-sie-diese-seite",
        "erklaerung-zur-barrierefreiheit",
        "einen-antrag-stellen",
        "einen-termin-machen",
    ]
    for url in ("/en/leichte-sprache/", "/leichte-sprache/einen-termin-machen/"):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert re.search(r'<html lang="de">', html), url
        assert response["Content-Language"] == "de"
        assert "Leichte Sprache" in html
    start_html = client.get("/en/leichte-sprache/").content.decode()
    assert "Was ist auf dieser Internet-Seite?" in start_html
    assert 'href="/leichte-sprache/so-benutzen-sie-diese-seite/"' in start_html
    assert '<a href="/">Diese Seite in schwerer Sprache</a>' in start_html
    statement = client.get("/leichte-sprache/erklaerung-zur-barrierefreiheit/").content.decode()
    assert '<a href="/barrierefreiheit/">Diese Seite in schwerer Sprache</a>' in statement
    assert 'href="/barriere-melden/"' in statement
    assert "Zurück zur Start-Seite in Leichter Sprache" in statement
    termin = client.get("/leichte-sprache/einen-termin-machen/").content.decode()
    assert '<a href="/termine/">Diese Seite in schwerer Sprache</a>' in termin


def test_a_content_page_links_to_its_easy_language_version(client, harz):
    impressum = _page("impressum")
    assert (
        'lang="de">Diese Seite in Leichter Sprache'
        not in client.get("/impressum/").content.decode()
    )
    EasyLanguagePage.objects.filter(slug="einen-antrag-stellen").update(standard_page=impressum)
    html = client.get("/impressum/").content.decode()
    assert (
        'href="/leichte-sprache/einen-antrag-stellen/" lang="de">Diese Seite in Leichter Sprache'
        in html
    )


def test_sign_language_page_says_honestly_there_is_no_video_yet(client, harz):
    html = client.get("/gebaerdensprache/").content.decode()
    assert "Informationen in Deutscher Gebärdensprache" in html
    assert "Die Videos werden gerade produziert." in html
    assert 'href="https://www.tess-relay-dienste.de"' in html
    assert "<iframe" not in html and "<video" not in html


def test_sign_language_page_lists_videos_with_captions_and_transcript(client, harz):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    video = Document.objects.create(title="Antrag", file=ContentFile(b"0" * 10, "antrag.mp4"))
    captions = Document.objects.create(title="VTT", file=ContentFile(b"WEBVTT", "antrag.vtt"))
    page = SignLanguagePage.objects.get()
    page.videos = [
        {
            "type": "video",
            "value": {
                "title": "Einen Antrag stellen",
                "description": "",
                "video": video.pk,
                "link": "",
                "captions": captions.pk,
                "transcript": "<p>Guten Tag.</p>",
            },
        }
    ]
    page.save_revision().publish()
    html = client.get("/gebaerdensprache/").content.decode()
    assert "Die Videos werden gerade produziert." not in html
    assert '<video controls preload="none"' in html
    assert f'<track kind="captions" src="{captions.url}" srclang="de"' in html
    assert "Guten Tag." in html and "Einen Antrag stellen" in html


def test_ensure_pages_adds_missing_nested_pages_and_keeps_edits(harz):
    _page("leichte-sprache/einen-termin-machen").delete()
    _page("gebaerdensprache").delete()
    start = _page("leichte-sprache")
    start.title = "Leichte Sprache (von der Redaktion)"
    start.save_revision().publish()

    report = services.ensure_pages(harz, TENANTS / "harz")

    assert report.created == 2
    assert _page("leichte-sprache").title == "Leichte Sprache (von der Redaktion)"
    assert isinstance(_page("leichte-sprache/einen-termin-machen"), EasyLanguagePage)
    assert isinstance(_page("gebaerdensprache"), SignLanguagePage)
    assert services.ensure_pages(harz, TENANTS / "harz").changes == 0


def test_an_old_statement_page_is_replaced_only_when_nobody_edited_it(harz, django_user_model):
    def old_statement() -> ContentPage:
        _page("barrierefreiheit").delete()
        page = ContentPage(title="Erklärung zur Barrierefreiheit", slug="barrierefreiheit")
        HomePage.objects.get().add_child(instance=page)
        page.save_revision().publish()
        return page

    # A database loaded before these pages existed: the statement was a plain page.
    _page("leichte-sprache").delete()
    _page("gebaerdensprache").delete()
    old_statement()
    report = services.ensure_pages(harz, TENANTS / "harz")
    assert report.deleted == 1 and report.created == 1 + 6  # statement, 5 LS pages, DGS
    statement = _page("barrierefreiheit")
    assert isinstance(statement, AccessibilityStatementPage)
    easy = _page("leichte-sprache/erklaerung-zur-barrierefreiheit")
    assert easy.standard_page_id == statement.pk

    edited = old_statement()
    editor = django_user_model.objects.create_user("redakteurin", "r@example.org", "x" * 16)
    edited.save_revision(user=editor).publish()
    services.ensure_pages(harz, TENANTS / "harz")
    assert isinstance(_page("barrierefreiheit"), ContentPage)


def test_a_bad_page_entry_names_the_file_and_the_entry(harz, tmp_path):
    (tmp_path / "pages.yaml").write_text(
        "content_pages:\n  - {slug: x, title: X, type: gallery}\n", encoding="utf-8"
    )
    with pytest.raises(TenantDataError, match=r"pages.yaml: content_pages\[1\] \(x\)"):
        services.ensure_pages(harz, tmp_path)
    (tmp_path / "pages.yaml").write_text(
        "content_pages:\n  - {slug: y, title: Y, type: accessibility_statement}\n",
        encoding="utf-8",
    )
    with pytest.raises(TenantDataError, match="contact"):
        services.ensure_pages(harz, tmp_path)


def test_musterkreis_gets_every_accessibility_page_from_its_own_data():
    # A fresh page tree (the test database holds Harz's): load the Musterkreis alone.
    HomePage.objects.get().delete()
    call_command("load_tenant", str(TENANTS / "musterkreis"), stdout=io.StringIO())
    assert HomePage.objects.get().title == "Landkreis Musterkreis – Serviceportal"
    for path, kind in [
        ("impressum", ContentPage),
        ("barrierefreiheit", AccessibilityStatementPage),
        ("leichte-sprache", EasyLanguagePage),
        ("leichte-sprache/erklaerung-zur-barrierefreiheit", EasyLanguagePage),
        ("gebaerdensprache", SignLanguagePage),
    ]:
        assert isinstance(_page(path), kind), path
    statement = AccessibilityStatementPage.objects.get()
    assert statement.contact_email == "barrierefreiheit@musterkreis.example"
    assert statement.answer_weeks == 4


# ------------------------------------------------------------------------ the feedback form


def test_the_form_is_prefilled_from_the_link_or_the_referer(client, harz):
    response = client.get(FORM, {"seite": "/leistungen/kfz-zulassung/"})
    assert response.status_code == 200
    assert response.context["form"].initial["seite"] == "/leistungen/kfz-zulassung/"
    response = client.get(FORM, HTTP_REFERER="http://testserver/suche/?q=Hund")
    assert response.context["form"].initial["seite"] == "/suche/?q=Hund"
    response = client.get(FORM, HTTP_REFERER="https://elsewhere.example/page/")
    assert response.context["form"].initial["seite"] == ""
    html = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<label for="id_beschreibung">Beschreiben Sie die Barriere</label>' in html
    assert 'aria-describedby="id_beschreibung-hint"' in html


def test_bad_input_gives_400_with_german_messages_linked_to_the_fields(client, harz):
    response = client.post(FORM, {"seite": "irgendwo", "beschreibung": "kurz", "email": "x@"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary" role="alert"' in html
    assert "Bitte geben Sie die Adresse der Seite an" in html
    assert "Bitte beschreiben Sie die Barriere mit ein paar Worten mehr." in html
    assert "Bitte geben Sie eine gültige E-Mail-Adresse an" in html
    assert (
        'aria-invalid="true"' in html and 'aria-describedby="id_email-hint id_email-error"' in html
    )
    assert BarrierReport.objects.count() == 0
    assert client.post(FORM, {}).status_code == 400


def test_the_form_needs_the_csrf_token(harz):
    response = Client(enforce_csrf_checks=True).post(FORM, VALID)
    assert response.status_code == 403
    assert BarrierReport.objects.count() == 0


def test_a_report_is_stored_mailed_to_the_contact_and_confirmed(
    client, harz, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FORM, VALID)
    assert response.status_code == 302 and response["Location"] == "/barrierefreiheit/"
    report = BarrierReport.objects.get()
    assert report.page_url == "/leistungen/" and report.email == "erika@example.org"
    assert report.user is None and report.mailed_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["barrierefreiheit@kreis-hz.de"]
    assert "/leistungen/" in message.subject
    assert VALID["beschreibung"] in message.body and "erika@example.org" in message.body
    html = client.get(response["Location"]).content.decode()
    assert "Vielen Dank. Ihre Meldung ist bei uns angekommen." in html
    assert "Wir antworten Ihnen innerhalb von 6 Wochen." in html


def test_without_an_email_address_the_confirmation_says_there_is_no_answer(
    client, harz, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FORM, {**VALID, "name": "", "email": ""}, follow=True)
    html = response.content.decode()
    assert "Sie haben keine E-Mail-Adresse angegeben" in html
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_keeps_the_report(
    client, harz, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr(services, "send_mail", broken)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FORM, VALID)
    assert response.status_code == 302
    assert BarrierReport.objects.get().mailed_at is None


def test_reports_are_rate_limited_per_client(client, harz, settings):
    settings.OPENKREIS_BARRIER_REPORTS_PER_HOUR = 2
    for _ in range(2):
        assert client.post(FORM, VALID).status_code == 302
    response = client.post(FORM, VALID)
    assert response.status_code == 429
    assert "in der letzten Stunde viele Meldungen" in response.content.decode()
    assert BarrierReport.objects.count() == 2
    assert client.post(FORM, VALID, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_old_reports_are_deleted_after_the_retention_period(harz, settings):
    settings.OPENKREIS_BARRIER_REPORT_RETENTION_DAYS = 30
    old = services.report_barrier(page_url="/", description="Alt und erledigt.")
    BarrierReport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=31)
    )
    new = services.report_barrier(page_url="/", description="Neu und offen.")
    out = io.StringIO()
    call_command("delete_old_barrier_reports", "--dry-run", stdout=out)
    assert "1 barrier reports older than 30 days would be deleted" in out.getvalue()
    assert BarrierReport.objects.count() == 2
    call_command("delete_old_barrier_reports", stdout=io.StringIO())
    assert list(BarrierReport.objects.values_list("pk", flat=True)) == [new.pk]


def test_a_citizens_reports_go_with_the_account(client, harz, django_user_model):
    user = django_user_model.objects.create_user("buergerin", "b@example.org", "x" * 16)
    client.force_login(user)
    assert client.post(FORM, VALID).status_code == 302
    assert BarrierReport.objects.get().user == user
    exported = export_all(user)["barrier_reports"]
    assert exported[0]["description"] == VALID["beschreibung"]
    erase_all(user)
    assert not BarrierReport.objects.exists()
