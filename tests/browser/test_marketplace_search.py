"""'Wo bekomme ich …?' in the browser (M1): the start page, a search with results (typo,
postcode as the place), a search without results, both at 390 px with axe-core, and the same
search without JavaScript. Screenshots at 390 and 1280 px."""

import pytest
from playwright.sync_api import expect

from .conftest import (
    DESKTOP,
    PHONE,
    axe,
    closed_now_hours,
    format_violations,
    new_page,
    run_on_portal,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SETUP = """
from django.utils import timezone
from openkreis.accounts.models import Company
from openkreis.catalog import fulltext
from openkreis.directory import hours
from openkreis.directory.models import Category, Place
from openkreis.marketplace.models import Product, Shop
cat, _ = Category.objects.get_or_create(
    slug="einzelhandel", defaults={"name": "Geschäft", "group": "shopping"})
made = []
for slug, name, lat, lon, oh, stock in [
    ("m1b-eisen-wernigerode", "M1-Eisenwaren Wernigerode", 51.8358, 10.7853, "24/7", 4),
    ("m1b-baumarkt-blankenburg", "M1-Baumarkt Blankenburg", 51.7904, 10.9547, %(closed)r, 0),
]:
    place, _ = Place.objects.update_or_create(slug=slug, defaults=dict(
        name=name, category=cat, lat=lat, lon=lon, opening_hours=oh, street="Markt 1",
        postcode="38855", town="Wernigerode"))
    hours.rebuild_intervals([place])
    shop = Shop.objects.filter(slug=slug).first()
    if shop is None:
        shop = Shop.objects.create(slug=slug, company=Company.objects.create(name=name),
                                   place=place, status="active", click_collect=True)
    product, _ = Product.objects.update_or_create(shop=shop, sku="M1B-1", defaults=dict(
        name="M1-Akkuschrauber Kompakt 18 V", brand="Testmarke", price="79.90", stock=stock,
        stock_updated_at=timezone.now()))
    made.append(product.pk)
fulltext.index("products", pks=made)
print("ok")
"""


@pytest.fixture(scope="module")
def portal(portal_url):
    assert "ok" in run_on_portal(SETUP % {"closed": closed_now_hours()})
    return portal_url


def check_axe(page, name: str) -> None:
    violations = axe(page)
    assert violations == [], f"{name}: {format_violations(violations)}"


def no_sideways_scrolling(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_search_with_results_and_without(browser, portal):
    context = browser.new_context(viewport=PHONE, bypass_csp=True, locale="de-DE")
    page = context.new_page()
    page.goto(portal + "/einkaufen/")
    expect(page.locator("h1")).to_be_visible()
    search_box = page.locator("#m-q")
    expect(search_box).to_be_visible()
    check_axe(page, "start page")
    assert no_sideways_scrolling(page)
    screenshot(page, "marketplace-search-start-390")

    # a typo, the postcode as the place: both shops, the one with stock first
    search_box.fill("m1 akuschrauber")
    page.locator("#m-ort").fill("38855")
    page.locator("form.market-search button[type=submit]").click()
    hits = page.locator(".market-hit")
    expect(hits.first).to_contain_text("M1-Eisenwaren Wernigerode")
    expect(hits.first).to_contain_text("M1-Akkuschrauber Kompakt 18 V")
    expect(page.locator(".market-hit", has_text="M1-Baumarkt Blankenburg")).to_be_visible()
    expect(page.locator(".market-stock-yes").first).to_be_visible()
    check_axe(page, "results")
    assert no_sideways_scrolling(page)
    screenshot(page, "marketplace-search-results-390")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "marketplace-search-results-1280")
    page.set_viewport_size(PHONE)

    # the link leads to the product page
    link = hits.first.locator("h3 a")
    href = link.get_attribute("href")
    assert href and "/einkaufen/geschaeft/m1b-eisen-wernigerode/artikel/" in href

    # nothing found: a clear message with tips
    page.locator("#m-q").fill("M1-Dampflokomotive im Maßstab")
    page.locator("form.market-search button[type=submit]").click()
    expect(page.locator(".market-none")).to_be_visible()
    check_axe(page, "nothing found")
    assert no_sideways_scrolling(page)
    screenshot(page, "marketplace-search-none-390")

    # a bad place: 400 with the message next to the field
    page.locator("#m-q").fill("Akkuschrauber")
    page.locator("#m-ort").fill("Atlantis")
    page.locator("form.market-search button[type=submit]").click()
    expect(page.locator("#m-ort-error")).to_be_visible()
    expect(page.locator("#m-ort")).to_have_attribute("aria-invalid", "true")
    check_axe(page, "error")
    screenshot(page, "marketplace-search-error-390")
    context.close()


def test_search_works_without_javascript(browser, portal):
    page = new_page(browser, viewport=PHONE, javascript=False)
    page.goto(portal + "/einkaufen/")
    expect(page.locator("[data-near-me]")).to_be_hidden()
    page.locator("#m-q").fill("M1-Akkuschrauber")
    page.locator("#m-offen").check()
    page.locator("form.market-search button[type=submit]").click()
    hits = page.locator(".market-hit")
    # open now: only the shop open around the clock
    expect(hits).to_have_count(1)
    expect(hits.first).to_contain_text("M1-Eisenwaren Wernigerode")
    assert "offen=1" in page.url
    screenshot(page, "marketplace-search-nojs-390")
    page.context.close()
