"""Personal data of the marketplace (core.personal_data, docs/marketplace.md "Privacy"):
the account's export and deletion, and the retention of closed reservations.

Reservations (M4): the export lists the customer's reservations (shop, items, status,
times; not the pickup code of a closed one, which means nothing any more). Deleting the
account cancels the open ones — their pieces are free again at once — and deletes them all.
A closed reservation (collected, declined, cancelled, expired) is deleted
`RESERVATION_RETENTION_DAYS` after it closed (daily task `purge_reservations`): the shop
needs it for questions about the pickup for a while, not longer. The cockpit keeps only the
events, which hold no person.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from django.db import transaction
from django.utils import timezone

from . import loyalty, reservations
from .models import Reservation

RESERVATION_RETENTION_DAYS = 90


@transaction.atomic
def purge_reservations(now: dt.datetime | None = None) -> int:
    """Delete reservations closed more than RESERVATION_RETENTION_DAYS ago; returns how many."""
    now = now or timezone.now()
    limit = now - dt.timedelta(days=RESERVATION_RETENTION_DAYS)
    old = Reservation.objects.exclude(status__in=reservations.OPEN).filter(closed_at__lt=limit)
    _, per_model = Reservation.objects.filter(pk__in=old.values("pk")).delete()
    return per_model.get(Reservation._meta.label, 0)


def _reservations_export(user) -> list[dict]:
    rows = (
        Reservation.objects.filter(customer=user)
        .select_related("shop__place")
        .prefetch_related("items")
        .order_by("created_at", "pk")
    )
    return [
        {
            "reservation": str(r.key),
            "shop": r.shop.name,
            "status": r.status,
            "items": [
                {
                    "name": item.name,
                    "quantity": item.quantity,
                    "price": str(item.price) if item.price is not None else None,
                }
                for item in r.items.all()
            ],
            "note": r.note,
            "shop_note": r.shop_note,
            "pickup_code": r.pickup_code if r.status in reservations.OPEN else None,
            "created_at": r.created_at.isoformat(),
            "expires_at": r.expires_at.isoformat(),
            "closed_at": r.closed_at.isoformat() if r.closed_at else None,
        }
        for r in rows
    ]


def _reservations_erase(user) -> None:
    for reservation in Reservation.objects.filter(customer=user, status__in=reservations.OPEN):
        # closed meanwhile: nothing to release
        with contextlib.suppress(reservations.ReservationError):
            reservations.cancel(user, reservation)
    Reservation.objects.filter(customer=user).delete()  # their items with them


# --- M5 (loyalty: export and erasure of the card and its ledger) ---
# Loyalty (M5): the export holds the card's number, balance and bookings (shop, points,
# purchase amount). Deleting the account forfeits the card's remaining points: a last booking
# moves them to the scheme's one "forfeited points" account (no shop, so no shop's settlement
# changes and every booking still sums to zero); the customer ledger account stays, closed and
# without card or person, because its entries are the other half of shops' bookings; the card
# goes (loyalty.forfeit).
# --- end M5


class MarketplaceData:
    """`core.personal_data` plugin: what the marketplace holds about an account."""

    def export(self, user) -> dict:
        data = {"reservations": _reservations_export(user)}
        # --- M5 (loyalty export) ---
        data["loyalty_card"] = loyalty.export_card(user)
        # --- end M5
        return data

    def erase(self, user) -> None:
        _reservations_erase(user)
        # --- M5 (loyalty erasure) ---
        loyalty.forfeit(user)
        # --- end M5
