"""BITV 2.0 in a browser (issue 14.12): from any page to Leichte Sprache and back, the
accessibility statement, a barrier reported with the form (errors first, then the
confirmation and the mail to the county's contact), the sign-language page: at 320 px,
without sideways scrolling, with no axe-core violation."""

import pytest
from playwright.sync_api import expect

from .conftest import axe, screenshot

pytestmark = [pytest.mark.browser]

NARROW = {"width": 320, "height": 800}


def _page(browser):
    # bypass_csp: axe-core is injected as a script; the portal's CSP would block it.
    context = browser.new_context(viewport=NARROW, bypass_csp=True, locale="de-DE")
    return context.new_page()


def _check(page, name: str) -> None:
    screenshot(page, name)
    assert page.evaluate("document.documentElement.scrollWidth") <= 321, name
    assert {v["id"]: v["nodes"] for v in axe(page)} == {}, name


def test_easy_language_statement_and_barrier_report(browser, portal_url, mail_sink):
    sink, _port = mail_sink
    page = _page(browser)
    page.goto(portal_url + "/en/leistungen/")
    page.get_by_role("link", name="Leichte Sprache").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leichte Sprache")
    assert page.evaluate("document.documentElement.lang") == "de"  # also from /en/
    _check(page, "a11y-leichte-sprache-320")
    page.get_by_role("link", name="Erklärung zur Barriere-Freiheit").click()
    expect(page.get_by_role("heading", name="Sie finden eine Barriere?")).to_be_visible()
    page.get_by_role("link", name="Diese Seite in schwerer Sprache").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Erklärung zur Barrierefreiheit")
    expect(page.get_by_text("Diese Erklärung wurde am 2. November 2026 erstellt.")).to_be_visible()
    _check(page, "a11y-statement-320")
    page.get_by_role("link", name="Barriere melden").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Barriere melden")
    expect(page.get_by_label("Seite mit der Barriere")).to_have_value("/barrierefreiheit/")
    page.get_by_label("Beschreiben Sie die Barriere").fill("kurz")
    page.get_by_role("button", name="Meldung senden").click()
    expect(page.get_by_role("alert")).to_contain_text("mit ein paar Worten mehr")
    _check(page, "a11y-barrier-form-errors-320")

    before = len(sink.messages)
    page.get_by_label("Beschreiben Sie die Barriere").fill(
        "Die Karte der Standorte lässt sich mit der Tastatur nicht bedienen."
    )
    page.get_by_label("Ihre E-Mail-Adresse (freiwillig)").fill("erika@example.org")
    page.get_by_role("button", name="Meldung senden").click()
    expect(page.get_by_role("status")).to_contain_text("innerhalb von 6 Wochen")
    message = sink.wait_for("barrierefreiheit@kreis-hz.de", after=before)
    assert "Tastatur nicht bedienen" in message.get_content()
    page.context.close()


def test_sign_language_page(browser, portal_url):
    page = _page(browser)
    page.goto(portal_url + "/")
    page.get_by_role("link", name="Gebärdensprache").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Informationen in Deutscher Gebärdensprache"
    )
    expect(page.get_by_text("Die Videos werden gerade produziert.")).to_be_visible()
    _check(page, "a11y-gebaerdensprache-320")
    page.context.close()


@pytest.mark.parametrize("path", ["/suche/?q=Reisepass", "/en/suche/?q=Reisepass"])
def test_a_county_with_a_long_name_needs_no_sideways_scrolling_at_320(browser, portal_url, path):
    """Any county runs openkreis by configuration: the header must fit its name at 320 px
    (with "Landkreis Musterkreis" the access links stuck out by 7 px before the header row
    could wrap)."""
    page = _page(browser)
    page.goto(portal_url + path)
    expect(page.locator(".brand-text")).to_be_visible()
    page.evaluate(
        """() => { const brand = document.querySelector('.brand-text');
                   brand.firstChild.textContent = 'Landkreis Mecklenburgische Seenplatte'; }"""
    )
    expect(page.locator(".brand-text")).to_contain_text("Mecklenburgische Seenplatte")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    tools = page.locator(".header-tools").bounding_box()
    assert tools is not None and tools["x"] + tools["width"] <= 320
