"""The Harz-Kompass editors in Chromium against the served portal (gunicorn, production
settings, the Harz demo): an editor (password + TOTP, made for this test) at 390 px finds a
place, saves opening hours that are not OSM syntax (the error summary's link focuses the
field), corrects them, saves, unpublishes and publishes the place again; the searches
without result and the open-data page. axe-core on every page, no horizontal scrolling at
390 px, screenshots at 390 and 1280 px under /tmp/shots_D6/ (or OPENKREIS_SHOTS)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from openkreis.core.testing import fresh_totp_code

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(os.environ.get("OPENKREIS_SHOTS", "/tmp/shots_D6"))  # noqa: S108 - screenshots
HOME = "/kompass/redaktion/"
USER = "d6-kompass-redaktion"
PASSWORD = "kompass-redaktion-2026!"  # noqa: S105 - a test account on the test portal
PLACE = "Heimatmuseum D6-Browser"
SETUP = """
from openkreis.core.models import OrgUnit
from openkreis.core.staff import add_staff, ensure_totp
from openkreis.directory.models import Category, MissedSearch, Place
from django.utils import timezone
unit = OrgUnit.objects.get(key="landrat")
user = add_staff({user!r}, "d6-kompass@example.org", {password!r}, unit, ["directory_editor"])
# the served portal (production settings) has no MD5 hasher: PBKDF2 as it would store it
from django.contrib.auth.hashers import PBKDF2PasswordHasher
user.password = PBKDF2PasswordHasher().encode({password!r}, "d6kompasssalt")
user.save()
ensure_totp(user, {secret!r})
category = Category.objects.filter(group="culture").first() or Category.objects.create(
    slug="d6-museum", name="Museum", group="culture")
Place.objects.get_or_create(slug="d6-browser-heimatmuseum", defaults=dict(
    name={place!r}, category=category, street="Markt 1", postcode="38855",
    town="Wernigerode", lat=51.8358, lon=10.7853, opening_hours="Tu-Su 10:00-17:00"))
MissedSearch.objects.get_or_create(query="d6 kletterwald", day=timezone.localdate(),
    defaults={{"count": 6}})
"""


def check(page, name: str, desktop=None) -> None:
    expect(page.locator("h1")).to_be_visible()
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name}: {wide} px horizontal scrolling at 390 px"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"kompass-{name}-390.png"), full_page=True)
    violations = axe(page)
    assert violations == [], format_violations(violations)
    if desktop is not None:
        desktop.goto(page.url)
        expect(desktop.locator("h1")).to_be_visible()
        desktop.screenshot(path=str(SHOTS / f"kompass-{name}-1280.png"), full_page=True)


def login(page, base: str, secret: str) -> None:
    page.goto(base + HOME)
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.locator("input[name=code]").fill(fresh_totp_code(secret))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(HOME) + "$"))


def test_editor_edits_a_place_at_390_px(browser, portal_url):
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    secret = generate_totp_secret()
    run_on_portal(SETUP.format(user=USER, password=PASSWORD, secret=secret, place=PLACE))
    phone = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    wide = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True)
    page, desktop = phone.new_page(), wide.new_page()
    login(page, portal_url, secret)
    login(desktop, portal_url, secret)
    check(page, "home", desktop)

    page.locator("#id_q").fill("D6-Browser")
    page.locator("form.place-search button[type=submit]").click()
    page.get_by_role("link", name=PLACE).click()
    expect(page.locator("h1")).to_contain_text(PLACE)
    check(page, "place", desktop)

    page.locator("#id_opening_hours").fill("Dienstag bis Sonntag 10 bis 17 Uhr")
    page.locator("#save-place").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(page.locator("#id_opening_hours-error")).to_contain_text("OpenStreetMap")
    check(page, "place-error")
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_opening_hours")).to_be_focused()

    page.locator("#id_opening_hours").fill("Tu-Su 10:00-18:00; PH off")
    page.locator("#id_languages").fill("de, en")
    page.locator("#save-place").click()
    expect(page.locator("#id_opening_hours")).to_have_value("Tu-Su 10:00-18:00; PH off")
    expect(page.locator(".error-summary")).to_have_count(0)
    check(page, "place-saved", desktop)

    page.locator("form.inline-form button[type=submit]").click()
    expect(page.locator("form.inline-form button[type=submit]")).to_have_class(
        re.compile(r"^button$")
    )  # "publish" is offered now: the place is hidden
    page.locator("form.inline-form button[type=submit]").click()
    expect(page.locator("form.inline-form button[type=submit]")).to_have_class(
        re.compile("button-secondary")
    )

    page.goto(portal_url + "/kompass/redaktion/suchen/")
    expect(page.locator("table")).to_contain_text("d6 kletterwald")
    check(page, "missed", desktop)
    page.locator("tr", has_text="d6 kletterwald").get_by_role("button").click()
    expect(page.locator("tbody tr", has_text="d6 kletterwald")).to_have_count(0)

    page.goto(portal_url + "/kompass/daten/")
    check(page, "opendata", desktop)
    phone.close()
    wide.close()
