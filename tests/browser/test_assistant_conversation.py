"""Frag den Landkreis in the browser (issue 25), at 390 px: a conversation with JavaScript
(answers appended to the live region, focus stays in the question field, keyboard only)
and the same without JavaScript (POST-redirect-GET to #antwort, choices as buttons).
axe-core on each state, no sideways scrolling, screenshots at 320, 390 and 1280 px."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, axe, format_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
URL = "/frag-den-landkreis/"


def no_sideways_scrolling(page, name: str) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name}: {wide} px sideways scrolling"


def test_a_conversation_with_javascript_keyboard_only(browser, portal_url):
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    page.goto(portal_url + URL)
    log = page.locator("#gespraech")
    expect(log).to_have_attribute("role", "log")
    expect(log).to_have_attribute("aria-live", "polite")
    field = page.locator("input[name=frage]")
    field.focus()
    page.keyboard.type("Was kostet ein Wunschkennzeichen?")
    page.keyboard.press("Enter")
    answer = log.locator(".assistant-bot").last
    expect(answer).to_contain_text("10,20 €")
    expect(answer.locator("a[href='/leistungen/wunschkennzeichen/']")).to_be_visible()
    # fetch, not a reload: the field is empty again and keeps the focus
    expect(field).to_be_focused()
    expect(field).to_have_value("")
    assert "#antwort" not in page.url
    page.keyboard.type("und geht das online?")
    page.keyboard.press("Enter")
    expect(log.locator(".assistant-bot")).to_have_count(2)
    expect(
        log.locator(".assistant-bot").last.locator("a[href='/antrag/wunschkennzeichen/']")
    ).to_be_visible()
    # asking back: the options are buttons, reachable with the keyboard
    page.keyboard.type("Führerschein")
    page.keyboard.press("Enter")
    choice = log.locator(".assistant-choices button").first
    expect(choice).to_be_visible()
    choice.focus()
    page.keyboard.press("Enter")
    expect(log.locator(".assistant-bot")).to_have_count(4)
    # the chosen service's overview; the old options are gone, its quick replies remain
    expect(log.locator(".assistant-bot").last).to_contain_text("Fahrerlaubnis")
    expect(log.locator(".assistant-choices")).to_have_count(1)
    expect(log.locator(".assistant-choices button").first).not_to_contain_text("1.")
    no_sideways_scrolling(page, "js-390")
    screenshot(page, "assistant-js-390")
    violations = axe(page)
    assert violations == [], format_violations(violations)
    page.set_viewport_size({"width": 320, "height": 740})
    no_sideways_scrolling(page, "js-320")
    screenshot(page, "assistant-js-320")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "assistant-js-1280")
    context.close()


def test_a_conversation_without_javascript(browser, portal_url):
    context = browser.new_context(
        viewport=PHONE, locale="de-DE", java_script_enabled=False, bypass_csp=True
    )
    page = context.new_page()
    page.goto(portal_url + URL)
    page.fill("input[name=frage]", "Wo melde ich meinen Hund an, ich wohne in Thale?")
    page.locator("#frage-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/frag-den-landkreis/#antwort$"))
    answer = page.locator("#antwort")
    expect(answer).to_contain_text("Thale")
    expect(answer.locator("a[href='/leistungen/hundesteuer-anmelden/']")).to_be_visible()
    page.fill("input[name=frage]", "Führerschein")
    page.locator("#frage-form button[type=submit]").click()
    page.locator(".assistant-choices button").first.click()
    expect(page.locator(".assistant-bot")).to_have_count(3)
    # an empty question: an error summary linked to the field, status 400
    page.locator("#frage-form button[type=submit]").click()
    expect(page.locator(".error-summary a[href='#id_frage']")).to_be_visible()
    no_sideways_scrolling(page, "nojs-390")
    screenshot(page, "assistant-nojs-390")
    # handing over, still without JavaScript: the form and its errors
    page.goto(portal_url + "/frag-den-landkreis/weitergeben/")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary a[href='#id_einverstanden']")).to_be_visible()
    screenshot(page, "assistant-handover-nojs-390")
    context.close()
    # axe needs JavaScript: the same pages with it, same session state not needed
    checker = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = checker.new_page()
    for path in (URL, "/frag-den-landkreis/weitergeben/"):
        page.goto(portal_url + path)
        no_sideways_scrolling(page, path)
        violations = axe(page)
        assert violations == [], format_violations(violations)
    checker.close()
