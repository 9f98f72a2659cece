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
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db import IntegrityError, transaction
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

from .models import MissedSearch, Product, Scheme, Shop

COLLECTION = "products"
# ranking factors (see the module docstring)
IN_STOCK = 1.0
STOCK_UNKNOWN = 0.4
SOLD_OUT = 0.15
NEAR_KM = 5.0  # at this distance a product counts half as much as one next door
MAX_QUERY = 100
MAX_RANKED = 1000  # matches ranked at most (see search())


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
) -> QuerySet:
    """The matching products of active shops (annotated `relevance`), unordered."""
    products = Product.objects.filter(active=True, shop__status=Shop.Status.ACTIVE)
    if click_collect:
        products = products.filter(shop__click_collect=True)
    if category:
        products = products.filter(shop__category=category)
    if open_now:
        open_places = places_search.open_at(at or timezone.now()).values("place_id")
        products = products.filter(shop__place_id__in=open_places)
    return fulltext.match(COLLECTION, q, products)


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
    the module docstring); `total` is at most MAX_RANKED (then read it as "more than").
    Records the search event (and the missed words) when `record`."""
    at = at or timezone.now()
    if not fulltext.query_words(q):
        return [], 0
    found = candidates(q, open_now=open_now, click_collect=click_collect, category=category, at=at)
    # Broad words ("schuhe") match tens of thousands of a million products; ranking them all
    # reads every one from the table. The ranking looks at the first MAX_RANKED matches only
    # (as the index yields them) and the total then says "more than" (docs/marketplace.md).
    ids = list(found.order_by().values_list("pk", "shop_id")[: MAX_RANKED + 1])
    capped = len(ids) > MAX_RANKED
    ids = ids[:MAX_RANKED]
    if capped:
        found = found.filter(pk__in=[pk for pk, _shop in ids])
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
    ranked = found.annotate(score=score).order_by("-score", "pk")
    total = len(ids)
    shops = len({shop for _pk, shop in ids})
    page = list(ranked.select_related("shop__place")[offset : offset + limit]) if total else []
    places = [p.shop.place for p in page]
    places_search.annotate(places, at=at, lat=lat if near else None, lon=lon if near else None)
    hits = []
    for product in page:
        place = product.shop.place
        text = hours.status(place.opening_hours, at)["text"] if place.opening_hours else ""
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
            shops=shops,
        )
    return hits, total


def record_search(
    q: str, *, near: bool, open_now: bool, click_collect: bool, results: int, shops: int
) -> None:
    """The cockpit event of a product search (no words, no position: docs/events.md) and,
    when words found nothing, one more for them in MissedSearch."""
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
