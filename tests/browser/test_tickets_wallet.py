"""HATIX in the browser (issue 19): the demo host registers a stay and marks the guest levy
paid; the guest opens the wallet on a phone (390 px): axe-core clean, the QR codes visible,
no sideways scrolling at 320 px; then the phone goes offline and the wallet reloads from the
service worker. Screenshots at 390 and 1280 px (test-results/screenshots/hatix-*, copied to
/tmp/t2/)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from openkreis.tickets import demo

from .conftest import DESKTOP, PHONE, axe, format_violations, screenshot

pytestmark = [pytest.mark.browser]

SHOTS = Path("/tmp/t2")  # noqa: S108 - where the lead collects screenshots
SMALL_PHONE = {"width": 320, "height": 640}


def _shot(page, name: str) -> None:
    path = screenshot(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def _accessible(page) -> None:
    violations = axe(page)
    assert violations == [], page.url + "\n" + format_violations(violations)


def _host_registers_and_pays(browser, portal_url) -> str:
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    page.goto(portal_url + "/konto/login/")
    page.fill("input[name=login]", demo.USERNAME)
    page.fill("input[name=password]", demo.PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(portal_url + "/hatix/gastgeber/")
    expect(page.locator("h1")).to_be_visible()
    _accessible(page)
    page.locator("a[href$='/neu/']").first.click()
    arrival = dt.date.today()
    page.fill("#id_arrival", arrival.isoformat())
    page.fill("#id_departure", (arrival + dt.timedelta(days=3)).isoformat())
    page.fill("#id_guests_adult", "2")
    page.fill("#id_guests_child", "1")
    page.fill("#id_names", "Clara Brandt\nJonas Brandt")
    _accessible(page)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("form[action$='/bezahlt/'] button")).to_be_visible()
    page.locator("form[action$='/bezahlt/'] button").click()
    link = page.locator("#wallet-link")
    expect(link).to_be_visible()
    expect(page.locator(".share-qr svg")).to_be_visible()
    _accessible(page)
    page.set_viewport_size(DESKTOP)
    _shot(page, "hatix-host-stay-1280")
    page.set_viewport_size(PHONE)
    _shot(page, "hatix-host-stay-390")
    href = link.get_attribute("href")
    context.close()
    return href


def test_host_pays_and_guest_wallet_works_offline(browser, portal_url):
    href = _host_registers_and_pays(browser, portal_url)
    path = "/hatix/t/" + href.split("/hatix/t/", 1)[1]

    context = browser.new_context(
        viewport=PHONE, locale="de-DE", bypass_csp=True, service_workers="allow"
    )
    page = context.new_page()
    page.goto(portal_url + path)
    codes = page.locator(".ticket-qr svg.qr-code")
    expect(codes).to_have_count(3)
    expect(codes.first).to_be_visible()
    box = codes.first.bounding_box()
    assert box["width"] >= 200 and abs(box["width"] - box["height"]) < 2  # big enough to scan
    expect(page.locator(".ticket").first).to_contain_text("CB")  # initials, no names
    assert "Brandt" not in page.content()
    # the worker keeps the page: the page says so when it is stored
    expect(page.locator("html[data-wallet-offline=ready]")).to_have_count(1)
    expect(page.locator("#offline-note")).to_have_text(
        "Auf diesem Gerät gespeichert: Die Tickets öffnen sich auch ohne Netz."
    )
    _accessible(page)
    _shot(page, "hatix-wallet-390")
    page.set_viewport_size(DESKTOP)
    _shot(page, "hatix-wallet-1280")
    _accessible(page)
    page.set_viewport_size(SMALL_PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"] + 1
    page.set_viewport_size(PHONE)

    context.set_offline(True)
    page.reload()
    expect(page.locator(".ticket-qr svg.qr-code")).to_have_count(3)
    expect(page.locator(".ticket-qr svg.qr-code").first).to_be_visible()
    expect(page.locator("h1")).to_have_text("HATIX-Gästetickets")  # German, from the cache
    # also opened afresh (a new tab) without connection
    second = context.new_page()
    second.goto(portal_url + path)
    expect(second.locator(".ticket-qr svg.qr-code")).to_have_count(3)
    _shot(second, "hatix-wallet-offline-390")
    context.close()
