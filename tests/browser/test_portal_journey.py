"""A citizen on a phone: search with autocomplete, open a service, choose the municipality,
see the competent office. The same without JavaScript. axe-core on the main pages."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import (
    AXE,
    DESKTOP,
    PHONE,
    axe_violations,
    format_violations,
    new_page,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_phone_search_with_autocomplete_to_competent_office(browser, portal_url):
    page = new_page(browser, PHONE)
    page.goto(portal_url + "/")
    screenshot(page, "home-phone")
    field = page.locator("input#q")
    field.click()
    field.press_sequentially("führersch", delay=40)
    option = page.locator(".autocomplete__option").first
    expect(option).to_contain_text("Fahrerlaubnis", timeout=5000)  # last keystroke's answer
    screenshot(page, "autocomplete-phone")
    page.keyboard.press("ArrowDown")  # into the list of suggestions, as a keyboard user would
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/leistungen/fahrerlaubnis-ersterteilung/"))
    page.select_option("select#id_gemeinde", label="Wernigerode")
    page.get_by_role("button", name="Zuständige Stelle anzeigen").click()
    office = page.locator(".office")
    office.wait_for()
    text = office.inner_text()
    assert "Fahrerlaubnisbehörde" in text and "Wernigerode" in text
    assert "Öffnungszeiten" in text
    screenshot(page, "service-office-phone")
    page.context.close()


def test_enter_without_a_highlighted_suggestion_searches(browser, portal_url):
    """Enter (on a phone: the Go key) while suggestions are open and none is highlighted
    searches for what was typed: the results page, not nothing."""
    page = new_page(browser, PHONE)
    page.goto(portal_url + "/")
    field = page.locator("input#q")
    expect(field).to_have_attribute("enterkeyhint", "search")
    field.click()
    field.press_sequentially("reisepass verlängern", delay=40)
    expect(page.locator(".autocomplete__option").first).to_contain_text("Reisepass")
    expect(page.locator("#q__listbox")).to_be_visible()
    field.press("Enter")
    expect(page).to_have_url(re.compile(r"/suche/\?q=reisepass\+verl%C3%A4ngern"))
    expect(page.locator(".result-list li a").first).to_have_text("Reisepass beantragen")
    expect(page.locator("input#q")).to_have_value("reisepass verlängern")
    page.context.close()


def test_escape_closes_the_suggestions_and_keeps_the_text(browser, portal_url):
    page = new_page(browser, PHONE)
    page.goto(portal_url + "/suche/")
    field = page.locator("input#q")
    field.click()
    field.press_sequentially("führersch", delay=40)
    listbox = page.locator("#q__listbox")
    expect(page.locator(".autocomplete__option").first).to_contain_text("Fahrerlaubnis")
    field.press("Escape")
    expect(listbox).to_be_hidden()
    expect(field).to_have_value("führersch")
    expect(field).to_be_focused()
    field.press("Enter")  # the list is closed: Enter searches for the kept text
    expect(page).to_have_url(re.compile(r"/suche/\?q=f%C3%BChrersch$"))
    expect(page.locator(".result-list li a").first).to_contain_text("Fahrerlaubnis")
    page.context.close()


def test_arrow_to_a_suggestion_and_enter_still_opens_it(browser, portal_url):
    page = new_page(browser, PHONE)
    page.goto(portal_url + "/suche/?q=Pass")
    field = page.locator("input#q")
    field.fill("")
    field.press_sequentially("wohng", delay=40)
    expect(page.locator(".autocomplete__option").first).to_contain_text("Wohngeld")
    field.press("ArrowDown")
    expect(page.locator(".autocomplete__option--focused")).to_contain_text("Wohngeld")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/leistungen/wohngeld/$"))
    page.context.close()


NARROW = {"width": 320, "height": 720}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_other_authority_in_the_results_at_320px(browser, portal_url, javascript):
    """Kindergeld is the Familienkasse's: the result says so and links its official page."""
    page = new_page(browser, NARROW, javascript=javascript)
    page.goto(portal_url + "/")
    field = page.locator("input#q")
    if javascript:  # typed, with suggestions open, then the phone's Go key
        field.click()
        field.press_sequentially("Kindergeld beantragen", delay=20)
        expect(page.locator(".autocomplete__option").first).to_have_text("Kindergeld beantragen")
        screenshot(page, "autocomplete-external-320")
        field.press("Enter")
    else:
        field.fill("Kindergeld beantragen")
        page.get_by_role("button", name="Suchen", exact=True).click()
    expect(page).to_have_url(re.compile(r"/suche/\?q=Kindergeld"))
    first = page.locator(".result-list li").first
    expect(first.locator("a").first).to_have_text("Kindergeld beantragen")
    link = first.locator(".external-authority a")
    expect(link).to_have_text("die Familienkasse der Bundesagentur für Arbeit")
    expect(link).to_have_attribute(
        "href", "https://www.arbeitsagentur.de/familie-und-kinder/kindergeld"
    )
    if javascript:
        screenshot(page, "search-external-320")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROW["width"], width  # nothing sticks out sideways
    page.context.close()


def test_without_javascript_search_results_and_postcode(browser, portal_url):
    page = new_page(browser, PHONE, javascript=False)
    page.goto(portal_url + "/")
    page.fill("input#q", "Auto anmelden")
    page.get_by_role("button", name="Suchen", exact=True).click()
    page.wait_for_url(re.compile(r"/suche/\?q="))
    first = page.locator(".result-list li a").first
    assert "Zulassung" in first.inner_text() or "zulass" in first.inner_text().lower()
    screenshot(page, "search-results-nojs-phone")
    first.click()
    page.fill("input#id_plz", "06484")  # shared by Quedlinburg and Ditfurt
    page.get_by_role("button", name="Zuständige Stelle anzeigen").click()
    page.get_by_role("link", name="Quedlinburg").click()
    office = page.locator(".office")
    assert "Quedlinburg" in office.inner_text()
    page.fill("input#id_plz", "12")
    page.get_by_role("button", name="Zuständige Stelle anzeigen").click()
    assert "genau 5 Ziffern" in page.locator(".error-summary").inner_text()
    screenshot(page, "service-error-nojs-phone")
    page.context.close()


def test_desktop_screenshots(browser, portal_url):
    page = new_page(browser, DESKTOP)
    for name, path in [
        ("home-desktop", "/"),
        ("search-desktop", "/suche/?q=Pass"),
        ("search-intent-desktop", "/suche/?q=Reisepass+verl%C3%A4ngern"),
        ("search-external-desktop", "/suche/?q=Kfz-Steuer"),
        ("service-external-desktop", "/leistungen/kindergeld/"),
        ("service-desktop", "/leistungen/wohnsitz-anmelden/?gemeinde=15085135"),
        ("services-az-desktop", "/leistungen/"),
        ("life-event-desktop", "/lebenslagen/umzug/"),
        ("service-en-desktop", "/en/leistungen/kfz-zulassung/?gemeinde=15085370"),
    ]:
        response = page.goto(portal_url + path)
        assert response.status == 200, path
        screenshot(page, name)
    page.context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/suche/?q=Ausweis",
        "/suche/?q=xyzxyz",
        "/suche/?q=Kindergeld",
        "/leistungen/kindergeld/",
        "/leistungen/kfz-zulassung/?gemeinde=15085370",
        "/leistungen/wohnsitz-anmelden/?plz=12",
        "/leistungen/",
        "/lebenslagen/umzug/",
        "/en/",
        "/standorte/lra-halberstadt/",
        "/barrierefreiheit/",
    ],
)
def test_axe_reports_no_violations(browser, portal_url, path):
    for viewport in (PHONE, DESKTOP):
        violations = axe_violations(browser, portal_url + path, viewport)
        assert violations == [], format_violations(violations)


def test_axe_check_can_fail(browser):
    """The accessibility check is real: a page with known faults is reported."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_content('<html><body><img src="x.png"><input type="text"></body></html>')
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {runOnly: ['image-alt', 'label']})")
    context.close()
    assert {v["id"] for v in result["violations"]} == {"image-alt", "label"}
