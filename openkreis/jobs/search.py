"""Job search (the public search page and bench/directory.py call `search`).

Only open postings (published, `valid_through` today or later). Words must each appear in the
title, the description or the employer's name. With a position and a radius, the indexed
lat/lon columns pre-filter a bounding box, and the exact distance (core.geo's haversine as an
SQL expression) filters and sorts the candidates nearest first; without one, newest first.
Two queries either way: the count, then the page (and one on the employers' names when
there are words).
"""

from __future__ import annotations

import datetime as dt
import math

from django.db.models import ExpressionWrapper, F, FloatField, Q, QuerySet, Value
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt
from django.utils import timezone

from openkreis.core.geo import EARTH_RADIUS_M, bounding_box

from .models import Employer, Job

MAX_RADIUS_KM = 100.0
MAX_WORDS = 8


def _f(value: float) -> Value:
    return Value(value, output_field=FloatField())


def distance_expression(lat: float, lon: float):
    """core.geo.distance_m (haversine, the same earth radius) as an SQL expression, so the
    database filters and sorts the bounding box's candidates by the exact distance (Django
    gives SQLite the math functions PostgreSQL has)."""
    p1 = math.radians(lat)
    dlat = Radians(F("lat")) - _f(p1)
    dlon = Radians(F("lon")) - _f(math.radians(lon))
    a = Power(Sin(dlat / _f(2.0)), 2) + _f(math.cos(p1)) * Cos(Radians(F("lat"))) * Power(
        Sin(dlon / _f(2.0)), 2
    )
    return ExpressionWrapper(
        _f(2 * EARTH_RADIUS_M) * ASin(Least(_f(1.0), Sqrt(a))), output_field=FloatField()
    )


def _any_word(column: str, words: list[str]) -> Q:
    condition = Q()
    for word in words:
        condition |= Q(**{f"{column}__icontains": word})
    return condition


def _base(
    q: str, kind: str | None, hours: str | None, field: str | None, today: dt.date
) -> QuerySet[Job]:
    qs = Job.objects.filter(status=Job.Status.PUBLISHED, valid_through__gte=today)
    if kind:
        qs = qs.filter(kind=kind)
    if hours:
        # "full or part time" fits both a full-time and a part-time search
        qs = qs.filter(hours__in={hours, Job.Hours.EITHER})
    if field:
        qs = qs.filter(field__slug=field)
    words = (q or "").split()[:MAX_WORDS]
    if not words:
        return qs
    # employers whose name has a word: one small query for all words, so that each word's
    # condition is on the job table's own columns only and PostgreSQL can combine the
    # trigram indexes (migration 0003) in a bitmap OR instead of scanning every posting
    names = list(Employer.objects.filter(_any_word("name", words)).values_list("pk", "name"))
    for word in words:
        folded = word.casefold()
        employer_ids = [pk for pk, name in names if folded in name.casefold()]
        condition = Q(title__icontains=word) | Q(description__icontains=word)
        if employer_ids:
            condition |= Q(employer_id__in=employer_ids)
        qs = qs.filter(condition)
    return qs


def search(
    q: str = "",
    kind: str | None = None,
    hours: str | None = None,
    field: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    radius_km: float | None = None,
    today: dt.date | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[Job], int]:
    """(the page of matching open postings, how many match in all). Jobs found by distance
    carry `distance_km` (one decimal); others have `distance_km = None`."""
    today = today or timezone.localdate()
    qs = _base(q, kind, hours, field, today)
    related = ("employer", "municipality", "field")
    if lat is None or lon is None:
        total = qs.count()
        jobs = list(
            qs.select_related(*related).order_by("-published_at", "-pk")[offset : offset + limit]
        )
        for job in jobs:
            job.distance_km = None
        return jobs, total
    radius_km = min(max(float(radius_km or 25.0), 0.1), MAX_RADIUS_KM)
    metres = radius_km * 1000
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, metres)
    near = (
        qs.filter(lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon)
        .annotate(distance=distance_expression(lat, lon))
        .filter(distance__lte=metres)
    )
    total = near.count()
    jobs = list(near.select_related(*related).order_by("distance", "-pk")[offset : offset + limit])
    for job in jobs:
        job.distance_km = round(job.distance / 1000, 1)
    return jobs, total
