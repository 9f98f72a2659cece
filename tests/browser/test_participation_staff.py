"""The survey editor in Chromium against the served portal (gunicorn, production settings, the
Harz demo): the demo editor (password + TOTP) at 320 px creates a survey (errors first, the
summary's link focuses the field), adds a single choice question with two options and a
dependent free-text question, previews and publishes it. axe-core on every page, no
horizontal scrolling at 320 px, screenshots at 320 and 1280 px under /tmp/shots_P1/ (or
OPENKREIS_SHOTS)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from openkreis.core.testing import fresh_totp_code
from openkreis.participation import demo

from .conftest import DESKTOP, axe, format_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NARROW = {"width": 320, "height": 720}
SHOTS = Path(os.environ.get("OPENKREIS_SHOTS", "/tmp/shots_P1"))  # noqa: S108 - screenshots
HOME = "/beteiligung/verwaltung/"


def check(page, name: str, desktop=None) -> None:
    expect(page.locator("h1")).to_be_visible()
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name}: {wide} px horizontal scrolling at 320 px"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"staff-{name}-320.png"), full_page=True)
    violations = axe(page)
    assert violations == [], format_violations(violations)
    if desktop is not None:
        desktop.goto(page.url)
        expect(desktop.locator("h1")).to_be_visible()
        desktop.screenshot(path=str(SHOTS / f"staff-{name}-1280.png"), full_page=True)


def login(page, base: str) -> None:
    page.goto(base + HOME)
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", demo.DEMO_USERNAME)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.locator("input[name=code]").fill(fresh_totp_code(demo.DEMO_SECRET))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(HOME) + "$"))


def test_editor_at_320_px(browser, portal_url):
    phone = browser.new_context(viewport=NARROW, locale="de-DE", bypass_csp=True)
    wide = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True)
    page, desktop = phone.new_page(), wide.new_page()
    login(page, portal_url)
    login(desktop, portal_url)
    expect(page.locator("h1")).to_have_text("Umfragen")
    expect(page.get_by_role("link", name="ÖPNV im Landkreis Harz")).to_be_visible()
    check(page, "home", desktop)
    page.get_by_role("link", name="ÖPNV im Landkreis Harz").click()
    expect(page.locator("h1")).to_have_text("ÖPNV im Landkreis Harz")
    check(page, "published", desktop)
    page.get_by_role("link", name="Was hält Sie davon ab, öfter Bus oder Bahn zu fahren?").click()
    check(page, "published-question", desktop)
    page.goto(portal_url + "/beteiligung/verwaltung/")
    page.get_by_role("link", name="Umfrage anlegen").click()
    check(page, "new", desktop)
    page.get_by_label("Titel (Deutsch)").fill("Spielplätze in Wernigerode")
    page.get_by_label("Gebiet, um das es geht").select_option(label="Wernigerode (Gemeinde)")
    page.get_by_label("Endet am").fill("01.01.2020")
    page.get_by_role("button", name="Entwurf anlegen").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Das Ende muss nach dem Beginn liegen.")
    check(page, "new-errors")
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_closes_at")).to_be_focused()
    page.get_by_label("Endet am").fill("31.12.2099 18:00")
    page.get_by_role("button", name="Entwurf anlegen").click()
    expect(page.locator(".banners")).to_contain_text("Die Umfrage wurde angelegt")
    check(page, "draft", desktop)
    # a single choice question with two options
    page.get_by_label("Einfachauswahl").check()
    page.locator("#id_name").fill("Besuchen Sie Spielplätze in Wernigerode?")
    page.get_by_role("button", name="Frage hinzufügen").click()
    expect(page.locator("h1")).to_contain_text("Frage 1")
    for name in ("Ja", "Nein"):
        page.locator("#id_new-name").fill(name)
        page.get_by_role("button", name="Antwort hinzufügen").click()
        expect(page.locator(".banners")).to_contain_text("Die Antwort wurde hinzugefügt.")
    check(page, "question", desktop)
    page.get_by_role("link", name="Zurück zu allen Fragen").click()
    # a free-text question asked only after "Ja"
    page.get_by_label("Freitext").check()
    page.locator("#id_name").fill("Was fehlt Ihnen dort?")
    page.get_by_role("button", name="Frage hinzufügen").click()
    page.get_by_label(re.compile("Besuchen Sie Spielplätze.*Ja")).check()
    page.get_by_role("button", name="Frage speichern").click()
    expect(page.locator(".banners")).to_contain_text("Die Frage wurde gespeichert.")
    check(page, "question-condition")
    page.get_by_role("link", name="Zurück zu allen Fragen").click()
    expect(page.locator(".condition")).to_contain_text("Nur wenn:")
    page.get_by_role("link", name="Vorschau").click()
    expect(page.locator(".preview-note")).to_be_visible()
    check(page, "preview", desktop)
    page.go_back()
    page.get_by_role("link", name="Veröffentlichen").click()
    check(page, "publish-confirm")
    page.get_by_role("button", name="Umfrage veröffentlichen").click()
    expect(page.locator(".banners")).to_contain_text("Die Umfrage wurde veröffentlicht.")
    check(page, "after-publish", desktop)
    phone.close()
    wide.close()
