"""The programme office and a Gestaltungskreis in the browser: the office logs in with its
second factor, filters the portfolio (roadmap SVG + table), opens a Steckbrief and tries a
red status without a reason (a linked error summary, then saved); a company member of the
demo circle "Der Bauantrag heute" sees the measure in effect with before/after figures and
the number of cases. At 390 px (no sideways scrolling) and 1280 px, axe-core on each page,
screenshots into test-results/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from openkreis.core.testing import fresh_totp_code

from .conftest import DESKTOP, PHONE, axe, format_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OFFICE = ("programm-buero", "harz-programm-demo-2026", "PROGRAMMBUERODEMOAAAAAAAAAAAAAAA")
MEMBER = ("architektur-huy", "harz-programm-demo-2026")


def check(page, desktop, name: str) -> None:
    """No sideways scrolling at 390 px, no axe violations at both widths, screenshots."""
    expect(page.locator("h1")).to_be_visible()
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name}: {wide} px sideways scrolling at 390 px"
    screenshot(page, f"programme-{name}-390")
    violations = axe(page)
    assert violations == [], format_violations(violations)
    desktop.goto(page.url)
    expect(desktop.locator("h1")).to_be_visible()
    screenshot(desktop, f"programme-{name}-1280")
    violations = axe(desktop)
    assert violations == [], format_violations(violations)


def test_office_portfolio_and_steckbrief(browser, portal_url):
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    desktop = context.new_page()
    desktop.set_viewport_size(DESKTOP)
    page.goto(portal_url + "/programm/")
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", OFFICE[0])
    page.fill("input[name=password]", OFFICE[1])
    page.locator("main form button[type=submit]").first.click()
    page.locator("input[name=code]").fill(fresh_totp_code(OFFICE[2]))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/programm/$"))
    expect(page.locator("svg.roadmap")).to_be_visible()
    expect(page.locator("table.portfolio tbody tr")).to_have_count(16)
    check(page, desktop, "portfolio")

    # filter: the red projects only
    page.select_option("#f-status", "red")
    page.locator("form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"status=red"))
    rows = page.locator("table.portfolio tbody tr")
    expect(rows.first).to_be_visible()
    assert 0 < rows.count() < 16
    expect(page.locator("table.portfolio tbody .status-green")).to_have_count(0)

    # a Steckbrief, then edit it: red without a reason is refused with a linked summary
    page.goto(portal_url + "/programm/projekt/termine/")
    expect(page.locator("h1")).to_contain_text("Terminvergabe")
    check(page, desktop, "steckbrief")
    page.goto(portal_url + "/programm/projekt/termine/bearbeiten/")
    page.select_option("#id_status", "red")
    page.fill("#id_status_reason", "")
    page.locator("main form button[type=submit]").last.click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    link = summary.locator("a[href='#id_status_reason']")
    expect(link).to_be_visible()
    check(page, desktop, "steckbrief-error")
    expect(page.locator("#id_status_reason")).to_have_attribute("aria-invalid", "true")
    page.fill("#id_status_reason", "Der Aufruf im Bürgerbüro fällt oft aus.")
    page.locator("main form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/programm/projekt/termine/$"))
    expect(page.locator("main")).to_contain_text("Der Aufruf im Bürgerbüro fällt oft aus.")
    context.close()


def test_circle_member_sees_before_and_after(browser, portal_url):
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    desktop = context.new_page()
    desktop.set_viewport_size(DESKTOP)
    page.goto(portal_url + "/programm/kreise/")
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", MEMBER[0])
    page.fill("input[name=password]", MEMBER[1])
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/programm/kreise/$"))
    page.get_by_role("link", name="Der Bauantrag heute").click()
    expect(page).to_have_url(re.compile(r"/programm/kreise/bauantrag-heute/$"))
    table = page.locator("table.before-after").first
    expect(table).to_be_visible()
    lead = table.locator("tr[data-kpi=lead_time]")
    # every figure says how many cases it rests on
    expect(lead.locator("td[data-n=before]")).to_have_text(re.compile(r"^\d+$"))
    expect(lead.locator("td[data-n=after]")).to_have_text(re.compile(r"^\d+$"))
    check(page, desktop, "circle")
    context.close()
