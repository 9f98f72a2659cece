"""Upload validation: a file is judged by its bytes (type, size, damaged PDFs, image bombs),
never by its name, before anything is stored. Every PDF is neutralised here (`..pdfsafe`):
what is stored and shown is the PDF without scripts, actions and embedded files; the bytes
as uploaded travel along as `original` (with their checksum and the list of what was
removed), so the eAkte can keep them in quarantine for the auditor."""

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

from ..pdfsafe import UnsafePdf, neutralise


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
    # Set when neutralising changed a PDF: the bytes as uploaded (quarantined, never served
    # to caseworkers), their checksum, and what was removed ("/JavaScript", "/Launch", …).
    original: bytes | None = None
    original_sha256: str = ""
    removed: list[str] = field(default_factory=list)

    @property
    def neutralised(self) -> bool:
        return self.original is not None


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


def validate_upload(name: str, data: bytes) -> ValidatedFile:
    """Check a file by its content (not its name) and return it with type and checksum.

    Accepts PDF, PNG, JPEG and TIFF. Refuses empty and oversized files, anything else
    (renamed programs, archives, office files), PDFs that are broken or password-protected,
    and images that would decompress to absurd sizes. A PDF comes back neutralised: without
    JavaScript, actions other than links, embedded files, XFA and rich media (`data`), the
    upload itself in `original` when anything was removed; one whose active content cannot
    be removed for certain is refused.
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
    original = data
    removed: list[str] = []
    if mime == "application/pdf":
        _check_pdf(name, data)
        data, removed = _neutralise_pdf(name, data)
    else:
        _check_image(name, data)
        data, removed = _strip_image(data, mime)
    changed = data is not original
    return ValidatedFile(
        name=Path(name).name[:200] or "dokument",
        data=data,
        mime=mime,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        original=original if changed else None,
        original_sha256=hashlib.sha256(original).hexdigest() if changed else "",
        removed=removed,
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
    except UploadRejected:
        raise
    except Exception as exc:  # pypdf raises many kinds for damaged files
        raise UploadRejected(
            _("The PDF %(name)s is damaged and cannot be read.") % {"name": name}
        ) from exc


def _neutralise_pdf(name: str, data: bytes) -> tuple[bytes, list[str]]:
    """(the PDF without active content, what was removed); `data` itself when nothing was."""
    try:
        result = neutralise(data)
    except UnsafePdf as exc:
        raise UploadRejected(
            _(
                "The PDF %(name)s contains active content (scripts, actions or embedded "
                "files) that cannot be removed safely. Please print it to a plain PDF."
            )
            % {"name": name}
        ) from exc
    except Exception as exc:  # pikepdf/qpdf: a file pypdf read but qpdf cannot
        raise UploadRejected(
            _("The PDF %(name)s is damaged and cannot be read.") % {"name": name}
        ) from exc
    return result.data, result.removed


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


def _strip_image(data: bytes, mime: str) -> tuple[bytes, list[str]]:
    """The image without bytes after its end (a polyglot: HTML or a program appended to a
    JPEG or PNG), found by walking the file's structure from the start; the pixels stay
    bit for bit. `data` itself when nothing follows the end (TIFF: not checked)."""
    end = {"image/png": _png_end, "image/jpeg": _jpeg_end}.get(mime, lambda d: None)(data)
    if end is None or not data[end:].strip(b"\x00\r\n \t"):
        return data, []
    return data[:end], ["foreign data"]


def _png_end(data: bytes) -> int | None:
    """Offset after the IEND chunk (chunks: length, type, data, CRC)."""
    pos = 8
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        pos += 12 + length
        if kind == b"IEND":
            return pos
    return None


def _jpeg_end(data: bytes) -> int | None:
    """Offset after the EOI marker: segments are skipped by their length (an EXIF thumbnail
    with its own EOI lives inside APP1), entropy-coded data after each SOS up to the next
    marker that is not a stuffed 0xFF00 or a restart marker."""
    pos, size = 2, len(data)
    while pos + 1 < size:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:  # EOI
            return pos + 2
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # standalone markers
            pos += 2
            continue
        if pos + 4 > size:
            return None
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == 0xDA:  # SOS: entropy-coded data follows
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= size:
                    return None
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    pos += 1 if following == 0xFF else 2
                    continue
                break
    return None


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
