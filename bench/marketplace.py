"""Einkaufen im Harz benchmark (issue 22), in-process on PostgreSQL.

Run by hand (not while others use the machine): `.venv/bin/python bench/marketplace.py`
(default postgresql://postgres@127.0.0.1:5432, database `openkreis_bench_marketplace`). It
1. creates its own database, migrates it and loads Landkreis Harz (`--reuse` keeps an existing
   one with its generated shops and products),
2. makes --shops shops (default 500: company, Harz-Kompass place spread over the county with
   opening hours from a mix, shop) of the trades of a county's retail in its proportions and
   --products products (default 1,000,000, ~2,000 per shop) from each trade's catalogue
   (bench/_marketplace_catalogue.py: ≥ 100 German product kinds per trade, compounds,
   brands, attributes, generated book titles; GTIN-13 with valid check digits, stock 0–20,
   a tenth with stock not known), one COPY per shop. A broad word ("Schokolade") then finds
   a few thousand products, a specific one ("Stichsäge") hundreds,
3. indexes them (`catalog.fulltext.index("products")`: the weighted German tsvector, one
   UPDATE per batch, and the stems into the trigram vocabulary) — products per second,
4. times --searches calls of `marketplace.search.search(...)` (M1) over a realistic mix:
   exact, typo, synonym, compound part, prefix, two words, broad, specific; half near a
   point, a fifth open now, a fifth click & collect — p50/p99 against p99 < 50 ms, per kind
   of query too, with the number found (broad words: "more than" MAX_RANKED),
5. calls the reservation and loyalty parts when present (`bench/_marketplace_reserve.py`,
   `bench/_marketplace_loyalty.py`, each `run(database_url) -> dict`) and prints their figures.
Printed: a table with every figure next to its ceiling, the load average and a UTC timestamp.
`--products 50000` is a smoke test that it works.
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import _marketplace_catalogue as catalogue  # noqa: E402 (the county's retail catalogue)
from directory import BOX, HOURS_MIX, load  # noqa: E402 (the Harz-Kompass bench's county box)
from submit import env as server_env  # noqa: E402 (the shared bench helpers)
from submit import percentile  # noqa: E402

DB_NAME = "openkreis_bench_marketplace"
SEARCH_CEILING_MS = 50
PREFIX = "bench-shop-"
CHUNK = 100_000

# (kind of query, text): every word as people type it
QUERIES = [
    ("exact", "Akkuschrauber"), ("exact", "Wanderschuhe"), ("exact", "Regenjacke"),
    ("exact", "Kaffeemühle"), ("exact", "Schulranzen"), ("exact", "Fahrradschloss"),
    ("exact", "Blumenerde"), ("exact", "Honig"),
    ("word form", "Schulhefte"), ("word form", "Kerzen"), ("word form", "Taschenlampen"),
    ("typo", "akuschrauber"), ("typo", "wanderschue"), ("typo", "regnejacke"),
    ("typo", "kafeemühle"), ("typo", "fahradschloss"),
    ("synonym", "Handy"), ("synonym", "Sneaker"), ("synonym", "Kuli"), ("synonym", "Ranzen"),
    ("compound part", "bohrer"), ("compound part", "jacke"), ("compound part", "schuhe"),
    ("compound part", "kabel"),
    ("prefix", "akku"), ("prefix", "wander"), ("prefix", "fahrrad"), ("prefix", "gieß"),
    ("two words", "bosch akkuschrauber"), ("two words", "regenjacke blau"),
    ("two words", "lowa wanderschuhe"), ("two words", "honig regional"),
    ("broad", "Schokolade"), ("broad", "Brot"), ("broad", "Käse"), ("broad", "Wurst"),
    ("broad", "Kuchen"), ("broad", "Creme"),
    ("specific", "Stichsäge"), ("specific", "Gießkanne"), ("specific", "Fernglas"),
    ("specific", "Eierschecke"),
    ("nothing", "einhornsattel"),
]  # fmt: skip


def _admin(pg: str, sql: str, params=()):
    import psycopg

    with psycopg.connect(pg + "/postgres", autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchone() if cursor.description else None


def setup_db(pg: str, reuse: bool) -> bool:
    """Create (or reuse) the database, migrate, load Harz; True when it was reused."""
    exists = _admin(pg, "SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]) is not None
    if not (reuse and exists):
        _admin(pg, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        _admin(pg, f'CREATE DATABASE "{DB_NAME}"')
    os.environ.update(
        {
            **server_env(f"{pg}/{DB_NAME}"),
            "OPENKREIS_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "OPENKREIS_LOG_LEVEL": "ERROR",
            "OPENKREIS_TENANT": "harz",
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    if reuse and exists:
        return True
    call_command("load_tenant", str(ROOT / "tenants" / "harz"), "--no-pages", verbosity=0)
    return False


def generate_shops(n: int, seed: int = 22) -> int:
    from django.db import transaction

    from openkreis.accounts.models import Company
    from openkreis.core.models import Region
    from openkreis.directory import hours
    from openkreis.directory.models import Category, Place
    from openkreis.marketplace.models import Shop

    have = Shop.objects.filter(slug__startswith=PREFIX).count()
    if have >= n:
        return 0
    rng = random.Random(seed + have)
    category, _ = Category.objects.get_or_create(
        slug="einzelhandel", defaults={"name": "Geschäft", "group": "shopping"}
    )
    towns = list(Region.objects.filter(kind=Region.Kind.MUNICIPALITY)) or [None]
    shop_hours = [h for _w, h in HOURS_MIX if h] + ["Mo-Fr 09:00-18:00; Sa 09:00-14:00"] * 6
    with transaction.atomic():
        numbers = range(have, n)
        trades = catalogue.shop_trades(n, random.Random(seed))
        companies = Company.objects.bulk_create(Company(name=f"Bench-Laden {i}") for i in numbers)
        places = Place.objects.bulk_create(
            Place(
                slug=f"{PREFIX}{i}",
                name=f"{trades[i].label} {i}",
                category=category,
                municipality=(town := rng.choice(towns)),
                town=town.name if town else "",
                street=f"Marktstraße {i % 90 + 1}",
                postcode="38855",
                lat=rng.uniform(BOX[0], BOX[1]),
                lon=rng.uniform(BOX[2], BOX[3]),
                opening_hours=rng.choice(shop_hours),
                source="manual",
            )
            for i in numbers
        )
        Shop.objects.bulk_create(
            Shop(
                slug=f"{PREFIX}{i}",
                company=company,
                place=place,
                status=Shop.Status.ACTIVE,
                category=trades[i].slug,
                click_collect=rng.random() < 0.6,
                loyalty=rng.random() < 0.5,
            )
            for i, company, place in zip(numbers, companies, places, strict=True)
        )
    hours.rebuild_intervals(places)
    return len(places)


def _gtin(i: int) -> str:
    base = f"400{i % 1_000_000_000:09d}"
    check = (10 - sum(int(d) * (3 if k % 2 else 1) for k, d in enumerate(base)) % 10) % 10
    return base + str(check)


def generate_products(n: int, seed: int = 7) -> tuple[int, float]:
    """About n / shops articles per bench shop from its trade's catalogue
    (bench/_marketplace_catalogue.py), written by COPY; (made, seconds)."""
    from django.db import connection, transaction

    from openkreis.marketplace.models import Product, Shop

    have = Product.objects.filter(sku__startswith="B-").count()
    if have >= n:
        return 0, 0.0
    shops = list(
        Shop.objects.filter(slug__startswith=PREFIX).order_by("pk").values_list("pk", "place__name")
    )
    per_shop = -(-n // len(shops))
    trades = {t.label: t for t in catalogue.TRADES}
    rng = random.Random(seed)
    columns = (
        "shop_id, sku, gtin, name, brand, category, description, price, stock, reserved, "
        "stock_updated_at, active, created_at, updated_at"
    )
    start = time.perf_counter()
    made = 0
    now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
    for number, (shop_id, place_name) in enumerate(shops):
        if made + have >= n:
            break
        trade = trades.get(place_name.rsplit(" ", 1)[0]) or rng.choice(catalogue.TRADES)
        kinds = trade.kinds()
        rows = []
        for _ in range(min(per_shop, n - have - made)):
            i = have + made + len(rows)
            name, brand, category, description = catalogue.product(trade, kinds, rng)
            stock = 0 if i % 10 == 0 else rng.randint(0, 20)
            low, high = trade.price
            rows.append(
                (
                    shop_id, f"B-{i}", _gtin(i), name[:200], brand, category, description,
                    round(rng.uniform(low, high), 2), stock, 0,
                    None if i % 10 == 0 else now, True, now, now,
                )
            )  # fmt: skip
        copy_sql = f"COPY marketplace_product ({columns}) FROM STDIN"
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(copy_sql) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        made += len(rows)
        if number % 50 == 49:
            print(f"    {have + made:,} products", flush=True)
    return made, time.perf_counter() - start


def index_products() -> tuple[int, float]:
    from django.db import transaction

    from openkreis.catalog import fulltext

    start = time.perf_counter()
    with transaction.atomic():
        done = fulltext.index("products")
    return done, time.perf_counter() - start


def search_mix(searches: int, seed: int = 11) -> tuple[dict, dict]:
    """(overall, per kind of query): p50/p99 in ms and the average number found."""
    from django.utils import timezone

    from openkreis.marketplace import search

    rng = random.Random(seed)
    now = timezone.now()
    calls = []
    for i in range(searches):
        kind, text = QUERIES[i % len(QUERIES)]
        p: dict = {"q": text}
        if rng.random() < 0.5:
            p.update(lat=rng.uniform(BOX[0], BOX[1]), lon=rng.uniform(BOX[2], BOX[3]))
        if rng.random() < 0.2:
            p.update(open_now=True, at=now)
        if rng.random() < 0.2:
            p["click_collect"] = True
        calls.append((kind, p))
    for _kind, p in calls[:30]:  # warm the caches
        search.search(**p)
    timings: dict[str, list[float]] = {}
    found: dict[str, list[int]] = {}
    for kind, p in calls:
        t0 = time.perf_counter()
        _hits, total = search.search(**p)
        timings.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
        found.setdefault(kind, []).append(total)
    every = [t for ts in timings.values() for t in ts]
    overall = {"p50": percentile(every, 50), "p99": percentile(every, 99), "n": len(every)}
    per_kind = {
        kind: {
            "p50": percentile(ts, 50),
            "p99": percentile(ts, 99),
            "found": sum(found[kind]) / len(found[kind]),
        }
        for kind, ts in timings.items()
    }
    return overall, per_kind


def other_parts(database_url: str) -> list[tuple[str, dict | str]]:
    """The reservation (M4) and loyalty (M5) benches, when their modules exist."""
    results = []
    for module in ("_marketplace_reserve", "_marketplace_loyalty"):
        if not (ROOT / "bench" / f"{module}.py").exists():
            results.append((module, "not present"))
            continue
        try:
            results.append((module, importlib.import_module(module).run(database_url)))
        except Exception as exc:  # noqa: BLE001 - a broken part must not hide the search figures
            results.append((module, f"failed: {exc!r}"))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--shops", type=int, default=500)
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--searches", type=int, default=2_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--skip-others", action="store_true", help="search figures only")
    args = parser.parse_args()

    print("Einkaufen im Harz benchmark: database, Harz …", flush=True)
    setup_db(args.pg, args.reuse)
    made_shops = generate_shops(args.shops)
    if made_shops:
        print(f"  {made_shops:,} shops", flush=True)
    made, gen_s = generate_products(args.products)
    index_s, indexed = 0.0, 0
    if made:
        print(f"  {made:,} products in {gen_s:.0f} s", flush=True)
        indexed, index_s = index_products()
        print(f"  {indexed:,} products indexed in {index_s:.0f} s", flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT count(*) FROM catalog_searchterm WHERE collection = 'products'")
        terms = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_relation_size('marketplace_product_search'))")
        gin_size = cursor.fetchone()[0]
    from openkreis.marketplace.models import Product, Shop

    products = Product.objects.count()
    shops = Shop.objects.filter(status="active").count()

    overall, per_kind = search_mix(args.searches)
    others = [] if args.skip_others else other_parts(f"{args.pg}/{DB_NAME}")

    print(
        f"\nEinkaufen im Harz — {products:,} products in {shops:,} shops, {terms:,} stems in "
        f"the vocabulary, GIN index {gin_size}, on PostgreSQL, in-process; {load()}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print("| figure | value | ceiling | verdict |")
    print("| --- | --- | --- | --- |")
    if indexed:
        print(
            f"| indexing `catalog.fulltext.index('products')` (vectors + vocabulary) | "
            f"{indexed / max(index_s, 1e-9):,.0f} products/s ({index_s:.0f} s) | – | – |"
        )
    print(
        f"| product search `marketplace.search.search(...)`, {overall['n']} searches "
        f"(half near a point, a fifth open now, a fifth click & collect) | "
        f"p50 {overall['p50']:.1f} / p99 {overall['p99']:.1f} ms | p99 < {SEARCH_CEILING_MS} ms | "
        f"{'met' if overall['p99'] < SEARCH_CEILING_MS else 'MISSED'} |"
    )
    for kind, figures in per_kind.items():
        print(
            f"| … {kind} ({figures['found']:,.0f} found on average) | "
            f"p50 {figures['p50']:.1f} / p99 {figures['p99']:.1f} ms | – | – |"
        )
    for module, result in others:
        print(f"| {module} | {result} | – | – |")


if __name__ == "__main__":
    main()
