"""Company membership by invitation (issue 16 F3) in the browser: an administrator invites
an address, the invitee gets the link by e-mail (real SMTP sink), opens it logged in and
accepts. The inviter sees no name before that. axe-core on every page; screenshots at 390
and 1280 px (test-results/screenshots/company-*)."""

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, screenshot
from .test_forms_journey import assert_accessible, login, make_citizen

pytestmark = [pytest.mark.browser]

SHOTS = Path("/tmp/shots15/h7")  # noqa: S108 - where the lead collects screenshots


def _shot(page, name: str) -> None:
    path = screenshot(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def test_invite_accept_and_join_a_company(browser, portal_url, mail_sink):
    sink, _port = mail_sink
    make_citizen("firmenchefin", "chefin@example.org")
    make_citizen("firmenbuero", "buero@example.org")

    boss = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True).new_page()
    login(boss, portal_url, "firmenchefin")
    boss.goto(portal_url + "/mein-konto/firmen/")
    boss.get_by_label("Name des Unternehmens").fill("Harzer Holz GmbH")
    boss.get_by_role("button", name="Unternehmenskonto anlegen").click()
    expect(boss.locator("h1")).to_have_text("Harzer Holz GmbH")
    before = len(sink.messages)
    boss.get_by_label("E-Mail-Adresse der Person, die Sie einladen").fill("buero@example.org")
    boss.get_by_role("button", name="Einladung senden").click()
    expect(boss.locator("main")).to_contain_text("Die Einladung wurde an diese Adresse geschickt")
    expect(boss.locator("main")).to_contain_text("buero@example.org")
    # the invitee is not listed (no name) before they accept: the boss is the only member
    rows = boss.locator("table.members tbody tr")
    expect(rows).to_have_count(1)
    _shot(boss, "company-invited-390")
    assert_accessible(boss)

    message = sink.wait_for("buero@example.org", after=before)
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/mein-konto/firmen/einladung/\S+/", body).group(0)

    clerk = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True).new_page()
    login(clerk, portal_url, "firmenbuero")
    clerk.goto(link)
    expect(clerk.locator("h1")).to_have_text("Für Harzer Holz GmbH handeln?")
    _shot(clerk, "company-invitation-390")
    assert_accessible(clerk)
    clerk.set_viewport_size(DESKTOP)
    _shot(clerk, "company-invitation-1280")
    clerk.get_by_role("button", name="Einladung annehmen").click()
    expect(clerk.locator("h1")).to_have_text("Harzer Holz GmbH")
    expect(clerk.locator("main")).to_contain_text("Sie handeln jetzt für Harzer Holz GmbH")
    _shot(clerk, "company-member-1280")
    assert_accessible(clerk)

    boss.set_viewport_size(DESKTOP)
    boss.reload()
    expect(rows).to_have_count(2)
    _shot(boss, "company-members-1280")
