"""OZG-Radar in the browser: the public "Was ist online?" page (filter by topic without
JavaScript), the Musterkommune overview, the programme office's radar (demo login with
TOTP) with a decision, and the maturity self-assessment of a club (filled in, result chart
and table). At 390 px (no sideways scrolling) and 1280 px, axe-core on every page,
screenshots."""

import re

import pytest
from playwright.sync_api import expect

from openkreis.core.testing import fresh_totp_code

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
OFFICE = "programm-buero"
OFFICE_PASSWORD = "harz-programm-demo-2026"  # noqa: S105 (demo login)
OFFICE_SECRET = "PROGRAMMBUERODEMOAAAAAAAAAAAAAAA"  # noqa: S105
USER = "radar-browser-verein"
PASSWORD = "ein-langes-passwort-2026"  # noqa: S105 (test account only)

SETUP = """
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from allauth.account.models import EmailAddress
User = get_user_model()
if not User.objects.filter(username={user!r}).exists():
    user = User.objects.create_user({user!r}, {user!r} + '@example.org')
    user.password = PBKDF2PasswordHasher().encode({password!r}, 'radarsalt')
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
print('ok')
"""


def check(page, browser, name: str) -> None:
    """No sideways scrolling at 390 px, no axe violations, screenshots at 390 and 1280 px."""
    expect(page.locator("h1")).to_be_visible()
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name}: {wide} px sideways scrolling at 390 px"
    screenshot(page, f"radar-{name}-390")
    violations = axe(page)
    assert violations == [], format_violations(violations)
    page.set_viewport_size(DESKTOP)
    expect(page.locator("h1")).to_be_visible()
    violations = axe(page)
    assert violations == [], format_violations(violations)
    screenshot(page, f"radar-{name}-1280")
    page.set_viewport_size(PHONE)


def test_public_page_filters_by_topic_without_javascript(browser, portal_url):
    context = browser.new_context(
        viewport=PHONE, locale="de-DE", bypass_csp=True, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(portal_url + "/ozg/")
    expect(page.locator(".radar-service").first).to_be_visible()
    page.select_option("#id_thema", "mobilitaet-reisen")
    page.locator("form.radar-filter button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"thema=mobilitaet-reisen"))
    expect(page.locator('a[href="/leistungen/kfz-zulassung/"]')).to_be_visible()
    expect(page.locator('a[href="/leistungen/wohngeld/"]')).to_have_count(0)
    expect(page.locator(".radar-levels").first).to_be_visible()
    filtered = page.url
    context.close()
    # axe-core needs JavaScript: the same pages in a context with it
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    page.goto(filtered)
    check(page, browser, "public")
    page.goto(portal_url + "/ozg/musterkommune/")
    expect(page.locator(".radar-badge")).to_have_count(1)
    check(page, browser, "musterkommune")
    context.close()


def test_programme_office_decides_and_sees_the_charts(browser, portal_url):
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    page.goto(portal_url + "/ozg/radar/")
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", OFFICE)
    page.fill("input[name=password]", OFFICE_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/konto/2fa/authenticate/"))
    page.fill("input[name=code]", fresh_totp_code(OFFICE_SECRET))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/ozg/radar/$"))
    expect(page.locator("svg.radar-chart")).to_have_count(2)
    expect(page.locator("table.radar-table caption").first).to_be_visible()
    check(page, browser, "staff")
    page.goto(portal_url + "/ozg/radar/leistung/gewerbe-anmelden/")
    page.locator("input[name=decision][value=adopt]").check()
    page.select_option("#id_offer", index=1)
    page.fill("#id_owner", "Gewerbeamt")
    page.locator("form[action$='entscheidung/'] button[type=submit]").click()
    expect(page.locator(".radar-changes").first).to_be_visible()
    expect(page.get_by_text("Gewerbeamt").first).to_be_visible()
    check(page, browser, "staff-detail")
    context.close()


def test_a_club_fills_in_the_maturity_check(browser, portal_url):
    assert "ok" in run_on_portal(SETUP.format(user=USER, password=PASSWORD))
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    page.goto(portal_url + "/ozg/reifegrad/")
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/ozg/reifegrad/$"))
    check(page, browser, "maturity-home")
    page.fill("#id_name", "Heimatverein Browsertest")
    page.locator("input[name=kind][value=club]").check()
    page.locator("main form.radar-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/ozg/reifegrad/\d+/neu/$"))
    # sending without answers: an error summary that links to the first question
    page.locator("main form.radar-form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check(page, browser, "maturity-errors")
    groups = page.locator("fieldset.radar-radios")
    for i in range(groups.count()):
        groups.nth(i).locator("input[type=radio]").nth(2).check()
    page.locator("main form.radar-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/ozg/reifegrad/\d+/$"))
    expect(page.locator("svg.radar-chart")).to_be_visible()
    expect(page.locator("table.radar-table td").first).to_have_text(re.compile(r"^3[,.]00$"))
    check(page, browser, "maturity-result")
    context.close()
