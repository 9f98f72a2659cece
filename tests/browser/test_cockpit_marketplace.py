"""The cockpit's Einkaufen im Harz page in Chromium against the served portal (gunicorn,
production settings, the Harz demo): a manager reads searches per week, the searches
without result (only those made at least k times), shop views, reservations and loyalty
points of a period long past that only this test writes to, at 390 px (the tables scroll in
their own box, nothing sideways) and at 1280 px; axe-core on the page at both widths;
screenshots into test-results/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from openkreis.core.testing import STAFF_PASSWORD, fresh_totp_code

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

START, END = "2018-03-05", "2018-03-18"  # two weeks (Mondays 5 and 12 March) only this test uses

SETUP = """
import datetime as dt
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone
from openkreis.core import event_kinds
from openkreis.core.models import Region
from openkreis.core.services import record_event
from openkreis.core.testing import STAFF_PASSWORD, make_staff
from openkreis.marketplace.models import MissedSearch
user, secret = make_staff('m6-cockpit', 'landrat', 'manager')
user.password = PBKDF2PasswordHasher().encode(STAFF_PASSWORD, 'm6cockpitsalt')
user.save(update_fields=['password'])
wr = Region.objects.get(name='Wernigerode', kind='municipality').ars
tz = timezone.get_default_timezone()
def add(kind, day, n, **data):
    at = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(11), tz)
    for i in range(n):
        record_event(kind, data=data, occurred_at=at)
s = dict(near=False, open_now=False, click_collect=False)
add(event_kinds.MARKET_SEARCHED, '2018-03-05', 15, results=3, shops=2, **s)
add(event_kinds.MARKET_SEARCHED, '2018-03-06', 5, results=0, shops=0, **s)
add(event_kinds.MARKET_SEARCHED, '2018-03-13', 10, results=1, shops=1, **s)
v = event_kinds.MARKET_SHOP_VIEWED
add(v, '2018-03-05', 12, shop='m6', category='m6-mode', municipality=wr, via='web')
add(v, '2018-03-06', 6, shop='m6', category='m6-mode', municipality=wr, via='qr')
r = event_kinds.MARKET_RESERVATION
for status, n in (('requested', 9), ('confirmed', 8), ('collected', 6), ('expired', 2)):
    add(r, '2018-03-07', n, shop='m6', status=status, items=1, municipality=wr)
add(event_kinds.MARKET_POINTS_EARNED, '2018-03-08', 7, shop='m6', points=30, municipality=wr)
for query, day, count in (('m6-lastenrad', '2018-03-05', 4), ('m6-lastenrad', '2018-03-12', 3),
                          ('m6-selten', '2018-03-12', 2)):
    MissedSearch.objects.update_or_create(query=query, day=day, defaults={'count': count})
print(secret)
"""


def test_a_manager_reads_the_marketplace_figures(browser, portal_url):
    secret = run_on_portal(SETUP).strip().splitlines()[-1]
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    page.goto(portal_url + "/cockpit/einkaufen/")
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", "m6-cockpit")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.locator("input[name=code]").fill(fresh_totp_code(secret))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/cockpit/einkaufen/"))
    # the period through the form, as a manager would choose it
    page.locator("#id_von").fill(START)
    page.locator("#id_bis").fill(END)
    page.locator("form.cockpit-filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"von=2018-03-05"))
    expect(page.locator("nav.cockpit-nav a[aria-current=page]")).to_have_attribute(
        "href", "/cockpit/einkaufen/"
    )

    # searches: the period 25 + 5 = 30, 16,7 % without result; week 1: 20 and 25,0 %
    searches = page.locator("[aria-labelledby=suchen] tbody tr")
    expect(searches.first.locator("td")).to_have_text(["25", "5", "30", "16,7 %"])
    expect(searches.nth(1).locator("td")).to_have_text(["15", "5", "20", "25,0 %"])
    # the words: m6-lastenrad 7 times, m6-selten (2) is not shown
    missed = page.locator("[aria-labelledby=nicht-gefunden] tbody tr")
    expect(missed.filter(has_text="m6-lastenrad").locator("td")).to_have_text(["7"])
    expect(page.locator("main")).not_to_contain_text("m6-selten")
    # shop views: 12 on the web, 6 via the code, 33,3 %
    mode = page.locator("[aria-labelledby=geschaefte] tbody tr").filter(has_text="m6-mode")
    expect(mode.locator("td")).to_have_text(["12", "6", "18", "33,3 %"])
    # reservations: the 2 expired are hidden, and with them the collection rate
    week = page.locator("[aria-labelledby=reservierungen] tbody tr").nth(1)
    expect(week.locator("td")).to_have_text(["9", "8", "6", "0", "0", "*", "*"])
    months = page.locator("[aria-labelledby=bonuspunkte] tbody tr")
    expect(months.first.locator("td")).to_have_text(["7", "210", "0", "0"])
    # charts of searches and words; no collection-rate chart: its only value is hidden
    expect(page.locator("svg.chart")).to_have_count(2)

    for viewport, name in ((PHONE, "390"), (DESKTOP, "1280")):
        page.set_viewport_size(viewport)
        sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert sideways <= 0, f"{sideways} px horizontal scrolling at {name} px"
        screenshot(page, f"cockpit-marketplace-{name}")
        violations = axe(page)
        assert violations == [], format_violations(violations)
    context.close()
