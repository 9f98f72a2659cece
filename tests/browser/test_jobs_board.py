"""The job board in Chromium against the served portal (gunicorn, production settings, the
Harz demo): the search without JavaScript at 390 px, a job's page with its JobPosting
markup, and the demo employer posting a job at 390 px (errors first, then sent for review).
axe-core on every page, no horizontal scrolling at 390 px, screenshots at 390 and 1280 px
under /tmp/shots_J2/ (or OPENKREIS_SHOTS)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from openkreis.jobs import demo

from .conftest import DESKTOP, PHONE, axe, format_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(os.environ.get("OPENKREIS_SHOTS", "/tmp/shots_J2"))  # noqa: S108 - screenshots only


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def check(page, name: str, desktop=None) -> None:
    """No horizontal scrolling at 390 px, no axe violations; screenshots at 390 and 1280."""
    expect(page.locator("h1")).to_be_visible()
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name}: {wide} px horizontal scrolling at 390 px"
    shot(page, f"jobs-{name}-390")
    violations = axe(page)
    assert violations == [], format_violations(violations)
    if desktop is not None:
        desktop.goto(page.url)
        expect(desktop.locator("h1")).to_be_visible()
        shot(desktop, f"jobs-{name}-1280")


def test_search_and_job_page_without_javascript(browser, portal_url):
    phone = browser.new_context(
        viewport=PHONE, locale="de-DE", bypass_csp=True, java_script_enabled=False
    ).new_page()
    desktop = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True).new_page()
    phone.goto(f"{portal_url}/bildung-arbeit/jobs/")
    phone.fill("#id_q", "Tischler")
    phone.select_option("#id_gemeinde", label="Wernigerode")
    phone.select_option("#id_umkreis", "10")
    phone.locator("main form[role=search] button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"q=Tischler"))
    result = phone.locator(".card-list a", has_text="Tischler/in (m/w/d)")
    expect(result).to_be_visible()
    expect(phone.locator(".card-list")).to_contain_text(re.compile(r"0[.,]0 km"))
    js = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True).new_page()
    js.goto(phone.url)  # axe needs scripts in the page
    check(js, "search", desktop)
    result.click()
    expect(phone.locator("h1")).to_have_text("Tischler/in (m/w/d)")
    markup = json.loads(phone.locator('script[type="application/ld+json"]').text_content() or "{}")
    assert markup["@type"] == "JobPosting"
    assert markup["title"] == "Tischler/in (m/w/d)"
    assert markup["hiringOrganization"]["name"] == "Holzwerkstatt Brockenblick GmbH"
    assert markup["jobLocation"]["address"]["postalCode"] == "38855"
    js.goto(phone.url)
    check(js, "job", desktop)
    js.locator("main .lead a").click()
    expect(js.locator("h1")).to_have_text("Holzwerkstatt Brockenblick GmbH")
    check(js, "employer", desktop)


def test_employer_posts_a_job_at_390_px(browser, portal_url):
    page = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True).new_page()
    desktop = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True).new_page()
    home = "/bildung-arbeit/stellenanzeigen/"
    for p in (page, desktop):
        p.goto(f"{portal_url}/konto/login/?next={home}")
        p.fill("input[name=login]", demo.EMPLOYER_USER)
        p.fill("input[name=password]", demo.EMPLOYER_PASSWORD)
        p.locator("main form button[type=submit]").first.click()
        expect(p).to_have_url(re.compile(re.escape(home) + "$"))
    check(page, "employer-home", desktop)
    page.locator(
        "main a.button", has_text=re.compile("posting|Stellenanzeige|Anzeige", re.I)
    ).first.click()
    expect(page.locator("form #id_title")).to_be_visible()
    check(page, "employer-form", desktop)
    title = f"Browsertest Stelle {uuid.uuid4().hex[:8]}"
    page.fill("#id_title", title)
    page.select_option("#id_kind", "job")
    page.select_option("#id_hours", "part")
    page.fill("#id_description", "Eine Stelle, die der Browsertest anlegt.")
    page.fill("#id_postcode", "10115")  # Berlin: not in the county
    page.fill("#id_valid_through", (dt.date.today() + dt.timedelta(days=30)).isoformat())
    page.fill("#id_salary_min", "3000")
    page.fill("#id_salary_max", "2000")
    page.locator("button[name=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(page.locator("#id_postcode-error")).to_be_visible()
    expect(page.locator("#id_salary_max-error")).to_be_visible()
    expect(page.locator("#id_contact_email-error")).to_be_visible()
    check(page, "employer-form-errors")
    page.fill("#id_postcode", "38855")
    page.fill("#id_salary_max", "3400")
    page.select_option("#id_salary_unit", "MONTH")
    page.fill("#id_contact_email", "bewerbung@example.org")
    page.locator("button[name=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(home) + "$"))
    card = page.locator(".card", has_text=title)
    expect(card).to_be_visible()
    check(page, "employer-home-after", desktop)
    # not public before a moderator accepted it
    anonymous = browser.new_context(viewport=PHONE, locale="de-DE").new_page()
    anonymous.goto(f"{portal_url}/bildung-arbeit/jobs/?q={title.split()[-1]}")
    expect(anonymous.locator("main")).not_to_contain_text(title)
