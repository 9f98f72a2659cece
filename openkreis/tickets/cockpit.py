"""HATIX's counts for the cockpit's page /cockpit/hatix/ (the cockpit's port
`cockpit.tickets.ticket_counts`, registered in apps.py): guests per night by the
accommodation's municipality (ARS), checks per line and local hour, HarzCard entries per
attraction. Plain counts, no person, no ticket; the cockpit hides small counts."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count
from django.db.models.functions import ExtractHour
from django.utils import timezone

from openkreis.cockpit.tickets import TicketCounts

from .models import Stay
from .models_harzcard import AttractionEntry, CheckEvent


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz)
    return lo, hi


def counts(start: dt.date, end: dt.date) -> TicketCounts:
    """Counts for the Berlin days start..end. A stay's nights are its dates from arrival to
    the day before departure; cancelled stays do not count."""
    out = TicketCounts()
    nights: Counter = Counter()
    stays = (
        Stay.objects.filter(cancelled_at=None, arrival__lte=end, departure__gt=start)
        .annotate(n=Count("guests"))
        .values_list("accommodation__municipality__ars", "arrival", "departure", "n")
    )
    for ars, arrival, departure, n in stays.iterator(2000):
        if not n:
            continue
        night = max(arrival, start)
        last = min(departure - dt.timedelta(days=1), end)
        while night <= last:
            nights[(ars, night)] += n
            night += dt.timedelta(days=1)
    out.nights = dict(nights)

    lo, hi = _day_bounds(start, end)
    tz = timezone.get_default_timezone()
    for line, hour, n in (
        CheckEvent.objects.filter(checked_at__gte=lo, checked_at__lt=hi)
        .annotate(hour=ExtractHour("checked_at", tzinfo=tz))
        .values_list("line", "hour")
        .annotate(n=Count("id"))
        .values_list("line", "hour", "n")
    ):
        out.checks[(line, hour)] = out.checks.get((line, hour), 0) + n
    out.entries = dict(
        AttractionEntry.objects.filter(entered_at__gte=lo, entered_at__lt=hi)
        .values_list("attraction__name")
        .annotate(n=Count("id"))
        .values_list("attraction__name", "n")
    )
    return out
