"""Einkaufen im Harz in the browser (M5): the customer's loyalty card (QR code and number
visible), and the shop's till — points credited by typing the number, a voucher redeemed,
a voucher above the balance refused with a clear message. At 390 px with axe-core, no
sideways scrolling, screenshots at 390 and 1280 px."""

import json
import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CUSTOMER, OWNER = "m5-browser-kundin", "m5-browser-kasse"
PASSWORD = "m5-browser-passwort-2026"

SETUP = f"""
import json
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from openkreis.marketplace import loyalty
from openkreis.marketplace.models import LoyaltyDay, Shop
from openkreis.marketplace.tests import factories
User = get_user_model()

def person(name):
    user = User.objects.filter(username=name).first()
    if user is None:
        user = User.objects.create_user(name, name + '@example.org')
        user.password = PBKDF2PasswordHasher().encode({PASSWORD!r}, 'm5salt')
        user.save()
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user

kundin, kasse = person({CUSTOMER!r}), person({OWNER!r})
shop = Shop.objects.filter(slug='m5-browser-kasse').first()
if shop is None:
    shop = factories.shop('M5 Buchhandlung Kasse', members=[kasse], slug='m5-browser-kasse')
issuer = Shop.objects.filter(slug='m5-browser-geber').first()
if issuer is None:
    issuer = factories.shop('M5 Bäckerei Punkte', slug='m5-browser-geber')
card = loyalty.card_for(kundin)
if loyalty.balance(card) == 0:
    loyalty.earn(issuer, card.number, 25000)  # 250 points to start with
LoyaltyDay.objects.filter(shop=shop).delete()  # a rerun today starts with fresh limits
print(json.dumps({{'slug': shop.slug, 'number': card.number,
                  'grouped': loyalty.format_number(card.number)}}))
"""


@pytest.fixture(scope="module")
def facts(portal_url):
    return json.loads(run_on_portal(SETUP).strip().splitlines()[-1])


def no_sideways_scrolling(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def login(page, url: str, username: str) -> None:
    page.goto(url)
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(url) + "(#.*)?$"))


def check(page, name: str) -> None:
    violations = axe(page)
    assert violations == [], format_violations(violations)
    assert no_sideways_scrolling(page), name
    screenshot(page, f"marketplace-loyalty-{name}-390")


def pages(browser):
    phone = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True).new_page()
    desktop = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True).new_page()
    return phone, desktop


def test_customer_card_shows_qr_and_number(browser, portal_url, facts):
    page, desktop = pages(browser)
    url = f"{portal_url}/einkaufen/bonuskarte/"
    login(page, url, CUSTOMER)
    expect(page.locator(".loyalty-qr svg")).to_be_visible()
    expect(page.locator(".loyalty-number")).to_have_text(facts["grouped"])
    box = page.locator(".loyalty-qr svg").bounding_box()
    assert box["width"] >= 150  # large enough to scan from a phone held to the till
    expect(page.locator("#balance")).to_contain_text("250")
    expect(page.locator("main table")).to_contain_text("M5 Bäckerei Punkte")
    check(page, "card")
    login(desktop, url, CUSTOMER)
    expect(desktop.locator(".loyalty-qr svg")).to_be_visible()
    screenshot(desktop, "marketplace-loyalty-card-1280")


def test_till_earns_redeems_and_refuses_a_voucher_above_the_balance(browser, portal_url, facts):
    page, desktop = pages(browser)
    url = f"{portal_url}/einkaufen/haendler/{facts['slug']}/kasse/"
    login(page, url, OWNER)
    expect(page.locator("h1")).to_be_visible()
    check(page, "till")
    # points for a purchase of 12,80 € by the typed number (with spaces, as read out)
    page.locator("#id_earn-card_number").fill(facts["grouped"])
    page.locator("#id_earn-amount").fill("12,80")
    page.locator("button[name=action][value=earn]").click()
    result = page.locator("#till-result")
    expect(result).to_be_visible()
    expect(result).to_contain_text("12")
    expect(result).to_contain_text("262")  # 250 + 12 points after the booking
    expect(page.locator("main table")).to_contain_text(facts["number"][-4:])
    check(page, "till-earned")
    # a voucher of 100 points
    page.locator("#id_redeem-card_number").fill(facts["number"])
    page.locator("#id_redeem-points").fill("100")
    page.locator("button[name=action][value=redeem]").click()
    expect(result).to_be_visible()
    expect(result).to_contain_text("162")
    # a voucher above the balance: refused, the message at the form, nothing booked
    page.locator("#id_redeem-card_number").fill(facts["number"])
    page.locator("#id_redeem-points").fill("5000")
    page.locator("button[name=action][value=redeem]").click()
    refused = page.locator("#redeem-refused")
    expect(refused).to_be_visible()
    expect(refused).to_contain_text(re.compile(r"balance is not enough|Guthaben .* reicht"))
    expect(page.locator("#till-result")).to_have_count(0)
    check(page, "till-refused")
    # a typing error in the number: the message at the field
    wrong = facts["number"][:-1] + str((int(facts["number"][-1]) + 1) % 10)
    page.locator("#id_earn-card_number").fill(wrong)
    page.locator("#id_earn-amount").fill("5")
    page.locator("button[name=action][value=earn]").click()
    expect(page.locator("#id_earn-card_number-error")).to_be_visible()
    expect(page.locator("#id_earn-card_number")).to_have_attribute("aria-invalid", "true")
    check(page, "till-typo")
    login(desktop, url, OWNER)
    expect(desktop.locator("main table")).to_be_visible()
    screenshot(desktop, "marketplace-loyalty-till-1280")
