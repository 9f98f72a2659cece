"""The marketplace's part of the cockpit page /cockpit/einkaufen/ (the port
`cockpit.marketplace.missed_searches`, registered in apps.py): the words residents searched
for without finding a product, summed over the days of a period. The cockpit shows only
those searched at least k times; everything else on the page comes from the events."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum

from .models import MissedSearch


def missed_searches(start: dt.date, end: dt.date) -> list[tuple[str, int]]:
    """(normalised query, searches without result) for the days start..end, the most
    frequent first; one GROUP BY over the per-day rows."""
    rows = (
        MissedSearch.objects.filter(day__gte=start, day__lte=end)
        .values("query")
        .annotate(n=Sum("count"))
        .order_by("-n", "query")
        .values_list("query", "n")
    )
    return [(query, int(n)) for query, n in rows]
