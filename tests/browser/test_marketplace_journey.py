"""Einkaufen im Harz, click & collect in the browser at 390 px (issue 22): a resident
searches "Wo bekomme ich …?", opens the product, reserves it; the shop's member confirms in
the order list; the resident sees the pickup code (and gets it by mail); the shop types the
code at the pickup desk and hands the item out. axe-core on every page, no sideways
scrolling, screenshots at 390 and 1280 px (test-results/screenshots/marketplace-journey-*)."""

import json
import re
import uuid

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "ein-langes-passwort-2026"
TAG = uuid.uuid4().hex[:6]
CUSTOMER = f"m4-kundin-{TAG}"
SELLER = f"m4-laden-{TAG}"
PRODUCT = f"Wanderstock Brockenblick {TAG}"

SETUP = """
import json
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from openkreis.catalog import fulltext
from openkreis.marketplace.tests.factories import customer, product, shop
users = []
for name in ({customer!r}, {seller!r}):
    user = customer(name)
    # the served portal (production settings) has no MD5 hasher: PBKDF2 as it would store it
    user.password = PBKDF2PasswordHasher().encode({password!r}, 'marktsalz')
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    users.append(user)
store = shop("Outdoor Hahn {tag}", members=[users[1]], opening_hours="Mo-Su 00:00-24:00")
item = product(store, {product!r}, stock=2, price="24.90")
fulltext.index("products", [item.pk])
print(json.dumps({{"shop": store.slug, "product": item.pk, "email": users[0].email}}))
"""


def check(page, desktop, name: str) -> None:
    """axe-core without violations and no sideways scrolling at 390 px; screenshots."""
    expect(page.locator("h1").first).to_be_visible()
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name}: {wide} px sideways scrolling at 390 px"
    screenshot(page, f"marketplace-journey-{name}-390")
    violations = axe(page)
    assert violations == [], f"{name}: {format_violations(violations)}"
    desktop.goto(page.url)
    expect(desktop.locator("h1").first).to_be_visible()
    screenshot(desktop, f"marketplace-journey-{name}-1280")


def login(page, base: str, next_path: str, username: str) -> None:
    page.goto(base + next_path)
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).not_to_have_url(re.compile(r"/konto/login/"))


def test_search_reserve_confirm_pickup(browser, portal_url, mail_sink):
    sink, _port = mail_sink
    facts = json.loads(
        run_on_portal(
            SETUP.format(
                customer=CUSTOMER, seller=SELLER, password=PASSWORD, tag=TAG, product=PRODUCT
            )
        )
        .strip()
        .splitlines()[-1]
    )
    slug = facts["shop"]
    contexts = []

    def context(viewport):
        made = browser.new_context(viewport=viewport, locale="de-DE", bypass_csp=True)
        contexts.append(made)
        return made

    phone_ctx = context(PHONE)
    page, desktop = phone_ctx.new_page(), phone_ctx.new_page()
    desktop.set_viewport_size(DESKTOP)
    shop_ctx = context(PHONE)
    till, till_desktop = shop_ctx.new_page(), shop_ctx.new_page()
    till_desktop.set_viewport_size(DESKTOP)
    try:
        # the resident logs in and searches "Wo bekomme ich …?"
        login(page, portal_url, "/einkaufen/reservierungen/", CUSTOMER)
        page.goto(f"{portal_url}/einkaufen/suche/?q=Wanderstock+{TAG}")
        hit = page.locator(f"a[href$='/artikel/{facts['product']}/']").first
        expect(hit).to_be_visible()
        check(page, desktop, "search")
        hit.click()
        expect(page.locator("h1")).to_contain_text(PRODUCT)
        check(page, desktop, "product")
        page.locator("a[href$='/reservieren/']").first.click()
        expect(page).to_have_url(re.compile(r"/reservieren/$"))
        check(page, desktop, "reserve")
        page.select_option("select[name=quantity]", "1")
        page.fill("textarea[name=note]", "Bitte mit Handschlaufe")
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/einkaufen/reservierungen/[0-9a-f-]{36}/$"))
        expect(page.locator(".badge.status-requested")).to_be_visible()
        expect(page.locator("#pickup-code")).to_have_count(0)
        reservation_url = page.url
        check(page, desktop, "requested")
        # the shop's member confirms in the order list (the shop got a mail)
        sink.wait_for(f"{SELLER}@example.org")
        login(till, portal_url, f"/einkaufen/haendler/{slug}/bestellungen/", SELLER)
        order = till.locator(".order", has_text="Bitte mit Handschlaufe")
        expect(order).to_be_visible()
        check(till, till_desktop, "orders")
        order.locator("input[value=confirm] + button").click()
        expect(till.locator(".order .badge.status-requested")).to_have_count(0)
        # the resident sees the pickup code and the QR code, and has it by mail
        page.goto(reservation_url)
        code = page.locator("#pickup-code")
        expect(code).to_have_text(re.compile(r"^[2-9A-HJ-NP-Z]{6}$"))
        expect(page.locator(".pickup-qr svg")).to_be_visible()
        pickup_code = code.inner_text().strip()
        check(page, desktop, "confirmed")
        message = sink.wait_for(facts["email"])
        assert pickup_code in message.get_body(preferencelist=("plain",)).get_content()
        # the shop types the code at the pickup desk and hands the item out
        till.goto(f"{portal_url}/einkaufen/haendler/{slug}/bestellungen/")
        till.fill("input[name=code]", pickup_code.lower())
        till.locator(".pickup-desk form button[type=submit]").first.click()
        found = till.locator("#found")
        expect(found).to_contain_text(PRODUCT)
        check(till, till_desktop, "pickup")
        found.locator("button[type=submit]").click()
        expect(till.locator("#found")).to_have_count(0)
        page.goto(reservation_url)
        expect(page.locator(".badge.status-collected")).to_be_visible()
        check(page, desktop, "collected")
        stock = run_on_portal(
            "from openkreis.marketplace.models import Product; "
            f"p = Product.objects.get(pk={facts['product']}); print(p.stock, p.reserved)"
        )
        assert stock.strip().splitlines()[-1] == "1 0"
    finally:
        for made in contexts:
            made.close()
