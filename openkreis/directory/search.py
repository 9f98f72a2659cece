"""The place search of the Harz-Kompass (docs/directory.md, "Search"): words, category or
group, municipality, near a point, open now, wheelchair — one function other code calls
(the list, the map's GeoJSON, the benchmark).

* Near a point: an indexed bounding-box pre-filter (Place.place_position on lat, lon) — the
  radius's box, or without a radius growing boxes (2, 6, 18, 54 km) until enough places are
  inside — hands (id, lat, lon) of the candidates over; the exact haversine distance
  (core.geo.distance_m), the circle and the order are computed here, then one page of
  places is read by id. Each carries `.distance_m`. (The map's GeoJSON orders in SQL by the
  equirectangular approximation `approx_sq`, plain arithmetic in SQLite and PostgreSQL.)
* Open now: `OpenInterval` rows (expanded from the opening_hours by D1's rebuild) that cover
  the moment — one indexed query joined as a sub-select, never 50,000 expressions parsed.
* Words: every word must match the name, the category or the town, case-insensitively and
  with German umlauts written either way ("Muehle" finds "Mühle", "strasse" finds "Straße").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.db.models import F, FloatField, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone

from openkreis.core import event_kinds
from openkreis.core.geo import EARTH_RADIUS_M, bounding_box, distance_m
from openkreis.core.models import Region
from openkreis.core.services import record_event

from .models import Category, MissedSearch, OpenInterval, Place

MAX_WORDS = 6
OPEN_UNTIL_HORIZON = dt.timedelta(hours=48)
MAX_QUERY = 100
_UMLAUTS = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"))
_WORD_RE = re.compile(r"[\w\-'.]+", re.UNICODE)


def normalise_query(q: str) -> str:
    """The words as they are counted (MissedSearch): lower case, single spaces, ≤100 chars."""
    return " ".join((q or "").lower().split())[:MAX_QUERY].strip()


def words(q: str) -> list[str]:
    """The search words (at most MAX_WORDS), lower case."""
    return _WORD_RE.findall(normalise_query(q))[:MAX_WORDS]


def _spellings(word: str) -> set[str]:
    """The word with umlauts written as umlauts and as two letters (both directions)."""
    plain = word
    for umlaut, ascii_ in _UMLAUTS:
        plain = plain.replace(umlaut, ascii_)
    umlauted = plain
    for umlaut, ascii_ in _UMLAUTS[:3]:
        umlauted = umlauted.replace(ascii_, umlaut)
    # "ss" as "ß" only as an extra spelling: "strasse" finds Straße, "wasser" still Wasser
    found = {word, plain, umlauted, plain.replace("ss", "ß"), umlauted.replace("ss", "ß")}
    if connection.vendor == "sqlite":
        # SQLite's LIKE folds ASCII letters only: "über" does not find "Über"
        found |= {w[:1].upper() + w[1:] for w in list(found)} | {w.upper() for w in list(found)}
    return found


def _word_filter(word: str) -> Q:
    match = Q()
    for spelling in _spellings(word):
        match |= (
            Q(name__icontains=spelling)
            | Q(category__name__icontains=spelling)
            | Q(town__icontains=spelling)
        )
    return match


def open_now_ids(at: dt.datetime | None = None) -> set[int]:
    """The ids of every place open at `at` (now), from the expanded opening times."""
    at = at or timezone.now()
    return set(open_at(at).values_list("place_id", flat=True))


def open_at(at: dt.datetime) -> QuerySet:
    """The OpenInterval rows covering `at` (start inclusive, end exclusive)."""
    return OpenInterval.objects.filter(starts_at__lte=at, ends_at__gt=at)


def _region(municipality) -> Region | None:
    if municipality is None or municipality == "":
        return None
    if isinstance(municipality, Region):
        return municipality
    key = str(municipality)
    if len(key) == 12 and key.isdigit():
        return Region.objects.filter(ars=key).first()
    if key.isdigit():
        return Region.objects.filter(pk=int(key)).first()
    return None


def approx_sq(lat: float, lon: float):
    """Squared equirectangular distance in metres² as a database expression."""
    k = math.radians(1) * EARTH_RADIUS_M  # metres per degree of latitude
    klon = k * math.cos(math.radians(lat))
    dlat = (F("lat") - Value(lat)) * Value(k)
    dlon = (F("lon") - Value(lon)) * Value(klon)
    return Cast(dlat * dlat + dlon * dlon, FloatField())


def filtered(
    q: str = "",
    category=None,
    group: str | None = None,
    municipality=None,
    lat: float | None = None,
    lon: float | None = None,
    radius_m: float | None = None,
    open_now: bool = False,
    wheelchair: bool = False,
    at: dt.datetime | None = None,
) -> QuerySet:
    """The published places matching every filter (not ordered, no distance)."""
    places = Place.objects.filter(published=True)
    if category:
        if isinstance(category, Category):
            places = places.filter(category=category)
        else:
            places = places.filter(category__slug=str(category))
    if group:
        places = places.filter(category__group=group)
    if municipality not in (None, ""):
        region = _region(municipality)
        places = places.filter(municipality=region) if region else places.none()
    if wheelchair:
        places = places.filter(wheelchair=Place.Wheelchair.YES)
    for word in words(q):
        places = places.filter(_word_filter(word))
    if open_now:
        moment = at or timezone.now()
        places = places.filter(pk__in=open_at(moment).values("place_id"))
    if lat is not None and lon is not None and radius_m:
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)
        places = places.filter(
            lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon
        )
        places = places.alias(within=approx_sq(lat, lon)).filter(within__lte=radius_m**2)
    return places


def search(
    q: str = "",
    category=None,
    group: str | None = None,
    municipality=None,
    lat: float | None = None,
    lon: float | None = None,
    radius_m: float | None = None,
    open_now: bool = False,
    wheelchair: bool = False,
    at: dt.datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Place], int]:
    """(places, total): one page of the published places matching every filter, nearest
    first when a point (lat, lon) is given, else by name. Each place carries `.distance_m`
    (int metres or None; `.distance_km` the same in km), `.open_now` (True/False, None when
    its opening hours are not known) and `.open_until` (the end of the current opening
    interval and the ones joining it, None when open for more than 48 hours).

    `category` is a Category or its slug, `group` a Category.Group value, `municipality` a
    Region, its ARS or id (an unknown one finds nothing), `radius_m` only with a point."""
    at = at or timezone.now()
    near = lat is not None and lon is not None
    offset, limit = max(0, int(offset)), max(0, int(limit))
    if near:
        # the database hands over (id, lat, lon) of the candidates in a box only; the exact
        # distance, the circle and the order are done here (bench: a COUNT and an ORDER BY
        # over an expression scanned the same rows twice)
        places = filtered(
            q, category, group, municipality, None, None, None, open_now, wheelchair, at
        )
        ranked, total = _nearest(places, lat, lon, radius_m, offset + limit)
        ids = [pk for _d, pk in ranked[offset : offset + limit]]
        by_id = Place.objects.select_related("category", "municipality").in_bulk(ids)
        page = [by_id[pk] for pk in ids if pk in by_id]
    else:
        places = filtered(
            q, category, group, municipality, None, None, None, open_now, wheelchair, at
        )
        total = places.count()
        ordered = places.order_by("name", "pk").select_related("category", "municipality")
        page = list(ordered[offset : offset + limit])
    annotate(page, at=at, lat=lat if near else None, lon=lon if near else None)
    return page, total


# the boxes tried for "nearest first" without a radius: until enough places are inside
_RINGS_M = (2_000, 6_000, 18_000, 54_000)


def _in_box(places: QuerySet, lat: float, lon: float, metres: float) -> list[tuple[float, int]]:
    """(distance, id) of the places within `metres` of the point, nearest first."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, metres)
    rows = places.filter(
        lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon
    ).values_list("pk", "lat", "lon")
    found = []
    for pk, plat, plon in rows:
        d = distance_m(lat, lon, plat, plon)
        if d <= metres:
            found.append((d, pk))
    found.sort()
    return found


def _nearest(
    places: QuerySet, lat: float, lon: float, radius_m: float | None, need: int
) -> tuple[list[tuple[float, int]], int]:
    """(ranked, total): the places nearest first, at least `need` of them where there are
    (growing boxes, within `radius_m` when given, else at last every place), and the total."""
    if radius_m and radius_m <= _RINGS_M[1]:
        ranked = _in_box(places, lat, lon, radius_m)
        return ranked, len(ranked)
    if radius_m:
        # a large circle holds half the county: count it in SQL (the equirectangular circle,
        # the same within centimetres here), rank only the growing boxes inside it
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)
        total = (
            places.filter(lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon)
            .alias(within=approx_sq(lat, lon))
            .filter(within__lte=radius_m**2)
            .count()
        )
        for ring in [r for r in _RINGS_M if r < radius_m] + [radius_m]:
            ranked = _in_box(places, lat, lon, ring)
            if len(ranked) >= need or ring == radius_m:
                return ranked, total
    total = places.count()
    for ring in _RINGS_M:
        ranked = _in_box(places, lat, lon, ring)
        if len(ranked) >= need or len(ranked) == total:
            return ranked, total
    rows = places.values_list("pk", "lat", "lon")
    ranked = sorted((distance_m(lat, lon, a, b), pk) for pk, a, b in rows)
    return ranked, total


def annotate(
    places: Iterable[Place],
    *,
    at: dt.datetime | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> None:
    """Set `.distance_m`, `.open_now` and `.open_until` on the given places (one query)."""
    places = list(places)
    at = at or timezone.now()
    # the current interval and those that follow it without a gap (D1's rows may end at
    # midnight and start again at 00:00): "open until" is the end of the chain
    horizon = at + OPEN_UNTIL_HORIZON
    spans: dict[int, list] = {}
    rows = (
        OpenInterval.objects.filter(
            place_id__in=[p.pk for p in places], ends_at__gt=at, starts_at__lte=horizon
        )
        .order_by("place_id", "starts_at")
        .values_list("place_id", "starts_at", "ends_at")
    )
    for place_id, starts_at, ends_at in rows:
        spans.setdefault(place_id, []).append((starts_at, ends_at))
    until: dict[int, dt.datetime | None] = {}
    for place_id, chain in spans.items():
        end = None
        for starts_at, ends_at in chain:
            if end is None:
                if starts_at <= at:
                    end = ends_at
            elif starts_at <= end:
                end = max(end, ends_at)
        if end is not None:
            until[place_id] = None if end >= horizon else end  # open beyond: no time to say
    for place in places:
        if lat is not None and lon is not None:
            place.distance_m = round(distance_m(lat, lon, place.lat, place.lon))
            place.distance_km = place.distance_m / 1000
        else:
            place.distance_m = place.distance_km = None
        place.open_until = until.get(place.pk)
        if place.pk in until:
            place.open_now = True
        else:
            place.open_now = False if place.opening_hours else None


def record_search(kwargs: dict, results: int, near: str = "") -> None:
    """The cockpit event of a search (no words, no position: docs/events.md) and, when words
    found nothing, one more for them in MissedSearch (per normalised query and day)."""
    record_event(
        event_kinds.DIRECTORY_SEARCHED,
        data={
            "category": str(kwargs.get("category") or ""),
            "near": near,
            "open_now": bool(kwargs.get("open_now")),
            "results": results,
        },
    )
    query = normalise_query(kwargs.get("q") or "")
    if results == 0 and query:
        count_missed(query)


def count_missed(query: str, day: dt.date | None = None) -> None:
    """One more search without result for `query` on `day` (atomic, safe under concurrency)."""
    query = normalise_query(query)
    if not query:
        return
    day = day or timezone.localdate()
    updated = MissedSearch.objects.filter(query=query, day=day).update(count=F("count") + 1)
    if updated:
        return
    try:
        with transaction.atomic():
            MissedSearch.objects.create(query=query, day=day, count=1)
    except IntegrityError:  # another request created it meanwhile
        MissedSearch.objects.filter(query=query, day=day).update(count=F("count") + 1)
