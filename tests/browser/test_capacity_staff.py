"""The Kapazitätsfinder's staff side (/kita/verwaltung/) in a real browser: a Kita's own staff
member logs in with password and TOTP, reports free places and sees the offers for the Kita;
the municipality's coordination sees the applications naming its Kitas, pseudonymised; the
county's coordination makes an offer outside a round (with a reason) and runs a round. axe-core
and no sideways scrolling at 390 and 320 px on every page; screenshots at 390 and 1280 px
into /tmp/h18b/ (or OPENKREIS_SHOTS)."""

import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from openkreis.capacity.demo import DEMO_KITA, DEMO_PASSWORD, DEMO_STAFF
from openkreis.core.testing import fresh_totp_code

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(os.environ.get("OPENKREIS_SHOTS", "/tmp/h18b"))  # noqa: S108 - review folder
NARROW = {"width": 320, "height": 720}
SECRETS = {username: secret for username, _unit, _role, secret, _text in DEMO_STAFF}

SETUP = """
import json
from django.contrib.auth import get_user_model
from django.utils import timezone
from openkreis.capacity import services
from openkreis.capacity.models import Child, FreePlaces, Kita, KitaGroup
from openkreis.core.models import Region
User = get_user_model()
start = services.add_months(services.first_of_month(timezone.localdate()), 3)
kita = Kita.objects.get(key={kita!r})
group = KitaGroup.objects.get(kita=kita, age_group='krippe')
FreePlaces.objects.filter(group__kita=kita).delete()
parent, _ = User.objects.get_or_create(username='kita-staff-parent',
    defaults={{'email': 'kita-staff-parent@example.org'}})
town = kita.municipality
numbers = {{}}
for name in ('Mia', 'Leo'):
    child = Child.objects.create(parent=parent, first_name=name,
        birth_date=services.add_months(start, -14), municipality=town)
    app = services.apply(child, start_month=start, hours=8, kitas=[kita])
    numbers[name] = f'K-{{app.pk:06d}}'
print(json.dumps({{'start': start.strftime('%Y-%m'), 'month': start.strftime('%m/%Y'),
    'kita': kita.name, 'town': town.name, 'krippe': group.get_age_group_display(),
    'numbers': numbers}}))
"""


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sideways(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def check(page, name: str, prefix: str = "capacity-staff") -> None:
    """axe-core and no sideways scrolling at the page's width (390 px) and at 320 px,
    screenshots at 390 and 1280 px."""
    expect(page.locator("h1")).to_be_visible()
    assert sideways(page) <= 0, f"{name}: {sideways(page)} px sideways at 390 px"
    shot(page, f"{prefix}-{name}-390")
    violations = axe(page)
    assert violations == [], name + "\n" + format_violations(violations)
    for viewport, label in ((NARROW, "320"), (DESKTOP, "1280")):
        page.set_viewport_size(viewport)
        expect(page.locator("h1")).to_be_visible()
        if label == "320":
            assert sideways(page) <= 0, f"{name}: {sideways(page)} px sideways at 320 px"
        else:
            shot(page, f"{prefix}-{name}-1280")
    page.set_viewport_size(PHONE)


def login(browser, base: str, username: str):
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    page.goto(base + "/kita/verwaltung/")
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/konto/2fa/authenticate/"))
    page.fill("input[name=code]", fresh_totp_code(SECRETS[username]))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/kita/verwaltung/$"))
    return context, page


def test_kita_staff_municipality_and_county_at_phone_width(browser, portal_url):
    facts = json.loads(run_on_portal(SETUP.format(kita=DEMO_KITA)).strip().splitlines()[-1])
    mia, leo = facts["numbers"]["Mia"], facts["numbers"]["Leo"]

    # 1. the Kita's own staff: its Kita only, reports two free places for the start month
    context, page = login(browser, portal_url, "kita-kunterbunt")
    expect(page.locator("h1")).to_have_text("Kita-Plätze")
    expect(page.locator("main table")).to_contain_text(facts["kita"])
    expect(page.get_by_role("link", name="Anträge")).to_have_count(0)
    check(page, "kita-home")
    page.get_by_role("link", name=facts["kita"]).click()
    expect(page.locator("h1")).to_have_text(facts["kita"])
    check(page, "kita-page")
    page.get_by_label("Altersgruppe").select_option(label=facts["krippe"])
    page.get_by_label("Frei ab (Startmonat)").select_option(facts["start"])
    page.get_by_label("Freie Plätze", exact=True).fill("-1")
    page.get_by_role("button", name="Freie Plätze speichern").click()
    expect(page.locator(".error-summary")).to_be_visible()  # refused with the message: 400
    check(page, "kita-report-error")
    page.get_by_label("Freie Plätze", exact=True).fill("2")
    page.get_by_role("button", name="Freie Plätze speichern").click()
    expect(page.locator(".banner").first).to_contain_text("Die freien Plätze sind gespeichert.")
    free_row = page.locator("table[aria-labelledby=free-title] tbody tr").first
    expect(free_row).to_contain_text(facts["month"])
    expect(free_row).to_contain_text("2")
    check(page, "kita-reported")
    # not the coordination's pages
    response = page.goto(portal_url + "/kita/verwaltung/antraege/")
    assert response.status == 403

    # 2. the municipality's coordination: the applications naming its Kitas, pseudonymised
    context_m, town = login(browser, portal_url, "kita-wernigerode")
    town.get_by_role("link", name="Anträge").click()
    expect(town.locator("h1")).to_be_visible()
    town.goto(portal_url + f"/kita/verwaltung/antraege/?kita={DEMO_KITA}")
    expect(town.locator("main")).to_contain_text(mia)
    expect(town.locator("main")).to_contain_text(leo)
    expect(town.locator("main")).not_to_contain_text("Mia")  # no names for the municipality
    check(town, "municipality-applications")
    context_m.close()

    # 3. the county: an offer outside the round for Mia (with a reason), a round for Leo
    context_c, county = login(browser, portal_url, "kita-landkreis")
    county.get_by_role("link", name="Warteliste anzeigen").click()
    expect(county.locator("h1")).to_be_visible()
    check(county, "county-waiting")
    county.get_by_role("link", name=mia).click()
    expect(county.locator("h1")).to_contain_text(mia)
    county.get_by_label("Kita und Altersgruppe").select_option(
        label=f"{facts['kita']} ({facts['town']}) – {facts['krippe']}"
    )
    county.locator("#id_month").select_option(facts["start"])
    county.locator("#id_reason").fill("zu kurz")
    county.get_by_role("button", name="Angebot machen").click()
    expect(county.locator(".error-summary")).to_be_visible()  # a reason of 20 characters
    check(county, "county-override-error")
    county.locator("#id_reason").fill("Härtefall nach Rücksprache mit dem Jugendamt")
    county.get_by_role("button", name="Angebot machen").click()
    expect(county.locator(".banner").first).to_contain_text("Das Angebot ist gemacht")
    expect(county.locator("main table")).to_contain_text("Härtefall nach Rücksprache")
    check(county, "county-application")
    county.get_by_role("link", name="Vergaberunden").click()
    check(county, "county-rounds")
    county.get_by_role("button", name="Runde jetzt durchführen").click()
    expect(county.locator(".banner").first).to_contain_text("Die Runde ist durchgeführt.")
    expect(county.locator("main")).to_contain_text(facts["kita"])
    check(county, "county-round")
    context_c.close()

    # 4. back at the Kita: both open offers, by first name
    page.goto(portal_url + f"/kita/verwaltung/kita/{DEMO_KITA}/")
    offers = page.locator("table[aria-labelledby=offers-title] tbody")
    expect(offers).to_contain_text("Mia")
    expect(offers).to_contain_text("Leo")
    check(page, "kita-offers")
    context.close()
