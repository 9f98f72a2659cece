"""The mail room with PDFs that carry active content (issue 16 F1): the stored scan, the OCR
result and the filed document are neutralised PDFs with their text; the upload itself is
quarantined with the job and then with the case's document."""

from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfReader

from openkreis.cases import pdfsafe
from openkreis.cases.tests import pdf_corpus
from openkreis.cases.tests.factories import open_demo_case
from openkreis.intake import services as intake
from openkreis.intake.models import ScanJob

pytestmark = pytest.mark.django_db


def _read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


@pytest.mark.parametrize("vector", pdf_corpus.VECTORS)
def test_a_crafted_pdf_goes_through_the_mail_room_neutralised(
    harz, vector, django_capture_on_commit_callbacks
):
    data = pdf_corpus.build(vector)
    case = open_demo_case()
    with django_capture_on_commit_callbacks(execute=True):
        job = intake.receive_scan(f"{vector}.pdf", data)
    job = ScanJob.objects.get(pk=job.pk)
    assert job.state == ScanJob.State.READY, job.error
    # What OCR and the mail room see is the neutralised PDF; the upload is in quarantine.
    assert pdfsafe.scan(_read(job.file)) == []
    assert pdfsafe.scan(_read(job.ocr_file)) == []
    assert _read(job.original) == data and job.removed
    assert job.sha256 == job.original_sha256 == hashlib.sha256(data).hexdigest()
    assert pdf_corpus.VISIBLE % vector in job.text

    intake.file_scan(job, actor=None, case=case)
    version = case.documents.get(doc_type="posteingang").current()
    stored = _read(version.file)
    assert pdfsafe.scan(stored) == []
    assert [p.extract_text() for p in PdfReader(io.BytesIO(stored)).pages] == [
        pdf_corpus.VISIBLE % vector
    ]
    assert version.neutralised and set(job.removed) <= set(version.removed)
    assert _read(version.original) == data
    assert version.original_sha256 == job.original_sha256


def test_a_clean_scan_is_stored_as_it_came(harz, django_capture_on_commit_callbacks):
    data = pdf_corpus.clean()
    with django_capture_on_commit_callbacks(execute=True):
        job = intake.receive_scan("sauber.pdf", data)
    job = ScanJob.objects.get(pk=job.pk)
    assert _read(job.file) == data
    assert not job.original and job.removed == [] and job.original_sha256 == ""
