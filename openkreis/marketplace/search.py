"""'Wo bekomme ich …?': the product search across every shop (docs/marketplace.md).

The words go to the project's full-text layer (catalog.fulltext, collection "products":
PostgreSQL's German full-text search with trigram typo and compound matching, or the
in-process engine on SQLite). Among the matching products of active shops the order is, in
one SQL expression:

    relevance (0..1) × stock (available 1, stock unknown 0.4, none left 0.15)
                     × nearness (1 / (1 + km / 5), when a point is given)

so a product in stock 3 km away beats the same product sold out next door, and an exact
name beats a typo or a compound. Filters: open now (the shop's place among the places with
an opening interval covering the moment: one indexed sub-select), click & collect, the
shop's category. Each hit carries its product, shop and place, the distance and the
opening state (directory.search.annotate) — one page read with its shops and places.

Work per search (PostgreSQL): the shops' word counts (ShopTerm, kept by triggers) bound
the number of matches per shop from below and above without touching a product
(`shop_bounds`). At most MAX_RANKED: all matches are ranked, counted and paged in ONE query
(`rank`: the scores computed once in a CTE). Surely more: no count; the nearest shops whose
upper bounds reach RING_MATCHES (at least the page's end) form a ring around the point
(without a point: the county's middle), the nearest of their matches (by the shop's
distance, then id) are ranked exactly, read by walking the ring's products or by the GIN
bitmap, whichever is cheaper; the total then reads "more than MAX_RANKED". Unsure: one
count decides; rings that hold too few grow (`nearest_shops`, also the in-memory engine's
path). Deterministic, and what a customer asks: the best near him.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Case, F, FloatField, QuerySet, Value, When
from django.db.models.functions import Sqrt
from django.utils import timezone

from openkreis.catalog import fulltext
from openkreis.catalog.fulltext import Collection
from openkreis.core import event_kinds
from openkreis.core.geo import EARTH_RADIUS_M
from openkreis.core.models import Region
from openkreis.core.services import record_event
from openkreis.directory import hours
from openkreis.directory import search as places_search
from openkreis.directory.models import Place

from .models import MissedSearch, Product, Scheme, Shop, ShopTerm

COLLECTION = "products"
# ranking factors (see the module docstring)
IN_STOCK = 1.0
STOCK_UNKNOWN = 0.4
SOLD_OUT = 0.15
NEAR_KM = 5.0  # at this distance a product counts half as much as one next door
MAX_QUERY = 100
MAX_RANKED = 2000  # matches ranked exactly; beyond, the nearest shops' (see search())
RING_MATCHES = 100  # a broad word's matches ranked at least: 5 pages (later pages widen it)
FIRST_RING = 8  # shops in the first ring (see nearest_shops)
SPARSE = 30_000  # matches in the county below which a ring's are found by bitmaps
# the upper bounds count a product once per stem of the word it carries ("Wanderschuhe",
# category "Schuhe"): the ring takes a quarter more
RING_MARGIN = 1.25
PREFIX_MIN = 3  # a shorter last word is no bounded prefix (see shop_bounds)
# reading one match from the GIN index costs about this share of testing one product's
# vector (measured at a million products: 0.43 µs against 1 µs)
BITMAP_COST = 0.45


@dataclass
class Hit:
    """One found product with what the results list shows about it."""

    product: Product
    shop: Shop
    place: Place
    relevance: float
    distance_m: int | None
    open_now: bool | None
    open_text: str

    @property
    def available(self) -> int:
        return self.product.available

    @property
    def stock_updated_at(self) -> dt.datetime | None:
        return self.product.stock_updated_at


def _synonyms() -> list[list[str]]:
    return list(Scheme.current().synonyms or [])


def _indexable() -> QuerySet:
    return Product.objects.all()


def products_collection() -> Collection:
    """The products as a full-text collection: name most, then brand and category."""
    return Collection(
        id=COLLECTION,
        model=Product,
        fields={"name": "A", "brand": "B", "category": "B", "description": "D"},
        vector_field="search_vector",
        synonyms=_synonyms,
        filter=_indexable,
    )


def normalise_query(q: str) -> str:
    """The words as they are counted (MissedSearch): lower case, single spaces, ≤100 chars."""
    return places_search.normalise_query(q)[:MAX_QUERY]


def resolve_place(text: str) -> tuple[float, float] | None:
    """A postcode or a town typed into "Ort" → (lat, lon): the municipality's centre, else
    the middle of the places with that postcode or town; None when unknown."""
    text = " ".join((text or "").split())
    if not text:
        return None
    if text.isdigit():
        region = (
            Region.objects.filter(postcodes__code=text, lat__isnull=False, lon__isnull=False)
            .only("lat", "lon")
            .first()
        )
        places = Place.objects.filter(postcode=text)
    else:
        region = (
            Region.objects.filter(name__iexact=text, lat__isnull=False, lon__isnull=False)
            .only("lat", "lon")
            .first()
        )
        places = Place.objects.filter(town__iexact=text)
    if region is not None:
        return region.lat, region.lon
    centre = places.filter(lat__isnull=False, lon__isnull=False).aggregate(
        lat=Avg("lat"), lon=Avg("lon")
    )
    if centre["lat"] is None:
        return None
    return centre["lat"], centre["lon"]


def _distance(lat: float, lon: float):
    """Distance in metres to the shop's place (equirectangular: exact enough in a county)."""
    k = math.radians(1) * EARTH_RADIUS_M
    klon = k * math.cos(math.radians(lat))
    dlat = (F("shop__place__lat") - Value(lat)) * Value(k)
    dlon = (F("shop__place__lon") - Value(lon)) * Value(klon)
    return Sqrt(dlat * dlat + dlon * dlon, output_field=FloatField())


def candidates(
    q: str,
    *,
    open_now: bool = False,
    click_collect: bool = False,
    category: str | None = None,
    at: dt.datetime | None = None,
    groups: list[fulltext.QueryGroup] | None = None,
) -> QuerySet:
    """The matching products of active shops (annotated `relevance`), unordered (`groups`:
    the words as fulltext.query_groups resolved them, so they are looked up once)."""
    products = Product.objects.filter(active=True, shop__status=Shop.Status.ACTIVE)
    if click_collect:
        products = products.filter(shop__click_collect=True)
    if category:
        products = products.filter(shop__category=category)
    if open_now:
        open_places = places_search.open_at(at or timezone.now()).values("place_id")
        products = products.filter(shop__place_id__in=open_places)
    return fulltext.match(COLLECTION, q, products, groups=groups)


def allowed_shops(
    *,
    open_now: bool = False,
    click_collect: bool = False,
    category: str | None = None,
    at: dt.datetime | None = None,
) -> list[tuple[int, float | None, float | None]]:
    """(pk, lat, lon) of the active shops the filters let through (every filter of the
    search is one on the shop)."""
    shops = Shop.objects.filter(status=Shop.Status.ACTIVE)
    if click_collect:
        shops = shops.filter(click_collect=True)
    if category:
        shops = shops.filter(category=category)
    if open_now:
        shops = shops.filter(
            place_id__in=places_search.open_at(at or timezone.now()).values("place_id")
        )
    return list(shops.order_by().values_list("pk", "place__lat", "place__lon"))


def shop_bounds(
    groups: list[fulltext.QueryGroup], shop_ids: list[int]
) -> tuple[dict[int, tuple[int, float]], dict[int, int]]:
    """({shop: (at least, at most)} matching active products per shop, {shop: its indexed
    active products}), from the shops' word
    counts (ShopTerm, PostgreSQL) without touching a product. A document matches when it
    carries a term of every group: with one group, the most frequent of its terms is a
    lower bound and their sum an upper one; with more groups only the smallest group sum
    bounds it from above (the lower bound is 0). A prefix shorter than PREFIX_MIN letters
    could stand for thousands of terms: its group has no upper bound (infinity)."""
    if not groups or not shop_ids:
        return {}, {}
    # Every shop's rows, read from the covering index alone (migration 0005); the shops the
    # filters leave out are dropped here: a list of 500 ids in the SQL cost more than rows.
    table = ShopTerm._meta.db_table
    parts = [f"SELECT shop_id, -1 AS g, products FROM {table} WHERE term = ''"]  # noqa: S608
    params: list = []
    unbounded = set()
    for g, group in enumerate(groups):
        # a stem both named and under a prefix is counted once: the prefixes that no
        # shorter one covers, each a range of the index, and the named stems outside them
        prefixes = []
        for prefix in sorted(group.prefixes, key=len):
            if len(prefix) < PREFIX_MIN:
                unbounded.add(g)
            elif not any(prefix.startswith(p) for p in prefixes):
                prefixes.append(prefix)
        terms = [t for t in group.terms if not any(t.startswith(p) for p in prefixes)]
        if terms:
            parts.append(
                f"SELECT shop_id, %s AS g, products FROM {table} "  # noqa: S608 - our table
                "WHERE term = ANY(%s)"
            )
            params += [g, terms]
        for prefix in prefixes:
            parts.append(
                f"SELECT shop_id, %s AS g, products FROM {table} "  # noqa: S608 - our table
                "WHERE term LIKE %s"
            )
            params += [g, fulltext.like_escape(prefix) + "%"]
    sums: dict[tuple[int, int], int] = {}
    most: dict[int, int] = {}
    sizes: dict[int, int] = {}
    allowed = set(shop_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shop_id, g, sum(products), max(products) FROM ("  # noqa: S608 - our SQL
            + " UNION ALL ".join(parts)
            + ") AS found GROUP BY shop_id, g",
            params,
        )
        for shop, g, total, top in cursor.fetchall():
            if shop not in allowed:
                continue
            if g < 0:
                sizes[shop] = int(total)
                continue
            sums[shop, g] = int(total)
            if g == 0:
                most[shop] = int(top)
    bounds = {}
    n = len(groups)
    # a shop without a row of a bounded group holds no match: only shops with rows, unless
    # every group is unbounded
    candidates_ = shop_ids if len(unbounded) == n else {shop for shop, _g in sums}
    for shop in candidates_:
        upper = min(math.inf if g in unbounded else sums.get((shop, g), 0) for g in range(n))
        lower = most.get(shop, 0) if n == 1 else 0
        if upper or lower:
            bounds[shop] = (lower, upper)
    return bounds, sizes


def county_centre() -> tuple[float, float] | None:
    """The middle of the county (its Region), else None."""
    county = (
        Region.objects.filter(kind=Region.Kind.COUNTY, lat__isnull=False, lon__isnull=False)
        .only("lat", "lon")
        .first()
    )
    return (county.lat, county.lon) if county else None


def shops_by_distance(centre: tuple[float, float] | None, rows=None) -> list[int]:
    """The ids of the active shops (or of `rows`: (pk, lat, lon)), nearest to `centre`
    first (ties and no centre: by id)."""
    if rows is None:
        rows = Shop.objects.filter(status=Shop.Status.ACTIVE).values_list(
            "pk", "place__lat", "place__lon"
        )
    if centre is None:
        return sorted(pk for pk, _lat, _lon in rows)
    klon = math.cos(math.radians(centre[0]))

    def key(row):
        pk, lat, lon = row
        if lat is None or lon is None:
            return (math.inf, pk)
        return ((lat - centre[0]) ** 2 + ((lon - centre[1]) * klon) ** 2, pk)

    return [pk for pk, _lat, _lon in sorted(rows, key=key)]


def nearest_shops(found: QuerySet, centre: tuple[float, float] | None, matches: int) -> list[int]:
    """The nearest shops whose matches in `found` number at least `matches` (or every
    shop): a first ring of FIRST_RING shops, then a ring as wide as the first one's matches
    suggest (×1.5), then ×4 until enough. Call it inside a transaction (see bitmap_plans)."""
    order = shops_by_distance(centre)
    size = FIRST_RING
    while size < len(order):
        ring = order[:size]
        found_in_ring = found.filter(shop_id__in=ring).order_by().values("pk")[:matches].count()
        if found_in_ring >= matches:
            return ring
        if size == FIRST_RING:
            # a sparse word (the whole county would hold fewer than SPARSE matches at this
            # rate): the bitmap AND reads only the ring's matches (bitmap_plans)
            if found_in_ring * len(order) / size < SPARSE:
                bitmap_plans()
            wanted = math.ceil(size * matches * 1.5 / max(found_in_ring, 1))
            size = min(size * 8, max(size * 2, wanted))
        else:
            size *= 4
    return order


def _ring(order: list[int], bounds: dict, wanted: int) -> list[int]:
    """The nearest shops of `order` whose upper bounds add up to `wanted` matches."""
    ring, held = [], 0
    for pk in order:
        if held >= wanted:
            break
        ring.append(pk)
        held += bounds[pk][1]
    return ring


def _county_matches(upper: float, shops: list) -> float:
    """The matches the word's GIN bitmap reads: every shop's, also those the filters leave
    out (≈ the allowed shops' upper bound scaled to all active shops)."""
    active = Shop.objects.filter(status=Shop.Status.ACTIVE).count()
    return upper * active / max(len(shops), 1)


def _nearest_matches(found: QuerySet, ring: list[int], centre, wanted: int) -> list[int]:
    """The ids of the `wanted` matches in the ring's shops nearest to `centre` (by the
    shop's distance, then id) — ids first: a LIMIT inside IN (…) made the planner rank
    every match."""
    nearest = found.filter(shop_id__in=ring)
    if centre is not None:
        nearest = nearest.annotate(_d=_distance(*centre)).order_by("_d", "pk")
    else:
        nearest = nearest.order_by("shop_id", "pk")
    return list(nearest.values_list("pk", flat=True)[:wanted])


def _shopwise_matches(
    groups: list[fulltext.QueryGroup], ring: list[int], wanted: int
) -> list[int] | None:
    """The ids of the first `wanted` matches in the ring's shops, shop by shop in the ring's
    order (nearest first), then by id — each shop's matches from the products' GIN index,
    which holds the shop too (migration 0005): the AND of the shop's entry and the word's
    stems, so no product of the shop is tested one by one. None when a last word's prefix
    stands for too many stems to name (a prefix scan collects every entry; the caller then
    walks or ANDs bitmaps)."""
    if any(g.prefixes and g.expansions is None for g in groups):
        return None
    table = Product._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id FROM unnest(%s::bigint[]) WITH ORDINALITY AS r(shop, n) "  # noqa: S608
            f"CROSS JOIN LATERAL (SELECT id FROM {table} WHERE shop_id = r.shop AND active "
            "AND search_vector @@ to_tsquery('simple', %s)) AS p ORDER BY r.n, p.id LIMIT %s",
            [ring, fulltext.match_tsquery(groups), wanted],
        )
        return [row[0] for row in cursor.fetchall()]


def bitmap_plans(on: bool = True) -> None:
    """Within a transaction on PostgreSQL: no plain index scans (`on`), or again allowed.
    A wide ring's matches are then the AND of two bitmaps (the GIN index's matches, the
    ring's products by the shop_id index), reading only the rows in both; the planner
    otherwise walks every product of the ring's shops testing each vector (measured at a
    million products: 58 ms instead of 9 ms for 128 shops). The first ring stays with the
    planner's choice: when its 8 shops already hold enough matches the word is very broad,
    and walking their products beats a GIN bitmap of hundreds of thousands."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL enable_indexscan = {'off' if on else 'on'}")


def rank(scored: QuerySet, *, limit: int, offset: int) -> tuple[list[tuple[int, float]], int, int]:
    """([(pk, relevance)] of one page, best `score` first (ties by pk), the number of
    matches, the number of their shops) — in ONE query: the matches with their scores are
    computed once (a CTE), counted, and the page taken from them."""
    inner = scored.order_by().values_list("pk", "shop_id", "relevance", "score")
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # nothing can match (the memory engine found nothing)
        return [], 0, 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH m (id, shop_id, relevance, score) AS ({sql}) "  # noqa: S608 - Django's SQL
            "SELECT t.total, t.shops, p.id, p.relevance FROM "
            "(SELECT count(*) AS total, count(DISTINCT shop_id) AS shops FROM m) AS t "
            "LEFT JOIN (SELECT id, relevance, score FROM m ORDER BY score DESC, id "
            "LIMIT %s OFFSET %s) AS p ON 1 = 1 ORDER BY p.score DESC, p.id",
            [*params, limit, offset],
        )
        rows = cursor.fetchall()
    if not rows:
        return [], 0, 0
    total, shops = rows[0][0], rows[0][1]
    return [(pk, float(rel or 0.0)) for _t, _s, pk, rel in rows if pk is not None], total, shops


def search(
    q: str,
    lat: float | None = None,
    lon: float | None = None,
    open_now: bool = False,
    click_collect: bool = False,
    category: str | None = None,
    at: dt.datetime | None = None,
    limit: int = 20,
    offset: int = 0,
    record: bool = True,
) -> tuple[list[Hit], int]:
    """(hits, total): one page of the products matching every word of `q`, best first (see
    the module docstring); `total` is at most MAX_RANKED (then read it as "more than": the
    matches of the nearest shops were ranked).
    Records the search event (and the missed words) when `record`."""
    at = at or timezone.now()
    if not fulltext.query_words(q):
        return [], 0
    groups = fulltext.query_groups(COLLECTION, q)
    found = candidates(
        q, open_now=open_now, click_collect=click_collect, category=category, at=at, groups=groups
    )
    stock = Case(
        When(stock__gt=F("reserved"), then=Value(IN_STOCK)),
        When(stock_updated_at__isnull=True, then=Value(STOCK_UNKNOWN)),
        default=Value(SOLD_OUT),
        output_field=FloatField(),
    )
    score = F("relevance") * stock
    near = lat is not None and lon is not None
    if near:
        score = score / (Value(1.0) + _distance(lat, lon) / Value(NEAR_KM * 1000))
    scored = found.annotate(score=score)
    centre = (lat, lon) if near else None
    wanted = max(RING_MATCHES, offset + limit)
    likely = None
    if groups is not None:
        # PostgreSQL: the shops' word counts say how many matches there are at least and
        # at most, without touching a product (shop_bounds).
        shops = allowed_shops(
            open_now=open_now, click_collect=click_collect, category=category, at=at
        )
        bounds, sizes = shop_bounds(groups, [pk for pk, _lat, _lon in shops])
        upper = sum(u for _l, u in bounds.values())
        lower = sum(lo for lo, _u in bounds.values())
        if upper <= MAX_RANKED:
            total = int(upper)  # rank them all (rank() counts them exactly)
        elif lower > MAX_RANKED:
            total = MAX_RANKED + 1  # surely broad
        else:
            total = found.order_by().values("pk")[: MAX_RANKED + 1].count()
        if total > MAX_RANKED:
            # the nearest shops likely to hold `wanted` matches (by the upper bounds)
            centre = centre or county_centre()
            order = [pk for pk in shops_by_distance(centre, shops) if pk in bounds]
            likely = _ring(order, bounds, math.ceil(wanted * RING_MARGIN))
    else:
        total = found.order_by().values("pk")[: MAX_RANKED + 1].count()
    if total > MAX_RANKED:
        # A broad word: rank the matches of the nearest shops (rings of shops around the
        # point, else around the county's middle) that hold enough of them.
        centre = centre or county_centre()
        with transaction.atomic():
            ids = []
            if likely is not None:
                # the ring holds only shops the filters let through: no filter again.
                # Shop by shop from the index (a GIN bitmap per shop, not a product walk)
                bitmap_plans()
                ids = _shopwise_matches(groups, likely, wanted)
                bitmap_plans(on=False)
                if ids is None:
                    # walk the ring's products testing each, or AND the word's index bitmap
                    # (every match in the county) with the ring's: whichever reads less
                    walk = sum(sizes.get(pk, 0) for pk in likely)
                    filtered = open_now or click_collect or bool(category)
                    county = _county_matches(upper, shops) if filtered else upper
                    bitmap_plans(county * BITMAP_COST < walk)
                    unfiltered = candidates(q, groups=groups)
                    ids = _nearest_matches(unfiltered, likely, centre, wanted)
                    bitmap_plans(on=False)
            if len(ids) < (wanted if likely is None else offset + limit):
                # too few for the page there (a product counted under two of the word's
                # stems), or no word counts: rings grow until they hold enough
                ids = _nearest_matches(found, nearest_shops(found, centre, wanted), centre, wanted)
                bitmap_plans(on=False)
        ranked, counted, shops_found = rank(scored.filter(pk__in=ids), limit=limit, offset=offset)
    else:
        ranked, counted, shops_found = rank(scored, limit=limit, offset=offset)
    total = MAX_RANKED if total > MAX_RANKED else counted
    products = Product.objects.select_related("shop__place").in_bulk([pk for pk, _r in ranked])
    page = []
    for pk, relevance in ranked:
        product = products[pk]
        product.relevance = relevance
        page.append(product)
    places = [p.shop.place for p in page]
    places_search.annotate(places, at=at, lat=lat if near else None, lon=lon if near else None)
    hits, texts = [], {}
    for product in page:
        place = product.shop.place
        if place.pk not in texts:  # one shop's products share its hours
            opening = place.opening_hours
            texts[place.pk] = hours.status(opening, at)["text"] if opening else ""
        text = texts[place.pk]
        hits.append(
            Hit(
                product=product,
                shop=product.shop,
                place=place,
                relevance=float(product.relevance or 0.0),
                distance_m=place.distance_m,
                open_now=place.open_now,
                open_text=text,
            )
        )
    if record:
        record_search(
            q,
            near=near,
            open_now=open_now,
            click_collect=click_collect,
            results=total,
            shops=shops_found,
        )
    return hits, total


def record_search(
    q: str, *, near: bool, open_now: bool, click_collect: bool, results: int, shops: int
) -> None:
    """The cockpit event of a product search (no words, no position: docs/events.md) and,
    when words found nothing, one more for them in MissedSearch. Outside a transaction the
    commit does not wait for the disk (PostgreSQL's synchronous_commit off, for this
    transaction only): a search's figures are statistics, and a crash loses at most the last
    fraction of a second of them, never data anyone was told is saved; the flush of the
    write-ahead log was the slowest single step of a search under load."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            _record_search(q, near, open_now, click_collect, results, shops)
    else:
        _record_search(q, near, open_now, click_collect, results, shops)


def _record_search(q, near, open_now, click_collect, results, shops) -> None:
    record_event(
        event_kinds.MARKET_SEARCHED,
        data={
            "near": bool(near),
            "open_now": bool(open_now),
            "click_collect": bool(click_collect),
            "results": results,
            "shops": shops,
        },
    )
    if results == 0:
        count_missed(q)


def count_missed(query: str, day: dt.date | None = None) -> None:
    """One more search without result for `query` on `day` (atomic, safe under concurrency)."""
    query = normalise_query(query)
    if not query:
        return
    day = day or timezone.localdate()
    missed = MissedSearch.objects.filter(query=query, day=day)
    if missed.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            MissedSearch.objects.create(query=query, day=day, count=1)
    except IntegrityError:  # another request created it meanwhile
        missed.update(count=F("count") + 1)


__all__ = [
    "Hit",
    "candidates",
    "count_missed",
    "products_collection",
    "record_search",
    "resolve_place",
    "search",
]
