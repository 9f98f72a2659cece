"""File numbers (Aktenzeichen): gap-free per file-plan item and year."""

from __future__ import annotations

from django.db.models import F

from ..models import (
    FileNumberCounter,
    FilePlanItem,
)


def next_file_number(plan_item: FilePlanItem, year: int) -> str:
    """The next gap-free file number for the plan item and year (call inside a transaction)."""
    FileNumberCounter.objects.get_or_create(plan_item=plan_item, year=year)
    counter = FileNumberCounter.objects.select_for_update().get(plan_item=plan_item, year=year)
    FileNumberCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"{plan_item.code}-{year}-{counter.last:06d}"
