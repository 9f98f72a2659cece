"""Click & collect services (reservations.py): reserve, confirm, decline, cancel, collect,
expire — stock held and released, the state checks, events and mails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.marketplace import reservations
from openkreis.marketplace.models import Product, Reservation, Scheme

from .factories import customer, product, shop

pytestmark = pytest.mark.django_db


def _stock(item: Product) -> tuple[int, int]:
    item.refresh_from_db()
    return item.stock, item.reserved


def _statuses() -> list[dict]:
    return [
        e.data for e in Event.objects.filter(kind=event_kinds.MARKET_RESERVATION).order_by("pk")
    ]


def test_reserve_holds_the_pieces_and_mails_the_shop(django_capture_on_commit_callbacks):
    owner = customer("inhaberin")
    store = shop("Eisenwaren Harz", members=[owner])
    drill = product(store, stock=3, price="89.90")
    buyer = customer()
    with django_capture_on_commit_callbacks(execute=True):
        r = reservations.reserve(buyer, drill, 2, note="bitte mit Akku")
    assert _stock(drill) == (3, 2)
    assert r.status == Reservation.Status.REQUESTED
    assert len(r.pickup_code) == 6
    assert not set(r.pickup_code) & set("0O1I")
    hours = Scheme.current().request_hours
    assert abs((r.expires_at - timezone.now()) - dt.timedelta(hours=hours)) < dt.timedelta(
        minutes=1
    )
    item = r.items.get()
    assert (item.quantity, item.name, str(item.price)) == (2, drill.name, "89.90")
    assert _statuses() == [
        {"shop": store.slug, "status": "requested", "items": 2, "municipality": ""}
    ]
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert "bitte mit Akku" in mail.outbox[0].body
    assert "/bestellungen/" in mail.outbox[0].body
    # no personal data in the event
    assert buyer.username not in str(_statuses())


@pytest.mark.parametrize("quantity", [0, 11, -1, "zwei"])
def test_quantity_is_one_to_ten(quantity):
    drill = product(shop(), stock=20)
    with pytest.raises(reservations.ReservationRefused):
        reservations.reserve(customer(), drill, quantity)
    assert _stock(drill) == (20, 0)


def test_not_enough_is_refused_with_what_is_left():
    drill = product(shop(), stock=3)
    reservations.reserve(customer(), drill, 2)
    with pytest.raises(reservations.ReservationRefused, match="1 piece|1 Stück") as refused:
        reservations.reserve(customer(), drill, 2)
    assert refused.value.message
    reservations.reserve(customer(), drill, 1)
    with pytest.raises(reservations.ReservationRefused, match="no longer|nicht mehr"):
        reservations.reserve(customer(), drill, 1)
    assert _stock(drill) == (3, 3)
    assert Reservation.objects.count() == 2


@pytest.mark.parametrize(
    "shop_fields, product_fields",
    [
        ({"click_collect": False}, {}),
        ({"status": "suspended"}, {}),
        ({"status": "pending"}, {}),
        ({}, {"active": False}),
    ],
)
def test_no_reservation_without_click_collect_or_when_inactive(shop_fields, product_fields):
    drill = product(shop(**shop_fields), stock=5, **product_fields)
    with pytest.raises(reservations.ReservationRefused):
        reservations.reserve(customer(), drill, 1)
    assert _stock(drill) == (5, 0)


def test_the_database_refuses_reserved_above_stock():
    drill = product(shop(), stock=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=drill.pk).update(reserved=2)


def test_pickup_codes_are_unique_among_a_shops_open_reservations(monkeypatch):
    store = shop()
    drill = product(store, stock=5)
    first = reservations.reserve(customer(), drill, 1)
    codes = iter([first.pickup_code, first.pickup_code, "ABCDEF"])
    monkeypatch.setattr(reservations, "new_pickup_code", lambda: next(codes))
    second = reservations.reserve(customer(), drill, 1)
    assert second.pickup_code == "ABCDEF"
    # a closed reservation's code may come again
    reservations.cancel(first.customer, first)
    monkeypatch.setattr(reservations, "new_pickup_code", lambda: first.pickup_code)
    third = reservations.reserve(customer(), drill, 1)
    assert third.pickup_code == first.pickup_code


def test_confirm_sets_the_pickup_deadline_and_mails_the_code(django_capture_on_commit_callbacks):
    store = shop(hold_hours=48)
    drill = product(store, stock=2)
    buyer = customer()
    r = reservations.reserve(buyer, drill, 1)
    with django_capture_on_commit_callbacks(execute=True):
        r = reservations.confirm(store, r, customer("verkaeufer"))
    assert r.status == Reservation.Status.CONFIRMED
    assert r.decided_at is not None
    assert abs((r.expires_at - timezone.now()) - dt.timedelta(hours=48)) < dt.timedelta(minutes=1)
    assert [m.to for m in mail.outbox] == [[buyer.email]]
    assert r.pickup_code in mail.outbox[0].body
    assert reservations.deadline_text(r.expires_at) in mail.outbox[0].body
    # a second confirmation is refused, as is one by another shop
    with pytest.raises(reservations.ReservationError, match="already|bereits"):
        reservations.confirm(store, r, None)
    other = reservations.reserve(customer(), drill, 1)
    with pytest.raises(reservations.ReservationError):
        reservations.confirm(shop(), other, None)
    assert Reservation.objects.get(pk=other.pk).status == "requested"


def test_a_request_past_its_time_cannot_be_confirmed():
    store = shop()
    r = reservations.reserve(customer(), product(store), 1)
    Reservation.objects.filter(pk=r.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(reservations.ReservationError):
        reservations.confirm(store, r, None)


def test_decline_releases_and_mails_the_shops_note(django_capture_on_commit_callbacks):
    store = shop()
    drill = product(store, stock=2)
    buyer = customer()
    r = reservations.reserve(buyer, drill, 2)
    with django_capture_on_commit_callbacks(execute=True):
        r = reservations.decline(store, r, None, "Leider ausverkauft, ab Montag wieder da.")
    assert r.status == "declined" and r.closed_at is not None
    assert _stock(drill) == (2, 0)
    assert "ab Montag wieder da" in mail.outbox[-1].body
    assert mail.outbox[-1].to == [buyer.email]
    with pytest.raises(reservations.ReservationError):
        reservations.decline(store, r, None)
    assert _stock(drill) == (2, 0)  # released once


def test_cancel_only_by_the_customer_and_only_once():
    drill = product(shop(), stock=2)
    buyer = customer()
    r = reservations.reserve(buyer, drill, 2)
    with pytest.raises(reservations.ReservationError):
        reservations.cancel(customer(), r)
    assert _stock(drill) == (2, 2)
    reservations.cancel(buyer, r)
    assert _stock(drill) == (2, 0)
    with pytest.raises(reservations.ReservationError, match="cancelled|storniert"):
        reservations.cancel(buyer, r)
    assert _stock(drill) == (2, 0)
    assert [d["status"] for d in _statuses()] == ["requested", "cancelled"]


def test_collect_takes_the_pieces_from_the_stock():
    store = shop()
    drill = product(store, stock=5)
    Product.objects.filter(pk=drill.pk).update(
        stock_updated_at=timezone.now() - dt.timedelta(days=2)
    )
    r = reservations.reserve(customer(), drill, 3)
    with pytest.raises(reservations.ReservationError, match="not confirmed|noch nicht"):
        reservations.collect(store, r.pickup_code, None)
    reservations.confirm(store, r, None)
    code = r.pickup_code.lower()
    done = reservations.collect(store, f" {code[:3]}-{code[3:]} ", None)
    assert done.status == "collected" and done.closed_at is not None
    drill.refresh_from_db()
    assert (drill.stock, drill.reserved) == (2, 0)
    assert timezone.now() - drill.stock_updated_at < dt.timedelta(minutes=1)
    with pytest.raises(reservations.ReservationError, match="already|bereits"):
        reservations.collect(store, r.pickup_code, None)
    assert _stock(drill) == (2, 0)
    assert _statuses()[-1]["status"] == "collected"


def test_collect_refuses_wrong_expired_and_other_shops_codes():
    store = shop()
    drill = product(store, stock=5)
    r = reservations.confirm(store, reservations.reserve(customer(), drill, 1), None)
    with pytest.raises(reservations.ReservationError, match="6"):
        reservations.collect(store, "ABC", None)
    wrong = "ABCDEF" if r.pickup_code != "ABCDEF" else "ABCDEG"
    with pytest.raises(reservations.ReservationError, match="No reservation|Keine Reservierung"):
        reservations.collect(store, wrong, None)
    with pytest.raises(reservations.ReservationError):
        reservations.collect(shop(), r.pickup_code, None)
    Reservation.objects.filter(pk=r.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(reservations.ReservationError, match="expired|abgelaufen"):
        reservations.collect(store, r.pickup_code, None)
    assert _stock(drill) == (5, 1)


def test_expire_due_releases_and_mails(django_capture_on_commit_callbacks):
    store = shop()
    drill = product(store, stock=4)
    buyer = customer()
    requested = reservations.reserve(buyer, drill, 1)
    confirmed = reservations.confirm(store, reservations.reserve(customer(), drill, 2), None)
    kept = reservations.reserve(customer(), drill, 1)
    assert _stock(drill) == (4, 4)
    later = timezone.now() + dt.timedelta(hours=Scheme.current().request_hours, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert reservations.expire_due(later) == 2  # the request and the other request
    assert Reservation.objects.get(pk=requested.pk).status == "expired"
    assert Reservation.objects.get(pk=kept.pk).status == "expired"
    assert Reservation.objects.get(pk=confirmed.pk).status == "confirmed"
    assert _stock(drill) == (4, 2)
    assert buyer.email in [m.to[0] for m in mail.outbox]
    assert reservations.expire_due(later) == 0
    much_later = confirmed.expires_at + dt.timedelta(seconds=1)
    assert reservations.expire_due(much_later) == 1
    assert _stock(drill) == (4, 0)


def test_has_reservations_and_reservations_of():
    buyer, other = customer(), customer()
    assert not reservations.has_reservations(buyer)
    r = reservations.reserve(buyer, product(shop()), 1)
    assert reservations.has_reservations(buyer)
    assert list(reservations.reservations_of(buyer)) == [r]
    assert list(reservations.reservations_of(other)) == []
