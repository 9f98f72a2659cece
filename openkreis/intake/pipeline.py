"""The paper channel as a chain of small steps, each able to stop the chain with a reason
(as paperless-ngx's consume plugins): preflight → OCR → suggest a case. Filing is a person's
decision in the mail room (attach to the suggested or another case, or open a new one)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction

from openkreis.cases import services as cases
from openkreis.cases.models import Case

from .models import ScanJob

FILE_NUMBER_RE = re.compile(r"\b\d{2}\.\d{2}\.\d{2}-\d{4}-\d{6}\b")


class StopChain(Exception):
    """A step refuses the document; the message says why (shown to the mail room)."""


def preflight(job: ScanJob, data: bytes) -> None:
    try:
        cases.validate_upload(job.filename, data)
    except cases.UploadRejected as exc:
        raise StopChain(str(exc)) from exc


def ocr(job: ScanJob, data: bytes) -> tuple[bytes, str]:
    """A searchable PDF (text layer by Tesseract, German) and its text."""
    import ocrmypdf
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / ("in.pdf" if job.mime == "application/pdf" else "in.img")
        source.write_bytes(data)
        target = Path(tmp) / "out.pdf"
        kwargs = {"image_dpi": 300} if job.mime != "application/pdf" else {}
        try:
            ocrmypdf.ocr(
                source,
                target,
                language="deu",
                skip_text=True,
                output_type="pdf",
                optimize=0,
                progress_bar=False,
                **kwargs,
            )
        except ocrmypdf.exceptions.ExitCodeException as exc:
            raise StopChain(f"OCR: {exc.__class__.__name__}") from exc
        pdf = target.read_bytes()
    text = "\n".join(page.extract_text() or "" for page in PdfReader(target_bytes(pdf)).pages)
    return pdf, text


def target_bytes(pdf: bytes):
    import io

    return io.BytesIO(pdf)


def suggest(text: str) -> Case | None:
    """The case whose file number is printed on the letter, if it exists."""
    for number in FILE_NUMBER_RE.findall(text):
        case = Case.objects.filter(file_number=number).first()
        if case is not None:
            return case
    return None


def run(job_id: int) -> ScanJob:
    """Process one job; idempotent (a job that is past OCR is left alone)."""
    with transaction.atomic():
        job = ScanJob.objects.select_for_update().get(pk=job_id)
        if job.state not in (ScanJob.State.QUEUED, ScanJob.State.RUNNING):
            return job
        job.state, job.progress = ScanJob.State.RUNNING, "preflight"
        job.save(update_fields=["state", "progress", "updated_at"])
    with job.file.open("rb") as handle:
        data = handle.read()
    try:
        preflight(job, data)
        ScanJob.objects.filter(pk=job.pk).update(progress="ocr")
        pdf, text = ocr(job, data)
    except StopChain as exc:
        ScanJob.objects.filter(pk=job.pk).update(state=ScanJob.State.FAILED, error=str(exc))
        job.refresh_from_db()
        return job
    with transaction.atomic():
        job = ScanJob.objects.select_for_update().get(pk=job_id)
        if job.state != ScanJob.State.RUNNING:
            return job  # another worker finished it first
        job.ocr_file.save(f"{Path(job.filename).stem}-ocr.pdf", ContentFile(pdf), save=False)
        job.text = text[:500_000]
        job.suggested_case = suggest(text)
        job.state, job.progress = ScanJob.State.READY, "done"
        job.save()
    return job
