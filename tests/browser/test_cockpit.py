"""Management's morning on a tablet and a phone: log in with password and TOTP, read the
cockpit (headline figures from the demo's twelve months of events), filter by service,
open the process view and the fact sheet; the public transparency page without login.
axe-core on every page; screenshots at phone and desktop width for review."""

import re

import pytest

from openkreis.cockpit.demo import DEZERNENT, MANAGER, PASSWORD
from openkreis.core.testing import totp_code

from .conftest import AXE, DESKTOP, PHONE, format_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
USERNAME, _UNIT, SECRET = MANAGER


def axe(page) -> list:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def login(page, url, username=USERNAME, secret=SECRET):
    page.goto(url + "/cockpit/")
    page.wait_for_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/konto/2fa/authenticate/"))
    page.fill("input[name=code]", totp_code(secret))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/cockpit/$"))


def test_management_reads_the_cockpit(browser, portal_url):
    context = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    login(page, portal_url)
    assert page.locator("h1").inner_text() == "Steuerungs-Cockpit"
    received = page.locator(".tile").first.locator(".tile-value").inner_text()
    assert int(received.replace(".", "")) >= 100  # the demo's cases, not an empty page
    assert page.locator("svg.chart").count() >= 5
    screenshot(page, "cockpit-dashboard-desktop")
    assert axe(page) == [], format_violations(axe(page))
    page.select_option("select[name=service]", "fahrerlaubnis-ersterteilung")
    page.locator("form.cockpit-filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"service=fahrerlaubnis-ersterteilung"))
    assert "Fahrerlaubnis" in page.locator("h1").inner_text()
    page.get_by_role("link", name="Prozessansicht dieser Leistung").click()
    page.wait_for_url(re.compile(r"/cockpit/prozess/fahrerlaubnis-ersterteilung/"))
    assert page.locator("svg.chart rect.node").count() >= 3
    screenshot(page, "cockpit-process-desktop")
    assert axe(page) == [], format_violations(axe(page))
    with page.expect_response(re.compile(r"steckbrief/.*\.pdf")) as info:
        page.goto(portal_url + "/cockpit/steckbrief/fahrerlaubnis-ersterteilung.pdf")
    assert info.value.status == 200
    for path, name in [("/cockpit/warnungen/", "alerts"), ("/cockpit/import/", "import"),
                       ("/cockpit/hilfe/", "help")]:  # fmt: skip
        page.goto(portal_url + path)
        screenshot(page, f"cockpit-{name}-desktop")
        assert axe(page) == [], (path, format_violations(axe(page)))
    page.set_viewport_size(PHONE)
    page.goto(portal_url + "/cockpit/")
    screenshot(page, "cockpit-dashboard-phone")
    assert axe(page) == [], format_violations(axe(page))
    context.close()


def test_dezernent_sees_his_dezernat(browser, portal_url):
    """The demo's Dezernent II: the figures of his Dezernat only, said on the page; the
    filters offer only its units; no import. One login (a TOTP code counts once), then
    the same page at phone width."""
    username, _unit, secret = DEZERNENT
    context = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    login(page, portal_url, username, secret)
    for viewport, suffix in [(DESKTOP, "desktop"), (PHONE, "phone")]:
        page.set_viewport_size(viewport)
        page.goto(portal_url + "/cockpit/")
        scope = page.locator(".cockpit-scope").inner_text()
        assert "Sie sehen die Zahlen von: Dezernat II" in scope
        units = page.locator("select[name=org_unit] option").all_inner_texts()
        assert "Bauordnungsamt" not in units and any("Fahrerlaubnis" in u for u in units)
        assert page.get_by_role("link", name="Import").count() == 0
        screenshot(page, f"cockpit-dezernent-{suffix}")
        assert axe(page) == [], format_violations(axe(page))
    context.close()


def test_public_transparency_page(browser, portal_url):
    for viewport, suffix in [(PHONE, "phone"), (DESKTOP, "desktop")]:
        context = browser.new_context(viewport=viewport, locale="de-DE", bypass_csp=True)
        page = context.new_page()
        page.goto(portal_url + "/cockpit/transparenz/")
        assert page.locator("h1").inner_text().startswith("Transparenz")
        assert page.locator("table tbody tr").count() >= 3
        screenshot(page, f"cockpit-transparency-{suffix}")
        assert axe(page) == [], format_violations(axe(page))
        context.close()
