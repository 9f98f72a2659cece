"""GDPR across apps — a *port*: every app that stores personal data about an account says
how to export it (Art. 15) and how to erase it (Art. 17), and the accounts app asks them
all. Apps register in `AppConfig.ready()`:

    personal_data.register("applications", ApplicationsData())

so the accounts app needs no knowledge of apps above it (reports, capacity, tickets…), and a
new app cannot forget a citizen's data without leaving it out of this registry on purpose.
"""

from __future__ import annotations

from typing import Any, Protocol

from .registry import Registry


class PersonalDataSource(Protocol):
    def export(self, user) -> Any:
        """JSON-ready data about `user` (the section of the export under the plugin's id)."""

    def erase(self, user) -> None:
        """Delete or anonymise what must go when the account is deleted (called in the
        deletion's transaction, before the user row is deleted). Data the law requires the
        authority to keep stays and only loses its link to the account."""


personal_data: Registry[PersonalDataSource] = Registry("personal data")


def export_all(user) -> dict[str, Any]:
    """Every registered app's section for `user`, by id, in registry order."""
    return {section: source.export(user) for section, source in personal_data.items()}


def erase_all(user) -> None:
    for source in personal_data:
        source.erase(user)
