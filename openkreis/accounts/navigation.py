"""The account menu's port: an app above accounts (a driving school's pages, the
Mängelmelder's "Meine Meldungen") adds its link to "Mein Konto" by registering an
`AccountLink` in its `AppConfig.ready()`; accounts does not know these apps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

from openkreis.core.registry import Registry


def _everyone(user) -> bool:
    return True


@dataclass(frozen=True)
class AccountLink:
    label: str  # a lazy translation
    url_name: str
    # whether this account gets the link (one cheap query at most: the menu is on every
    # account page)
    applies: Callable[[object], bool] = field(default=_everyone)


account_links: Registry[AccountLink] = Registry("account links")


def links_for(user) -> list[tuple[str, str]]:
    """(label, url) of the registered links that apply to this logged-in account."""
    return [
        (str(link.label), reverse(link.url_name)) for link in account_links if link.applies(user)
    ]
