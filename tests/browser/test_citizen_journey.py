"""The whole journey on a phone, through the real production stack and a real SMTP server:
register → verify the e-mail address (link from the captured mail) → log in → profile →
find "Aufenthaltskarte" → apply with uploads → receipt → a caseworker (password + TOTP at
the desk) requests a document → the citizen sees the request in the mailbox and uploads the
document as a reply → the caseworker decides → the citizen reads the decision in the
mailbox, downloads the PDF and rates the service. axe-core on every page, screenshots of
every step (test-results/screenshots/journey-*)."""

import datetime as dt
import re
import time

import pytest
from playwright.sync_api import expect

from openkreis.core.testing import totp_code

from .conftest import DESKTOP, PHONE, screenshot
from .test_forms_journey import PASSWORD as CITIZEN_PASSWORD
from .test_forms_journey import assert_accessible, continue_, make_citizen

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EMAIL = "lea.nowak@example.org"
USERNAME = "leanowak"
PASSWORD = "Harz-Buergerin-2026!"
DESK_PASSWORD = "harz-akte-demo-2026"
DESK_SECRET = "AUSLAENDERDEMOAAAAAAAAAAAAAAAAAA"


def _one_page_pdf() -> bytes:
    """A small well-formed PDF (the eAkte refuses damaged ones)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = _one_page_pdf()


def step(page, name: str) -> None:
    """Screenshot and accessibility check of the page as it is now."""
    screenshot(page, f"journey-{name}-phone")
    assert_accessible(page)


def test_register_apply_request_reply_decision_mailbox_rating(
    browser, portal_url, mail_sink, tmp_path
):
    sink, _port = mail_sink
    context = browser.new_context(
        viewport=PHONE, locale="de-DE", bypass_csp=True, accept_downloads=True
    )
    page = context.new_page()

    # 1 register
    page.goto(portal_url + "/")
    page.get_by_role("link", name="Anmelden", exact=True).click()
    page.wait_for_url(re.compile(r"/konto/login/"))
    step(page, "01-login")
    page.goto(portal_url + "/konto/signup/")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password1]", "kurz")
    page.fill("input[name=password2]", "kurz")
    page.locator("main form button[type=submit]").last.click()
    assert "zu kurz" in page.inner_text("main")
    step(page, "02-signup-error")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    before = len(sink.messages)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/konto/confirm-email/"))
    step(page, "03-verification-sent")

    # 2 the verification link arrives by real SMTP
    message = sink.wait_for(EMAIL, after=before)
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/konto/confirm-email/\S+/", body).group(0)
    page.goto(re.sub(r"^https://", "http://", link))
    step(page, "04-confirm-email")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    expect(page.get_by_role("link", name="Mein Konto")).to_be_visible()

    # 3 the profile, told once
    page.get_by_role("link", name="Mein Konto").click()
    page.fill("#id_first_name", "Lea")
    page.fill("#id_last_name", "Nowak")
    page.fill("#id_birth_date", "12.04.1991")
    page.fill("#id_street", "Breiter Weg 12")
    page.fill("#id_postcode", "38855")
    page.fill("#id_city", "Wernigerode")
    step(page, "05-profile")
    page.get_by_role("button", name="Angaben speichern").click()
    assert "Ihre Angaben wurden gespeichert." in page.inner_text("main")

    # 4 find the service
    page.goto(portal_url + "/suche/?q=Aufenthaltskarte")
    step(page, "06-search")
    page.locator(".result-list a[href*='/leistungen/aufenthaltskarte-eu/']").first.click()
    page.wait_for_url(re.compile(r"/leistungen/aufenthaltskarte-eu/"))
    # the office the competence finder names for her town (issue 14.2): every later page and
    # the letter must name the same one, and the authority by the same name
    page.get_by_label("Ihre Stadt oder Gemeinde").select_option(label="Wernigerode")
    page.get_by_role("button", name="Zuständige Stelle anzeigen").click()
    office = page.locator(".office").first
    expect(office).to_contain_text("Wernigerode")
    office_name = office.locator(".office-name strong").inner_text().strip()
    authority = office.locator(".office-name").inner_text().split("\n")[-1].strip()
    street = office.locator("address").inner_text().split("\n")[1].strip()
    step(page, "06b-service-office")
    page.get_by_role("link", name="Online beantragen").click()
    page.get_by_role("button", name="Jetzt starten").click()

    # 5 apply: the person page comes prefilled from the profile
    page.wait_for_url(re.compile(r"/seite/person/"))
    expect(page.locator("#f-family_name")).to_have_value("Nowak")
    expect(page.locator("#f-birth_date")).not_to_have_value("")
    step(page, "07-form-prefilled")
    continue_(page)
    page.fill("#f-nationality", "polnisch")
    page.fill("#f-birth_place", "Posen, Polen")
    continue_(page)
    page.fill("#f-address-street", "Breiter Weg 12")
    page.fill("#f-address-postcode", "38855")
    page.fill("#f-address-city", "Wernigerode")
    continue_(page)
    page.fill("#f-eu_name", "Marek Nowak")
    page.select_option("#f-eu_nationality", "PL")
    page.check("label:has-text('Ehegattin oder Ehegatte') >> xpath=preceding-sibling::input")
    page.check("label:has-text('Arbeit') >> xpath=preceding-sibling::input")
    continue_(page)
    page.fill("#f-entry_date", "01.03.2024")
    continue_(page)
    passport = tmp_path / "reisepass.pdf"
    passport.write_bytes(PDF)
    proof = tmp_path / "heiratsurkunde.pdf"
    proof.write_bytes(PDF)
    page.set_input_files("#f-passport", str(passport))
    page.set_input_files("#f-relationship_proof", str(proof))
    step(page, "08-upload")
    continue_(page)
    page.check("#f-truthful")
    continue_(page)
    page.wait_for_url(re.compile(r"/pruefen/"))
    page.get_by_role("link", name="Weiter zur Bezahlung").click()
    page.get_by_role("button", name=re.compile("bezahlen")).click()
    page.wait_for_url(re.compile(r"/pruefen/"))
    page.get_by_role("button", name="Antrag abschicken").click()

    # 6 receipt with the file number
    page.wait_for_load_state()
    if "/bestaetigung/" not in page.url:
        screenshot(page, "journey-09-submit-failed-phone")
        raise AssertionError(page.inner_text("main")[:1000])
    file_number = page.locator(".file-number").inner_text().strip()
    assert re.fullmatch(r"[\d.]+-\d{4}-\d{6}", file_number), file_number
    public_id = re.search(r"/antrag/a/([0-9a-f-]{36})/", page.url).group(1)
    application_url = f"{portal_url}/antrag/meine/{public_id}/"
    for text in (office_name, authority, street):
        expect(page.locator("main .office")).to_contain_text(text)
    step(page, "09-receipt")

    # 7 the caseworker finds the case in the inbox and requests a document
    desk = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True)
    staff = desk.new_page()
    staff.goto(portal_url + "/sachbearbeitung/")
    staff.fill("input[name=login]", "sb-auslaender")
    staff.fill("input[name=password]", DESK_PASSWORD)
    staff.locator("main form button[type=submit]").first.click()
    staff.wait_for_url(re.compile(r"/konto/2fa/authenticate/"))
    for _attempt in range(3):  # a code typed at the end of its 30 s window may expire
        staff.fill("input[name=code]", totp_code(DESK_SECRET))
        staff.locator("main form button[type=submit]").first.click()
        staff.wait_for_load_state()
        if "/2fa/authenticate/" not in staff.url:
            break
        time.sleep(30 - time.time() % 30 + 1)
    staff.wait_for_url(re.compile(r"/sachbearbeitung/$"))
    staff.goto(f"{portal_url}/sachbearbeitung/?q={file_number}")
    staff.get_by_role("link", name=file_number).click()
    staff.wait_for_url(re.compile(r"/sachbearbeitung/vorgang/\d+/"))
    # the caseworker sees what she answered, grouped like the form (issue 14.1), on a phone too
    staff.set_viewport_size(PHONE)
    answers = staff.locator(".application-data")
    expect(answers).to_contain_text("Die Person aus der EU")
    expect(answers).to_contain_text("Marek Nowak")
    expect(answers).to_contain_text("polnisch")
    expect(answers).to_contain_text("Posen, Polen")
    screenshot(staff, "journey-desk-application-phone")
    assert_accessible(staff)
    staff.set_viewport_size(DESKTOP)
    staff.get_by_role("button", name="Übernehmen").click()
    staff.get_by_text("Unterlagen nachfordern", exact=True).click()  # opens on demand
    staff.get_by_label("Fehlende Unterlagen (eine pro Zeile)").fill("Meldebescheinigung")
    staff.get_by_label("Frist").fill((dt.date.today() + dt.timedelta(days=14)).isoformat())
    before = len(sink.messages)
    staff.get_by_role("button", name="Nachforderung senden").click()
    assert "Wartet auf Unterlagen" in staff.locator(".case-facts").inner_text()

    # 8 the citizen is told by e-mail (without the content) and sees the request
    notice = sink.wait_for(EMAIL, after=before)
    text = notice.get_body(preferencelist=("plain",)).get_content()
    assert "Meldebescheinigung" not in text and file_number not in text
    assert "/mein-konto/postfach/" in text
    page.goto(portal_url + "/")
    expect(page.locator("#nav-mailbox")).to_contain_text("1 neu")
    page.goto(application_url)
    # "Meine Anträge" shows the to-do (its text is the forms app's business: see the report)
    assert "Was Sie tun müssen" in page.inner_text("main")
    for text in (office_name, authority, street):
        expect(page.locator("main .office")).to_contain_text(text)
    step(page, "10-status-request")
    page.locator("#nav-mailbox").click()
    step(page, "11-mailbox-request")
    page.locator(".message-list a").first.click()
    assert "Meldebescheinigung" in page.inner_text("main")
    step(page, "12-message-request")

    # 9 upload as a reply: it goes into the case and back to the caseworker's inbox
    fake = tmp_path / "meldebescheinigung.pdf"
    fake.write_bytes(b"MZ\x90\x00 this is a program")
    page.set_input_files("#id_attachments", str(fake))
    page.get_by_role("button", name="Antwort senden").click()
    assert "meldebescheinigung.pdf" in page.inner_text(".error-summary")
    step(page, "13-reply-refused")
    real = tmp_path / "meldebescheinigung-echt.pdf"
    real.write_bytes(PDF)
    page.fill("#id_body", "Anbei die Meldebescheinigung.")
    page.set_input_files("#id_attachments", str(real))
    page.get_by_role("button", name="Antwort senden").click()
    assert "Ihre Antwort wurde an die Behörde geschickt." in page.inner_text("main")
    step(page, "14-reply-sent")

    # 10 the caseworker decides
    staff.reload()
    assert "meldebescheinigung-echt.pdf" in staff.inner_text("main")
    # the documents came back to this caseworker: deciding needs no second "Übernehmen"
    expect(staff.get_by_role("button", name="Übernehmen")).to_have_count(0)
    staff.get_by_role("radio", name="Stattgegeben", exact=True).check()
    staff.get_by_label("Begründung").fill("Die Voraussetzungen nach § 5 FreizügG/EU liegen vor.")
    staff.get_by_role("button", name="Bescheid prüfen").click()
    expect(staff.locator(".letter-preview")).to_contain_text("Guten Tag")
    for text in (office_name, authority, street):  # the letter, appeal instructions included
        expect(staff.locator(".letter-preview")).to_contain_text(text)
    staff.set_viewport_size(PHONE)
    assert_accessible(staff)  # the decision preview at phone width (issue 14.3)
    staff.set_viewport_size(DESKTOP)
    before = len(sink.messages)
    staff.get_by_role("button", name="Bescheid jetzt erlassen").click()
    expect(staff.locator("main")).to_contain_text("Der Bescheid wurde erlassen.")
    desk.close()
    sink.wait_for(EMAIL, after=before)

    # 11 the citizen reads the decision in the mailbox and downloads the PDF
    page.goto(portal_url + "/mein-konto/postfach/")
    expect(page.locator("#nav-mailbox")).to_contain_text("1 neu")
    step(page, "15-mailbox-decision")
    page.locator(".message-list a").first.click()
    assert "Bescheid" in page.inner_text("main")
    step(page, "16-decision")
    with page.expect_download() as download_info:
        page.locator(".attachments a", has_text="Bescheid-").click()
    with open(download_info.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert download_info.value.suggested_filename.startswith("Bescheid-")
    expect(page.locator("#nav-mailbox")).not_to_contain_text("neu")

    # 12 rate the service
    page.goto(application_url + "bewertung/")
    step(page, "17-rating")
    page.check("#rating-5")
    page.get_by_role("button", name="Bewertung senden").click()
    page.wait_for_load_state()
    assert "Vielen Dank für Ihre Bewertung" in page.inner_text("main")
    step(page, "18-thanks")
    page.set_viewport_size(DESKTOP)
    page.goto(portal_url + "/mein-konto/postfach/")
    screenshot(page, "journey-mailbox-desktop")
    page.goto(portal_url + "/mein-konto/")
    screenshot(page, "journey-account-desktop")
    context.close()


SMALL_PHONE = {"width": 320, "height": 640}


def big_enough(field) -> None:
    """A field people can hit with a thumb: at least 44 px high, inside a 320 px screen."""
    box = field.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 320, box


def test_account_pages_on_a_small_phone(browser, portal_url):
    """Login, registration, password reset and the second-factor setup at 320 px: the portal's
    design, labels above inputs at least 44 px high, plain German, errors next to the field and
    in an error summary, one password rule. Screenshots: test-results/screenshots/account-*."""
    context = browser.new_context(viewport=SMALL_PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    main = page.locator("main")

    # login
    page.goto(portal_url + "/konto/login/")
    expect(page.locator("h1")).to_have_text("Anmelden")
    login = page.get_by_label("Benutzername oder E-Mail-Adresse")
    password = page.get_by_label("Passwort", exact=True)
    big_enough(login)
    big_enough(password)
    expect(page.get_by_role("link", name="Passwort vergessen?")).to_be_visible()
    expect(main.get_by_role("link", name="Konto anlegen")).to_be_visible()
    expect(main).not_to_contain_text("Anmeldung")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(page, "account-login-320")
    assert_accessible(page)
    login.fill("niemand")
    password.fill("falsches-passwort-2026")
    main.get_by_role("button", name="Anmelden").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Es gibt ein Problem")
    expect(summary).to_contain_text("Benutzername oder Passwort stimmen nicht")
    expect(page).to_have_title(re.compile(r"^Fehler: Anmelden"))
    screenshot(page, "account-login-error-320")
    assert_accessible(page)

    # registration: one password rule; the error next to the field and in the summary
    main.get_by_role("link", name="Konto anlegen").click()
    expect(page.locator("h1")).to_have_text("Konto anlegen")
    expect(main).to_contain_text("Mindestens 12 Zeichen. Kein Passwort, das sehr viele Menschen")
    for stock in ("ähnlich", "komplett aus Ziffern", "allgemein üblich"):
        expect(main).not_to_contain_text(stock)
    page.get_by_label("E-Mail-Adresse").fill("kim.klein@example.org")
    page.get_by_label("Benutzername").fill("kimklein")
    page.get_by_label("Passwort", exact=True).fill("kurz")
    page.get_by_label("Passwort wiederholen").fill("kurz")
    screenshot(page, "account-signup-320")
    main.get_by_role("button", name="Konto anlegen").click()
    expect(page.locator("#id_password1-error")).to_contain_text("zu kurz")
    for label in ("E-Mail-Adresse", "Benutzername", "Passwort wiederholen"):
        big_enough(page.get_by_label(label))
    big_enough(page.get_by_label("Passwort", exact=True))
    screenshot(page, "account-signup-error-320")
    assert_accessible(page)
    page.locator(".error-summary").get_by_role("link", name=re.compile("^Passwort:")).click()
    expect(page.locator("#id_password1")).to_be_focused()

    # password reset
    page.goto(portal_url + "/konto/password/reset/")
    big_enough(page.get_by_label("E-Mail-Adresse"))
    expect(main).not_to_contain_text("kontaktiere")
    screenshot(page, "account-password-reset-320")
    assert_accessible(page)

    # the second factor: set up with an authenticator app
    make_citizen("zweifaktor", "zweifaktor@example.org")
    page.goto(portal_url + "/konto/login/")
    page.get_by_label("Benutzername oder E-Mail-Adresse").fill("zweifaktor")
    page.get_by_label("Passwort", exact=True).fill(CITIZEN_PASSWORD)
    main.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("link", name="Mein Konto")).to_be_visible()
    page.goto(portal_url + "/konto/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:  # allauth asks for the password once more
        page.get_by_label("Passwort", exact=True).fill(CITIZEN_PASSWORD)
        main.get_by_role("button", name="Bestätigen").click()
    expect(page.locator("h1")).to_have_text("Zwei-Faktor-Anmeldung einschalten")
    expect(page.get_by_role("img", name="QR-Code für Ihre Authenticator-App")).to_be_visible()
    code = page.get_by_label("Code aus der App")
    big_enough(code)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(page, "account-totp-320")
    assert_accessible(page)
    code.fill("000000")
    main.get_by_role("button", name="Zwei-Faktor-Anmeldung einschalten").click()
    expect(page.locator("#id_code-error")).to_contain_text("Der Code stimmt nicht")
    screenshot(page, "account-totp-error-320")
    assert_accessible(page)

    # the same pages on a desktop
    page.set_viewport_size(DESKTOP)
    screenshot(page, "account-totp-desktop")
    context.close()
    desktop = browser.new_context(viewport=DESKTOP, locale="de-DE")
    page = desktop.new_page()
    page.goto(portal_url + "/konto/login/")
    screenshot(page, "account-login-desktop")
    page.goto(portal_url + "/konto/signup/")
    screenshot(page, "account-signup-desktop")
    desktop.close()
