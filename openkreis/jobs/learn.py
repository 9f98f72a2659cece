"""Training, study and further-education offers: the search behind /bildung-arbeit/angebote/
and the open jobs of a set of fields (for the interest test's result).

The search runs in the database: words (every word in the title, description, degree, the
provider's name or the town), kind, field, and a distance from a municipality's centre
(bounding box in SQL, the exact distance in Python for the few rows left)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from openkreis.core.geo import bounding_box, distance_m
from openkreis.core.models import Region

from .models import Field, Job, Offer

MAX_WORDS = 8


@dataclass
class OfferQuery:
    words: str = ""
    kind: str = ""
    field: Field | None = None
    near: Region | None = None
    radius_km: int = 0


def search_offers(query: OfferQuery) -> list[Offer]:
    """The published offers matching `query`; with a place, nearest first (with `.distance_km`)."""
    offers = Offer.objects.filter(published=True).select_related("provider", "municipality")
    for word in query.words.split()[:MAX_WORDS]:
        offers = offers.filter(
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(degree__icontains=word)
            | Q(provider__name__icontains=word)
            | Q(town__icontains=word)
        )
    if query.kind:
        offers = offers.filter(kind=query.kind)
    if query.field is not None:
        offers = offers.filter(fields=query.field)
    near = query.near
    if near is None or near.lat is None or not query.radius_km:
        return list(offers.order_by("starts_on", "title"))
    metres = query.radius_km * 1000
    min_lat, max_lat, min_lon, max_lon = bounding_box(near.lat, near.lon, metres)
    offers = offers.filter(lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon)
    found = []
    for offer in offers:
        d = distance_m(near.lat, near.lon, offer.lat, offer.lon)
        if d <= metres:
            offer.distance_km = round(d / 1000, 1)
            found.append(offer)
    found.sort(key=lambda o: (o.distance_km, o.title))
    return found


def offers_of_fields(fields, limit: int = 12) -> list[Offer]:
    """Published offers in any of `fields`, soonest first."""
    return list(
        Offer.objects.filter(published=True, fields__in=fields)
        .select_related("provider")
        .distinct()
        .order_by("starts_on", "title")[:limit]
    )


def open_jobs_of_fields(fields, limit: int = 12, today: dt.date | None = None) -> list[Job]:
    """Published jobs and apprenticeships in any of `fields` that are still open."""
    today = today or timezone.localdate()
    return list(
        Job.objects.filter(status=Job.Status.PUBLISHED, valid_through__gte=today, field__in=fields)
        .select_related("employer", "field")
        .order_by("valid_through", "title")[:limit]
    )
