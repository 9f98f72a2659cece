"""Management's morning on a tablet and a phone: log in with password and TOTP, read the
cockpit (headline figures from the demo's twelve months of events), filter by service,
open the process view and the fact sheet; the public transparency page without login;
every page on a small phone (320 px) without sideways scrolling, steps named as the
procedure names them, figures with their units, alerts that agree with the figures.
axe-core on every page; screenshots at phone and desktop width for review."""

import re

import pytest
from playwright.sync_api import expect

from openkreis.cockpit.demo import DEZERNENT, MANAGER, PASSWORD
from openkreis.cockpit.tests.factories import XES
from openkreis.core.testing import STAFF_PASSWORD, totp_code

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
USERNAME, _UNIT, SECRET = MANAGER
SMALL_PHONE = {"width": 320, "height": 800}
SERVICE = "fahrerlaubnis-ersterteilung"
# the keys of the workflow states: never shown to a manager (the procedure names them)
STATE_KEYS = re.compile(
    r"(?<![\w-])(new|in_progress|review|waiting|returned|register_check)(?![\w-])"
)


def login(page, url, username=USERNAME, secret=SECRET, password=PASSWORD):
    page.goto(url + "/cockpit/")
    page.wait_for_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
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
    number, unit = received.split("\xa0")  # "1.234 Fälle": every figure with its unit
    assert int(number.replace(".", "")) >= 100 and unit == "Fälle"  # the demo's cases
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


def sideways(page) -> list[str]:
    """What sticks out of the page at this width: the document scrolling sideways, or an
    element of <main> reaching past the window (inside a box that scrolls on its own,
    a table or the process graph, that is allowed: the box itself must fit)."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth, out = [];
          if (document.documentElement.scrollWidth > width)
            out.push('document ' + document.documentElement.scrollWidth + 'px');
          for (const e of document.querySelectorAll('main *')) {
            if (e.parentElement.closest('.table-scroll, .graph-scroll')) continue;
            const r = e.getBoundingClientRect(), name = e.tagName.toLowerCase();
            if (r.width > 1 && (r.right > width + 1 || r.left < -1))
              out.push(name + '.' + e.className + ' ' + Math.round(r.left) + '..'
                       + Math.round(r.right) + 'px');
            // text wider than its own box (a long word that does not break)
            else if (getComputedStyle(e).overflowX === 'visible' && !(e instanceof SVGElement)
                     && e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)
              out.push(name + '.' + e.className + ' text ' + e.scrollWidth + '/'
                       + e.clientWidth + 'px');
          }
          return out.slice(0, 8);
        }"""
    )


def test_every_cockpit_page_fits_a_small_phone(browser, portal_url, tmp_path):
    """320 px (WCAG 1.4.10 reflow): no page scrolls sideways; tables scroll inside their
    own box, the process graph too, with the steps as a list below it. On the way: the
    steps carry the procedure's names, figures their units, the alerts agree with the
    figures, hidden headings are hidden."""
    # a manager of the county's leadership of our own (a TOTP code counts once: the demo
    # manager logs in in the other test)
    secret = (
        run_on_portal(
            "from django.contrib.auth.hashers import PBKDF2PasswordHasher\n"
            "from openkreis.core.testing import STAFF_PASSWORD, make_staff\n"
            "user, secret = make_staff('cockpit-phone', 'landrat', 'manager')\n"
            # the served site's hasher (run_on_portal's test settings hash with MD5)
            "user.password = PBKDF2PasswordHasher().encode(STAFF_PASSWORD, 'cockpitphonesalt')\n"
            "user.save(update_fields=['password'])\nprint(secret)"
        )
        .strip()
        .splitlines()[-1]
    )
    context = browser.new_context(viewport=SMALL_PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    login(page, portal_url, "cockpit-phone", secret, STAFF_PASSWORD)
    # an import with a long file name, so that the import list has a row
    upload = tmp_path / "verfahrensexport-fahrerlaubnisbehoerde-2026-11-30-vollstaendig.xes"
    upload.write_bytes(XES)
    page.goto(portal_url + "/cockpit/import/")
    page.set_input_files("input[name=file]", str(upload))
    page.fill("input[name=service]", "jagdschein")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/cockpit/import/\d+/$"))
    detail = page.url
    # the mapping step: where a case starts and ends, with an example case
    expect(page.locator("main")).to_contain_text("Beispiel: Fall A-1")
    page.get_by_role("button", name="Import starten").click()
    expect(page.locator("main")).to_contain_text("Fertig")
    pages = {
        "dashboard": "/cockpit/",
        "dashboard-service": f"/cockpit/?service={SERVICE}",
        "process": f"/cockpit/prozess/{SERVICE}/",
        "alerts": "/cockpit/warnungen/",
        "import": "/cockpit/import/",
        "import-detail": detail.removeprefix(portal_url),
        "help": "/cockpit/hilfe/",
        "transparency": "/cockpit/transparenz/",
        "dashboard-en": "/en/cockpit/",
    }
    for name, path in pages.items():
        page.goto(portal_url + path)
        expect(page.locator("h1")).to_be_visible()
        assert sideways(page) == [], (path, sideways(page))
        screenshot(page, f"cockpit-{name}-320")
        assert axe(page) == [], (path, format_violations(axe(page)))

    # the dashboard: hidden headings are hidden, every tile says its unit, steps are named
    page.goto(portal_url + "/cockpit/")
    hidden = page.locator("h2.visually-hidden").first
    expect(hidden).to_have_text("Kennzahlen")
    assert hidden.evaluate("e => e.getBoundingClientRect().width") <= 1
    expect(page.locator('.tile[data-kpi="received"] .tile-value')).to_contain_text("Fälle")
    expect(page.locator('.tile[data-kpi="median_lead_days"] .tile-value')).to_contain_text("Tage")
    expect(page.locator('.tile[data-kpi="deadline_rate"] .tile-value')).to_contain_text("%")
    steps = page.locator("#chart-steps table tbody th").all_text_contents()
    assert "Wartet auf Unterlagen" in steps and not STATE_KEYS.search(" ".join(steps)), steps
    expect(page.locator("#chart-steps svg .unit")).to_have_text("Stunden")

    # the alerts: the demo's Termintreue over the last 4 weeks is below 80 %, and the page
    # says so (no beat ran: reading the page evaluated the rules)
    page.goto(portal_url + "/cockpit/warnungen/")
    expect(page.locator(".alert-item", has_text="Termintreue unter 80 %")).to_contain_text(
        "letzte 4 Wochen"
    )
    expect(page.get_by_text("Keine aktiven Warnungen")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("tenants/harz/cockpit/alerts.yaml")

    # the process view on a phone: the graph keeps its size in its own scrolling box, the
    # steps are a list below it; every step has the procedure's name
    page.goto(portal_url + f"/cockpit/prozess/{SERVICE}/")
    graph = page.locator(".graph-scroll")
    assert graph.evaluate("e => e.scrollWidth > e.clientWidth")
    assert page.locator(".graph-scroll svg").evaluate("e => e.getBoundingClientRect().width") > 320
    expect(page.locator(".process-steps")).to_be_visible()
    expect(page.locator(".process-table")).to_be_hidden()
    expect(page.locator(".process-steps li").first).to_contain_text("Eingegangen")
    text = page.locator("main").inner_text()
    assert "Wartet auf Unterlagen" in text and not STATE_KEYS.search(text), text
    assert "Stunden" in text or "Tage" in text
    # English under /en/: the procedure's English names
    page.goto(portal_url + f"/en/cockpit/prozess/{SERVICE}/")
    expect(page.locator("main")).to_contain_text("Waiting for documents")
    context.close()
