"""Harz-Kompass for residents in the browser (D2): the start page, the list with its map
(markers of the same filter; a marker opens its place by keyboard), near me with the
browser's position, a place's page with opening hours and a small map; the list without
JavaScript (the map hidden, the list the same information). axe-core on every page, no
sideways scrolling at 320 px, screenshots at 320, 390 and 1280 px into
test-results/screenshots/ and /tmp/shots/directory/. The served portal has no tile URL (no
network): the maps show markers on a plain background."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import (
    DESKTOP,
    PHONE,
    axe,
    axe_violations,
    closed_now_hours,
    format_violations,
    run_on_portal,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = Path(os.environ.get("OPENKREIS_DIRECTORYSHOTS", "/tmp/shots/directory"))  # noqa: S108
NARROW = {"width": 320, "height": 800}
CATEGORY = "d2-browser-heimatstube"

MONDAY_HOURS = closed_now_hours()

SETUP = f"""
from openkreis.directory.models import Category, Place
from openkreis.directory import hours
from openkreis.core.models import Region
cat, _ = Category.objects.update_or_create(
    slug="{CATEGORY}", defaults={{"name": "Heimatstube (Test D2)", "group": "culture"}})
qlb = Region.objects.get(ars="150850235235")
rows = [
    ("d2b-rund-um-die-uhr", "Kompass-Testort Rund um die Uhr", 51.7890, 11.1410, "24/7", "yes"),
    ("d2b-montags-frueh", "Kompass-Testort Montags früh", 51.7920, 11.1500, {MONDAY_HOURS!r},
     "limited"),
    ("d2b-ohne-zeiten", "Kompass-Testort Ohne Zeiten", 51.7700, 11.1800, "", "unknown"),
]
places = []
for slug, name, lat, lon, oh, wheel in rows:
    place, _ = Place.objects.update_or_create(slug=slug, defaults=dict(
        name=name, category=cat, lat=lat, lon=lon, opening_hours=oh, wheelchair=wheel,
        street="Markt 1", postcode="06484", town="Quedlinburg", municipality=qlb,
        phone="03946 905624", languages=["de", "en"], toilet_wheelchair=True,
        description="Ein Ort für die Browsertests des Harz-Kompass."))
    places.append(place)
hours.rebuild_intervals(places)
print("ok")
"""


@pytest.fixture(scope="module")
def places(portal_url):
    assert "ok" in run_on_portal(SETUP)
    return portal_url


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    screenshot(page, f"directory-{name}")


def no_sideways_scrolling(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def widths(page, name: str, ready: str = "h1") -> None:
    """320 px without sideways scrolling, screenshots at 320, 390 and 1280 px."""
    shoot(page, f"{name}-390")
    page.set_viewport_size(NARROW)
    expect(page.locator(ready).first).to_be_visible()
    assert no_sideways_scrolling(page), name
    shoot(page, f"{name}-320")
    page.set_viewport_size(DESKTOP)
    expect(page.locator(ready).first).to_be_visible()
    shoot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)


def _context(browser, **kwargs):
    return browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True, **kwargs)


def test_start_page(browser, places):
    context = _context(browser)
    page = context.new_page()
    page.goto(places + "/kompass/")
    expect(page.locator("h1")).to_have_text("Harz-Kompass")
    expect(page.locator("a", has_text="Heimatstube (Test D2)")).to_be_visible()
    expect(page.locator("[data-near-me]")).to_be_visible()  # JavaScript and geolocation
    violations = axe(page)
    assert not violations, format_violations(violations)
    widths(page, "start")
    # the word search leads to the list
    page.fill("#k-q", "Kompass-Testort")
    page.locator("form[data-kompass-search] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/kompass/orte/\?q=Kompass-Testort"))
    expect(page.locator(".place-card")).to_have_count(3)
    context.close()


def test_list_with_map_and_marker_by_keyboard(browser, places):
    context = _context(browser)
    page = context.new_page()
    page.goto(places + f"/kompass/orte/?kategorie={CATEGORY}")
    expect(page.locator("h1")).to_have_text("Heimatstube (Test D2)")
    cards = page.locator(".place-card")
    expect(cards).to_have_count(3)
    open_card = cards.filter(has_text="Rund um die Uhr")
    expect(open_card.locator(".badge-open")).to_be_visible()
    expect(cards.filter(has_text="Montags früh").locator(".badge-closed")).to_be_visible()
    block = page.locator(".map-block")
    expect(block).to_be_visible()  # shown by map.js
    markers = block.locator(".leaflet-marker-icon")
    expect(markers).to_have_count(3)
    expect(block.locator(".map-status")).not_to_be_empty()
    violations = axe(page)
    assert not violations, format_violations(violations)
    # keyboard: a marker takes the focus, Enter opens its popup, the link gets the focus
    marker = block.locator(".leaflet-marker-icon[title^='Kompass-Testort Rund um die Uhr']")
    marker.focus()
    expect(marker).to_be_focused()
    page.keyboard.press("Enter")
    link = block.locator(".leaflet-popup a.map-popup-link")
    expect(link).to_be_focused()
    expect(block.locator(".leaflet-popup")).to_contain_text("Rund um die Uhr")
    widths(page, "list", ".place-card")
    context.close()


def test_near_me_uses_the_browsers_position(browser, places):
    context = _context(
        browser,
        geolocation={"latitude": 51.7700, "longitude": 11.1790},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(places + f"/kompass/orte/?kategorie={CATEGORY}")
    page.locator("[data-near-me]").click()
    expect(page).to_have_url(re.compile(r"lat=51\.77.*lon=11\.179"))
    cards = page.locator(".place-card")
    expect(cards).to_have_count(3)
    expect(cards.first).to_contain_text("Ohne Zeiten")  # about 70 m away
    expect(cards.first.locator(".place-distance")).to_have_text(re.compile(r"^\d+ m\b"))
    context.close()


def test_place_page(browser, places):
    context = _context(browser)
    page = context.new_page()
    page.goto(places + "/kompass/orte/d2b-montags-frueh/")
    expect(page.locator("h1")).to_have_text("Kompass-Testort Montags früh")
    expect(page.locator(".hours-table tbody tr")).to_have_count(7)
    expect(page.locator("#place-now")).to_be_visible()
    expect(page.locator(".map-block .leaflet-marker-icon")).to_have_count(1)
    violations = axe(page)
    assert not violations, format_violations(violations)
    widths(page, "place", ".hours-table")
    context.close()


def test_list_without_javascript(browser, places):
    context = browser.new_context(
        viewport=NARROW, locale="de-DE", java_script_enabled=False, bypass_csp=True
    )
    page = context.new_page()
    page.goto(places + f"/kompass/orte/?kategorie={CATEGORY}&rollstuhl=1")
    expect(page.locator(".place-card")).to_have_count(1)
    expect(page.locator(".map-block")).to_be_hidden()
    expect(page.locator("[data-near-me]")).to_be_hidden()
    assert no_sideways_scrolling(page)
    shoot(page, "list-nojs-320")
    # a bad parameter: a message on the page, status 400
    response = page.goto(places + "/kompass/orte/?lat=abc&lon=1")
    assert response.status == 400
    expect(page.locator(".error-summary")).to_be_visible()
    context.close()
    # axe needs JavaScript: the same pages in a context with it
    for url in (f"/kompass/orte/?kategorie={CATEGORY}&rollstuhl=1", "/kompass/orte/?lat=abc&lon=1"):
        violations = axe_violations(browser, places + url, viewport=NARROW)
        assert not violations, format_violations(violations)
