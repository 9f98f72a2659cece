"""Form registration — where a submitted application goes (as Open Forms' registration
plugins). The county chooses the backend with OPENKREIS_FORM_REGISTRATION (default
`eakte`: the application becomes a case in openkreis' own eAkte through the online
intake channel). A backend for an outside specialist procedure registers under its own id;
it receives the application and its checked answers, and returns an object with the file
number (`file_number`) and the case id (`pk`) — inside the worker's transaction after the
acknowledgement (`forms.services.register_submitted`), so a failing backend returns the
application to the citizen as a draft with the reason, and nothing is half-submitted.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.conf import settings

from openkreis.core.registry import Registry
from openkreis.intake.services import submit_online


class RegistrationBackend(Protocol):
    label: str

    def register(self, application, *, applicant: dict, data: dict, files: list) -> Any:
        """Hand the application over; the created case (has `pk` and `file_number`)."""


registration_backends: Registry[RegistrationBackend] = Registry("form registration backends")


class EAkteRegistration:
    """The application becomes a case of the eAkte (online channel, idempotent by key)."""

    label = "eAkte (openkreis)"

    def register(self, application, *, applicant: dict, data: dict, files: list):
        return submit_online(
            service=application.service,
            applicant=applicant,
            data=data,
            files=files,
            idempotency_key=str(application.idempotency_key),
            account=application.user,
            form_key=application.form.key,
            received_at=application.submitted_at,
        )


registration_backends.register("eakte", EAkteRegistration())


def backend() -> RegistrationBackend:
    """The configured backend (UnknownPlugin names the registered ones if it is wrong)."""
    return registration_backends[getattr(settings, "OPENKREIS_FORM_REGISTRATION", "eakte")]
