"""The cockpit's Kita page with the doctor-slot and holiday-room figures in Chromium against
the served portal (gunicorn, production settings, the Harz demo): a manager reads the tables
at 320 px (no sideways scrolling: the tables scroll in their own box) and at 1280 px;
axe-core on the page; screenshots under /tmp/shots_H18/ (or OPENKREIS_SHOTS)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from openkreis.core.testing import STAFF_PASSWORD, fresh_totp_code

from .conftest import DESKTOP, axe, format_violations, run_on_portal

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NARROW = {"width": 320, "height": 720}
SHOTS = Path(os.environ.get("OPENKREIS_SHOTS", "/tmp/shots_H18"))  # noqa: S108

SETUP = """
from django.contrib.auth.hashers import PBKDF2PasswordHasher
import datetime as dt
from django.utils import timezone
from openkreis.core import event_kinds
from openkreis.core.models import Region
from openkreis.core.services import record_event
from openkreis.core.testing import STAFF_PASSWORD, make_staff
user, secret = make_staff('kita-slots', 'landrat', 'manager')
user.password = PBKDF2PasswordHasher().encode(STAFF_PASSWORD, 'kitaslotssalt')
user.save(update_fields=['password'])
wr = Region.objects.get(name='Wernigerode', kind='municipality').ars
hbs = Region.objects.get(name='Halberstadt', kind='municipality').ars
# one day long past that no other test writes to: the figures are only this test's events
day = timezone.now() - dt.timedelta(days=700)
def add(kind, area, n, **data):
    for i in range(n):
        record_event(kind, subject='t', data={'municipality': area, **data}, occurred_at=day)
add(event_kinds.SLOT_PUBLISHED, wr, 2, count=10, source='ical')
add(event_kinds.SLOT_PUBLISHED, hbs, 1, count=4, source='manual')
add(event_kinds.SLOT_BOOKED, wr, 7, minutes=15, days_ahead=3.5)
add(event_kinds.SLOT_BOOKED, hbs, 2, minutes=15, days_ahead=1.0)
add(event_kinds.SLOT_CANCELLED, wr, 5, by='resident', days_ahead=1.0)
add(event_kinds.SLOT_EXPIRED, wr, 3, minutes=15)
add(event_kinds.ROOM_REQUESTED, wr, 6, persons=2, nights=4, days_ahead=20)
print(timezone.localdate(day).isoformat())
print(secret)
"""


def test_a_manager_reads_doctor_slots_and_room_requests(browser, portal_url):  # noqa: F811
    day, secret = run_on_portal(SETUP).strip().splitlines()[-2:]
    context = browser.new_context(viewport=NARROW, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    page.goto(portal_url + "/cockpit/kita/")
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", "kita-slots")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.locator("input[name=code]").fill(fresh_totp_code(secret))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/cockpit/kita/"))
    page.goto(f"{portal_url}/cockpit/kita/?von={day}&bis={day}")
    expect(page.locator("#arzttermine")).to_be_visible()
    expect(page.locator("#ferienzimmer")).to_be_visible()
    # the county row: published 24, passed unbooked 3, booked 9, cancelled 5, median 3.5
    county = page.locator("[aria-labelledby=arzttermine] tbody tr").first
    expect(county.locator("td")).to_have_text(["24", "3", "9", "5", re.compile(r"3[,.]5")])
    # Halberstadt's 2 bookings are hidden, and so Wernigerode's 7 (the total gives them away)
    hidden = page.locator("[aria-labelledby=arzttermine] tbody tr").filter(has_text="Halberstadt")
    expect(hidden.locator("td").nth(2)).to_have_text("*")
    rooms = page.locator("[aria-labelledby=ferienzimmer] tbody tr").first
    expect(rooms.locator("td")).to_have_text(["6", "12", "4", "20"])
    for viewport, name in ((NARROW, "320"), (DESKTOP, "1280")):
        page.set_viewport_size(viewport)
        sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert sideways <= 0, f"{sideways} px horizontal scrolling at {name} px"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"cockpit-kita-{name}.png"), full_page=True)
        violations = axe(page)
        assert violations == [], format_violations(violations)
    context.close()
