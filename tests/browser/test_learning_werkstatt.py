"""Digitale Werkstatt in the browser (L5) at 390 px with axe-core: the offers page with its
filter, an offer with the link into the appointment booking, the request form with an error
and then success (the request in "my requests" with its file number), a guide. Screenshots
at 390 and 1280 px."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
USERNAME = "l5-werkstatt-vera"
PASSWORD = "werkstatt-passwort-2026"  # noqa: S105 (test account)

SETUP = """
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from allauth.account.models import EmailAddress
User = get_user_model()
if not User.objects.filter(username={user!r}).exists():
    user = User.objects.create_user({user!r}, 'l5-werkstatt@example.org')
    user.password = PBKDF2PasswordHasher().encode({password!r}, 'werkstattsalt')
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
print("ok")
"""


def _check(page, name: str) -> None:
    violations = axe(page)
    assert violations == [], format_violations(violations)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {width} px wide"
    screenshot(page, f"learning-werkstatt-{name}-390")


def test_offers_request_with_error_and_success_at_390_px(browser, portal_url):
    assert "ok" in run_on_portal(SETUP.format(user=USERNAME, password=PASSWORD))
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()

    page.goto(portal_url + "/digital/werkstatt/")
    expect(page.locator("h1")).to_have_text("Digitale Werkstatt")
    expect(page.get_by_role("link", name="Vereinssoftware finden")).to_be_visible()
    _check(page, "offers")
    # filter: residents only
    page.select_option("#id_fuer", "residents")
    page.get_by_role("button", name=re.compile("Angebote anzeigen|Show offers")).click()
    expect(page.get_by_role("link", name="Erste Schritte mit dem Smartphone")).to_be_visible()
    expect(page.get_by_role("link", name="Kassensystem und Online-Shop")).to_have_count(0)

    page.goto(portal_url + "/digital/werkstatt/vereinssoftware/")
    booking = page.locator("a[href*='/termine/standort/?leistung=digitale-werkstatt-beratung']")
    expect(booking).to_have_count(1)
    _check(page, "offer")

    # the request form needs a login
    page.locator("a[href$='/digital/werkstatt/vereinssoftware/anfrage/']").first.click()
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/digital/werkstatt/vereinssoftware/anfrage/$"))

    # an error first: no consent, a too short question
    page.fill("#id_organisation", "SV Blau-Weiß Harz e. V.")
    page.fill("#id_message", "Hilfe")
    page.locator("form.werkstatt-form button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("li")).to_have_count(2)
    _check(page, "request-error")

    page.fill("#id_message", "Wir suchen eine Software für 250 Mitglieder mit Lastschrift.")
    page.check("#id_consent")
    page.locator("form.werkstatt-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/digital/werkstatt/meine-anfragen/$"))
    expect(page.locator("main")).to_contain_text("Vereinssoftware finden")
    expect(page.locator("main")).to_contain_text("80.30.01-")
    _check(page, "mine")

    desktop = browser.new_context(viewport=DESKTOP, locale="de-DE").new_page()
    desktop.goto(portal_url + "/digital/werkstatt/")
    expect(desktop.locator("h1")).to_be_visible()
    screenshot(desktop, "learning-werkstatt-offers-1280")
    context.close()


def test_a_guide_at_390_px(browser, portal_url):
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    page.goto(portal_url + "/digital/werkstatt/")
    page.get_by_role("link", name="Das neue Smartphone sicher einrichten").click()
    expect(page.locator("h1")).to_have_text("Das neue Smartphone sicher einrichten")
    expect(page.locator("main")).to_contain_text("Bildschirmsperre einrichten")
    _check(page, "guide")
    context.close()
