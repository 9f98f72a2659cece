"""Online application on a phone: log in, find the service, fill the form page by page
(with an upload, an error, a change from the check page), pay, send, receipt — with axe-core
on every form page, the error page and the check-answers page, and screenshots of each step.
A second test does the same parts without JavaScript and checks the strict CSP holds."""

import os
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, ROOT, axe, format_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _one_page_pdf() -> bytes:
    """A well-formed one-page PDF: drafts run the eAkte's upload check (issue 16 F5), which
    refuses a PDF without pages as damaged."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = _one_page_pdf()
PASSWORD = "Buerger-Passwort-2026!"
SMALL_PHONE = {"width": 320, "height": 640}


def served_env() -> dict:
    """The environment of the served portal (same database as the portal_url fixture)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        database_url = url.rsplit("/", 1)[0] + f"/openkreis_browser_{os.getpid()}"
    else:
        database_url = f"sqlite:///{ROOT / 'var' / f'browser-{os.getpid()}.sqlite3'}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openkreis.settings.production",
        "DATABASE_URL": database_url,
        "OPENKREIS_SECRET_KEY": "browser-test-" + "k" * 60,
        "OPENKREIS_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "OPENKREIS_SSL_REDIRECT": "0",
    }


def make_citizen(username: str, email: str) -> None:
    """A citizen account with a verified e-mail address in the served database.

    (Registration with e-mail verification is the accounts app's journey; here the
    account only needs to exist.)"""
    code = (
        "from django.contrib.auth import get_user_model; "
        "from allauth.account.models import EmailAddress; "
        f"u, _ = get_user_model().objects.get_or_create(username={username!r}, "
        f"defaults={{'email': {email!r}, 'first_name': 'Ayşe', 'last_name': 'Demir'}}); "
        f"u.set_password({PASSWORD!r}); u.save(); "
        f"EmailAddress.objects.get_or_create(user=u, email={email!r}, "
        "defaults={'verified': True, 'primary': True})"
    )
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
        cwd=ROOT,
        env=served_env(),
        check=True,
        capture_output=True,
    )


def assert_accessible(page):
    violations = axe(page)
    assert violations == [], page.url + "\n" + format_violations(violations)


def login(page, portal_url, username):
    page.goto(portal_url + "/konto/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def continue_(page):
    page.get_by_role("button", name="Weiter", exact=True).click()
    page.wait_for_load_state()


def test_apply_for_residence_card_on_a_phone(browser, portal_url, tmp_path):
    make_citizen("ayse", "ayse@example.org")
    # bypass_csp only so axe-core can be injected into the page as it is (errors included);
    # the CSP itself is checked in the test without JavaScript below.
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    login(page, portal_url, "ayse")

    page.goto(portal_url + "/leistungen/aufenthaltskarte-eu/")
    page.get_by_role("link", name="Online beantragen").click()
    page.wait_for_url(re.compile(r"/antrag/aufenthaltskarte-eu/$"))
    screenshot(page, "forms-01-start-phone")
    assert_accessible(page)
    page.get_by_role("button", name="Jetzt starten").click()

    # 1 person: prefilled from the account, an invalid date first
    page.wait_for_url(re.compile(r"/seite/person/"))
    expect(page.locator("#f-family_name")).to_have_value("Demir")
    page.fill("#f-birth_date", "01.01.2999")
    continue_(page)
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    assert "Geburtsdatum" in summary.inner_text()
    screenshot(page, "forms-02-error-phone")
    assert_accessible(page)
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "f-birth_date"
    page.fill("#f-birth_date", "12.04.1991")
    continue_(page)

    page.fill("#f-nationality", "türkisch")
    page.fill("#f-birth_place", "Izmir, Türkei")
    screenshot(page, "forms-03-origin-phone")
    assert_accessible(page)
    continue_(page)

    page.fill("#f-address-street", "Breiter Weg 12")
    page.fill("#f-address-postcode", "38855")
    page.fill("#f-address-city", "Wernigerode")
    continue_(page)

    # the conditional question appears only for "something else"
    other = page.locator("#f-relationship_other")
    page.fill("#f-eu_name", "Marie Dupont")
    page.select_option("#f-eu_nationality", "FR")
    page.check("label:has-text('etwas anderes') >> xpath=preceding-sibling::input")
    expect(other).to_be_visible()
    page.check("label:has-text('Ehegattin oder Ehegatte') >> xpath=preceding-sibling::input")
    expect(other).to_be_hidden()
    page.check("label:has-text('Arbeit') >> xpath=preceding-sibling::input")
    screenshot(page, "forms-04-eu-citizen-phone")
    assert_accessible(page)
    continue_(page)

    page.fill("#f-entry_date", "01.03.2024")
    continue_(page)

    # uploads (one question page with several files)
    passport = tmp_path / "reisepass.pdf"
    passport.write_bytes(PDF)
    proof = tmp_path / "heiratsurkunde.pdf"
    proof.write_bytes(PDF)
    page.set_input_files("#f-passport", str(passport))
    page.set_input_files("#f-relationship_proof", str(proof))
    screenshot(page, "forms-05-upload-phone")
    assert_accessible(page)
    continue_(page)

    page.check("#f-truthful")
    assert_accessible(page)
    continue_(page)

    # check your answers, change one answer and come back
    page.wait_for_url(re.compile(r"/pruefen/"))
    text = page.locator("main").inner_text()
    assert "Breiter Weg 12, 38855 Wernigerode" in text and "reisepass.pdf" in text
    screenshot(page, "forms-06-check-phone")
    assert_accessible(page)
    page.locator("a[href*='seite/einreise/?zurueck=pruefen']").click()
    page.fill("#f-entry_date", "02.03.2024")
    page.get_by_role("button", name="Speichern und zurück zur Übersicht").click()
    page.wait_for_url(re.compile(r"/pruefen/"))
    assert "02.03.2024" in page.locator("main").inner_text()

    # fee, then send
    page.get_by_role("link", name="Weiter zur Bezahlung").click()
    screenshot(page, "forms-07-pay-phone")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("bezahlen")).click()
    page.wait_for_url(re.compile(r"/pruefen/"))
    send = page.get_by_role("button", name="Antrag abschicken")
    expect(send).to_be_visible()
    screenshot(page, "forms-08-ready-to-send-phone")
    assert_accessible(page)
    # deleting is a link to a question, well apart from sending (no one-tap delete)
    delete = page.get_by_role("link", name="Diesen Entwurf löschen")
    expect(page.locator("main form[action$='/loeschen/']")).to_have_count(0)
    gap = delete.bounding_box()["y"] - (send.bounding_box()["y"] + send.bounding_box()["height"])
    assert gap > 80, gap

    # the draft is in "Meine Anträge"
    page.goto(portal_url + "/antrag/meine/")
    assert "Aufenthaltskarte" in page.inner_text("main")
    screenshot(page, "forms-09-mine-phone")
    assert_accessible(page)

    # deleting the paid draft asks first and names what would be lost
    page.get_by_role("link", name=re.compile(r"^Entwurf löschen\W+Aufenthaltskarte")).click()
    expect(page).to_have_url(re.compile(r"/loeschen/\?von=meine$"))
    expect(page.locator("h1")).to_have_text("Entwurf wirklich löschen?")
    main = page.locator("main")
    expect(main).to_contain_text("reisepass.pdf")
    expect(main).to_contain_text("heiratsurkunde.pdf")
    expect(main).to_contain_text("Die Gebühr wird nicht automatisch erstattet")
    screenshot(page, "forms-15-delete-confirm-phone")
    assert_accessible(page)
    page.set_viewport_size(SMALL_PHONE)
    screenshot(page, "forms-15-delete-confirm-320")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "forms-15-delete-confirm-desktop")
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name="Nein, Entwurf behalten").click()  # nothing happens
    expect(page).to_have_url(re.compile(r"/antrag/meine/$"))
    page.get_by_role("link", name=re.compile(r"^Entwurf löschen\W+Aufenthaltskarte")).click()
    page.get_by_role("button", name="Ja, Entwurf löschen").click()
    expect(page).to_have_url(re.compile(r"/antrag/meine/$"))
    expect(main).to_contain_text("Der Entwurf ist gelöscht.")
    expect(page.get_by_role("link", name=re.compile("Aufenthaltskarte"))).to_have_count(0)
    context.close()


def test_without_javascript_rows_conditions_and_csp(browser, portal_url):
    make_citizen("jonas", "jonas@example.org")
    context = browser.new_context(viewport=PHONE, locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    violations = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    login(page, portal_url, "jonas")
    page.goto(portal_url + "/antrag/hilfe-zum-lebensunterhalt/")
    page.get_by_role("button", name="Jetzt starten").click()
    page.wait_for_url(re.compile(r"/seite/person/"))
    page.goto(page.url.replace("/seite/person/", "/seite/haushalt/"))
    # without JavaScript the dependent group is shown with a note saying when it applies
    assert "Nur wenn Sie bei „Leben Sie allein?“ „Nein“ gewählt haben." in page.inner_text("main")
    page.check("label:has-text('Nein') >> xpath=preceding-sibling::input")
    page.get_by_role("button", name=re.compile("Weitere Person im Haushalt")).click()
    expect(page.locator("#f-household-1-name")).to_be_visible()
    page.fill("#f-household-0-name", "Kim Demir")
    page.fill("#f-household-0-birth_date", "01.06.2015")
    page.select_option("#f-household-0-relation", "child")
    page.fill("#f-household-1-name", "Lou Demir")
    page.fill("#f-household-1-birth_date", "01.06.2017")
    page.select_option("#f-household-1-relation", "child")
    screenshot(page, "forms-10-household-nojs-phone")
    page.get_by_role("button", name="Weiter", exact=True).click()
    page.wait_for_url(re.compile(r"/seite/einkommen/"))
    page.get_by_role("button", name="Speichern und später weitermachen").click()
    page.wait_for_url(re.compile(r"/antrag/meine/$"))
    assert "Hilfe zum Lebensunterhalt" in page.inner_text("main")
    screenshot(page, "forms-11-mine-nojs-phone")
    # the question before deleting is a page and a form: it works without JavaScript
    page.get_by_role("link", name=re.compile(r"^Entwurf löschen\W+Hilfe zum")).click()
    expect(page.locator("h1")).to_have_text("Entwurf wirklich löschen?")
    expect(page.locator("main")).not_to_contain_text("erstattet")  # no fee was paid
    screenshot(page, "forms-16-delete-confirm-nojs-phone")
    page.get_by_role("button", name="Ja, Entwurf löschen").click()
    expect(page).to_have_url(re.compile(r"/antrag/meine/$"))
    expect(page.locator("main")).to_contain_text("Der Entwurf ist gelöscht.")
    expect(page.get_by_role("link", name="Hilfe zum Lebensunterhalt")).to_have_count(0)
    context.close()
    assert violations == []


def test_form_pages_desktop_screenshots(browser, portal_url):
    make_citizen("desk", "desk@example.org")
    context = browser.new_context(viewport=DESKTOP, locale="de-DE")
    page = context.new_page()
    login(page, portal_url, "desk")
    page.goto(portal_url + "/antrag/baugenehmigung-vereinfacht/")
    screenshot(page, "forms-start-desktop")
    page.get_by_role("button", name="Jetzt starten").click()
    page.wait_for_url(re.compile(r"/seite/person/"))
    page.goto(page.url.replace("/seite/person/", "/seite/bauvorlagen/"))
    screenshot(page, "forms-plans-desktop")
    page.goto(page.url.replace("/seite/bauvorlagen/", "/pruefen/"))
    screenshot(page, "forms-check-incomplete-desktop")
    context.close()


def mark_sent(username: str, file_number: str) -> None:
    """Mark the citizen's draft as sent in the served database.

    Only for the accessibility checks of the pages after submission: the submission itself
    goes through intake and is covered where intake exists (openkreis/forms/tests)."""
    code = (
        "from django.utils import timezone; from openkreis.forms.models import Application; "
        f"Application.objects.filter(user__username={username!r}).update(status='submitted', "
        f"file_number={file_number!r}, submitted_at=timezone.now())"
    )
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
        cwd=ROOT,
        env=served_env(),
        check=True,
        capture_output=True,
    )


def test_receipt_status_and_survey_pages_are_accessible(browser, portal_url):
    make_citizen("rike", "rike@example.org")
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    login(page, portal_url, "rike")
    page.goto(portal_url + "/antrag/fahrerlaubnis-ersterteilung/")
    page.get_by_role("button", name="Jetzt starten").click()
    page.wait_for_url(re.compile(r"/seite/klassen/"))
    app_id = re.search(r"/antrag/a/([0-9a-f-]{36})/", page.url).group(1)
    mark_sent("rike", "32.1-FE-2026-000042")

    page.goto(f"{portal_url}/antrag/a/{app_id}/bestaetigung/")
    assert "32.1-FE-2026-000042" in page.inner_text("main")
    screenshot(page, "forms-12-receipt-phone")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Eingangsbestätigung herunterladen (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")

    page.goto(f"{portal_url}/antrag/meine/{app_id}/")
    assert "Fahrerlaubnisbehörde" in page.inner_text("main")
    screenshot(page, "forms-13-status-phone")
    assert_accessible(page)

    # before the decision the survey only says when it opens
    page.goto(f"{portal_url}/antrag/meine/{app_id}/bewertung/")
    assert "nach der Entscheidung" in page.inner_text("main")
    screenshot(page, "forms-14-survey-before-decision-phone")
    assert_accessible(page)
    context.close()
