"""Einkaufen im Harz in the browser (M3): the shop owner's products page in the back office —
a product list from the till (Windows-1252, ";", German numbers, six bad rows) is uploaded,
the report lists the bad rows with line and column, the good ones are in the list; a stock
file; a file that is no CSV answers with the message at the field. At 390 px with axe-core,
no sideways scrolling, screenshots at 390 and 1280 px."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
OWNER = "m3-browser-inhaber"
PASSWORD = "m3-browser-passwort-2026"
FIXTURE = (
    Path(__file__).resolve().parents[2]
    / "openkreis/marketplace/tests/fixtures/produkte_eisenwaren_cp1252.csv"
)

SETUP = f"""
import json
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from openkreis.marketplace.models import Shop
from openkreis.marketplace.tests import factories
User = get_user_model()
user = User.objects.filter(username={OWNER!r}).first()
if user is None:
    user = User.objects.create_user({OWNER!r}, 'm3-inhaber@example.org')
    user.password = PBKDF2PasswordHasher().encode({PASSWORD!r}, 'm3salt')
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
shop = Shop.objects.filter(slug='m3-browser-eisenwaren').first()
if shop is None:
    shop = factories.shop('M3 Eisenwaren Test', members=[user], slug='m3-browser-eisenwaren')
    factories.product(shop, 'Gießkanne M3 5 l', sku='M3-GK', stock=4, reserved=2)
print(json.dumps({{'slug': shop.slug}}))
"""


def no_sideways_scrolling(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def check(page, name: str) -> None:
    violations = axe(page)
    assert violations == [], format_violations(violations)
    assert no_sideways_scrolling(page), name
    screenshot(page, f"marketplace-products-{name}-390")


def login(page, url: str) -> None:
    page.goto(url)
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", OWNER)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))


@pytest.fixture(scope="module")
def facts(portal_url):
    return json.loads(run_on_portal(SETUP).strip().splitlines()[-1])


def test_product_and_stock_import_at_390_px(browser, portal_url, facts, tmp_path):
    page = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True).new_page()
    url = f"{portal_url}/einkaufen/haendler/{facts['slug']}/artikel/"
    login(page, url)
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".backoffice-products")).to_contain_text("Gießkanne M3 5 l")
    check(page, "empty")

    # the till's product list: seven good rows, six bad ones
    page.locator("#id_products-file").set_input_files(str(FIXTURE))
    page.locator("#products-submit").click()
    report = page.locator("#bericht-artikel")
    expect(report).to_contain_text("produkte_eisenwaren_cp1252.csv")
    problems = report.locator(".import-problems li")
    expect(problems).to_have_count(6)
    expect(problems.nth(0)).to_contain_text("EAN")
    expect(report).to_contain_text("VK-Preis")
    expect(page.locator(".backoffice-products")).to_contain_text("Akkuschrauber 18 V mit 2 Akkus")
    check(page, "report")

    # stock: the watering can has two pieces put aside, the file says 0
    stock = tmp_path / "bestand.csv"
    stock.write_bytes(b"artikelnummer;bestand\nM3-GK;0\n10001;9\nunbekannt;1\n")
    page.locator("#id_stock-file").set_input_files(str(stock))
    page.locator("#stock-submit").click()
    stock_report = page.locator("#bericht-bestand")
    expect(stock_report.locator(".import-problems li")).to_have_count(2)  # 1 error, 1 note
    expect(stock_report).to_contain_text("unbekannt")
    page.locator("#id_q").fill("M3-GK")
    page.locator("form.shop-filter button[type=submit]").click()
    card = page.locator(".backoffice-products .product-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("2")  # stock stays at what is reserved
    check(page, "stock")

    # a picture instead of a CSV: 400, the message at the field
    picture = tmp_path / "foto.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    page.goto(url)
    page.locator("#id_products-file").set_input_files(str(picture))
    page.locator("#products-submit").click()
    expect(page.locator("#id_products-file-error")).to_be_visible()
    expect(page.locator("#id_products-file")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".error-summary")).to_be_visible()
    check(page, "error")

    desktop = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True).new_page()
    login(desktop, url)
    expect(desktop.locator("#bericht-artikel")).to_be_visible()
    screenshot(desktop, "marketplace-products-report-1280")
