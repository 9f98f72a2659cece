"""Loyalty under concurrency (PostgreSQL): 20 tills redeem from one card whose balance covers
three vouchers → exactly three succeed, the balance never goes below zero and the ledger
check is clean; 20 concurrent earns at one shop never pass its daily limit; the same booking
reversed from two tills at once is reversed once. On SQLite (one writer at a time) the race
cannot happen and the tests are skipped."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from openkreis.marketplace import loyalty
from openkreis.marketplace.models import LedgerAccount, LedgerTransaction, LoyaltyDay

from .factories import customer, shop
from .test_loyalty import scheme

THREADS = 20

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the race needs PostgreSQL's concurrent writers"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _race(attempts) -> list:
    """Run the callables at the same moment, one thread (and connection) each; returns
    "ok", the refusal's code or the unexpected exception per attempt."""
    barrier, lock, results = threading.Barrier(len(attempts)), threading.Lock(), []

    def run(attempt):
        try:
            barrier.wait()
            attempt()
            outcome = "ok"
        except loyalty.LoyaltyError as exc:
            outcome = exc.code
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    workers = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def test_twenty_tills_redeem_from_a_card_that_covers_three():
    scheme(min_redeem_points=100, card_daily_points=500)
    card = loyalty.card_for(customer())
    loyalty.earn(shop(), card.number, 35000)  # 350 points: three vouchers of 100
    tills = [shop() for _ in range(4)] * (THREADS // 4)
    results = _race([lambda till=till: loyalty.redeem(till, card.number, 100) for till in tills])
    assert sorted(results) == ["balance"] * (THREADS - 3) + ["ok"] * 3, results
    assert loyalty.balance(card) == 50
    assert LedgerTransaction.objects.filter(kind="redeem").count() == 3
    assert not LedgerAccount.objects.filter(kind="customer", balance__lt=0).exists()
    assert loyalty.check_ledger() == []


def test_the_shops_daily_limit_holds_under_twenty_concurrent_earns():
    scheme(shop_daily_points=1000, card_daily_points=500)
    here = shop()
    cards = [loyalty.card_for(customer()) for _ in range(THREADS)]
    results = _race(
        [lambda card=card: loyalty.earn(here, card.number, 15000) for card in cards]  # 150 each
    )
    assert sorted(results) == ["limit"] * (THREADS - 6) + ["ok"] * 6, results
    assert LoyaltyDay.objects.get(shop=here, card=None).points == 900
    assert LedgerAccount.objects.get(shop=here).balance == -900
    assert loyalty.check_ledger() == []


def test_one_card_at_one_shop_from_twenty_tills_keeps_its_card_limits():
    scheme(card_daily_transactions=3, card_daily_points=500)
    here = shop()
    card = loyalty.card_for(customer())
    results = _race([lambda: loyalty.earn(here, card.number, 1000) for _ in range(THREADS)])
    assert sorted(results) == ["limit"] * (THREADS - 3) + ["ok"] * 3, results
    assert loyalty.balance(card) == 30
    assert loyalty.check_ledger() == []


def test_a_booking_reversed_from_two_tills_at_once_is_reversed_once():
    scheme()
    here = shop()
    card = loyalty.card_for(customer())
    booking = loyalty.earn(here, card.number, 20000)
    results = _race([lambda: loyalty.reverse(booking, shop=here) for _ in range(8)])
    assert sorted(results) == ["ok"] + ["reverse"] * 7, results
    assert loyalty.balance(card) == 0
    assert LedgerTransaction.objects.filter(kind="reversal").count() == 1
    assert loyalty.check_ledger() == []
