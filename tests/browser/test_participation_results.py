"""Results, code letters and the cockpit's Beteiligung page in Chromium against the served
portal (gunicorn, production settings, the Harz demo): the demo survey editor sees the open
demo survey's results (charts with tables), makes code letters for Wernigerode (check, then
create; the PDF is written in a thread and downloaded), and the demo manager sees the
participation figures. axe-core on every page, no horizontal scrolling at 320 px,
screenshots at 320 and 1280 px under /tmp/shots_P3/ (or OPENKREIS_SHOTS)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from openkreis.cockpit import demo as cockpit_demo
from openkreis.core.testing import fresh_totp_code
from openkreis.participation import demo

from .conftest import DESKTOP, axe, format_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NARROW = {"width": 320, "height": 720}
SHOTS = Path(os.environ.get("OPENKREIS_SHOTS", "/tmp/shots_P3"))  # noqa: S108
RESIDENTS = (
    "Anrede;Vorname;Nachname;Straße;Hausnummer;PLZ;Ort\r\n"
    "Frau;Anna-Lena Sophie;Groß-Schäfer;Breite Straße;12a;38855;Wernigerode\r\n"
    "Herrn;Jürgen;Weiß;Am Schloßberg;3;38855;Wernigerode\r\n"
    "Herrn;Özlem;Çelik;Lindenallee;7;38855;Wernigerode\r\n"
    "Frau;Grete;;Markt;1;38855;Wernigerode\r\n"
).encode("cp1252")


def check(page, name: str, desktop=None) -> None:
    expect(page.locator("h1")).to_be_visible()
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name}: {wide} px horizontal scrolling at 320 px"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-320.png"), full_page=True)
    violations = axe(page)
    assert violations == [], format_violations(violations)
    if desktop is not None:
        desktop.goto(page.url)
        expect(desktop.locator("h1")).to_be_visible()
        desktop.screenshot(path=str(SHOTS / f"{name}-1280.png"), full_page=True)


def login(page, base: str, where: str, username: str, password: str, secret: str) -> None:
    page.goto(base + where)
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").first.click()
    page.locator("input[name=code]").fill(fresh_totp_code(secret))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(where)))


def test_results_and_letters_at_320_px(browser, portal_url):
    phone = browser.new_context(viewport=NARROW, locale="de-DE", bypass_csp=True)
    wide = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True)
    page, desktop = phone.new_page(), wide.new_page()
    editor = (demo.DEMO_USERNAME, demo.DEMO_PASSWORD, demo.DEMO_SECRET)
    results = f"/beteiligung/umfragen/{demo.PUBLIC_KEY}/ergebnisse/"
    letters = f"/beteiligung/verwaltung/{demo.CODES_KEY}/briefe/"
    # an open survey's results are not public (404): the editor logs in through a staff page
    login(page, portal_url, letters, *editor)
    login(desktop, portal_url, letters, *editor)
    page.goto(portal_url + results)
    expect(page.locator("h1")).to_contain_text("Ergebnisse")
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator("table caption").first).to_be_attached()
    check(page, "results", desktop)

    page.goto(portal_url + letters)
    check(page, "letters", desktop)
    page.get_by_role("button", name="Datei prüfen").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check(page, "letters-errors")
    page.locator(".error-summary a").first.click()
    upload = {"name": "einwohner.csv", "mimeType": "text/csv", "buffer": RESIDENTS}
    page.get_by_label("Gemeinde").select_option(label="Wernigerode")
    page.get_by_label("Einwohnerliste (CSV-Datei)").set_input_files(upload)
    page.get_by_role("button", name="Datei prüfen").click()
    expect(page.locator("#list-summary")).to_contain_text("3 Briefe werden erstellt")
    expect(page.locator("#list-errors")).to_contain_text("Nachname")
    check(page, "letters-preview", None)
    page.get_by_label("Einwohnerliste (CSV-Datei)").set_input_files(upload)
    page.get_by_role("button", name="Briefe erstellen").click()
    expect(page.locator("h1")).to_have_text("Code-Briefe erstellt")
    check(page, "letters-done")
    for _ in range(100):  # the thread writes the PDF (about 0.1 s a page)
        if page.get_by_role("link", name="Briefe (PDF)").count():
            break
        page.get_by_role("link", name="Reload").or_(
            page.get_by_role("link", name="Neu laden")
        ).click()
        expect(page.locator("h1")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Briefe (PDF)").click()
    path = download.value.path()
    assert Path(path).read_bytes().startswith(b"%PDF")


def test_cockpit_participation_at_320_px(browser, portal_url):
    phone = browser.new_context(viewport=NARROW, locale="de-DE", bypass_csp=True)
    wide = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True)
    page, desktop = phone.new_page(), wide.new_page()
    username, _unit, secret = cockpit_demo.MANAGER
    for p in (page, desktop):
        login(p, portal_url, "/cockpit/beteiligung/", username, cockpit_demo.PASSWORD, secret)
    expect(page.locator("table").first).to_be_visible()
    check(page, "cockpit", desktop)
