"""Click & collect pages: reserve (form, 400 when not available), the customer's list and
reservation page (status, pickup code and QR once confirmed, cancel), the shop's order list
(tabs, confirm, decline) and pickup desk (code → reservation → collected)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from openkreis.accounts.navigation import links_for
from openkreis.marketplace import reservations
from openkreis.marketplace.models import Product, Reservation

from .factories import customer, product, shop

pytestmark = pytest.mark.django_db


def _reserve_url(item: Product) -> str:
    return reverse("marketplace:reserve", args=[item.shop.slug, item.pk])


def test_reserve_url_is_as_the_issue_says():
    item = product(shop(slug="eisen"))
    assert _reserve_url(item) == f"/einkaufen/geschaeft/eisen/artikel/{item.pk}/reservieren/"


def test_reserve_needs_login(client):
    item = product(shop())
    response = client.get(_reserve_url(item))
    assert response.status_code == 302 and "/konto/login/" in response["Location"]


def test_reserve_form_and_post(client):
    item = product(shop("Fahrrad Jäger"), "Fahrradschloss", stock=3, price="19.99")
    buyer = customer()
    client.force_login(buyer)
    page = client.get(_reserve_url(item))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Fahrradschloss" in html and 'name="quantity"' in html and 'name="note"' in html
    assert '<option value="4"' not in html  # no more than available
    response = client.post(_reserve_url(item), {"quantity": "2", "note": "rot"})
    made = Reservation.objects.get(customer=buyer)
    assert response.status_code == 302
    assert response["Location"] == reverse("marketplace:reservation", args=[made.key])
    item.refresh_from_db()
    assert item.reserved == 2
    assert made.note == "rot"


def test_reserve_when_not_available_answers_400_with_a_message(client):
    item = product(shop(), stock=1)
    reservations.reserve(customer(), item, 1)
    client.force_login(customer())
    response = client.post(_reserve_url(item), {"quantity": "1"})
    assert response.status_code == 400
    assert b"error-summary" in response.content
    assert Reservation.objects.count() == 1
    assert client.post(_reserve_url(item), {"quantity": "99"}).status_code == 400


@pytest.mark.parametrize(
    "shop_fields, product_fields",
    [({"click_collect": False}, {}), ({"status": "suspended"}, {}), ({}, {"active": False})],
)
def test_reserve_page_404_without_click_collect(client, shop_fields, product_fields):
    item = product(shop(**shop_fields), **product_fields)
    client.force_login(customer())
    assert client.get(_reserve_url(item)).status_code == 404


def test_reserve_404_for_a_product_of_another_shop(client):
    item = product(shop())
    client.force_login(customer())
    url = reverse("marketplace:reserve", args=[shop().slug, item.pk])
    assert client.get(url).status_code == 404


def test_reservation_page_explains_and_shows_the_code_once_confirmed(client):
    store = shop("Buchhandlung Am Markt", hold_hours=24)
    buyer = customer()
    made = reservations.reserve(buyer, product(store, "Harz-Wanderkarte"), 1)
    client.force_login(buyer)
    url = reverse("marketplace:reservation", args=[made.key])
    html = client.get(url).content.decode()
    assert "Buchhandlung Am Markt" in html and "Breite Straße 1" in html
    assert made.pickup_code not in html  # not before the shop confirmed
    assert "<svg" not in html
    assert reverse("marketplace:reservation_cancel", args=[made.key]) in html
    reservations.confirm(store, made, None)
    html = client.get(url).content.decode()
    assert made.pickup_code in html and "<svg" in html
    # the list
    listing = client.get(reverse("marketplace:my_reservations")).content.decode()
    assert url in listing and "Harz-Wanderkarte" in listing


def test_another_customer_gets_404(client):
    made = reservations.reserve(customer(), product(shop()), 1)
    client.force_login(customer())
    assert client.get(reverse("marketplace:reservation", args=[made.key])).status_code == 404
    cancel = reverse("marketplace:reservation_cancel", args=[made.key])
    assert client.post(cancel).status_code == 404
    assert Reservation.objects.get(pk=made.pk).status == "requested"


def test_cancel_button(client):
    buyer = customer()
    item = product(shop(), stock=2)
    made = reservations.reserve(buyer, item, 2)
    client.force_login(buyer)
    cancel = reverse("marketplace:reservation_cancel", args=[made.key])
    assert client.get(cancel).status_code == 405
    response = client.post(cancel)
    assert response.status_code == 302
    assert Reservation.objects.get(pk=made.pk).status == "cancelled"
    item.refresh_from_db()
    assert item.reserved == 0
    again = client.post(cancel, follow=True)
    assert again.status_code == 200  # a message, not an error page


def test_account_menu_link_for_customers_with_a_reservation():
    buyer = customer()
    url = reverse("marketplace:my_reservations")
    assert url not in [u for _l, u in links_for(buyer)]
    reservations.reserve(buyer, product(shop()), 1)
    assert url in [u for _l, u in links_for(buyer)]


# --- the shop's side ---


def _orders(store) -> str:
    return reverse("marketplace:backoffice_orders", args=[store.slug])


def test_orders_tabs_confirm_decline(client):
    seller = customer("verkauf")
    store = shop(members=[seller])
    item = product(store, "Gummistiefel", stock=5)
    first = reservations.reserve(customer(), item, 1, note="Größe 42")
    second = reservations.reserve(customer(), item, 2)
    other_shop_order = reservations.reserve(customer(), product(shop(), "Fremdware"), 1)
    client.force_login(seller)
    html = client.get(_orders(store)).content.decode()
    assert "Größe 42" in html and "Fremdware" not in html
    assert html.index(str(second.key)) < html.index(str(first.key))  # newest first
    action = reverse("marketplace:backoffice_order", args=[store.slug, first.key])
    response = client.post(action, {"action": "confirm"})
    assert response.status_code == 302
    assert Reservation.objects.get(pk=first.pk).status == "confirmed"
    action2 = reverse("marketplace:backoffice_order", args=[store.slug, second.key])
    client.post(action2, {"action": "decline", "note": "Nur noch einer da"})
    second.refresh_from_db()
    assert (second.status, second.shop_note) == ("declined", "Nur noch einer da")
    confirmed = client.get(_orders(store) + "?status=bestaetigt").content.decode()
    assert str(first.key) in confirmed and str(second.key) not in confirmed
    closed = client.get(_orders(store) + "?status=abgeschlossen").content.decode()
    assert str(second.key) in closed
    # another shop's reservation through this shop's URL: 404
    foreign = reverse("marketplace:backoffice_order", args=[store.slug, other_shop_order.key])
    assert client.post(foreign, {"action": "confirm"}).status_code == 404
    assert client.post(action2, {"action": "explode"}).status_code == 400
    assert client.post(action, {"action": "decline", "note": "x" * 400}).status_code == 302
    assert Reservation.objects.get(pk=first.pk).status == "confirmed"


def test_pickup_desk(client):
    seller = customer("kasse")
    store = shop(members=[seller])
    item = product(store, "Thermoskanne", stock=4)
    made = reservations.confirm(store, reservations.reserve(customer(), item, 2), None)
    client.force_login(seller)
    shown = client.get(_orders(store), {"code": made.pickup_code.lower()})
    assert shown.status_code == 200
    assert "Thermoskanne" in shown.content.decode()
    assert reverse("marketplace:backoffice_pickup", args=[store.slug]) in shown.content.decode()
    wrong = client.get(
        _orders(store), {"code": "ZZZZZZ" if made.pickup_code != "ZZZZZZ" else "YYYYYY"}
    )
    assert wrong.status_code == 400 and b"error-message" in wrong.content
    assert client.get(_orders(store), {"code": "12"}).status_code == 400
    pickup = reverse("marketplace:backoffice_pickup", args=[store.slug])
    assert client.post(pickup, {"code": made.pickup_code}).status_code == 302
    item.refresh_from_db()
    assert (item.stock, item.reserved) == (2, 0)
    assert client.post(pickup, {"code": made.pickup_code}).status_code == 400
    assert client.post(pickup, {"code": ""}).status_code == 400
