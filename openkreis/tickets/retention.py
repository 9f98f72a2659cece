"""Retention and personal data of the guest tickets (docs/tickets.md "Privacy and
statistics").

Purge (daily, Celery beat `tickets-purge` → tasks.purge_ticket_data): a stay goes
`Scheme.retention_days` after its departure (or its cancellation), with its guests, their
tickets and the tickets' HarzCard entries; inspectors' check events (which hold no ticket)
go the same time after the check.

The account's data (core.personal_data): a host's stays belong to the host's company (an
accounts.Company, which must keep them for the guest levy), not to the member who typed
them in. So the export lists what the member did — the stays they registered (dates,
accommodation, number of guests; not the guests' names, which are the company's records of
third persons) and the HarzCard entries they recorded as attraction staff — and the deletion
only removes the link from those rows to the account: the stays, guests and tickets stay
with the company until the retention time ends, and the company's other members still see
them. Deleting the company's data is the company's act (or the purge)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from .models import AttractionEntry, CheckEvent, Guest, Scheme, Stay, Ticket

DEFAULT_RETENTION_DAYS = 400


def retention_days() -> int:
    days = Scheme.objects.order_by("pk").values_list("retention_days", flat=True).first()
    return days or DEFAULT_RETENTION_DAYS


@transaction.atomic
def purge(now: dt.datetime | None = None, *, dry_run: bool = False) -> dict[str, int]:
    """Delete what is past the retention time; returns the counts (would) deleted."""
    now = now or timezone.now()
    limit = now - dt.timedelta(days=retention_days())
    old = Stay.objects.filter(
        Q(departure__lt=timezone.localdate(limit)) | Q(cancelled_at__lt=limit)
    )
    counts = {
        "stays": old.count(),
        "guests": Guest.objects.filter(stay__in=old).count(),
        "tickets": Ticket.objects.filter(guest__stay__in=old).count(),
        "entries": AttractionEntry.objects.filter(ticket__guest__stay__in=old).count(),
        "checks": CheckEvent.objects.filter(checked_at__lt=limit).count(),
    }
    if not dry_run:
        AttractionEntry.objects.filter(ticket__guest__stay__in=old).delete()
        Ticket.objects.filter(guest__stay__in=old).delete()
        Stay.objects.filter(pk__in=old.values("pk")).delete()  # guests with them
        CheckEvent.objects.filter(checked_at__lt=limit).delete()
    return counts


class TicketData:
    """`core.personal_data` plugin: what a host's member or an attraction's staff member
    did in the tickets app (see the module's docstring for what deletion means)."""

    def export(self, user) -> dict:
        stays = (
            Stay.objects.filter(created_by=user)
            .select_related("accommodation__company")
            .annotate(guest_count=Count("guests"))
            .order_by("arrival", "pk")
        )
        return {
            "stays_registered": [
                {
                    "stay": str(stay.public_id),
                    "company": stay.accommodation.company.name,
                    "accommodation": stay.accommodation.name,
                    "reference": stay.reference,
                    "arrival": stay.arrival.isoformat(),
                    "departure": stay.departure.isoformat(),
                    "guests": stay.guest_count,
                    "registered_at": stay.created_at.isoformat(),
                    "cancelled_at": stay.cancelled_at.isoformat() if stay.cancelled_at else None,
                }
                for stay in stays
            ],
            "harzcard_entries_recorded": AttractionEntry.objects.filter(recorded_by=user).count(),
        }

    def erase(self, user) -> None:
        """The rows stay with the company (guest levy records) and lose the account."""
        Stay.objects.filter(created_by=user).update(created_by=None)
        AttractionEntry.objects.filter(recorded_by=user).update(recorded_by=None)
