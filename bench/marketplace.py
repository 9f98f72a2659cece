"""Einkaufen im Harz benchmark (issue 22), in-process on PostgreSQL.

Run by hand (not while others use the machine): `.venv/bin/python bench/marketplace.py`
(default postgresql://postgres@127.0.0.1:5432, database `openkreis_bench_marketplace`). It
1. creates its own database, migrates it and loads Landkreis Harz (`--reuse` keeps an existing
   one with its generated shops and products),
2. makes --shops shops (default 500: company, Harz-Kompass place spread over the county with
   opening hours from a mix, shop) and --products products (default 1,000,000) in one SQL
   statement per 100,000 (generate_series over German word lists: product kinds × brands ×
   attributes, GTIN-13 with valid check digits, stock 0–20, a tenth with stock not known),
3. indexes them (`catalog.fulltext.index("products")`: the weighted German tsvector, one
   UPDATE per batch, and the stems into the trigram vocabulary) — products per second,
4. times --searches calls of `marketplace.search.search(...)` (M1) over a realistic mix:
   exact, typo, synonym, compound part, prefix, two words; half near a point, a fifth open
   now, a fifth click & collect — p50/p99 against p99 < 50 ms, per kind of query too,
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

from directory import BOX, HOURS_MIX, load  # noqa: E402 (the Harz-Kompass bench's county box)
from submit import env as server_env  # noqa: E402 (the shared bench helpers)
from submit import percentile  # noqa: E402

DB_NAME = "openkreis_bench_marketplace"
SEARCH_CEILING_MS = 50
PREFIX = "bench-shop-"
CHUNK = 100_000

# (kind, category): what people look for in a county's shops; compounds on purpose
KINDS = [
    ("Akkuschrauber", "Werkzeug"), ("Bohrschrauber", "Werkzeug"), ("Steinbohrer", "Werkzeug"),
    ("Holzbohrer", "Werkzeug"), ("Metallbohrer", "Werkzeug"), ("Schraubendreher", "Werkzeug"),
    ("Hammer", "Werkzeug"), ("Wasserwaage", "Werkzeug"), ("Zollstock", "Werkzeug"),
    ("Holzschrauben", "Eisenwaren"), ("Dübel", "Eisenwaren"), ("Nägel", "Eisenwaren"),
    ("Verlängerungskabel", "Elektro"), ("Steckdosenleiste", "Elektro"), ("Glühbirne", "Elektro"),
    ("Taschenlampe", "Elektro"), ("Batterien", "Elektro"), ("Ladekabel", "Elektronik"),
    ("Smartphone", "Elektronik"), ("Kopfhörer", "Elektronik"), ("Powerbank", "Elektronik"),
    ("Fernseher", "Elektronik"), ("Radiowecker", "Elektronik"), ("Speicherkarte", "Elektronik"),
    ("Wanderschuhe", "Schuhe"), ("Turnschuhe", "Schuhe"), ("Gummistiefel", "Schuhe"),
    ("Hausschuhe", "Schuhe"), ("Sandalen", "Schuhe"), ("Regenjacke", "Mode"),
    ("Winterjacke", "Mode"), ("Fleecejacke", "Mode"), ("Jeans", "Mode"), ("Pullover", "Mode"),
    ("Mütze", "Mode"), ("Handschuhe", "Mode"), ("Schal", "Mode"), ("Socken", "Mode"),
    ("Rucksack", "Sport"), ("Schlafsack", "Sport"), ("Zelt", "Sport"), ("Trinkflasche", "Sport"),
    ("Fahrradschloss", "Fahrrad"), ("Fahrradhelm", "Fahrrad"), ("Fahrradschlauch", "Fahrrad"),
    ("Luftpumpe", "Fahrrad"), ("Fahrradlampe", "Fahrrad"), ("Schulranzen", "Schule"),
    ("Füller", "Schreibwaren"), ("Kugelschreiber", "Schreibwaren"), ("Bleistift", "Schreibwaren"),
    ("Schulheft", "Schreibwaren"), ("Radiergummi", "Schreibwaren"), ("Malkasten", "Schule"),
    ("Kaffeemühle", "Haushalt"), ("Wasserkocher", "Haushalt"), ("Bratpfanne", "Haushalt"),
    ("Kochtopf", "Haushalt"), ("Küchenmesser", "Haushalt"), ("Schneidebrett", "Haushalt"),
    ("Thermoskanne", "Haushalt"), ("Staubsauger", "Haushalt"), ("Bügeleisen", "Haushalt"),
    ("Blumenerde", "Garten"), ("Gießkanne", "Garten"), ("Gartenschere", "Garten"),
    ("Rasensamen", "Garten"), ("Blumentopf", "Garten"), ("Vogelfutter", "Tierbedarf"),
    ("Hundeleine", "Tierbedarf"), ("Katzenstreu", "Tierbedarf"), ("Puzzle", "Spielwaren"),
    ("Brettspiel", "Spielwaren"), ("Kuscheltier", "Spielwaren"), ("Bauklötze", "Spielwaren"),
    ("Sonnencreme", "Drogerie"), ("Zahnbürste", "Drogerie"), ("Pflaster", "Drogerie"),
    ("Lesebrille", "Optik"), ("Armbanduhr", "Schmuck"), ("Kerze", "Geschenke"),
    ("Harzer Käse", "Lebensmittel"), ("Honig", "Lebensmittel"), ("Brocken-Kräuterlikör", "Lebensmittel"),
]  # fmt: skip
BRANDS = (
    "Bosch Makita Metabo Einhell Fischer Wolfcraft Varta Philips Samsung Sony JBL Anker "
    "Lowa Meindl Adidas Puma Jack-Wolfskin Vaude Deuter Abus Uvex Schwalbe Pelikan Lamy "
    "Staedtler Herlitz Scout WMF Fissler Tefal Zwilling Gardena Fiskars Compo Ravensburger "
    "Haba Schleich Nivea Dr.Best Fielmann Casio Harzer-Landmarke Harzhonig Lidl-frei"
).split()
ATTRIBUTES = (
    "schwarz|blau|rot|grün|grau|weiß|Größe S|Größe M|Größe L|Größe 42|Größe 38|18 V|12 V|"
    "10 Stück|50 Stück|1 Liter|5 Liter|wasserdicht|für Kinder|Profi|Set|klein|groß|"
    "aus Holz|aus Edelstahl|mit Akku|leicht|robust|nachhaltig|regional"
).split("|")

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
        companies = Company.objects.bulk_create(Company(name=f"Bench-Laden {i}") for i in numbers)
        places = Place.objects.bulk_create(
            Place(
                slug=f"{PREFIX}{i}",
                name=f"Bench-Laden {i}",
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
                click_collect=rng.random() < 0.6,
                loyalty=rng.random() < 0.5,
            )
            for i, company, place in zip(numbers, companies, places, strict=True)
        )
    hours.rebuild_intervals(places)
    return len(places)


PRODUCTS_SQL = """
INSERT INTO marketplace_product
    (shop_id, sku, gtin, name, brand, category, description, price, stock, reserved,
     stock_updated_at, active, created_at, updated_at)
SELECT shops[1 + (i * 7919) %% cardinality(shops)],
       'B-' || i,
       base || ((10 - (SELECT sum(substr(base, k, 1)::int * (CASE WHEN k %% 2 = 0 THEN 3 ELSE 1 END))
                       FROM generate_series(1, 12) k) %% 10) %% 10)::text,
       kind || ' ' || attribute || CASE WHEN i %% 3 = 0 THEN ' ' || brand ELSE '' END,
       brand, category,
       'Ein ' || kind || ' von ' || brand || ', ' || attribute || '. Im Laden vorrätig.',
       round((5 + (i * 37) %% 300)::numeric + 0.99, 2),
       stock, 0,
       CASE WHEN i %% 10 = 0 THEN NULL ELSE now() - ((i %% 720) || ' minutes')::interval END,
       true, now(), now()
FROM (
    SELECT i,
           %(shops)s::bigint[] AS shops,
           '400' || lpad((i %% 1000000000)::text, 9, '0') AS base,
           (%(kinds)s::text[])[1 + (i * 31 + i / 97) %% %(nkinds)s] AS kind,
           (%(categories)s::text[])[1 + (i * 31 + i / 97) %% %(nkinds)s] AS category,
           (%(brands)s::text[])[1 + (i * 13 + i / 7) %% %(nbrands)s] AS brand,
           (%(attributes)s::text[])[1 + (i * 17 + i / 11) %% %(nattributes)s] AS attribute,
           CASE WHEN i %% 10 = 0 THEN 0 ELSE (i * 2654435761) %% 21 END AS stock
    FROM generate_series(%(start)s::bigint, %(stop)s::bigint) AS i
) AS g
"""


def generate_products(n: int) -> tuple[int, float]:
    """`n` bench products over the bench shops, in chunks of CHUNK; (made, seconds)."""
    from django.db import connection, transaction

    from openkreis.marketplace.models import Product, Shop

    have = Product.objects.filter(sku__startswith="B-").count()
    if have >= n:
        return 0, 0.0
    shops = list(Shop.objects.filter(slug__startswith=PREFIX).values_list("pk", flat=True))
    params = {
        "shops": shops,
        "kinds": [k for k, _c in KINDS],
        "categories": [c for _k, c in KINDS],
        "nkinds": len(KINDS),
        "brands": list(BRANDS),
        "nbrands": len(BRANDS),
        "attributes": list(ATTRIBUTES),
        "nattributes": len(ATTRIBUTES),
    }
    start = time.perf_counter()
    for first in range(have, n, CHUNK):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                PRODUCTS_SQL, {**params, "start": first, "stop": min(first + CHUNK, n) - 1}
            )
        print(f"    {min(first + CHUNK, n):,} products", flush=True)
    return n - have, time.perf_counter() - start


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
