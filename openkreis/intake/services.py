"""Channels into cases. `submit_online` turns a validated online application into a case
with its documents; paper (scan + OCR) and counter intake build on the same cases services."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from openkreis.cases import services as cases
from openkreis.cases.models import Case
from openkreis.core import services as core


def submit_online(
    *,
    service,
    applicant,
    data: dict,
    files=(),
    idempotency_key: str,
    account=None,
    form_key: str = "",
) -> Case:
    """One transaction: validate every file, open the case (channel online), record
    `application.submitted`. The same idempotency key always yields the same case, also when
    two requests race (the key is unique in the database)."""
    if not idempotency_key:
        raise cases.CaseError("An idempotency key is required.")
    existing = Case.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    if isinstance(applicant, dict):
        applicant = cases.Applicant.from_dict(applicant, user=account)
    elif account is not None and applicant.user is None:
        applicant.user = account
    try:
        with transaction.atomic():
            case = cases.open_case(
                service=service,
                channel=Case.Channel.ONLINE,
                applicant=applicant,
                data=data,
                documents=files,
                idempotency_key=idempotency_key,
                complete=True,
            )
            core.record_event(
                "application.submitted",
                subject=case.subject,
                data={"service": service.slug, "form": form_key},
            )
    except IntegrityError:
        # Another request with the same key committed first: answer with its case.
        existing = Case.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing
    return case
