"""Click & collect under concurrency (PostgreSQL): 50 customers reserve the last item at
the same moment → exactly one gets it, never oversold; the shop confirming while the expiry
runs → exactly one of them wins, the stock matches the outcome; two tills typing the same
pickup code → handed out once. On SQLite (one writer at a time) the races cannot happen and
the tests are skipped."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from openkreis.marketplace import reservations
from openkreis.marketplace.models import Product, Reservation, Scheme

from .factories import customer, product, shop

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the race needs PostgreSQL's concurrent writers"
)


def _race(actions) -> list:
    """Run the callables at the same moment, each in its own thread (its own connection);
    returns their results or the exceptions' class names, in the order given."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def attempt(i, action):
        try:
            barrier.wait()
            results[i] = action()
        except reservations.ReservationError:
            results[i] = "refused"
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            results[i] = repr(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=attempt, args=pair) for pair in enumerate(actions)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_customers_reserve_the_last_item_and_exactly_one_gets_it():
    last = product(shop(), stock=1)
    people = [customer(f"eile-{i}") for i in range(50)]
    results = _race([lambda p=p: reservations.reserve(p, last, 1) for p in people])
    won = [r for r in results if isinstance(r, Reservation)]
    assert len(won) == 1, results
    assert results.count("refused") == 49
    last = Product.objects.get(pk=last.pk)
    assert (last.stock, last.reserved) == (1, 1)
    assert Reservation.objects.filter(shop=last.shop).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_customers_two_pieces_each_of_nine():
    """Quantities above one: 4 reservations of 2 fit into 9, never a fifth."""
    item = product(shop(), stock=9)
    people = [customer(f"zwei-{i}") for i in range(50)]
    results = _race([lambda p=p: reservations.reserve(p, item, 2) for p in people])
    assert sum(isinstance(r, Reservation) for r in results) == 4
    assert results.count("refused") == 46
    item = Product.objects.get(pk=item.pk)
    assert (item.stock, item.reserved) == (9, 8)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_confirm_racing_expiry_has_one_winner_and_consistent_stock():
    store = shop(hold_hours=48)
    later = timezone.now() + dt.timedelta(hours=Scheme.current().request_hours, minutes=5)
    outcomes = set()
    for round_ in range(12):
        item = product(store, stock=1)
        r = reservations.reserve(customer(f"wett-{round_}"), item, 1)
        confirmed, expired = _race(
            [
                lambda r=r: reservations.confirm(store, r, None),
                lambda: reservations.expire_due(later),
            ]
        )
        r.refresh_from_db()
        item.refresh_from_db()
        if r.status == Reservation.Status.CONFIRMED:
            assert isinstance(confirmed, Reservation) and expired == 0, (confirmed, expired)
            assert item.reserved == 1
        else:
            assert r.status == Reservation.Status.EXPIRED
            assert confirmed == "refused" and expired == 1, (confirmed, expired)
            assert item.reserved == 0
        assert item.stock == 1
        outcomes.add(r.status)
        # the confirmed ones do not take part in the next round's expiry
        Reservation.objects.filter(pk=r.pk, status="confirmed").update(status="collected")
        Product.objects.filter(pk=item.pk).update(reserved=0)
    assert outcomes <= {"confirmed", "expired"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_pickup_code_at_two_tills_is_handed_out_once():
    store = shop()
    item = product(store, stock=5)
    r = reservations.confirm(store, reservations.reserve(customer(), item, 2), None)
    results = _race([lambda: reservations.collect(store, r.pickup_code, None) for _ in range(8)])
    assert sum(isinstance(x, Reservation) for x in results) == 1, results
    assert results.count("refused") == 7
    item = Product.objects.get(pk=item.pk)
    assert (item.stock, item.reserved) == (3, 0)
    assert Reservation.objects.get(pk=r.pk).status == "collected"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_cancel_racing_decline_releases_once():
    store = shop()
    item = product(store, stock=3)
    buyer = customer()
    r = reservations.reserve(buyer, item, 3)
    results = _race(
        [
            lambda: reservations.cancel(buyer, r),
            lambda: reservations.decline(store, r, None, "ausverkauft"),
        ]
    )
    assert sorted(isinstance(x, Reservation) for x in results) == [False, True], results
    item = Product.objects.get(pk=item.pk)
    assert (item.stock, item.reserved) == (3, 0)
