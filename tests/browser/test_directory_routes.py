"""Harz-Kompass hiking routes in Chromium against the served portal (gunicorn, production
settings, the Harz demo): the list with its filter, the route page (figures, elevation profile
with its table, the map drawn by route-map.js, places along the way), the same page without
JavaScript, and the route sheet PDF. axe-core on the list and the route page at 390 px, no
sideways scrolling at 320 px; screenshots at 320, 390 and 1280 px under /tmp/shots_D3/ (or
OPENKREIS_SHOTS). The test imports its own route and place (unique names) on the portal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NARROW = {"width": 320, "height": 720}
SHOTS = Path(os.environ.get("OPENKREIS_SHOTS", "/tmp/shots_D3"))  # noqa: S108
SLUG = "d3-browser-hohneklippen"
NAME = "D3 Browserrunde Hohneklippen"

SETUP = f"""
from openkreis.directory import routes
from openkreis.directory.models import Category, Place
from openkreis.directory.tests.factories import d3_gpx
routes.import_gpx(d3_gpx(name={NAME!r}, lat0=51.78, lon0=10.66, steps=40,
                         ele=lambda i: 520 + (i if i < 20 else 40 - i) * 12), slug={SLUG!r})
category, _ = Category.objects.get_or_create(slug="d3-schutzhuette",
    defaults={{"name": "Schutzhütte", "group": "leisure"}})
Place.objects.update_or_create(slug="d3-browser-huette", defaults={{
    "name": "D3 Hütte an der Klippe", "category": category, "lat": 51.7925, "lon": 10.6612}})
print("ok")
"""


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_sideways_scrolling(page, name: str) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name}: {wide} px horizontal scrolling"


@pytest.fixture(scope="module")
def route(portal_url):
    assert "ok" in run_on_portal(SETUP)
    return f"{portal_url}/kompass/wandern/{SLUG}/"


def test_route_list_and_page_at_390_px(browser, portal_url, route):
    context = browser.new_context(viewport=PHONE, bypass_csp=True, locale="de-DE")
    page = context.new_page()
    page.goto(f"{portal_url}/kompass/wandern/")
    expect(page.locator("h1")).to_be_visible()
    card = page.locator(".route-card", has_text=NAME)
    expect(card).to_be_visible()
    expect(card.locator(".route-facts")).to_contain_text("4,0 km")
    violations = axe(page)
    assert not violations, format_violations(violations)
    no_sideways_scrolling(page, "list 390")
    shot(page, "routes-list-390")

    # the filter is a GET form: a length below the route's hides it
    page.locator("#f-max").fill("3")
    page.locator(".route-filter button[type=submit]").click()
    expect(page).to_have_url(f"{portal_url}/kompass/wandern/?schwierigkeit=&hoechstens_km=3")
    expect(page.locator(".route-card", has_text=NAME)).to_have_count(0)
    page.locator("#f-max").fill("viel")
    page.locator(".route-filter button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()

    page.goto(route)
    expect(page.locator("h1")).to_have_text(NAME)
    # the map: route-map.js shows the block and draws the track
    expect(page.locator(".route-map-block")).to_be_visible()
    expect(page.locator(".route-map .leaflet-overlay-pane path")).not_to_have_count(0)
    expect(page.locator("svg.route-profile[role=img]")).to_be_visible()
    expect(page.locator(".along-list")).to_contain_text("D3 Hütte an der Klippe")
    page.locator(".profile-table summary").click()
    expect(page.locator(".profile-table table")).to_be_visible()
    expect(page.locator(".profile-table table")).to_contain_text("760 m")  # the top
    violations = axe(page)
    assert not violations, format_violations(violations)
    no_sideways_scrolling(page, "route 390")
    shot(page, "route-390")

    with page.expect_download() as download:
        page.locator(f"a[href$='{SLUG}.gpx']").click()
    assert download.value.suggested_filename == f"{SLUG}.gpx"
    sheet = page.request.get(f"{route}blatt.pdf")
    assert sheet.ok and sheet.headers["content-type"] == "application/pdf"
    assert sheet.body().startswith(b"%PDF")
    context.close()


def test_route_page_at_320_without_javascript_and_at_1280(browser, route):
    context = browser.new_context(viewport=NARROW, java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    page.goto(route)
    expect(page.locator("h1")).to_have_text(NAME)
    # without JavaScript: no map, everything else there
    expect(page.locator(".route-map-block")).to_be_hidden()
    expect(page.locator(".route-facts")).to_contain_text("4,0 km")
    expect(page.locator(".along-list")).to_contain_text("D3 Hütte an der Klippe")
    no_sideways_scrolling(page, "route 320")
    shot(page, "route-320-nojs")
    context.close()

    context = browser.new_context(viewport=DESKTOP, locale="de-DE")
    page = context.new_page()
    page.goto(route)
    expect(page.locator(".route-map-block")).to_be_visible()
    shot(page, "route-1280")
    context.close()
