"""The other desks of the eAkte in a real browser: the mail room uploads a scan, watches it
through OCR, finds the case by the applicant's name and files the letter; a team lead finds
the case by a word that exists only in the scanned image and assigns cases in bulk; the
auditor reads the audit trail (and cannot open the case). axe-core on every page;
screenshots at phone and desktop width."""

import io
import re

import pytest
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import expect

from openkreis.cases.demo import DEMO_PASSWORD
from openkreis.core.testing import totp_code
from openkreis.intake.demo import PASSWORD as POST_PASSWORD
from openkreis.intake.demo import SECRET as POST_SECRET

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LEAD, LEAD_SECRET = "leitung-ordnung", "LEITUNGORDNUNGDEMOAAAAAAAAAAAAAA"
AUDITOR, AUDITOR_SECRET = "pruefung", "PRUEFUNGDEMOAAAAAAAAAAAAAAAAAAAA"
WORD = "Kirschblütenallee"  # only in the scanned image


def login(browser, url, username, password, secret, path):
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    page.goto(url + path)
    page.wait_for_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/konto/2fa/authenticate/"))
    page.fill("input[name=code]", totp_code(secret))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))
    return context, page


def scanned_letter(tmp_path, *lines) -> str:
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 36)
    for n, line in enumerate(lines):
        draw.text((120, 200 + n * 90), line, font=font, fill=0)
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=150)
    path = tmp_path / "brief-ohne-aktenzeichen.pdf"
    path.write_bytes(buffer.getvalue())
    return str(path)


def both_widths(page, name):
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)


def test_mail_room_lead_and_auditor(browser, portal_url, tmp_path):
    number, name = (
        run_on_portal(
            "from openkreis.cases.models import Case\n"
            "c = Case.objects.filter(org_unit__key='fahrerlaubnisbehoerde', state_kind='queue')"
            ".order_by('id').first()\n"
            "print(c.file_number + '|' + c.applicant_name)\n"
        )
        .strip()
        .splitlines()[-1]
        .split("|")
    )

    # The mail room: upload, OCR (in-process here), find the case by name, file the letter.
    context, page = login(
        browser, portal_url, "poststelle", POST_PASSWORD, POST_SECRET, "/eingang/poststelle/"
    )
    page.set_input_files(
        "#scans", scanned_letter(tmp_path, "An den Landkreis Harz", f"Betreff {WORD} 12")
    )
    page.get_by_role("button", name="Hochladen").click()
    page.wait_for_url(re.compile(r"/eingang/poststelle/$"))
    assert axe(page) == [], format_violations(axe(page))
    both_widths(page, "intake-mail-room")
    page.get_by_role("link", name="brief-ohne-aktenzeichen.pdf").first.click()
    page.get_by_label("Vorgang nach Aktenzeichen oder Name suchen").fill(name)
    page.get_by_role("button", name="Suchen").click()
    page.get_by_role("link", name=number).click()
    expect(page.get_by_label("Aktenzeichen eines vorhandenen Vorgangs")).to_have_value(number)
    expect(page.locator(".ocr-text")).to_contain_text(WORD)
    assert axe(page) == [], format_violations(axe(page))
    both_widths(page, "intake-file-letter")
    page.get_by_role("button", name="Brief ablegen").click()
    expect(page.locator("main")).to_contain_text(f"Abgelegt in {number}")
    context.close()

    # The team lead finds the case by the word in the image and assigns cases in bulk.
    context, page = login(
        browser, portal_url, LEAD, DEMO_PASSWORD, LEAD_SECRET, "/sachbearbeitung/"
    )
    page.get_by_label("Aktenzeichen, Name oder ein Wort aus den Dokumenten").fill(WORD)
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.locator(".case-table")).to_contain_text(number)
    page.goto(portal_url + "/sachbearbeitung/zuweisen/")
    assert axe(page) == [], format_violations(axe(page))
    rows = page.locator("tr", has_text="Fahrerlaubnisbehörde").locator("input[name=cases]")
    picked = [rows.nth(i).get_attribute("value") for i in (0, 1)]
    for pk in picked:
        page.locator(f"#pick-{pk}").check()
    page.get_by_label("Zuweisen an").select_option(label="sb-fahrerlaubnis")
    both_widths(page, "cases-assign")
    page.get_by_role("button", name="Ausgewählte Vorgänge zuweisen").click()
    expect(page.locator("main")).to_contain_text("2 Vorgänge an sb-fahrerlaubnis zugewiesen.")
    holders = run_on_portal(
        "from openkreis.cases.models import Case\n"
        f"print(sorted(set(Case.objects.filter(pk__in={picked!r}).values_list("
        "'assignee__username', flat=True))))\n"
    )
    assert "sb-fahrerlaubnis" in holders
    context.close()

    # The auditor reads the trail (filters, chain check) and cannot open the case.
    context, page = login(
        browser, portal_url, AUDITOR, DEMO_PASSWORD, AUDITOR_SECRET, "/sachbearbeitung/protokoll/"
    )
    expect(page.locator(".chain-status")).to_contain_text("Intakt")
    page.get_by_label("Aktenzeichen").fill(number)
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.locator(".audit-table")).to_contain_text("document.attached")
    table = page.locator(".audit-table").inner_text()
    assert "document.attached" in table and "poststelle" in table
    assert name not in page.content()  # the trail, not the case
    assert axe(page) == [], format_violations(axe(page))
    both_widths(page, "cases-audit-trail")
    case_id = run_on_portal(
        "from openkreis.cases.models import Case\n"
        f"print(Case.objects.get(file_number='{number}').pk)\n"
    ).split()[-1]
    response = page.goto(f"{portal_url}/sachbearbeitung/vorgang/{case_id}/")
    assert response.status == 403
    context.close()
