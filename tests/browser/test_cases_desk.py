"""A caseworker's day on a phone: log in with password and TOTP, open the inbox, claim a
case, request a document, (the applicant's upload arrives through intake), decide, download
the decision PDF. axe-core on the inbox and the case page; screenshots for review."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from openkreis.cases.demo import DEMO_PASSWORD
from openkreis.core.testing import totp_code

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SECRET = "FAHRERLAUBNISDEMOAAAAAAAAAAAAAAA"


def login(page, url):
    page.goto(url + "/sachbearbeitung/")
    page.wait_for_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", "sb-fahrerlaubnis")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/konto/2fa/authenticate/"))
    screenshot(page, "cases-login-totp-phone")
    page.fill("input[name=code]", totp_code(SECRET))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/sachbearbeitung/$"))


def test_caseworker_day(browser, portal_url):
    context = browser.new_context(
        viewport=PHONE, locale="de-DE", bypass_csp=True, accept_downloads=True
    )
    page = context.new_page()
    login(page, portal_url)
    assert page.locator("h1").inner_text() == "Posteingang"
    screenshot(page, "cases-inbox-phone")
    assert axe(page) == [], format_violations(axe(page))

    page.locator(".case-table a").first.click()
    page.wait_for_url(re.compile(r"/sachbearbeitung/vorgang/\d+/"))
    case_id = re.search(r"/vorgang/(\d+)/", page.url).group(1)
    page.get_by_role("button", name="Übernehmen").click()
    page.get_by_text("Unterlagen nachfordern", exact=True).click()  # the form opens on demand
    page.get_by_label("Fehlende Unterlagen (eine pro Zeile)").fill("Sehtestbescheinigung")
    page.get_by_label("Frist").fill((dt.date.today() + dt.timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Nachforderung senden").click()
    assert "Wartet auf Unterlagen" in page.locator(".case-facts").inner_text()
    screenshot(page, "cases-requested-phone")

    # The applicant's document arrives through another channel (intake → deliver_documents).
    run_on_portal(
        "import io\n"
        "from pypdf import PdfWriter\n"
        "from openkreis.cases import services\n"
        "from openkreis.cases.models import Case\n"
        "w = PdfWriter(); w.add_blank_page(width=200, height=200); b = io.BytesIO(); w.write(b)\n"
        f"case = Case.objects.get(pk={case_id})\n"
        "services.deliver_documents(case, [('sehtest.pdf', b.getvalue())])\n"
    )
    page.reload()
    # back with the caseworker who asked: no second "Übernehmen" (issue 14.3)
    expect(page.locator(".case-facts")).to_contain_text("Antragsprüfung")
    expect(page.get_by_role("button", name="Übernehmen")).to_have_count(0)
    assert axe(page) == [], format_violations(axe(page))
    expect(
        page.get_by_role("radio", name="Stattgegeben", exact=True)
    ).not_to_be_checked()  # no preselection
    page.get_by_role("radio", name="Stattgegeben", exact=True).check()
    page.get_by_label("Begründung").fill("Alle Voraussetzungen sind erfüllt.")
    page.get_by_role("button", name="Bescheid prüfen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bescheid prüfen")
    expect(page.locator(".letter-preview")).to_contain_text("Ihrem Antrag wird stattgegeben.")
    assert axe(page) == [], format_violations(axe(page))
    screenshot(page, "cases-decision-preview-phone")
    page.get_by_role("button", name="Bescheid jetzt erlassen").click()
    expect(page.locator("main")).to_contain_text("Der Bescheid wurde erlassen.")
    screenshot(page, "cases-decided-phone")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Version 1")).last.click()
    path = download_info.value.path()
    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    page.set_viewport_size(DESKTOP)
    screenshot(page, "cases-case-desktop")
    # At 320 px the label column left the values so little room that they broke inside
    # words ("Bearbeit|ung", "30.11.202|6"): every word of the case facts stays whole.
    page.set_viewport_size(SMALL_PHONE)
    assert broken_words(page, ".case-facts dd") == []
    screenshot(page, "cases-case-320")
    context.close()


SMALL_PHONE = {"width": 320, "height": 640}


def broken_words(page, selector: str) -> list[str]:
    """The words inside `selector` that the browser split over two lines."""
    return page.evaluate(
        r"""(selector) => {
            const broken = [];
            for (const element of document.querySelectorAll(selector)) {
                const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                    const re = /\S+/g;
                    let match;
                    while ((match = re.exec(node.data))) {
                        const range = document.createRange();
                        range.setStart(node, match.index);
                        range.setEnd(node, match.index + match[0].length);
                        const rects = [...range.getClientRects()];
                        const tops = new Set(rects.map(r => Math.round(r.top)));
                        if (tops.size > 1) broken.push(match[0]);
                    }
                }
            }
            return broken;
        }""",
        selector,
    )
