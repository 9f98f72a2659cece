"""Appointments in a real browser against gunicorn with production settings.

1. A citizen books at phone width: services → office (nearest first) → day → time → name
   and e-mail → confirmation; axe-core on every step; screenshots.
2. On site, two pages side by side: the waiting-room display (open, never reloaded) and
   the counter. A walk-in draws a ticket at the kiosk, the front desk calls it, and the
   display shows the number without a reload. axe-core on kiosk, counter and display.
"""

import re

import pytest
from playwright.sync_api import expect

from openkreis.appointments.demo import DEMO_PASSWORD, DEMO_TOTP
from openkreis.core.testing import totp_code

from .conftest import DESKTOP, PHONE, axe, axe_violations, format_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SMALL_PHONE = {"width": 320, "height": 640}


def check(page, name: str) -> None:
    screenshot(page, f"{name}-phone")
    violations = axe(page)
    assert violations == [], format_violations(violations)


def test_booking_at_phone_width(browser, portal_url):
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    page.goto(portal_url + "/leistungen/fuehrerschein-umtausch/")
    # the service page's own link (the header has one to /termine/ too)
    page.locator("main").get_by_role("link", name="Termin buchen").first.click()
    page.wait_for_url(re.compile(r"/termine/standort/"))
    page.goto(portal_url + "/termine/")
    assert page.locator("h1").inner_text() == "Termin buchen"
    page.get_by_label(re.compile("Alten Führerschein")).check()
    page.get_by_label(re.compile("Wo wohnen Sie")).select_option(label="Quedlinburg")
    check(page, "appointments-1-services")
    page.get_by_role("button", name="Weiter").click()
    page.wait_for_url(re.compile(r"/termine/standort/"))
    first = page.locator(".appt-option").first
    assert "Quedlinburg" in first.inner_text()  # nearest first
    check(page, "appointments-2-office")
    first.click()
    page.wait_for_url(re.compile(r"/termine/tag/"))
    check(page, "appointments-3-day")
    page.locator(".appt-option").first.click()
    page.wait_for_url(re.compile(r"/termine/zeit/"))
    check(page, "appointments-4-time")
    page.locator(".appt-slot input").nth(1).check()
    page.get_by_role("button", name="Diese Zeit reservieren").click()
    page.wait_for_url(re.compile(r"/termine/angaben/"))
    check(page, "appointments-5-details")
    page.get_by_role("button", name="Termin verbindlich buchen").click()  # empty: errors
    assert page.locator(".error-summary").is_visible()
    check(page, "appointments-5-details-errors")
    page.get_by_label("Ihr Name").fill("Erika Mustermann")
    page.get_by_label("Ihre E-Mail-Adresse").fill("erika@example.org")
    page.get_by_role("button", name="Termin verbindlich buchen").click()
    page.wait_for_url(re.compile(r"/termine/termin/.+\?neu=1"))
    assert "Ihr Termin ist gebucht" in page.locator("main").inner_text()
    code = page.locator(".appt-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    check(page, "appointments-6-booked")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "appointments-6-booked-desktop")
    page.set_viewport_size(PHONE)
    manage_url = page.url.split("?")[0]
    context.close()
    cancel_without_javascript(browser, manage_url)


def checked_without_javascript(browser, page, name: str) -> None:
    """Screenshot of a page opened without JavaScript; axe-core (which needs JavaScript) runs
    on the same URL in a context of its own (both pages are GET, so nothing changes)."""
    screenshot(page, f"{name}-phone")
    violations = axe_violations(browser, page.url)
    assert violations == [], format_violations(violations)


def cancel_without_javascript(browser, manage_url: str) -> None:
    """The link from the confirmation e-mail, opened on a phone without JavaScript: cancelling
    asks first (a page of its own, then a POST), and the cancelled appointment offers no
    calendar file any more (its .ics URL answers 410)."""
    context = browser.new_context(
        viewport=PHONE, locale="de-DE", bypass_csp=True, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(manage_url)
    calendar = page.get_by_role("link", name="In den Kalender eintragen (.ics)")
    expect(calendar).to_be_visible()
    ics_url = calendar.get_attribute("href")
    page.get_by_role("link", name="Termin absagen").click()
    expect(page).to_have_url(re.compile(r"/absagen/$"))
    expect(page.locator("h1")).to_have_text("Termin wirklich absagen?")
    expect(page.locator("main")).to_contain_text("für andere frei")
    checked_without_javascript(browser, page, "appointments-7-cancel-confirm")
    page.set_viewport_size(SMALL_PHONE)
    screenshot(page, "appointments-7-cancel-confirm-320")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "appointments-7-cancel-confirm-desktop")
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name="Nein, Termin behalten").click()  # changes nothing
    expect(page).to_have_url(manage_url)
    expect(page.locator(".appt-facts")).to_contain_text("Gebucht")
    page.get_by_role("link", name="Termin absagen").click()
    page.get_by_role("button", name="Ja, Termin absagen").click()
    expect(page).to_have_url(manage_url)
    expect(page.locator("h1")).to_have_text("Ihr Termin ist abgesagt")
    expect(page.locator("main")).to_contain_text("Die Zeit ist wieder frei für andere.")
    expect(page.locator(f'a[href="{ics_url}"]')).to_have_count(0)
    checked_without_javascript(browser, page, "appointments-8-cancelled")
    page.set_viewport_size(SMALL_PHONE)
    screenshot(page, "appointments-8-cancelled-320")
    gone = page.request.get(page.url.split("/termine/")[0] + ics_url)
    assert gone.status == 410 and "abgesagt" in gone.text()
    context.close()


def login_front_desk(page, url: str) -> None:
    page.goto(url + "/termine/schalter/")
    page.wait_for_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", "empfang")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/konto/2fa/authenticate/"))
    page.fill("input[name=code]", totp_code(DEMO_TOTP))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/termine/schalter/$"))


def test_kiosk_counter_and_display_without_reload(browser, portal_url):
    display_context = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True)
    display = display_context.new_page()
    display.goto(portal_url + "/termine/anzeige/lra-wernigerode/")
    display.evaluate("window.__notReloaded = true")
    assert "Bitte warten Sie" in display.locator("#calls").inner_text()
    violations = axe(display)
    assert violations == [], format_violations(violations)
    screenshot(display, "appointments-display-empty-desktop")

    kiosk_context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    kiosk = kiosk_context.new_page()
    kiosk.goto(portal_url + "/termine/kiosk/lra-wernigerode/")
    check(kiosk, "appointments-kiosk")
    kiosk.get_by_role("button", name=re.compile("Abholschalter")).click()
    kiosk.wait_for_url(re.compile(r"/termine/wartemarke/"))
    number = kiosk.locator(".appt-number").inner_text()
    assert re.fullmatch(r"P\d{3}", number)
    check(kiosk, "appointments-ticket")

    counter_context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    counter = counter_context.new_page()
    login_front_desk(counter, portal_url)
    options = counter.locator(".appt-option", has_text="Abholschalter")
    options.filter(has_text="Wernigerode").first.click()
    counter.wait_for_url(re.compile(r"/termine/schalter/\d+/"))
    check(counter, "appointments-counter-idle")
    counter.get_by_role("button", name="Nächste Nummer aufrufen").click()
    assert counter.locator("#current-number").inner_text() == number
    check(counter, "appointments-counter-calling")

    # the display changes by itself (polling), without a reload
    latest = display.locator(".display-latest .display-number")
    latest.wait_for(timeout=10_000)
    assert latest.inner_text() == number
    assert "Abholschalter" in display.locator(".display-latest").inner_text()
    assert display.evaluate("window.__notReloaded === true")
    screenshot(display, "appointments-display-called-desktop")
    violations = axe(display)
    assert violations == [], format_violations(violations)

    counter.get_by_role("button", name="Fertig").click()
    assert "Niemand am Schalter" in counter.locator("main").inner_text()
    display.locator(".display-empty").wait_for(timeout=10_000)
    for context in (display_context, kiosk_context, counter_context):
        context.close()


def test_display_without_javascript_refreshes_itself(browser, portal_url):
    context = browser.new_context(viewport=DESKTOP, locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    page.goto(portal_url + "/termine/anzeige/lra-halberstadt/")
    assert page.locator("noscript").count() == 1
    assert "Bitte warten Sie" in page.locator("main").inner_text()
    context.close()
