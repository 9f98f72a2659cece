"""The Eltern-Portal at 320 px: a parent adds a child, applies with two ranked wishes, a round
is run (services.run_round against the served database), the parent reads the offer with the
explanation of the better wish and accepts it. axe-core on every page, no horizontal
scrolling; screenshots at 320 and 1280 px into test-results/screenshots/."""

import json
import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, axe, format_violations, run_on_portal, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NARROW = {"width": 320, "height": 720}
PARENT, PASSWORD = "kita-eltern", "Kita-Eltern-Demo-2026!"  # noqa: S105 - a test account

SETUP = """
import json
from django.contrib.auth import get_user_model
from django.utils import timezone
from openkreis.capacity import services
from openkreis.capacity.models import FreePlaces, Kita, KitaGroup
User = get_user_model()
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import PBKDF2PasswordHasher
if not User.objects.filter(username={parent!r}).exists():
    user = User.objects.create_user({parent!r}, 'kita-eltern@example.org')
    # the served portal (production settings) has no MD5 hasher: PBKDF2 as it would store it
    user.password = PBKDF2PasswordHasher().encode({password!r}, 'kitasalt')
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
start = services.add_months(services.first_of_month(timezone.localdate()), 2)
a, b = [k for k in Kita.objects.filter(active=True, groups__age_group='krippe',
        municipality__name='Wernigerode').order_by('key')][:2]
for kita, free in ((a, 0), (b, 40)):
    FreePlaces.objects.update_or_create(
        group=KitaGroup.objects.get(kita=kita, age_group='krippe'), month=start,
        defaults={{'free': free}})
print(json.dumps({{'a': a.name, 'b': b.name, 'start': start.strftime('%Y-%m'),
    'born': services.add_months(start, -14).isoformat(), 'a_pk': a.pk, 'b_pk': b.pk}}))
"""

ROUND = "from openkreis.capacity import services; print(services.run_round(seed=2026).pk)"


def check(page, name: str, desktop) -> None:
    """No horizontal scrolling at 320 px, no axe violations, screenshots at 320 and 1280."""
    expect(page.locator("h1")).to_be_visible()
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name}: {wide} px horizontal scrolling at 320 px"
    screenshot(page, f"capacity-parents-{name}-320")
    violations = axe(page)
    assert violations == [], format_violations(violations)
    desktop.goto(page.url)
    expect(desktop.locator("h1")).to_be_visible()
    screenshot(desktop, f"capacity-parents-{name}-1280")


def login(page, base: str) -> None:
    page.goto(base + "/kita/meine/")
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", PARENT)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/kita/meine/$"))


def test_parent_applies_and_accepts_at_320_px(browser, portal_url):
    facts = json.loads(
        run_on_portal(SETUP.format(parent=PARENT, password=PASSWORD)).strip().splitlines()[-1]
    )
    context = browser.new_context(viewport=NARROW, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    wide_context = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True)
    desktop = wide_context.new_page()
    login(page, portal_url)
    login(desktop, portal_url)
    expect(page.locator("h1")).to_have_text("Meine Kita-Anmeldungen")
    check(page, "home-empty", desktop)

    page.get_by_role("link", name="Kind hinzufügen").click()
    expect(page.locator("h1")).to_have_text("Kind hinzufügen")
    check(page, "child-new", desktop)
    page.get_by_role("button", name="Speichern").click()  # empty: the errors are named
    expect(page.locator(".error-summary")).to_be_visible()
    check(page, "child-errors", desktop)
    page.locator("#id_first_name").fill("Mia")
    page.locator("#id_birth_date").fill(facts["born"])
    page.locator("#id_municipality").select_option(label="Wernigerode")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("h1")).to_have_text("Meine Kita-Anmeldungen")
    expect(page.locator("main")).to_contain_text("Noch keine Anmeldung")

    page.get_by_role("link", name="Mia anmelden").click()
    expect(page.locator("h1")).to_have_text("Kita-Platz für Mia beantragen")
    check(page, "apply", desktop)
    page.locator("#id_start").select_option(facts["start"])
    page.locator("#id_hours").fill("8")
    page.get_by_label("1. Wunsch").select_option(str(facts["a_pk"]))
    page.get_by_label("2. Wunsch").select_option(str(facts["b_pk"]))
    page.get_by_label("Die Eltern arbeiten, machen eine Ausbildung oder studieren").check()
    page.get_by_role("button", name="Anmeldung absenden").click()
    expect(page.locator("h1")).to_have_text("Meine Kita-Anmeldungen")
    expect(page.locator("main")).to_contain_text("wartet auf die nächste Vergaberunde")
    check(page, "home-applied", desktop)

    run_on_portal(ROUND)
    page.reload()
    offer_link = page.get_by_role("link", name=f"Mia: Platz in der {facts['b']}")
    expect(offer_link).to_be_visible()
    check(page, "home-offer", desktop)
    offer_link.click()
    expect(page.locator("h1")).to_have_text("Ein Kita-Platz für Mia")
    expect(page.locator(".reasons")).to_contain_text(
        f"Ihr 1. Wunsch ({facts['a']}): Diese Kita hatte in dieser Runde keinen freien Platz"
    )
    check(page, "offer", desktop)
    page.get_by_role("link", name="Ablehnen").click()
    expect(page.locator("h1")).to_contain_text("ablehnen?")
    check(page, "decline", desktop)
    page.get_by_role("link", name="Zurück zum Angebot").click()
    page.get_by_role("button", name="Annehmen").click()
    expect(page.locator(".banner").first).to_contain_text("Sie haben den Platz angenommen")
    expect(page.locator("main")).to_contain_text("Angenommen")
    expect(page.get_by_role("button", name="Annehmen")).to_have_count(0)
    check(page, "offer-accepted", desktop)

    page.get_by_role("link", name="Zurück zu meinen Kita-Anmeldungen").click()
    expect(page.locator("main")).to_contain_text(f"Platz angenommen: {facts['b']}")
    page.get_by_role("button", name="Benachrichtigen").click()
    expect(page.get_by_role("button", name=re.compile("Abschalten"))).to_be_visible()
    check(page, "home-placed", desktop)

    page.goto(portal_url + "/kita/freie-plaetze/")
    expect(page.get_by_role("link", name="Ihr Kind anmelden (Eltern-Portal)")).to_be_visible()
    page.goto(portal_url + "/mein-konto/")
    expect(page.get_by_role("link", name="Kita-Anmeldungen")).to_be_visible()
    context.close()
    wide_context.close()
