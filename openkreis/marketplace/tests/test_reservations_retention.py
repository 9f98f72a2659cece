"""Personal data of click & collect (retention.py): the account's export, its deletion
(open reservations cancelled, their pieces free again) and the purge of closed
reservations after the retention time; the Celery tasks call the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.core.personal_data import erase_all, export_all
from openkreis.marketplace import reservations, retention, tasks
from openkreis.marketplace.models import Reservation

from .factories import customer, product, shop

pytestmark = pytest.mark.django_db


def test_export_lists_the_customers_reservations_only():
    buyer = customer()
    store = shop("Uhren Krause")
    made = reservations.confirm(
        store, reservations.reserve(buyer, product(store, "Wecker"), 1), None
    )
    reservations.reserve(customer(), product(store, "Fremd"), 1)
    section = export_all(buyer)["marketplace"]["reservations"]
    assert len(section) == 1
    row = section[0]
    assert (row["shop"], row["status"], row["pickup_code"]) == (
        "Uhren Krause",
        "confirmed",
        made.pickup_code,
    )
    assert row["items"] == [{"name": "Wecker", "quantity": 1, "price": None}]


def test_erasure_cancels_open_reservations_and_deletes_them():
    buyer = customer()
    item = product(shop(), stock=3)
    reservations.reserve(buyer, item, 2)
    done = reservations.reserve(buyer, item, 1)
    reservations.cancel(buyer, done)
    kept = reservations.reserve(customer(), item, 1)
    erase_all(buyer)
    assert not Reservation.objects.filter(customer=buyer).exists()
    item.refresh_from_db()
    assert item.reserved == 1
    assert Reservation.objects.filter(pk=kept.pk).exists()


def test_purge_deletes_closed_reservations_after_the_retention_time():
    item = product(shop(), stock=5)
    old = reservations.reserve(customer(), item, 1)
    reservations.cancel(old.customer, old)
    recent = reservations.reserve(customer(), item, 1)
    reservations.cancel(recent.customer, recent)
    still_open = reservations.reserve(customer(), item, 1)
    long_ago = timezone.now() - dt.timedelta(days=retention.RESERVATION_RETENTION_DAYS + 1)
    Reservation.objects.filter(pk__in=[old.pk, still_open.pk]).update(closed_at=long_ago)
    assert retention.purge_reservations() == 1
    assert set(Reservation.objects.values_list("pk", flat=True)) == {recent.pk, still_open.pk}
    assert tasks.purge_reservations() == 0


def test_expire_task_calls_the_service():
    item = product(shop(), stock=1)
    made = reservations.reserve(customer(), item, 1)
    Reservation.objects.filter(pk=made.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert tasks.expire_reservations.apply().get() == 1
    item.refresh_from_db()
    assert item.reserved == 0
