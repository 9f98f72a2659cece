"""Public shop pages: the list with its filters, a shop's profile with its stock, a product's
page, JSON-LD, the shop-viewed event (web or the window's QR code)."""

import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from openkreis.core import event_kinds
from openkreis.core.models import Event

from .factories import customer, product, shop

pytestmark = pytest.mark.django_db


def _json_ld(html: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found, "no JSON-LD"
    return json.loads(found.group(1))


def test_list_shows_active_shops_only_and_filters(client):
    open_shop = shop("Buchhandlung Offen", opening_hours="24/7", click_collect=True)
    closed = shop("Eisenwaren Zu", opening_hours="Mo 00:00-00:01", click_collect=False)
    pending = shop("Neuer Laden", status="pending")
    html = client.get("/einkaufen/geschaefte/").content.decode()
    assert open_shop.name in html and closed.name in html
    assert pending.name not in html
    html = client.get("/einkaufen/geschaefte/?offen=on").content.decode()
    assert open_shop.name in html and closed.name not in html
    html = client.get("/einkaufen/geschaefte/?abholung=on").content.decode()
    assert open_shop.name in html and closed.name not in html


def test_list_bad_filter_is_400(client):
    response = client.get("/einkaufen/geschaefte/?ort=nirgendwo")
    assert response.status_code == 400
    assert client.get("/einkaufen/geschaefte/?seite=x").status_code == 404


def test_shop_page_profile_stock_and_event(client):
    s = shop("Radhaus Harz", opening_hours="24/7", description="Fahrräder und Zubehör", repair=True)
    product(s, "Fahrradschlauch 28 Zoll", stock=4, brand="Schwalbe")
    product(s, "Klingel", stock=0)
    response = client.get(f"/einkaufen/geschaeft/{s.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fahrräder und Zubehör" in html and "Fahrradschlauch 28 Zoll" in html
    assert _("in stock: %(n)s") % {"n": 4} in html
    assert _("Repair service") in html
    data = _json_ld(html)
    assert data["@type"] == "LocalBusiness" and data["name"] == "Radhaus Harz"
    event = Event.objects.filter(kind=event_kinds.MARKET_SHOP_VIEWED).latest("pk")
    assert event.data["shop"] == s.slug and event.data["via"] == "web"
    client.get(f"/einkaufen/geschaeft/{s.slug}/?via=qr")
    event = Event.objects.filter(kind=event_kinds.MARKET_SHOP_VIEWED).latest("pk")
    assert event.data["via"] == "qr"
    assert set(event.data) == {"shop", "category", "municipality", "via"}


def test_shop_search_within_shop(client):
    s = shop("Haushaltswaren Ilsenburg")
    product(s, "Teekanne Glas", brand="Bodum")
    product(s, "Bratpfanne", brand="Fissler")
    html = client.get(f"/einkaufen/geschaeft/{s.slug}/?q=fissler").content.decode()
    assert "Bratpfanne" in html and "Teekanne" not in html


def test_closed_shop_shows_notice(client):
    s = shop("Nachtschwärmer", opening_hours="Mo 00:00-00:01")
    html = client.get(f"/einkaufen/geschaeft/{s.slug}/").content.decode()
    assert _("Closed now – you can still see what is in stock and reserve it.") in html


def test_pending_or_suspended_shop_is_404(client):
    for status in ("pending", "suspended"):
        s = shop(status=status)
        assert client.get(f"/einkaufen/geschaeft/{s.slug}/").status_code == 404


def test_product_page_json_ld_and_other_shops(client):
    a = shop("Elektro A", opening_hours="24/7")
    b = shop("Elektro B")
    c = shop("Elektro C", status="suspended")
    item = product(a, "Wasserkocher", stock=2, gtin="4006381333931", price="29.90")
    product(b, "Wasserkocher WK1", stock=1, gtin="4006381333931")
    product(c, "Wasserkocher alt", stock=1, gtin="4006381333931")
    response = client.get(f"/einkaufen/geschaeft/{a.slug}/artikel/{item.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "4006381333931" in html and "29,90" in html
    assert "Elektro B" in html and "Elektro C" not in html
    data = _json_ld(html)
    assert data["@type"] == "Product"
    assert data["offers"]["availability"] == "https://schema.org/InStock"
    # another shop's product under this shop's address: 404
    other = product(b, "Toaster")
    assert client.get(f"/einkaufen/geschaeft/{a.slug}/artikel/{other.pk}/").status_code == 404


def test_product_out_of_stock(client):
    s = shop()
    item = product(s, "Ausverkauft", stock=1, reserved=1)
    html = client.get(f"/einkaufen/geschaeft/{s.slug}/artikel/{item.pk}/").content.decode()
    assert _json_ld(html)["offers"]["availability"] == "https://schema.org/OutOfStock"
    assert _("not in stock") in html


def test_stock_time_shown(client):
    s = shop()
    when = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 30))
    product(s, "Kerze", stock=5, stock_updated_at=when)
    html = client.get(f"/einkaufen/geschaeft/{s.slug}/").content.decode()
    assert "02.03.2026" in html


def test_customer_sees_same_page(client):
    s = shop()
    client.force_login(customer())
    assert client.get(f"/einkaufen/geschaeft/{s.slug}/").status_code == 200


def test_reserve_button_only_with_click_collect_and_stock(client):
    ready = shop("Abholladen", click_collect=True)
    item = product(ready, "Gießkanne", stock=2)
    url = reverse("marketplace:reserve", args=[ready.slug, item.pk])
    page = client.get(f"/einkaufen/geschaeft/{ready.slug}/artikel/{item.pk}/").content.decode()
    assert f'href="{url}"' in page
    gone = product(ready, "Vergriffen", stock=1, reserved=1)
    page = client.get(f"/einkaufen/geschaeft/{ready.slug}/artikel/{gone.pk}/").content.decode()
    assert "/reservieren/" not in page
    no_cc = shop("Nur vor Ort", click_collect=False)
    other = product(no_cc, "Gießkanne", stock=2)
    page = client.get(f"/einkaufen/geschaeft/{no_cc.slug}/artikel/{other.pk}/").content.decode()
    assert "/reservieren/" not in page
