"""Documents and their versions in the case file; the court-file export."""

from __future__ import annotations

import hashlib
import io

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypdf import PdfReader

from ..court import build_court_file
from ..models import (
    Case,
    Document,
    DocumentVersion,
)
from ..pdfsafe import UnsafePdf
from .audit import audit
from .common import CaseError
from .queries import application_data
from .uploads import ValidatedFile, _as_validated


def _store_document(case, item: ValidatedFile, *, channel, sender="", at=None, doc_type=""):
    document = Document.objects.create(
        case=case,
        title=item.name,
        doc_type=doc_type or item.doc_type,
        channel=channel,
        sender=sender[:200],
        received_at=at or timezone.now(),
    )
    return _add_version(document, item, first=True)


def _add_version(
    document: Document, item: ValidatedFile, text: str = "", *, first: bool = False
) -> DocumentVersion:
    """A new version of `document`; `first` for a document created in this transaction (its
    version 1 needs no look at the others)."""
    number = (
        1
        if first
        else (document.versions.order_by("-number").values_list("number", flat=True).first() or 0)
        + 1
    )
    version = DocumentVersion(
        document=document,
        number=number,
        filename=item.name,
        mime=item.mime,
        size=item.size,
        sha256=item.sha256,
        text=clean_text(text) or _pdf_text(item),
        text_source="pdf" if item.mime == "application/pdf" else "",
        neutralised=item.neutralised,
        removed=list(item.removed),
        original_sha256=item.original_sha256,
    )
    version.file.save(item.name, ContentFile(item.data), save=False)
    if item.original is not None:
        # The upload as it came, out of every view's reach; the record says what was removed.
        version.original.save(item.name, ContentFile(item.original), save=False)
    version.save()
    if item.neutralised:
        audit(
            "document.neutralised",
            case=document.case,
            detail={
                "document": document.pk,
                "version": version.number,
                "version_id": version.pk,
                "sha256": version.sha256,
                "original_sha256": version.original_sha256,
                "removed": version.removed,
            },
        )
    return version


def clean_text(text: str) -> str:
    """Text for `DocumentVersion.text` without NUL characters: a PDF whose fonts lack a
    character (a reply with "漢字" rendered in placeholder glyphs) extracts as "\\x00H\\x00a…";
    PostgreSQL refuses NUL in text (a 500) and on SQLite nobody could search it."""
    return text.replace("\x00", "")


def _pdf_text(item: ValidatedFile) -> str:
    if item.mime != "application/pdf":
        return ""
    try:
        reader = PdfReader(io.BytesIO(item.data))
        return clean_text("\n".join((page.extract_text() or "") for page in reader.pages[:50]))[
            :200_000
        ]
    except Exception:  # a text layer is a bonus; the file itself was validated
        return ""


def attach_document(
    case: Case,
    file: ValidatedFile,
    *,
    channel: str,
    doc_type: str = "",
    sender: str = "",
    actor=None,
    text: str = "",
    document: Document | None = None,
) -> Document:
    """File a document in the case (or a new version of `document`); logged in the audit."""
    file = _as_validated(file)
    with transaction.atomic():
        if document is not None:
            if document.case_id != case.pk:
                raise CaseError(_("The document belongs to another case."))
            _add_version(document, file, text=text)
        else:
            version = _store_document(case, file, channel=channel, sender=sender, doc_type=doc_type)
            if text:
                version.text = clean_text(text)
                version.save(update_fields=["text"])
            document = version.document
        audit("document.attached", actor=actor, case=case, detail={"sha256": file.sha256})
    return document


def set_document_text(version: DocumentVersion, text: str, *, source: str = "ocr") -> None:
    """Store the full text of a version (from OCR or a PDF text layer) for the search."""
    DocumentVersion.objects.filter(pk=version.pk).update(
        text=clean_text(text)[:500_000], text_source=source
    )


def export_court_file(case: Case, document_ids, *, actor) -> bytes:
    """The court file of the chosen documents as a ZIP (paginated PDF with cover, contents
    and checksums; the originals; manifest.json). The export is audited."""
    ids = {int(i) for i in document_ids if str(i).isdigit()}
    documents = list(case.documents.filter(pk__in=ids).order_by("received_at", "id"))
    if not documents or len(documents) != len(ids):
        raise CaseError(_("Choose the documents for the court file."))
    try:
        _pdf, archive = build_court_file(case, documents, application_data(case))
    except UnsafePdf as exc:
        raise CaseError(
            _(
                "A chosen document still contains active content (%(what)s) and cannot go "
                "into the court file."
            )
            % {"what": ", ".join(exc.findings)}
        ) from exc
    audit(
        "case.court_export",
        actor=actor,
        case=case,
        detail={
            "documents": [d.pk for d in documents],
            "sha256": hashlib.sha256(archive).hexdigest(),
        },
    )
    return archive


def quarantined_original(version_id: int, *, actor) -> DocumentVersion | None:
    """The version whose upload, as it came before neutralising, the auditor asks for (None
    when there is none); the access is written to the audit trail. Whether `actor` may ask
    is the caller's check (the auditor role)."""
    version = (
        DocumentVersion.objects.select_related("document__case")
        .filter(pk=version_id, neutralised=True)
        .exclude(original="")
        .first()
    )
    if version is not None:
        audit(
            "document.original_read",
            actor=actor,
            case=version.document.case,
            detail={"version_id": version.pk, "original_sha256": version.original_sha256},
        )
    return version


def decision_document(case: Case) -> Document | None:
    return case.documents.filter(doc_type="bescheid").order_by("-id").first()
