"""Einkaufen im Harz: click & collect under concurrency (issue 22: "50 concurrent
reservations of the last item → exactly one succeeds").

`run(database_url=None) -> dict` is called by bench/marketplace.py (in its process, after it
set Django up on its database); run by hand it sets Django up itself:
`.venv/bin/python bench/_marketplace_reserve.py [--database-url postgresql://…/db]` (default:
its own database `openkreis_bench_marketplace_reserve` on postgresql://postgres@127.0.0.1:5432,
created and migrated).

Two runs through the real service (`marketplace.reservations.reserve`, one conditional
UPDATE per attempt), clients as threads with their own database connections, started
together at a barrier:
1. `last_item`: 50 clients reserve the last piece of one product → succeeded must be 1,
   oversold 0;
2. `fifty_of_200`: 200 clients want one piece each of 50 → succeeded must be 50. PostgreSQL
   allows 100 connections here, so 50 threads (50 connections) serve the 200 clients one
   after the other from a queue, all 50 racing at every moment.
Figures per run: attempts, succeeded, refused, errors, oversold (reserved − stock, and
successful reservations beyond the stock), stock and reserved afterwards, seconds. The
rows the bench made are deleted afterwards.
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "openkreis_bench_marketplace_reserve"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432"


def _setup(database_url: str | None) -> None:
    """Django on `database_url` (or the bench's own database) unless already set up."""
    from django.conf import settings

    if settings.configured:
        return
    if database_url is None:
        import psycopg

        with psycopg.connect(ADMIN_URL + "/postgres", autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        database_url = f"{ADMIN_URL}/{DB_NAME}"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openkreis.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _shop(tag: str):
    from openkreis.accounts.models import Company
    from openkreis.directory.models import Category, Place
    from openkreis.marketplace.models import Shop

    category, _ = Category.objects.get_or_create(
        slug="einzelhandel", defaults={"name": "Geschäft", "group": "shopping"}
    )
    place = Place.objects.create(
        slug=f"bench-{tag}", name=f"Bench {tag}", category=category, lat=51.8358, lon=10.7853
    )
    company = Company.objects.create(name=f"Bench {tag}")
    return Shop.objects.create(
        slug=f"bench-{tag}", company=company, place=place, click_collect=True, status="active"
    )


def _customers(tag: str, count: int) -> list:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    User = get_user_model()
    unusable = make_password(None)
    users = [User(username=f"bench-{tag}-{i}", password=unusable) for i in range(count)]
    User.objects.bulk_create(users, batch_size=500)
    return list(User.objects.filter(username__startswith=f"bench-{tag}-").order_by("pk"))


def _race(product, customers, threads: int) -> dict:
    """`customers` each try to reserve one piece; `threads` workers (their own
    connections) take them from a queue, all starting together."""
    from django.db import connection

    from openkreis.marketplace import reservations
    from openkreis.marketplace.models import Product, Reservation

    todo: queue.Queue = queue.Queue()
    for c in customers:
        todo.put(c)
    barrier = threading.Barrier(threads + 1)
    counts = {"succeeded": 0, "refused": 0, "errors": 0}
    errors: list[str] = []
    lock = threading.Lock()

    def worker():
        try:
            connection.ensure_connection()  # connect before the start, not in the race
            barrier.wait()
            while True:
                try:
                    customer = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    reservations.reserve(customer, product, 1)
                    outcome = "succeeded"
                except reservations.ReservationRefused:
                    outcome = "refused"
                except Exception as exc:  # noqa: BLE001 - counted and printed
                    outcome = "errors"
                    with lock:
                        errors.append(repr(exc)[:200])
                with lock:
                    counts[outcome] += 1
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    started = time.perf_counter()
    for w in workers:
        w.join()
    seconds = time.perf_counter() - started
    product = Product.objects.get(pk=product.pk)
    made = Reservation.objects.filter(items__product=product).count()
    return {
        "attempts": len(customers),
        "threads": threads,
        **counts,
        "oversold": max(0, product.reserved - product.stock, made - product.stock),
        "stock": product.stock,
        "reserved": product.reserved,
        "reservations": made,
        "seconds": round(seconds, 3),
        "error_samples": errors[:3],
    }


def _cleanup(tag: str) -> None:
    from django.contrib.auth import get_user_model

    from openkreis.accounts.models import Company
    from openkreis.directory.models import Place
    from openkreis.marketplace.models import Product, Reservation, Shop

    shop = Shop.objects.filter(slug=f"bench-{tag}").first()
    if shop is None:
        return
    Reservation.objects.filter(shop=shop).delete()
    Product.objects.filter(shop=shop).delete()
    company_id, place_id = shop.company_id, shop.place_id
    shop.delete()
    Place.objects.filter(pk=place_id).delete()
    Company.objects.filter(pk=company_id).delete()
    get_user_model().objects.filter(username__startswith=f"bench-{tag}-").delete()


def run(database_url: str | None = None) -> dict:
    """Both runs; returns {"last_item": {...}, "fifty_of_200": {...}, "ok": bool}."""
    _setup(database_url)
    from django.db import connection
    from django.utils import timezone

    from openkreis.marketplace.models import Product

    tag = uuid.uuid4().hex[:8]
    try:
        shop = _shop(tag)
        people = _customers(tag, 200)
        last = Product.objects.create(
            shop=shop, sku="LAST", name="Letztes Stück", stock=1, stock_updated_at=timezone.now()
        )
        fifty = Product.objects.create(
            shop=shop, sku="FIFTY", name="Fünfzig Stück", stock=50, stock_updated_at=timezone.now()
        )
        connection.close()  # the workers take their own connections
        result = {
            "vendor": connection.vendor,
            "last_item": _race(last, people[:50], threads=50),
            "fifty_of_200": _race(fifty, people, threads=50),
        }
    finally:
        _cleanup(tag)
    result["ok"] = (
        result["last_item"]["succeeded"] == 1
        and result["fifty_of_200"]["succeeded"] == 50
        and result["last_item"]["oversold"] == 0 == result["fifty_of_200"]["oversold"]
        and result["last_item"]["errors"] == 0 == result["fifty_of_200"]["errors"]
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    result = run(args.database_url)
    print(f"database: {result['vendor']}")
    for name, goal in (("last_item", 1), ("fifty_of_200", 50)):
        r = result[name]
        print(
            f"{name}: {r['attempts']} clients ({r['threads']} threads): succeeded "
            f"{r['succeeded']} (goal {goal}), refused {r['refused']}, errors {r['errors']}, "
            f"oversold {r['oversold']}, stock {r['stock']} reserved {r['reserved']}, "
            f"{r['seconds']} s"
        )
        for sample in r["error_samples"]:
            print(f"  error: {sample}")
    print("goal met" if result["ok"] else "GOAL MISSED")
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
