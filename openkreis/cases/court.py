"""The court file (Gerichtsakte): chosen documents of a case as one paginated PDF with a
cover sheet, a table of contents and the checksums, plus the originals and a manifest, in
one ZIP. Every export is written to the audit trail."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile

from django.template.loader import render_to_string
from django.utils import timezone

from .models import Case, Document
from .pdfsafe import neutralise


def _stored(version) -> bytes:
    """The version's file; a PDF neutralised once more, so that files stored before uploads
    were neutralised never take scripts or embedded files into the court file (a file that
    is clean already comes back byte for byte). Raises pdfsafe.UnsafePdf."""
    with version.file.open("rb") as handle:
        data = handle.read()
    if version.mime == "application/pdf":
        data = neutralise(data).data
    return data


def _as_pdf(version, data: bytes) -> bytes:
    if version.mime == "application/pdf":
        return data
    from PIL import Image

    out = io.BytesIO()
    with Image.open(io.BytesIO(data)) as image:
        frames = []
        try:
            while True:
                frames.append(image.convert("RGB"))
                image.seek(image.tell() + 1)
        except EOFError:
            pass
        frames[0].save(out, "PDF", resolution=150, save_all=True, append_images=frames[1:])
    return out.getvalue()


def _html_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def build_court_file(
    case: Case, documents: list[Document], application: list[dict] | None = None
) -> tuple[bytes, bytes]:
    """(paginated PDF, ZIP with that PDF, the originals and manifest.json). `application`
    (groups of labelled answers) is printed after the contents and written to the manifest:
    the court reads what the applicant said, not only what they uploaded."""
    from pypdf import PdfReader, PdfWriter

    parts, stored = [], {}
    for document in documents:
        version = document.current()
        stored[version.pk] = _stored(version)
        pdf = _as_pdf(version, stored[version.pk])
        parts.append((document, version, pdf, len(PdfReader(io.BytesIO(pdf)).pages)))
    # The cover and contents take their own pages; documents start after them.
    entries, first = [], None
    cover_pages = 1
    for _attempt in range(3):  # the contents may push the cover to more pages
        page = cover_pages + 1
        entries = []
        for document, version, _pdf, count in parts:
            entries.append(
                {
                    "title": document.title,
                    "from": page,
                    "to": page + count - 1,
                    "sha256": hashlib.sha256(stored[version.pk]).hexdigest(),
                    "version": version.number,
                    "received": document.received_at,
                }
            )
            page += count
        cover = _html_pdf(
            render_to_string(
                "cases/court_cover.html",
                {
                    "case": case,
                    "entries": entries,
                    "now": timezone.now(),
                    "application": application or [],
                },
            )
        )
        first = len(PdfReader(io.BytesIO(cover)).pages)
        if first == cover_pages:
            break
        cover_pages = first
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(cover)))
    for _document, _version, pdf, _count in parts:
        writer.append(PdfReader(io.BytesIO(pdf)))
    total = len(writer.pages)
    numbers = PdfReader(
        io.BytesIO(
            _html_pdf(
                render_to_string(
                    "cases/court_numbers.html",
                    {"case": case, "pages": range(total)},
                )
            )
        )
    )
    for index, page in enumerate(writer.pages):
        page.merge_page(numbers.pages[index])
    out = io.BytesIO()
    writer.write(out)
    court_pdf = out.getvalue()

    archive = io.BytesIO()
    manifest = {
        "file_number": case.file_number,
        "exported_at": timezone.now().isoformat(),
        "court_file": {
            "name": "gerichtsakte.pdf",
            "pages": total,
            "sha256": hashlib.sha256(court_pdf).hexdigest(),
        },
        "application": application or [],
        "documents": [],
    }
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("gerichtsakte.pdf", court_pdf)
        for (document, version, _pdf, _count), entry in zip(parts, entries, strict=True):
            name = f"originale/{version.pk}-{archive_name(version.filename)}"
            data = stored[version.pk]
            zf.writestr(name, data)
            manifest["documents"].append(
                {
                    "title": document.title,
                    "file": name,
                    "sha256": entry["sha256"],
                    "size": len(data),
                    "mime": version.mime,
                    "version": version.number,
                    "pages": [entry["from"], entry["to"]],
                    # Neutralised on the way in: the upload itself stays in quarantine.
                    **({"neutralised": version.removed} if version.neutralised else {}),
                }
            )
        zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return court_pdf, archive.getvalue()


# Characters Windows cannot have in a file name, control characters, and ";" which some
# unpackers treat as a version separator (issue 16 F9).
_UNSAFE_IN_NAMES = re.compile(r'[<>:"/\\|?*;\x00-\x1f]')
_RESERVED_NAMES = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}


def archive_name(filename: str) -> str:
    """A file name every common unpacker accepts: unsafe characters become "_", no trailing
    dots or spaces, no reserved device names, at most 120 characters."""
    name = _UNSAFE_IN_NAMES.sub("_", filename).strip().rstrip(". ") or "dokument"
    stem, dot, suffix = name.rpartition(".")
    if (stem if dot else name).lower() in _RESERVED_NAMES:
        name = "_" + name
    if len(name) > 120:
        name = name[: 120 - len(dot + suffix)] + dot + suffix if dot else name[:120]
    return name
