"""The paper channel as a chain of small steps, each able to stop the chain with a reason
(as paperless-ngx's consume plugins): preflight → OCR → suggest a case. Filing is a person's
decision in the mail room (attach to the suggested or another case, or open a new one).

The steps are plugins of `scan_steps` (core's registry pattern): a county or a later app adds
one (a virus scanner, a barcode reader, a classifier) with
`scan_steps.register("key", step, order=n)`; a step is `step(context)` and may raise
`StopChain`."""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ocrmypdf
from django.core.files.base import ContentFile
from django.db import transaction
from pypdf import PdfReader

from openkreis.cases import services as cases
from openkreis.cases.models import Case
from openkreis.core.registry import Registry

from .models import ScanJob

FILE_NUMBER_RE = re.compile(r"\b\d{2}\.\d{2}\.\d{2}-\d{4}-\d{6}\b")


class StopChain(Exception):
    """A step refuses the document; the message says why (shown to the mail room)."""


@dataclass
class ScanContext:
    """What the steps read and fill in, one job at a time."""

    job: ScanJob
    data: bytes
    pdf: bytes | None = None
    text: str = ""
    suggested_case: Case | None = None


ScanStep = Callable[[ScanContext], None]
scan_steps: Registry[ScanStep] = Registry("scan steps")


@scan_steps.register("preflight", order=10)
def preflight(context: ScanContext) -> None:
    """Refuse what the eAkte would refuse (type sniffed from the bytes, size, damaged PDF);
    OCR reads the neutralised PDF (the stored scan is one already, from `receive_scan`)."""
    try:
        context.data = cases.validate_upload(context.job.filename, context.data).data
    except cases.UploadRejected as exc:
        raise StopChain(str(exc)) from exc


@scan_steps.register("ocr", order=20)
def ocr(context: ScanContext) -> None:
    """A searchable PDF (text layer by Tesseract, German) and its text."""
    job = context.job
    # One OpenMP thread per Tesseract: its threads spin while they wait for a core, and two
    # one-page OCRs at once on 2 cores took 11-35 s each instead of 0.4 s (measured). The
    # parallelism comes from ocrmypdf's pages and the workers' processes; an operator's own
    # OMP_THREAD_LIMIT wins.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / ("in.pdf" if job.mime == "application/pdf" else "in.img")
        source.write_bytes(context.data)
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
    context.pdf = pdf
    context.text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


@scan_steps.register("suggest", order=30)
def suggest_step(context: ScanContext) -> None:
    context.suggested_case = suggest(context.text)


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
        context = ScanContext(job=job, data=handle.read())
    try:
        for key, step in scan_steps.items():
            if key in ScanJob.STEPS:  # the mail room's progress bar names the known steps
                ScanJob.objects.filter(pk=job.pk).update(progress=key)
            step(context)
    except StopChain as exc:
        ScanJob.objects.filter(pk=job.pk).update(state=ScanJob.State.FAILED, error=str(exc))
        job.refresh_from_db()
        return job
    with transaction.atomic():
        job = ScanJob.objects.select_for_update().get(pk=job_id)
        if job.state != ScanJob.State.RUNNING:
            return job  # another worker finished it first
        if context.pdf is not None:
            name = f"{Path(job.filename).stem}-ocr.pdf"
            job.ocr_file.save(name, ContentFile(context.pdf), save=False)
        job.text = context.text[:500_000]
        job.suggested_case = context.suggested_case
        job.state, job.progress = ScanJob.State.READY, "done"
        job.save()
    return job
