"""The driving schools' channel in the browser (issue 15.3): the demo school's member logs
in, applies for a pupil with the eye test (PDF) and the first-aid certificate (PNG), the
pupil confirms by the link from the e-mail (real SMTP sink), the caseworker sees the case
(school and consent) and decides, the school's mailbox shows the Prüfauftrag notice and its
table the new status. axe-core on every page; screenshots at 390 and 1280 px
(test-results/screenshots/school-*, copied to /tmp/schoolshots/)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from openkreis.core.testing import STAFF_PASSWORD, totp_code
from openkreis.schools import demo

from .conftest import DESKTOP, PHONE, run_on_portal, screenshot
from .test_forms_journey import assert_accessible

pytestmark = [pytest.mark.browser]

SHOTS = Path("/tmp/schoolshots")  # noqa: S108 - where the lead collects screenshots
SMALL_PHONE = {"width": 320, "height": 640}
PUPIL_EMAIL = "paul.neumann@example.org"


def _shot(page, name: str) -> None:
    path = screenshot(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def _both(page, name: str) -> None:
    """Screenshots at 390 and 1280 px, axe-core at both."""
    page.set_viewport_size(PHONE)
    _shot(page, f"{name}-390")
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)
    _shot(page, f"{name}-1280")
    assert_accessible(page)
    page.set_viewport_size(PHONE)


def _login(page, portal_url, username, password):
    page.goto(portal_url + "/konto/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def _caseworker(browser, portal_url):
    """A caseworker of the licence authority with a TOTP secret of this test's own."""
    secret = run_on_portal(
        "from openkreis.core.testing import make_staff\n"
        "from django.contrib.auth.hashers import PBKDF2PasswordHasher\n"
        "user, secret = make_staff('sb-fs-browser', 'fahrerlaubnisbehoerde', 'caseworker')\n"
        "# the served portal runs the production settings: a hasher they know (tests use MD5)\n"
        "hasher = PBKDF2PasswordHasher()\n"
        f"user.password = hasher.encode({STAFF_PASSWORD!r}, hasher.salt())\n"
        "user.save()\n"
        "print('SECRET', secret)\n"
    )
    secret = re.search(r"^SECRET (\S+)$", secret, re.M).group(1)
    page = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True).new_page()
    _login(page, portal_url, "sb-fs-browser", STAFF_PASSWORD)
    page.wait_for_url(re.compile(r"/konto/2fa/authenticate/"))
    page.fill("input[name=code]", totp_code(secret))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/sachbearbeitung/"))
    return page


def test_school_applies_pupil_confirms_authority_decides(browser, portal_url, mail_sink, tmp_path):
    sink, _port = mail_sink
    eye_test = tmp_path / "sehtest.pdf"
    eye_test.write_bytes(demo.demo_pdf())
    first_aid = tmp_path / "erste-hilfe.png"
    first_aid.write_bytes(demo.demo_png())

    school = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True).new_page()
    _login(school, portal_url, demo.USERNAME, demo.PASSWORD)
    school.goto(portal_url + "/fahrschule/")
    expect(school.locator("h1")).to_have_text("Anträge unserer Fahrschüler")
    # the demo applications: one per status
    table = school.locator("table.school-apps")
    expect(table).to_contain_text("Lena Vogel")
    expect(table).to_contain_text("Wartet auf die Einwilligung")
    expect(table).to_contain_text("Prüfauftrag erteilt")
    overview_url = school.url
    _both(school, "school-overview")

    school.get_by_role("link", name="Neuer Antrag für eine Schülerin / einen Schüler").click()
    expect(school.locator("h1")).to_have_text("Neuer Antrag für eine Schülerin / einen Schüler")
    # sent empty: the error summary names every missing answer, 400, nothing stored
    school.get_by_role("button", name="Antrag absenden").click()
    expect(school.locator(".error-summary")).to_contain_text(
        "Laden Sie die Sehtestbescheinigung hoch."
    )
    _both(school, "school-form-errors")

    school.get_by_label("Fahrerlaubnis erstmals beantragen").check()
    school.get_by_label("B – Auto").check()
    school.get_by_label("Vorname(n) der Schülerin / des Schülers").fill("Paul")
    school.get_by_label("Familienname der Schülerin / des Schülers").fill("Neumann")
    school.get_by_label("Geburtsdatum").fill("12.05.2008")
    school.get_by_label("Straße und Hausnummer").fill("Holzmarkt 3")
    school.get_by_label("Postleitzahl").fill("38820")
    school.get_by_label("Ort").fill("Halberstadt")
    school.get_by_label("E-Mail-Adresse der Schülerin / des Schülers").fill(PUPIL_EMAIL)
    school.get_by_label("Datum des Sehtests").fill("01.11.2026")
    school.get_by_label("Sehtestbescheinigung (PDF, PNG oder JPEG)").set_input_files(str(eye_test))
    school.get_by_label("Nachweis Erste-Hilfe-Kurs (PDF, PNG oder JPEG)").set_input_files(
        str(first_aid)
    )
    school.get_by_label(re.compile("^Link per E-Mail")).check()
    before = len(sink.messages)
    school.get_by_role("button", name="Antrag absenden").click()
    expect(school.locator("h1")).to_have_text("Paul Neumann")
    expect(school.locator("main")).to_contain_text("hat einen Link per E-Mail bekommen")
    expect(school.locator(".facts")).to_contain_text("Wartet auf die Einwilligung")
    _both(school, "school-application-pending")

    message = sink.wait_for(PUPIL_EMAIL, after=before)
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/fahrschule/einwilligung/\S+/", body).group(0)

    pupil = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True).new_page()
    pupil.goto(link)
    expect(pupil.locator("h1")).to_have_text("Ihren Antrag bestätigen")
    expect(pupil.locator(".facts")).to_contain_text("Paul Neumann")
    expect(pupil.locator(".facts")).to_contain_text("Fahrschule Brocken")
    _both(pupil, "school-consent")
    pupil.get_by_role("button", name="Ich stimme zu: Antrag stellen").click()
    expect(pupil.locator("h1")).to_have_text("Antrag abgeschickt")
    _both(pupil, "school-consent-done")
    pupil.goto(link)  # a second time: already used
    expect(pupil.locator(".error-summary")).to_contain_text("schon bestätigt")

    school.reload()
    expect(school.locator(".facts")).to_contain_text("Eingegangen")
    file_number = school.locator(".facts dd").nth(4).inner_text().strip()
    assert re.search(r"-\d{4}-\d+$", file_number), file_number
    case_id = re.search(
        r"^CASE (\d+)$",
        run_on_portal(
            "from openkreis.cases.models import Case\n"
            f"print('CASE', Case.objects.get(file_number={file_number!r}).pk)\n"
        ),
        re.M,
    ).group(1)

    desk = _caseworker(browser, portal_url)
    desk.goto(f"{portal_url}/sachbearbeitung/vorgang/{case_id}/")
    expect(desk.locator(".case-facts")).to_contain_text("Fahrschule")
    expect(desk.locator(".application-data")).to_contain_text("Fahrschule Brocken")
    expect(desk.locator(".application-data")).to_contain_text("per Bestätigungslink bestätigt am")
    expect(desk.locator(".doc-list")).to_contain_text("sehtest")
    _shot(desk, "school-case-desk-390")
    desk.get_by_role("button", name="Übernehmen").click()
    desk.get_by_role("radio", name="Stattgegeben", exact=True).check()
    desk.get_by_label("Begründung").fill("Alle Voraussetzungen liegen vor.")
    desk.get_by_role("button", name="Bescheid prüfen").click()
    desk.get_by_role("button", name="Bescheid jetzt erlassen").click()
    expect(desk.locator("main")).to_contain_text("Der Bescheid wurde erlassen.")
    expect(desk.locator(".case-facts")).to_contain_text("Prüfauftrag erteilt")

    school.goto(portal_url + "/mein-konto/postfach/")
    notice = school.get_by_role("link", name=re.compile("Prüfauftrag erteilt: Paul Neumann"))
    expect(notice).to_be_visible()
    notice.click()
    expect(school.locator("main")).to_contain_text("an die Prüfstelle (TÜV/DEKRA) erteilt")
    expect(school.locator("main")).to_contain_text(file_number)
    _both(school, "school-mailbox-notice")

    school.goto(overview_url + "?status=decided")
    row = school.locator("table.school-apps tr", has_text="Paul Neumann")
    expect(row).to_contain_text("Prüfauftrag erteilt")
    expect(school.locator("table.school-apps")).not_to_contain_text("Wartet auf die Einwilligung")
    _both(school, "school-overview-decided")


def test_school_table_without_javascript_at_320px(browser, portal_url):
    """The filter is a plain GET form; the table turns into one card per application."""
    context = browser.new_context(viewport=SMALL_PHONE, locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    _login(page, portal_url, demo.USERNAME, demo.PASSWORD)
    page.goto(portal_url + "/fahrschule/")
    page.get_by_label("Anzeigen").select_option(label="Wartet auf die Einwilligung")
    page.get_by_role("button", name="Filtern").click()
    expect(page).to_have_url(re.compile(r"status=pending"))
    expect(page.locator("table.school-apps")).to_contain_text("Mia Schulze")
    expect(page.locator("table.school-apps")).not_to_contain_text("Lena Vogel")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    _shot(page, "school-overview-nojs-320")
    page.goto(page.url.split("?")[0] + "?status=%C2%B2")
    expect(page.locator(".error-summary")).to_contain_text("Diesen Status gibt es nicht")
    context.close()
