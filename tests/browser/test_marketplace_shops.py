"""Einkaufen im Harz in the browser (M2): a shop's page (closed now: the notice, the stock,
the search within the shop), a product's page, and the shop owner's profile in the back
office with a mistake in the opening hours (the message at the field). At 390 px with
axe-core, no sideways scrolling, screenshots at 390 and 1280 px."""

import json
import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
OWNER = "m2-browser-inhaber"
PASSWORD = "m2-browser-passwort-2026"

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
    user = User.objects.create_user({OWNER!r}, 'm2-inhaber@example.org')
    user.password = PBKDF2PasswordHasher().encode({PASSWORD!r}, 'm2salt')
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
shop = Shop.objects.filter(slug='m2-browser-werkzeug').first()
if shop is None:
    shop = factories.shop('M2 Werkzeughandel Test', members=[user], slug='m2-browser-werkzeug',
        opening_hours='Mo 00:00-00:01', description='Werkzeug, Schrauben und Beratung.',
        repair=True)
    factories.product(shop, 'Akkuschrauber M2 18 V', stock=3, brand='Makita',
        gtin='4002395006800', price='129.00', description='Mit zwei Akkus.')
    factories.product(shop, 'Holzschrauben M2 4x40', stock=0, brand='Spax')
item = shop.products.get(name__startswith='Akkuschrauber')
print(json.dumps({{'slug': shop.slug, 'product': item.pk}}))
"""


def no_sideways_scrolling(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def check(page, desktop, name: str) -> None:
    violations = axe(page)
    assert violations == [], format_violations(violations)
    assert no_sideways_scrolling(page), name
    screenshot(page, f"marketplace-shops-{name}-390")
    desktop.goto(page.url)
    expect(desktop.locator("h1")).to_be_visible()
    screenshot(desktop, f"marketplace-shops-{name}-1280")


@pytest.fixture(scope="module")
def facts(portal_url):
    return json.loads(run_on_portal(SETUP).strip().splitlines()[-1])


def test_shop_and_product_pages_at_390_px(browser, portal_url, facts):
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    desktop = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True).new_page()
    page.goto(f"{portal_url}/einkaufen/geschaeft/{facts['slug']}/")
    expect(page.locator("h1")).to_have_text("M2 Werkzeughandel Test")
    expect(page.locator(".shop-closed-notice")).to_be_visible()
    expect(page.locator(".product-list")).to_contain_text("Akkuschrauber M2 18 V")
    check(page, desktop, "shop")
    # search within the shop
    page.get_by_role("searchbox").fill("spax")
    page.locator("form.shop-search button[type=submit]").click()
    expect(page.locator(".product-list")).to_contain_text("Holzschrauben M2 4x40")
    expect(page.locator(".product-list")).not_to_contain_text("Akkuschrauber")
    # the product's page
    page.goto(f"{portal_url}/einkaufen/geschaeft/{facts['slug']}/artikel/{facts['product']}/")
    expect(page.locator("h1")).to_have_text("Akkuschrauber M2 18 V")
    expect(page.locator("main")).to_contain_text("4002395006800")
    check(page, desktop, "product")
    context.close()


def login(page, url: str) -> None:
    page.goto(url)
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", OWNER)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))


def test_backoffice_profile_at_390_px(browser, portal_url, facts):
    page = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True).new_page()
    desktop = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True).new_page()
    url = f"{portal_url}/einkaufen/haendler/{facts['slug']}/profil/"
    login(page, url)
    login(desktop, url)
    expect(page.locator("h1")).to_be_visible()
    check(page, desktop, "profile")
    page.locator("#id_opening_hours").fill("Montag bis Freitag")
    page.locator("main form button[type=submit]").first.click()
    error = page.locator("#id_opening_hours-error")
    expect(error).to_be_visible()
    expect(page.locator("#id_opening_hours")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".error-summary")).to_be_visible()
    violations = axe(page)
    assert violations == [], format_violations(violations)
    assert no_sideways_scrolling(page)
    screenshot(page, "marketplace-shops-profile-error-390")
    # a valid change is saved
    page.locator("#id_opening_hours").fill("Mo-Sa 09:00-18:00")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".banner-success")).to_be_visible()
    expect(page.locator("#id_opening_hours")).to_have_value("Mo-Sa 09:00-18:00")
