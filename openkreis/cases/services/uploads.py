"""Upload validation: a file is judged by its bytes (type, size, active PDF content, image
bombs), never by its name, before anything is stored."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PdfReadError


class UploadRejected(Exception):
    """An upload that is refused; the message says why, in the user's language."""


@dataclass
class ValidatedFile:
    name: str
    data: bytes
    mime: str
    sha256: str
    size: int
    doc_type: str = ""
    extra: dict = field(default_factory=dict)


SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
]


MAX_PIXELS = 60_000_000  # an A3 page at 600 dpi is ~70 MP; a bomb is far more


def sniff_mime(data: bytes) -> str | None:
    head = data[:1024]
    for magic, mime in SIGNATURES:
        if head.startswith(magic) or (mime == "application/pdf" and magic in head):
            return mime
    return None


def _pdf_has_active_content(reader) -> bool:
    root = reader.trailer["/Root"]
    if "/OpenAction" in root or "/AA" in root:
        return True
    names = root.get("/Names")
    if names is not None and ("/JavaScript" in names.get_object() or "/EmbeddedFiles" in names):
        return True
    for page in reader.pages:
        if "/AA" in page:
            return True
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and action.get_object().get("/S") in ("/JavaScript", "/Launch"):
                return True
    return False


def validate_upload(name: str, data: bytes) -> ValidatedFile:
    """Check a file by its content (not its name) and return it with type and checksum.

    Accepts PDF, PNG, JPEG and TIFF. Refuses empty and oversized files, anything else
    (renamed programs, archives, office files), PDFs that are broken or carry JavaScript,
    launch actions or embedded files, and images that would decompress to absurd sizes.
    """
    limit = getattr(settings, "OPENKREIS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
    if not data:
        raise UploadRejected(_("The file %(name)s is empty.") % {"name": name})
    if len(data) > limit:
        raise UploadRejected(
            _("The file %(name)s is larger than %(limit)s.")
            % {"name": name, "limit": filesizeformat(limit)}
        )
    mime = sniff_mime(data)
    if mime is None:
        raise UploadRejected(
            _("The file %(name)s is not a PDF, PNG, JPEG or TIFF file. Please upload a scan.")
            % {"name": name}
        )
    if mime == "application/pdf":
        _check_pdf(name, data)
    else:
        _check_image(name, data)
    return ValidatedFile(
        name=Path(name).name[:200] or "dokument",
        data=data,
        mime=mime,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )


def _check_pdf(name: str, data: bytes) -> None:
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise UploadRejected(
                _("The PDF %(name)s is password-protected. Please upload it without a password.")
                % {"name": name}
            )
        if len(reader.pages) == 0:
            raise PdfReadError("no pages")
        active = _pdf_has_active_content(reader)
    except UploadRejected:
        raise
    except Exception as exc:  # pypdf raises many kinds for damaged files
        raise UploadRejected(
            _("The PDF %(name)s is damaged and cannot be read.") % {"name": name}
        ) from exc
    if active:
        raise UploadRejected(
            _("The PDF %(name)s contains scripts or actions. Please print it to a plain PDF.")
            % {"name": name}
        )


def _check_image(name: str, data: bytes) -> None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise UploadRejected(
                    _("The image %(name)s is too large (too many pixels).") % {"name": name}
                )
            image.verify()
    except UploadRejected:
        raise
    except Exception as exc:  # Pillow: damaged data, decompression bombs
        raise UploadRejected(
            _("The image %(name)s is damaged and cannot be read.") % {"name": name}
        ) from exc


def _as_validated(item: Any) -> ValidatedFile:
    """Accept a ValidatedFile, a (name, bytes) pair or a dict with name/content."""
    if isinstance(item, ValidatedFile):
        return item
    if isinstance(item, tuple):
        name, data = item[-2], item[-1]
        return validate_upload(name, data)
    content = item["content"]
    if hasattr(content, "open"):
        content.open("rb")
    if hasattr(content, "seek"):
        content.seek(0)
    data = content.read() if hasattr(content, "read") else bytes(content)
    validated = validate_upload(item["name"], data)
    validated.doc_type = item.get("document_type", "") or ""
    return validated
