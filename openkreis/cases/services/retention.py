"""Retention: cases past their retention period are deleted (documents and personal data);
their events stay."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ..models import (
    Case,
    DocumentVersion,
)
from .audit import audit
from .history import _event


def due_for_deletion(today: dt.date | None = None) -> QuerySet[Case]:
    today = today or timezone.localdate()
    return Case.objects.filter(retain_until__lt=today, state_kind="done")


def delete_expired(*, dry_run: bool = True, today: dt.date | None = None) -> list[str]:
    """Delete cases past retention (documents, personal data); events stay. Returns file numbers."""
    numbers = []
    for case in due_for_deletion(today).select_related("procedure", "org_unit", "service"):
        numbers.append(case.file_number)
        if dry_run:
            continue
        with transaction.atomic():
            for version in DocumentVersion.objects.filter(document__case=case):
                version.file.delete(save=False)
                if version.original:  # the quarantined upload goes with its case
                    version.original.delete(save=False)
            _event(case, "deleted", timezone.now())
            audit("case.deleted", case=case, detail={"retention": str(case.retain_until)})
            case.delete()
    return numbers
