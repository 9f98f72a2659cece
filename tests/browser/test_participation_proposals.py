"""A proposal's journey in Chromium against the served portal (gunicorn, production settings,
the Harz demo): the demo citizen submits a proposal at 320 px (errors first), the moderator
(password + TOTP) publishes it from the queue, another citizen supports it. axe-core on
every page, no horizontal scrolling at 320 px, screenshots at 320 and 1280 px under
/tmp/shots_P4/ (or OPENKREIS_SHOTS)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from openkreis.accounts import demo as accounts_demo
from openkreis.core.testing import fresh_totp_code
from openkreis.participation import proposals_demo

from .conftest import DESKTOP, axe, format_violations, run_on_portal

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NARROW = {"width": 320, "height": 720}
SHOTS = Path(os.environ.get("OPENKREIS_SHOTS", "/tmp/shots_P4"))  # noqa: S108 - screenshots only
OTHER, OTHER_PASSWORD = "vorschlag-fan", "Vorschlag-Fan-Demo-2026!"  # noqa: S105 - test account
TITLE = "Trinkbrunnen am Bahnhof Wernigerode"

SETUP = """
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
User = get_user_model()
if not User.objects.filter(username={name!r}).exists():
    user = User.objects.create_user({name!r}, 'vorschlag-fan@example.org')
    # the served portal (production settings) has no MD5 hasher: PBKDF2 as it would store it
    user.password = PBKDF2PasswordHasher().encode({password!r}, 'fansalt')
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
print('ok')
"""


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def check(page, name: str, desktop=None) -> None:
    """No horizontal scrolling at 320 px, no axe violations; screenshots at 320 and 1280."""
    expect(page.locator("h1")).to_be_visible()
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name}: {wide} px horizontal scrolling at 320 px"
    shot(page, f"proposals-{name}-320")
    violations = axe(page)
    assert violations == [], format_violations(violations)
    if desktop is not None:
        desktop.goto(page.url)
        expect(desktop.locator("h1")).to_be_visible()
        shot(desktop, f"proposals-{name}-1280")


def login(page, base: str, next_url: str, username: str, password: str, secret: str = ""):
    page.goto(f"{base}/konto/login/?next={next_url}")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").first.click()
    if secret:
        page.locator("input[name=code]").fill(fresh_totp_code(secret))
        page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


def test_submit_publish_support_at_320_px(browser, portal_url):
    run_on_portal(SETUP.format(name=OTHER, password=OTHER_PASSWORD))

    def context(viewport):
        return browser.new_context(viewport=viewport, locale="de-DE", bypass_csp=True)

    # the demo citizen submits (errors first)
    phone, wide = context(NARROW), context(DESKTOP)
    page, desktop = phone.new_page(), wide.new_page()
    new = "/beteiligung/vorschlaege/neu/"
    login(page, portal_url, new, accounts_demo.USERNAME, accounts_demo.PASSWORD)
    login(desktop, portal_url, new, accounts_demo.USERNAME, accounts_demo.PASSWORD)
    expect(page.locator("h1")).to_have_text("Vorschlag machen")
    check(page, "form", desktop)
    page.get_by_role("button", name="Vorschlag senden").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Bitte geben Sie Ihrem Vorschlag einen Titel.")
    check(page, "form-errors")
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_title")).to_be_focused()
    page.get_by_label("Titel").fill(TITLE)
    page.get_by_label("Ihr Vorschlag").fill(
        "Am Bahnhof gibt es kein Trinkwasser. Ein Brunnen hilft Reisenden und Wanderern."
    )
    page.get_by_label("Gemeinde").select_option(label="Wernigerode")
    page.get_by_label("Meinen Namen beim Vorschlag zeigen").check()
    page.get_by_role("button", name="Vorschlag senden").click()
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(".banner-warning")).to_contain_text("wartet auf die Moderation")
    check(page, "pending", desktop)
    # (the browser keeps the error link's #fragment through the redirect)
    public_id = re.search(r"/vorschlaege/(V-[A-Z0-9]{8})/", page.url).group(1)
    page.goto(portal_url + "/beteiligung/vorschlaege/meine/")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    check(page, "mine", desktop)
    # the list shows it only once it is published
    page.goto(portal_url + "/beteiligung/vorschlaege/")
    expect(page.get_by_role("link", name="Bänke am Wanderweg zum Hexentanzplatz")).to_be_visible()
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)
    check(page, "list", desktop)
    phone.close()
    wide.close()

    # the moderator publishes it from the queue
    phone, wide = context(NARROW), context(DESKTOP)
    page, desktop = phone.new_page(), wide.new_page()
    home = "/beteiligung/moderation/"
    login(
        page,
        portal_url,
        home,
        proposals_demo.MODERATOR,
        proposals_demo.MODERATOR_PASSWORD,
        proposals_demo.MODERATOR_SECRET,
    )
    check(page, "moderation-home")
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator("h1")).to_have_text(TITLE)
    check(page, "moderation-proposal")
    page.get_by_role("button", name="Veröffentlichen").click()
    expect(page.locator(".banners")).to_contain_text("Der Vorschlag ist veröffentlicht")
    check(page, "moderation-published")
    phone.close()
    wide.close()

    # another citizen supports it; the second click is impossible, withdrawing is offered
    phone = context(NARROW)
    page = phone.new_page()
    detail = f"/beteiligung/vorschlaege/{public_id}/"
    login(page, portal_url, detail, OTHER, OTHER_PASSWORD)
    expect(page.locator("#supporters")).to_have_text("0")
    page.get_by_role("button", name="Diesen Vorschlag unterstützen").click()
    expect(page.locator(".banners")).to_contain_text("Vielen Dank für Ihre Unterstützung.")
    expect(page.locator("#supporters")).to_have_text("1")
    expect(page.get_by_role("button", name="Unterstützung zurückziehen")).to_be_visible()
    check(page, "supported")
    page.get_by_label("Ihr Kommentar").fill("Gute Idee, im Sommer dringend nötig.")
    page.get_by_role("button", name="Kommentar veröffentlichen").click()
    expect(page.locator(".comment-list")).to_contain_text("im Sommer dringend nötig")
    check(page, "commented")
    phone.close()
    counts = run_on_portal(
        "import json; from openkreis.participation.models_proposals import Proposal; "
        f"p = Proposal.objects.get(public_id={public_id!r}); "
        "print(json.dumps([p.supporters_count, p.supports.count(), p.moderation]))"
    )
    assert json.loads(counts.strip().splitlines()[-1]) == [1, 1, "published"]
