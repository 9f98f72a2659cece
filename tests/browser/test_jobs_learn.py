"""Bildung & Arbeit for young people (J1) on a phone (390 px) in Chromium, served by gunicorn
with the production settings: the start page, the offer search without JavaScript, an offer
page, the interest test (a missing answer comes back as a 400 page that names it and keeps the
others), the result page (code, bar chart with its table, fields, offers), saving the result
with consent in a citizen's account and deleting it. axe-core (WCAG 2.1 A/AA) on every page; no
sideways scrolling at 390 and 320 px; screenshots at 390 and 1280 px into /tmp/shots_J1/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, axe, axe_violations, format_violations, run_on_portal

pytestmark = [pytest.mark.browser, pytest.mark.slow]
NARROW = {"width": 320, "height": 720}
SHOTS = Path(os.environ.get("OPENKREIS_J1_SHOTS", "/tmp/shots_J1"))  # noqa: S108
USER, PASSWORD = "j1-interessen", "J1-Interessen-Demo-2026!"  # noqa: S105 - test account

SETUP = """
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
User = get_user_model()
if not User.objects.filter(username={name!r}).exists():
    user = User.objects.create_user({name!r}, 'j1-interessen@example.org')
    user.password = PBKDF2PasswordHasher().encode({password!r}, 'j1salt')
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
print('ok')
"""


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def check(page, name: str, desktop=None, browser=None) -> None:
    """No sideways scrolling, no axe violations (for a page without JavaScript: `browser`
    opens it again in a context with JavaScript for axe), screenshots at 390 and 1280 px."""
    expect(page.locator("h1")).to_be_visible()
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name}: {wide} px sideways scrolling"
    violations = axe_violations(browser, page.url) if browser is not None else axe(page)
    assert violations == [], format_violations(violations)
    shot(page, f"{name}-390")
    if desktop is not None:
        desktop.goto(page.url)
        expect(desktop.locator("h1")).to_be_visible()
        shot(desktop, f"{name}-1280")


def answer_all(page, choice_by_type: dict[int, str]) -> None:
    """Tick one answer per item: item n is of type (n-1) % 6 (R I A S E C)."""
    for n in range(1, 61):
        value = choice_by_type[(n - 1) % 6]
        page.locator(f"#q{n}-{value}").check()


def test_offers_without_javascript(browser, portal_url):
    context = browser.new_context(
        viewport=PHONE, locale="de-DE", bypass_csp=True, java_script_enabled=False
    )
    page = context.new_page()
    desktop = browser.new_context(viewport=DESKTOP, locale="de-DE").new_page()
    page.goto(f"{portal_url}/bildung-arbeit/")
    check(page, "jobs-index", desktop, browser)
    page.locator("#id_index_q").fill("Pflege")
    page.locator("main form.learn-search button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/bildung-arbeit/angebote/\?q=Pflege"))
    page.locator("#id_municipality").select_option("15085235")
    page.locator("#id_radius").select_option("10")
    page.locator("main form.learn-filters button[type=submit]").click()
    link = page.get_by_role("link", name="Ausbildung Pflegefachfrau / Pflegefachmann")
    expect(link).to_be_visible()
    check(page, "jobs-offers", desktop, browser)
    link.click()
    expect(page.locator("h1")).to_have_text("Ausbildung Pflegefachfrau / Pflegefachmann")
    check(page, "jobs-offer", desktop, browser)
    context.close()


def test_interest_test_result_save_and_delete(browser, portal_url):
    run_on_portal(SETUP.format(name=USER, password=PASSWORD))
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    desktop = browser.new_context(viewport=DESKTOP, locale="de-DE").new_page()
    page.goto(f"{portal_url}/bildung-arbeit/interessen/")
    check(page, "jobs-interest-test", desktop)

    # S and I liked, A unsure, the rest not — but item 7 (R) left out
    choice = {0: "0", 1: "2", 2: "1", 3: "2", 4: "0", 5: "0"}
    answer_all(page, choice)
    page.locator("#q7-0").evaluate("el => el.checked = false")
    page.get_by_role("button", name=re.compile("Ergebnis|result")).click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(page.locator("#q8-2")).to_be_checked()  # the other answers are kept
    check(page, "jobs-interest-missing")

    page.locator("#q7-0").check()
    page.get_by_role("button", name=re.compile("Ergebnis|result")).click()
    expect(page).to_have_url(re.compile(r"/interessen/ergebnis/\?R=0&I=20&A=10&S=20&E=0&C=0"))
    expect(page.locator(".code-panel .code")).to_have_text("ISA")
    expect(page.locator(".score-table tbody tr")).to_have_count(6)
    result_url = page.url
    check(page, "jobs-interest-result", desktop)
    narrow = browser.new_context(viewport=NARROW, locale="de-DE").new_page()
    narrow.goto(result_url)
    assert narrow.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    shot(narrow, "jobs-interest-result-320")

    # log in from the result page and keep it, after the consent box
    page.locator("main a[href*='/login/']").click()
    page.fill("input[name=login]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(result_url)
    save = page.locator("form.save-form button[type=submit]")
    save.click()
    expect(page.locator("#consent-error")).to_be_visible()
    check(page, "jobs-interest-consent-missing")
    page.locator("#id_consent").check()
    page.locator("form.save-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/interessen/gespeichert/$"))
    expect(page.locator(".saved-result .code")).to_have_text("ISA")
    check(page, "jobs-interest-saved", None)
    page.locator(".saved-result form button").click()
    expect(page.locator(".saved-result")).to_have_count(0)
    context.close()
