"""Messages of the Kapazitätsfinder to parents (mailbox and e-mail): offers, expiry, free
places for an alert. Called by services.py and the staff pages (docs/capacity.md)."""

from __future__ import annotations


def places_freed(free_places) -> int:
    """A Kita reported more free places (`FreePlaces` row, after commit): tell the parents
    whose PlaceAlert matches. Returns how many were told."""
    raise NotImplementedError("issue 18: built by the Eltern-Portal work")
