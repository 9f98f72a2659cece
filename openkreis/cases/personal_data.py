"""The eAkte's part of a citizen's data export (core.personal_data). Cases are never erased
with the account: the authority must keep them (retention); they lose the link to the
account when the user row goes (SET_NULL) and keep the address for letters."""

from __future__ import annotations

from typing import Any

from . import services


class CasesData:
    def export(self, user) -> list[dict[str, Any]]:
        return [
            {
                "file_number": c.file_number,
                "service": c.service.slug,
                "state": c.state,
                "received_at": c.received_at.isoformat(),
                "decided_at": c.decided_at.isoformat() if c.decided_at else None,
                "office": c.org_unit.name,
            }
            for c in services.cases_for_applicant(user)
        ]

    def erase(self, user) -> None:
        """Nothing to delete (see the module docstring)."""
