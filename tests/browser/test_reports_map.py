"""Mängelmelder maps on a phone (390 px) with JavaScript: a tap on the form's map sets the
position and the report keeps it; the place search finds "Schierke" and sets the
municipality (by keyboard); the public map's marker opens the report (by keyboard); the back
office's map links to the staff page. axe-core on the pages with their maps; no sideways
scrolling at 320 px; screenshots at 320 and 1280 px into /tmp/shots/map/ (and
test-results/screenshots/). The test server has no tile URL: the maps show the municipality
outlines and the markers only (no network)."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from openkreis.core.testing import totp_code
from openkreis.reports.demo import DEMO_PASSWORD

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = Path(os.environ.get("OPENKREIS_MAPSHOTS", "/tmp/shots/map"))  # noqa: S108
NARROW = {"width": 320, "height": 800}
WASTE_SECRET = "MAENGELABFALLDEMOAAAAAAAAAAAAAAA"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    screenshot(page, f"reports-map-{name}")


def no_sideways_scrolling(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def check_widths(page, name: str) -> None:
    """Screenshots at 320 and 1280 px; at 320 px nothing scrolls sideways."""
    page.set_viewport_size(NARROW)
    expect(page.locator(".map-block .leaflet-container")).to_be_visible()
    assert no_sideways_scrolling(page), name
    shoot(page, f"{name}-320")
    page.set_viewport_size(DESKTOP)
    expect(page.locator(".map-block .leaflet-container")).to_be_visible()
    shoot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)


def test_tap_on_the_map_sets_the_position_and_the_report_keeps_it(browser, portal_url):
    context = browser.new_context(viewport=PHONE, locale="de-DE")
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
    page.goto(portal_url + "/maengelmelder/melden/")
    block = page.locator(".map-block")
    expect(block).to_be_visible()  # shown by map.js (hidden without JavaScript)
    expect(block.locator("h2")).to_have_text("Karte: Wo ist es?")
    # the municipality outlines are the background (no tiles in the test)
    expect(block.locator("svg path").first).to_be_attached()
    lat, lon = page.locator("input[name=lat]"), page.locator("input[name=lon]")
    expect(lat).to_have_value("")
    # zoom in once (the zoom button, German label), then tap the middle of the map
    page.get_by_role("button", name="Vergrößern").click()
    box = block.locator(".report-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(lat).to_have_value(re.compile(r"^5[12]\.\d{6}$"))
    expect(lon).to_have_value(re.compile(r"^1[01]\.\d{6}$"))
    expect(block.locator(".map-status")).to_contain_text("Ort auf der Karte gesetzt")
    expect(block.locator(".leaflet-marker-icon")).to_have_count(1)
    tapped = (lat.input_value(), lon.input_value())

    # "use the centre of the map" (the way for keyboards) moves the marker there
    centre = page.get_by_role("button", name="Kartenmitte als Ort übernehmen")
    centre.focus()
    page.keyboard.press("Enter")
    expect(block.locator(".map-status")).to_contain_text("Ort auf der Karte gesetzt")
    tapped = (lat.input_value(), lon.input_value())
    check_widths(page, "form")

    page.get_by_label("Was ist das Problem?").select_option(label="Sonstiges")
    page.get_by_label("Beschreibung des Mangels").fill("Umgestürzter Zaun am Wegrand (Karte).")
    page.get_by_label("Ihre E-Mail-Adresse für Rückmeldungen").fill("karte@example.org")
    page.get_by_role("button", name="Meldung senden").click()
    expect(page.locator("h1")).to_have_text("Vielen Dank für Ihre Meldung")
    number = re.search(r"M-[A-Z2-9]{8}", page.locator(".banner").inner_text()).group(0)
    stored = (
        run_on_portal(
            "from openkreis.reports.models import Report; "
            f"r = Report.objects.get(public_id='{number}'); print('POS', r.lat, r.lon)"
        )
        .split("POS")[-1]
        .split()
    )
    assert (float(stored[0]), float(stored[1])) == (float(tapped[0]), float(tapped[1]))
    assert errors == []
    context.close()


def test_place_search_finds_schierke_and_sets_the_municipality(browser, portal_url):
    context = browser.new_context(viewport=PHONE, locale="de-DE")
    page = context.new_page()
    page.goto(portal_url + "/maengelmelder/melden/")
    search = page.get_by_label("Ort oder Ortsteil suchen")
    expect(search).to_be_visible()
    search.focus()
    page.keyboard.type("Schier")
    option = page.get_by_role("option", name="Schierke (Wernigerode)")
    expect(option).to_be_visible()
    shoot(page, "place-search-390")
    page.keyboard.press("ArrowDown")
    expect(option).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#id_area option:checked")).to_have_text("Wernigerode")
    expect(page.locator("input[name=lat]")).to_have_value(re.compile(r"^51\.76"))
    expect(page.locator("input[name=lon]")).to_have_value(re.compile(r"^10\.66"))
    expect(page.locator(".map-status")).to_contain_text("Schierke (Wernigerode) gewählt")
    expect(page.locator(".map-block .leaflet-marker-icon")).to_have_count(1)
    # Enter in the search field never sent the form
    expect(page.locator("h1")).to_have_text("Mangel melden")
    violations = axe_on(browser, portal_url + "/maengelmelder/melden/")
    context.close()
    assert violations == [], format_violations(violations)


def axe_on(browser, url: str, viewport=PHONE) -> list:
    context = browser.new_context(viewport=viewport, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    page.goto(url)
    expect(page.locator(".map-block .leaflet-container")).to_be_visible()
    if "melden" not in url:  # the markers are there
        expect(page.locator(".map-status")).to_contain_text("Die Karte zeigt")
    violations = axe(page)
    context.close()
    return violations


def test_public_map_marker_opens_the_report_by_keyboard(browser, portal_url):
    context = browser.new_context(viewport=PHONE, locale="de-DE")
    page = context.new_page()
    page.goto(portal_url + "/maengelmelder/")
    block = page.locator(".map-block")
    expect(block).to_be_visible()
    markers = block.locator(".leaflet-marker-icon")
    expect(markers.first).to_be_visible()
    expect(block.locator(".map-status")).to_contain_text("Die Karte zeigt")
    # the list below stays the text alternative
    expect(page.locator(".report-list li").first).to_be_visible()
    check_widths(page, "list")
    # keyboard: Tab reaches a marker, Enter opens its popup, the link inside opens the report
    marker = markers.first
    marker.focus()
    expect(marker).to_be_focused()
    expect(marker).to_have_attribute("role", "button")
    page.keyboard.press("Enter")
    link = block.locator(".leaflet-popup a.map-popup-link")
    expect(link).to_be_focused()
    expect(link).to_have_text(re.compile(r"^Meldung öffnen M-[A-Z2-9]{8}$"))
    number = re.search(r"M-[A-Z2-9]{8}", link.inner_text()).group(0)
    expect(block.locator(".leaflet-popup-close-button")).to_have_attribute(
        "aria-label", "Schließen"
    )
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/maengelmelder/meldung/{number}/$"))
    expect(page.locator("h1")).to_contain_text(number)
    violations = axe_on(browser, portal_url + "/maengelmelder/")
    context.close()
    assert violations == [], format_violations(violations)


def test_back_office_map_links_to_the_staff_page(browser, portal_url):
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    desk = context.new_page()
    desk.goto(portal_url + "/maengelmelder/bearbeitung/?tab=alle")
    desk.fill("input[name=login]", "mm-abfall")
    desk.fill("input[name=password]", DEMO_PASSWORD)
    desk.locator("main form button[type=submit]").first.click()
    expect(desk).to_have_url(re.compile(r"/konto/2fa/authenticate/"))
    desk.fill("input[name=code]", totp_code(WASTE_SECRET))
    desk.locator("main form button[type=submit]").first.click()
    expect(desk).to_have_url(re.compile(r"/maengelmelder/bearbeitung/"))
    if "tab=alle" not in desk.url:
        desk.goto(portal_url + "/maengelmelder/bearbeitung/?tab=alle")
    block = desk.locator(".map-block")
    expect(block.locator("h2")).to_have_text("Karte dieser Ansicht")
    marker = block.locator(".leaflet-marker-icon")
    expect(marker).to_have_count(1)  # the enwi's one demo report (waste, Quedlinburg)
    row_link = desk.locator(".report-table a").first
    number = row_link.inner_text()
    # the widths first: a popup opened at one width may lie outside the map box at another
    check_widths(desk, "inbox")
    marker.click()
    link = block.locator(".leaflet-popup a.map-popup-link")
    expect(link).to_have_attribute("href", f"/maengelmelder/bearbeitung/{number}/")
    # axe once the popup has faded in (half-transparent text has too little contrast)
    expect(block.locator(".leaflet-popup")).to_have_css("opacity", "1")
    violations = axe(desk)
    link.click()
    expect(desk.locator("h1")).to_contain_text(number)
    context.close()
    assert violations == [], format_violations(violations)
