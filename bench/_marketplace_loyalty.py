"""Einkaufen im Harz: loyalty postings per second (issue 22: "loyalty postings per second next
to a bare insert").

`run(database_url=None) -> dict` is called by bench/marketplace.py (in its process, after it
set Django up on its database); run by hand it sets Django up itself:
`.venv/bin/python bench/_marketplace_loyalty.py [--database-url postgresql://…/db]
[--clients 16] [--postings 8000]` (default: its own database
`openkreis_bench_marketplace_loyalty` on postgresql://postgres@127.0.0.1:5432, created and
migrated).

What it measures, in one run with the same number of concurrent clients (threads, each with
its own database connection, started together at a barrier, taking work from one queue):
1. postings: `loyalty.earn` — the real service: card lookup, the shop's and the card's day
   counters (INSERT … ON CONFLICT, conditional UPDATE), two balance updates, the transaction,
   its two entries, the event — over --shops shops and --cards cards chosen at random;
2. bare: one LedgerEntry row per posting (`LedgerEntry.objects.create`, amount 0 on an
   existing booking, each its own committed transaction, deleted afterwards): the floor of
   a committed ORM write of a ledger row on this database and machine, with the same
   clients in the same Python process.
Figures: postings/s, bare inserts/s, their ratio, p50/p99 per posting, refusals and errors
(both must be 0: the bench lifts the day limits while it runs), and the ledger check after
it (`loyalty.check_ledger()`, must be empty). The bench's rows are deleted afterwards (the
cockpit events stay: the event log is append-only).
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OWN_DB = "openkreis_bench_marketplace_loyalty"
SERVER = "postgresql://postgres@127.0.0.1:5432"


def _django(database_url: str | None) -> None:
    """Set Django up on `database_url` (by hand: the bench's own database); nothing when the
    caller did it already."""
    from django.conf import settings

    if settings.configured:
        return
    if not database_url:
        import psycopg

        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [OWN_DB])
            if found.fetchone() is None:
                admin.execute(f'CREATE DATABASE "{OWN_DB}"')
        database_url = f"{SERVER}/{OWN_DB}"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openkreis.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share / 100 * (len(ordered) - 1))))]


class _Lifted:
    """The scheme's day limits lifted while the bench runs (restored afterwards)."""

    FIELDS = ("shop_daily_points", "card_daily_transactions", "card_daily_points")

    def __enter__(self):
        from openkreis.marketplace.models import Scheme

        self.scheme = Scheme.objects.order_by("pk").first()
        self.made = self.scheme is None
        if self.made:
            self.scheme = Scheme.objects.create(name="Bench")
        self.saved = {field: getattr(self.scheme, field) for field in self.FIELDS}
        Scheme.objects.filter(pk=self.scheme.pk).update(
            shop_daily_points=2_000_000_000,
            card_daily_transactions=32_000,
            card_daily_points=2_000_000_000,
        )
        return self

    def __exit__(self, *exc):
        from openkreis.marketplace.models import Scheme

        if self.made:
            Scheme.objects.filter(pk=self.scheme.pk).delete()
        else:
            Scheme.objects.filter(pk=self.scheme.pk).update(**self.saved)


def _make(tag: str, shops: int, cards: int) -> tuple[list, list[str]]:
    """`shops` active loyalty shops and `cards` cards with their accounts (bulk)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from openkreis.accounts.models import Company
    from openkreis.directory.models import Category, Place
    from openkreis.marketplace import loyalty
    from openkreis.marketplace.models import LedgerAccount, LoyaltyCard, Shop

    category, _created = Category.objects.get_or_create(
        slug="einzelhandel", defaults={"name": "Geschäft", "group": "shopping"}
    )
    made = []
    for i in range(shops):
        slug = f"bench-loyalty-{tag}-{i}"
        place = Place.objects.create(
            slug=slug, name=f"Bonus-Bench {i}", category=category, lat=51.8, lon=10.8
        )
        company = Company.objects.create(name=f"Bonus-Bench {tag} {i}")
        made.append(
            Shop.objects.create(
                slug=slug, company=company, place=place, loyalty=True, status="active"
            )
        )
    User = get_user_model()
    no_password = make_password(None)
    User.objects.bulk_create(
        [User(username=f"bench-loyalty-{tag}-{i}", password=no_password) for i in range(cards)],
        batch_size=1000,
    )
    users = User.objects.filter(username__startswith=f"bench-loyalty-{tag}-")
    numbers = {user.pk: loyalty.new_number() for user in users.only("pk")}
    LoyaltyCard.objects.bulk_create(
        [LoyaltyCard(user_id=pk, number=number) for pk, number in numbers.items()],
        batch_size=1000,
    )
    card_ids = LoyaltyCard.objects.filter(user__in=users).values_list("pk", flat=True)
    LedgerAccount.objects.bulk_create(
        [LedgerAccount(kind="customer", card_id=pk) for pk in card_ids], batch_size=1000
    )
    return made, list(numbers.values())


def _clients(work: list, do, clients: int) -> dict:
    """Run `do(item)` for every item of `work` from `clients` threads (own connections)
    started together; returns counts, seconds and per-item milliseconds."""
    from django.db import connection

    from openkreis.marketplace.loyalty import LoyaltyError

    todo: queue.SimpleQueue = queue.SimpleQueue()
    for item in work:
        todo.put(item)
    start = threading.Barrier(clients + 1)
    lock = threading.Lock()
    tally = {"done": 0, "refused": 0, "errors": 0, "ms": [], "samples": []}

    def client():
        timings, done, refused, failures = [], 0, 0, []
        try:
            connection.ensure_connection()
            start.wait()
            while True:
                try:
                    item = todo.get_nowait()
                except queue.Empty:
                    break
                t0 = time.perf_counter()
                try:
                    do(item)
                    done += 1
                except LoyaltyError:
                    refused += 1
                except Exception as exc:  # noqa: BLE001 - counted and shown
                    failures.append(repr(exc)[:200])
                timings.append((time.perf_counter() - t0) * 1000)
        finally:
            connection.close()
        with lock:
            tally["done"] += done
            tally["refused"] += refused
            tally["errors"] += len(failures)
            tally["samples"] += failures[:2]
            tally["ms"] += timings

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    tally["seconds"] = time.perf_counter() - began
    return tally


def _bare(count: int, clients: int) -> dict:
    """One LedgerEntry row per posting through the ORM (amount 0: no sum changes), each its
    own committed transaction; deleted afterwards."""
    from django.db import connection

    from openkreis.marketplace.models import LedgerEntry, LedgerTransaction

    booking = LedgerTransaction.objects.order_by("-pk").values_list("pk", flat=True).first()
    account = LedgerEntry.objects.filter(transaction_id=booking).values_list(
        "account_id", flat=True
    )[0]
    connection.close()
    made: list[int] = []

    def insert(_i: int) -> None:
        made.append(
            LedgerEntry.objects.create(transaction_id=booking, account_id=account, amount=0).pk
        )

    try:
        return _clients(list(range(count)), insert, clients)
    finally:
        LedgerEntry.objects.filter(pk__in=made).delete()


def _cleanup(tag: str) -> None:
    from django.contrib.auth import get_user_model

    from openkreis.accounts.models import Company
    from openkreis.directory.models import Place
    from openkreis.marketplace.models import (
        LedgerAccount,
        LedgerEntry,
        LedgerTransaction,
        LoyaltyCard,
        LoyaltyDay,
        Settlement,
        Shop,
    )

    shops = Shop.objects.filter(slug__startswith=f"bench-loyalty-{tag}-")
    users = get_user_model().objects.filter(username__startswith=f"bench-loyalty-{tag}-")
    bookings = LedgerTransaction.objects.filter(shop__in=shops)
    LedgerEntry.objects.filter(transaction__in=bookings).delete()
    bookings.delete()
    LedgerAccount.objects.filter(shop__in=shops).delete()
    LedgerAccount.objects.filter(card__user__in=users).delete()
    LoyaltyDay.objects.filter(shop__in=shops).delete()
    Settlement.objects.filter(shop__in=shops).delete()
    LoyaltyCard.objects.filter(user__in=users).delete()
    places = list(shops.values_list("place_id", flat=True))
    companies = list(shops.values_list("company_id", flat=True))
    shops.delete()
    Place.objects.filter(pk__in=places).delete()
    Company.objects.filter(pk__in=companies).delete()
    users.delete()


def run(
    database_url: str | None = None,
    *,
    clients: int = 16,
    postings: int = 8000,
    shops: int = 50,
    cards: int = 5000,
) -> dict:
    """Postings per second next to bare inserts; returns the figures and `ok` (no errors,
    no refusals, ledger check clean)."""
    _django(database_url)
    from django.db import connection

    from openkreis.marketplace import loyalty

    tag = uuid.uuid4().hex[:8]
    rng = random.Random(22)
    result: dict = {"vendor": connection.vendor, "clients": clients, "shops": shops}
    try:
        with _Lifted():
            made, numbers = _make(tag, shops, cards)
            result["cards"] = len(numbers)
            # 1 € to 120 €: 1 to 120 points a posting
            work = [
                (rng.choice(made), rng.choice(numbers), rng.randint(100, 12_000))
                for _ in range(postings)
            ]
            connection.close()
            earned = _clients(work, lambda job: loyalty.earn(*job), clients)
        problems = loyalty.check_ledger()
        bare = _bare(postings, clients)
    finally:
        _cleanup(tag)
    rate = earned["done"] / earned["seconds"] if earned["seconds"] else 0.0
    bare_rate = bare["done"] / bare["seconds"] if bare["seconds"] else 0.0
    result.update(
        {
            "postings": earned["done"],
            "refused": earned["refused"],
            "errors": earned["errors"] + bare["errors"],
            "error_samples": (earned["samples"] + bare["samples"])[:3],
            "seconds": round(earned["seconds"], 3),
            "postings_per_second": round(rate, 1),
            "posting_p50_ms": round(_percentile(earned["ms"], 50), 2),
            "posting_p99_ms": round(_percentile(earned["ms"], 99), 2),
            "bare_inserts": bare["done"],
            "bare_seconds": round(bare["seconds"], 3),
            "bare_per_second": round(bare_rate, 1),
            "bare_p99_ms": round(_percentile(bare["ms"], 99), 2),
            "ratio": round(rate / bare_rate, 3) if bare_rate else 0.0,
            "ledger_problems": problems[:5],
        }
    )
    result["ok"] = result["postings"] == postings and not result["errors"] and not problems
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--postings", type=int, default=8000)
    parser.add_argument("--shops", type=int, default=50)
    parser.add_argument("--cards", type=int, default=5000)
    args = parser.parse_args()
    r = run(
        args.database_url,
        clients=args.clients,
        postings=args.postings,
        shops=args.shops,
        cards=args.cards,
    )
    print(
        f"\nloyalty postings — {r['vendor']}; {r['clients']} clients (threads, own "
        f"connections); {r['shops']} shops, {r['cards']:,} cards; {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
    )
    print("| figure | value | peer / goal | verdict |")
    print("| --- | --- | --- | --- |")
    print(
        f"| postings (earn: counters, 2 balances, transaction, 2 entries, event) | "
        f"{r['postings']:,} in {r['seconds']} s = {r['postings_per_second']:,}/s "
        f"(p50 {r['posting_p50_ms']} ms, p99 {r['posting_p99_ms']} ms) "
        f"| bare insert of one LedgerEntry (ORM): {r['bare_per_second']:,}/s "
        f"(p99 {r['bare_p99_ms']} ms) | ratio {r['ratio']:.1%} |"
    )
    print(
        f"| refused / errors | {r['refused']} / {r['errors']} | 0 / 0 "
        f"| {'met' if not r['refused'] and not r['errors'] else 'MISSED'} |"
    )
    print(
        f"| ledger check afterwards | {len(r['ledger_problems'])} problems | 0 "
        f"| {'met' if not r['ledger_problems'] else 'MISSED'} |"
    )
    for sample in r["error_samples"] + r["ledger_problems"]:
        print(f"  {sample}")
    sys.exit(0 if r["ok"] else 1)


if __name__ == "__main__":
    main()
