"""Doctor slots and holiday rooms (/freie-termine/) in a real browser at phone width: a resident
finds a free slot, books it, downloads the .ics file and gets the confirmation mail; the
practice's manager sees the booking, publishes a slot and imports a calendar; a guest finds a
holiday room and sends the request. axe-core and no sideways scrolling at 390 and 320 px on
every page; screenshots at 390 and 1280 px into /tmp/h18b/ (or OPENKREIS_SHOTS)."""

import datetime as dt
import json
import re

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, run_on_portal
from .test_capacity_staff import check as staff_check

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MANAGER, PASSWORD = "praxis-brocken", "Praxis-Brocken-Demo-2026!"  # noqa: S105 - test account
PRACTICE = "wr-hausarzt-brocken"

SETUP = """
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from allauth.account.models import EmailAddress
from openkreis.capacity.models import Practice
User = get_user_model()
user, made = User.objects.get_or_create(username={manager!r},
    defaults={{'email': 'praxis-brocken-team@example.org'}})
if made:
    # the served portal (production settings) has no MD5 hasher: PBKDF2 as it would store it
    user.password = PBKDF2PasswordHasher().encode({password!r}, 'praxissalt')
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
practice = Practice.objects.get(key={practice!r})
practice.managers.add(user)
print(json.dumps({{'practice': practice.name, 'town': practice.municipality.name}}))
"""

CALENDAR = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//praxis//DE
BEGIN:VEVENT
UID:frei-1@test
DTSTART;TZID=Europe/Berlin:{day}T151500
DTEND;TZID=Europe/Berlin:{day}T153000
SUMMARY:frei
TRANSP:TRANSPARENT
END:VEVENT
END:VCALENDAR
"""


def check(page, name: str) -> None:
    staff_check(page, name, prefix="capacity-providers")


def test_resident_books_a_slot_and_the_practice_manages_it(
    browser, portal_url, mail_sink, tmp_path
):
    sink, _port = mail_sink
    facts = json.loads(
        run_on_portal(SETUP.format(manager=MANAGER, password=PASSWORD, practice=PRACTICE))
        .strip()
        .splitlines()[-1]
    )
    context = browser.new_context(
        viewport=PHONE, locale="de-DE", bypass_csp=True, accept_downloads=True
    )
    page = context.new_page()
    page.goto(portal_url + "/freie-termine/")
    expect(page.locator("h1")).to_have_text("Freie Termine und Zimmer")
    check(page, "index")
    page.get_by_role("link", name="Freie Arzttermine").click()
    expect(page.locator("h1")).to_have_text("Freie Arzttermine")
    check(page, "slots")
    page.get_by_label("Fachrichtung").select_option("allgemeinmedizin")
    page.get_by_label("Gemeinde").select_option(label=facts["town"])
    page.get_by_role("button", name="Suchen").click()
    expect(page.locator("#results")).to_contain_text("freie")
    check(page, "slots-found")
    first = page.locator(".kita-list li").first
    expect(first).to_contain_text(facts["practice"])
    first.get_by_role("link", name=re.compile("Diesen Termin buchen")).click()
    expect(page.locator("h1")).to_have_text("Termin buchen")
    check(page, "book")
    page.get_by_role("button", name="Jetzt buchen").click()  # empty: the errors are named
    expect(page.locator(".error-summary")).to_be_visible()
    check(page, "book-errors")
    page.get_by_label("Ihr Name").fill("Erika Mustermann")
    page.get_by_label("Ihre E-Mail-Adresse").fill("erika.termin@example.org")
    page.get_by_role("button", name="Jetzt buchen").click()
    expect(page.locator("h1")).to_have_text("Ihr Termin")
    expect(page.locator("main")).to_contain_text(facts["practice"])
    check(page, "booking")

    # the .ics download and the confirmation mail with the same calendar file
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile(r"\.ics")).click()
    download = info.value
    assert download.suggested_filename == "termin.ics"
    ics = open(download.path(), encoding="utf-8").read()  # noqa: PTH123, SIM115
    assert "BEGIN:VCALENDAR" in ics and "BEGIN:VEVENT" in ics and facts["practice"] in ics
    assert "Erika" not in ics
    message = sink.wait_for("erika.termin@example.org")
    attachments = [part.get_filename() for part in message.iter_attachments()]
    assert attachments == ["termin.ics"]
    code = page.locator("dl.provider-facts").inner_text().split("Buchungsnummer")[1].split()[0]

    # the practice's manager: sees the booking, publishes a slot, imports a calendar
    manager = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True).new_page()
    manager.goto(portal_url + "/freie-termine/verwalten/")
    expect(manager).to_have_url(re.compile(r"/konto/login/"))
    manager.fill("input[name=login]", MANAGER)
    manager.fill("input[name=password]", PASSWORD)
    manager.locator("main form button[type=submit]").first.click()
    expect(manager.locator("h1")).to_have_text("Ihre Einträge verwalten")
    check(manager, "mine")
    manager.get_by_role("link", name=facts["practice"]).click()
    expect(manager.locator("h1")).to_have_text(facts["practice"])
    expect(manager.locator("main")).to_contain_text(code)
    expect(manager.locator("main")).to_contain_text("Erika Mustermann")
    check(manager, "practice")
    day = dt.date.today() + dt.timedelta(days=9)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    manager.locator("#id_slot-day").fill(day.isoformat())
    manager.get_by_label("Uhrzeit").fill("16:40")
    manager.locator("#id_slot-minutes").fill("20")
    manager.get_by_role("button", name="Eintragen").click()
    expect(manager.locator(".banner").first).to_be_visible()
    expect(manager.locator("main")).to_contain_text("16:40")
    upload = tmp_path / "praxis.ics"
    upload.write_text(CALENDAR.format(day=day.strftime("%Y%m%d")), encoding="utf-8")
    manager.get_by_label("Kalender-Datei (.ics)").set_input_files(str(upload))
    manager.locator("button[type=submit]", has_text="Import").click()
    expect(manager.locator(".banner").first).to_contain_text("1")
    expect(manager.locator("main")).to_contain_text("15:15")
    check(manager, "practice-published")
    manager.get_by_role("button", name=re.compile("Buchung absagen")).first.click()
    expect(manager.locator(".banner").first).to_be_visible()
    expect(manager.locator("main")).not_to_contain_text("Erika Mustermann")
    manager.context.close()

    # the resident's page shows the cancellation; the calendar file is gone with the booking
    page.reload()
    expect(page.locator("main")).to_contain_text("Abgesagt")
    expect(page.get_by_role("link", name=re.compile(r"\.ics"))).to_have_count(0)
    check(page, "booking-cancelled")
    context.close()


def test_a_guest_finds_a_room_and_sends_a_request(browser, portal_url, mail_sink):
    sink, _port = mail_sink
    page = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True).new_page()
    page.goto(portal_url + "/freie-termine/ferienzimmer/")
    expect(page.locator("h1")).to_be_visible()
    check(page, "rooms")
    arrival = dt.date.today() + dt.timedelta(days=5)
    page.get_by_label("Anreise").fill(arrival.isoformat())
    page.get_by_label("Abreise").fill((arrival + dt.timedelta(days=2)).isoformat())
    page.get_by_label("Personen").fill("2")
    page.get_by_role("button", name="Suchen").click()
    first = page.locator(".kita-list li").first
    expect(first).to_be_visible()
    check(page, "rooms-found")
    first.get_by_role("link", name=re.compile("Anfrage")).click()
    expect(page.locator("h1")).to_be_visible()
    check(page, "room-request")
    page.get_by_label("Ihr Name").fill("Gast Gustav")
    page.get_by_label("Ihre E-Mail-Adresse").fill("gustav.gast@example.org")
    before = len(sink.messages)
    page.get_by_role("button", name="Anfrage senden").click()
    expect(page.locator("main .notice[role=status]")).to_be_visible()
    check(page, "room-request-sent")
    host_mail = sink.wait_for("@example.org", after=before)
    assert "gustav.gast@example.org" in str(host_mail["Reply-To"])
    page.context.close()
