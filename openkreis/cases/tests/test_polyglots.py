"""Polyglots: a file that is a valid image or PDF and also carries another file after its end
(HTML after a JPEG's EOI, a ZIP with a program after a PDF's last %%EOF). validate_upload
stores the image or PDF without the passenger; the pixels and pages stay as they were."""

import io
import zipfile

import pytest
from PIL import Image

from openkreis.cases import pdfsafe
from openkreis.cases.services.uploads import (
    UploadRejected,
    _jpeg_end,
    _png_end,
    validate_upload,
)

from . import pdf_corpus

HTML = b"<html><script>alert(document.cookie)</script></html>"


def image(kind: str, **options) -> bytes:
    out = io.BytesIO()
    picture = Image.new("RGB", (64, 48), "white")
    picture.putpixel((3, 4), (200, 10, 10))
    picture.save(out, kind, **options)
    return out.getvalue()


@pytest.mark.parametrize(
    "kind, options",
    [
        ("JPEG", {}),
        ("JPEG", {"progressive": True}),  # several scans (SOS) before the EOI
        ("JPEG", {"exif": b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00"}),  # APP1
        ("PNG", {}),
    ],
)
def test_bytes_after_an_images_end_are_dropped(kind, options):
    clean = image(kind, **options)
    stored = validate_upload("foto", clean + HTML)
    assert stored.data == clean  # the picture bit for bit, the passenger gone
    assert stored.removed == ["foreign data"] and stored.original == clean + HTML


@pytest.mark.parametrize("kind", ["JPEG", "PNG"])
def test_a_plain_image_is_stored_as_uploaded(kind):
    clean = image(kind)
    stored = validate_upload("foto", clean)
    assert stored.data is not None and stored.data == clean
    assert stored.removed == [] and stored.original is None


def test_the_structure_walk_finds_the_real_end_not_a_fake_one():
    jpeg = image("JPEG")
    # an EOI marker inside the passenger, and a fake IEND inside a PNG's text chunk
    assert _jpeg_end(jpeg + HTML + b"\xff\xd9") == len(jpeg)
    png = image("PNG")
    assert _png_end(png + b"IEND" + HTML) == len(png)


def zipped_exe(comment: bytes = b"") -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("setup.exe", pdf_corpus.EXE)
        z.comment = comment
    return archive.getvalue()


def test_a_zip_appended_to_a_pdf_is_dropped_and_the_original_quarantined():
    clean = pdf_corpus.clean("polyglot")
    stored = validate_upload("antrag.pdf", clean + zipped_exe())
    assert "foreign data" in stored.removed and stored.original is not None
    assert b"PK\x03\x04" not in stored.data and b"setup.exe" not in stored.data
    assert pdfsafe.scan(stored.data) == []


def test_a_zip_that_fakes_the_pdfs_end_is_refused():
    """The ZIP's comment ends in `%%EOF`: the file no longer reads as a PDF (its startxref is
    lost) and is refused with the reason, not stored."""
    with pytest.raises(UploadRejected, match="antrag.pdf"):
        validate_upload("antrag.pdf", pdf_corpus.clean("polyglot") + zipped_exe(b"%%EOF"))


def test_a_plain_pdf_is_stored_as_uploaded():
    clean = pdf_corpus.clean("sauber")
    stored = validate_upload("antrag.pdf", clean)
    assert stored.data == clean and stored.original is None and stored.removed == []
