"""Channels into cases. `submit_online` turns a validated online application into a case
with its documents; paper (scan + OCR) and counter intake build on the same cases services."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from openkreis.cases import services as cases
from openkreis.cases.models import Case
from openkreis.core import event_kinds
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
    received_at=None,
) -> Case:
    """One transaction: validate every file, open the case (channel online), record
    `application.submitted`. The same idempotency key always yields the same case, also when
    two requests race (the key is unique in the database). `received_at`: when the citizen
    sent it (the acknowledgement), not when a worker got to it — deadlines count from then."""
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
                received_at=received_at,
            )
            core.record_event(
                event_kinds.APPLICATION_SUBMITTED,
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


def receive_scan(name: str, data: bytes, *, actor=None):
    """Store an uploaded scan and queue its OCR (after commit). Returns the job; the upload is
    safe from here on, even if the worker dies."""
    import hashlib

    from django.core.files.base import ContentFile

    from .models import ScanJob
    from .tasks import process_scan

    # Refuse bad files at once, with the reason; OCR and the mail room only ever see the
    # neutralised PDF, the upload itself is quarantined when neutralising changed it.
    validated = cases.validate_upload(name, data)
    with transaction.atomic():
        job = ScanJob(
            filename=name[:200],
            sha256=hashlib.sha256(data).hexdigest(),
            mime=validated.mime,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
            original_sha256=validated.original_sha256,
            removed=validated.removed,
        )
        job.file.save(name[:100], ContentFile(validated.data), save=False)
        if validated.original is not None:
            job.original.save(name[:100], ContentFile(validated.original), save=False)
        job.save()
        transaction.on_commit(lambda: process_scan.delay(job.pk))
    return job


def recover_stale_scans(min_age_seconds: int = 600) -> int:
    """Queue again what a dead worker left behind (queued or running for too long). The task
    is idempotent, so a job that is in fact still running is not done twice."""
    import datetime as dt

    from django.utils import timezone

    from .models import ScanJob
    from .tasks import process_scan

    stale = ScanJob.objects.filter(
        state__in=[ScanJob.State.QUEUED, ScanJob.State.RUNNING],
        updated_at__lte=timezone.now() - dt.timedelta(seconds=min_age_seconds),
    )
    ids = list(stale.values_list("pk", flat=True))
    for pk in ids:
        process_scan.delay(pk)
    return len(ids)


def file_scan(job, *, actor, case=None, service=None, applicant_name: str = ""):
    """Attach the searchable PDF to `case`, or open a new paper case for `service`."""
    from .models import ScanJob

    with transaction.atomic():
        job = ScanJob.objects.select_for_update().get(pk=job.pk)
        if job.state != ScanJob.State.READY:
            raise cases.CaseError("This scan is not ready to be filed.")
        with job.ocr_file.open("rb") as handle:
            name = job.filename.rsplit(".", 1)[0] + ".pdf"
            validated = cases.validate_upload(name, handle.read())
        if job.original:  # the case keeps the scan as uploaded, in its quarantine
            with job.original.open("rb") as handle:
                validated.original = handle.read()
            validated.original_sha256 = job.original_sha256
            validated.removed = sorted(set(job.removed) | set(validated.removed))
        if case is None:
            case = cases.open_case(
                service=service,
                channel=Case.Channel.PAPER,
                applicant=cases.Applicant(name=applicant_name),
                actor=actor,
            )
        cases.attach_document(
            case,
            validated,
            channel=Case.Channel.PAPER,
            actor=actor,
            text=job.text,
            doc_type="posteingang",
        )
        job.state, job.filed_case = ScanJob.State.FILED, case
        job.save(update_fields=["state", "filed_case", "updated_at"])
    return case
