"""The forms app's part of a citizen's data export and deletion (core.personal_data)."""

from __future__ import annotations

from typing import Any

from . import services
from .models import Application


class ApplicationsData:
    """Applications (drafts and submitted) with their answers and uploads."""

    def export(self, user) -> list[dict[str, Any]]:
        return [
            {
                "id": str(a.public_id),
                "service": a.service.slug,
                "service_name": a.service.name,
                "status": a.status,
                "answers": a.data,
                "file_number": a.file_number,
                "started_at": a.started_at.isoformat(),
                "updated_at": a.updated_at.isoformat(),
                "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None,
                "files": [
                    {"name": f.name, "sha256": f.sha256, "content_type": f.content_type}
                    for f in a.files.all()
                ],
            }
            for a in services.applications_of(user).prefetch_related("files")
        ]

    def erase(self, user) -> None:
        """Drafts go with their uploads; submitted applications stay with their case (the
        link to the account is cleared when the user row goes: SET_NULL)."""
        for draft in services.applications_of(user).filter(status=Application.Status.DRAFT):
            services.abandon(draft)
        services.applications_of(user).filter(status=Application.Status.ABANDONED).delete()
