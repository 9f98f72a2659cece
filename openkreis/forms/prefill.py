"""Form prefill — a *port* of the forms app (as Open Forms' prefill plugins).

A prefill source gives values for a logged-in user by prefill key (`first_name`,
`last_name`, `birth_date`, `street`, `postcode`, `city`, `email`, `phone`); a form field
names the key it is prefilled from. Sources are asked in order and a later source
overrides an earlier one. This app ships `account` (the user record); the accounts app
registers `profile` (the citizen's stored profile) in its `AppConfig.ready()`; an eID or
BundID source would register the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from openkreis.core.registry import Registry

from .schema import PREFILL_KEYS  # the keys a form field may name (and sources may give)


class PrefillSource(Protocol):
    label: str

    def values(self, user) -> dict[str, Any]:
        """Values by prefill key; missing or empty values are left out."""


prefill_sources: Registry[PrefillSource] = Registry("form prefill sources")


class AccountRecord:
    """What every account has: name and e-mail address of the user record."""

    label = "Benutzerkonto"

    def values(self, user) -> dict[str, Any]:
        return {
            "first_name": getattr(user, "first_name", "") or None,
            "last_name": getattr(user, "last_name", "") or None,
            "email": getattr(user, "email", "") or None,
        }


prefill_sources.register("account", AccountRecord(), order=10)


def prefill_values(user) -> dict[str, Any]:
    """Prefill values by key from every source in order (later sources win); an address is
    also offered as one `address` value for address fields."""
    data: dict[str, Any] = {}
    for source in prefill_sources.enabled():
        data.update(
            {
                k: v
                for k, v in source.values(user).items()
                if k in PREFILL_KEYS and v not in ("", None)
            }
        )
    if isinstance(data.get("birth_date"), dt.date):
        data["birth_date"] = data["birth_date"].isoformat()
    if data.get("street") or data.get("city"):
        data["address"] = {
            "street": str(data.get("street") or ""),
            "postcode": str(data.get("postcode") or ""),
            "city": str(data.get("city") or ""),
        }
    return data
