"""The upload corpus against every upload entry point (issue 16): the crafted PDFs of
`cases/tests/pdf_corpus.py` (one per way of carrying active content), polyglots (HTML behind a
JPEG header, a JPEG with HTML after its end, a PDF with a ZIP appended), a PNG bomb
(30000×30000), a renamed .exe, an SVG with a script, an empty file and a password-protected
PDF — each through the real pages: the citizen's mailbox reply, the mail room, the counter,
the online form's draft upload and the cockpit's log import.

Each is refused with a 4xx page naming the file, or stored neutralised; never a 5xx; and
whatever was stored (eAkte documents, scans, mailbox attachments, draft files) carries nothing
active: PDFs pass the independent scan and contain no marker, no ZIP rides along, nothing is
HTML, SVG or a program.
"""

from __future__ import annotations

import gzip
import io
import re
import struct
import zipfile
import zlib
from functools import cache

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openkreis.cases import pdfsafe
from openkreis.cases.tests import pdf_corpus
from openkreis.core.testing import login_staff, make_staff

pytestmark = pytest.mark.django_db

GREP = re.compile(
    rb"/JavaScript|/EmbeddedFile|/Launch|/OpenAction|/RichMedia|/XFA\b|/SubmitForm|"
    rb"(?i:javascript:)"
)
ACTIVE = re.compile(rb"(?i)<script|<html|<svg|onload=")


# -- the corpus -------------------------------------------------------------------------------
def _png_bomb(size: int = 30000) -> bytes:
    """A real PNG of size×size black pixels (1 bit): 110 kB that would decode to 112 MB as
    bits, 2.7 GB as RGB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + b"\x00" * (size // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row * 1000) for _ in range(size // 1000)) + packer.flush()
    header = struct.pack(">IIBBBBB", size, size, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "JPEG")
    return buffer.getvalue()


def _pdf_zip() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("setup.exe", pdf_corpus.EXE)
    return pdf_corpus.clean("polyglot") + archive.getvalue()


def _encrypted_pdf() -> bytes:
    pdf = pikepdf.open(io.BytesIO(pdf_corpus.clean("geheim")))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="o", user="geheim", R=6))
    return out.getvalue()


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.cookie)</script></svg>"
)
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


@cache
def corpus() -> dict[str, tuple[str, bytes]]:
    """name → (file name as uploaded, bytes). PDF vectors may be stored neutralised; the
    others must be refused or stored without their payload."""
    items = {f"pdf-{v}": (f"{v}.pdf", pdf_corpus.build(v)) for v in pdf_corpus.VECTORS}
    items.update(
        {
            "html-behind-jpeg-header": ("foto.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + HTML),
            "jpeg-with-html-after-end": ("foto2.jpg", _jpeg() + HTML),
            "pdf-with-zip-appended": ("antrag-zip.pdf", _pdf_zip()),
            "png-bomb": ("bombe.png", _png_bomb()),
            "renamed-exe": ("antrag-exe.pdf", pdf_corpus.EXE),
            "svg-with-script": ("bild.svg", SVG),
            "svg-named-png": ("bild.png", SVG),
            "empty": ("leer.pdf", b""),
            "password-pdf": ("geheim.pdf", _encrypted_pdf()),
        }
    )
    return items


ITEMS = sorted(
    [
        *(f"pdf-{v}" for v in pdf_corpus.VECTORS),
        "html-behind-jpeg-header",
        "jpeg-with-html-after-end",
        "pdf-with-zip-appended",
        "png-bomb",
        "renamed-exe",
        "svg-with-script",
        "svg-named-png",
        "empty",
        "password-pdf",
    ]
)
MUST_BE_REFUSED = {
    "html-behind-jpeg-header",
    "png-bomb",
    "renamed-exe",
    "svg-with-script",
    "svg-named-png",
    "empty",
    "password-pdf",
}


PARAMS = ITEMS


def upload(item: str) -> SimpleUploadedFile:
    name, data = corpus()[item]
    return SimpleUploadedFile(name, data, "application/octet-stream")


# -- what may be stored -----------------------------------------------------------------------
def assert_harmless(data: bytes, where: str) -> None:
    """Nothing active: a clean PDF or a plain image; no script, no program, no archive."""
    assert data, where
    if data.startswith(b"%PDF") or b"%PDF" in data[:1024]:
        assert pdfsafe.scan(data) == [], where
        assert not GREP.search(data), (where, GREP.findall(data))
    else:
        assert data[:4] in (b"\x89PNG", b"II*\x00", b"MM\x00*") or data[:3] == b"\xff\xd8\xff", (
            where,
            data[:16],
        )
    assert not ACTIVE.search(data), (where, ACTIVE.findall(data))
    assert b"PK\x03\x04" not in data, (where, "a ZIP archive rides along")
    assert b"MZ\x90\x00" not in data[:2] and b"This program" not in data, where


def assert_everything_stored_is_harmless() -> None:
    from openkreis.accounts.models import Attachment
    from openkreis.cases.models import DocumentVersion
    from openkreis.intake.models import ScanJob

    for model, field in ((DocumentVersion, "file"), (ScanJob, "file"), (Attachment, "file")):
        for row in model.objects.all():
            with getattr(row, field).open("rb") as handle:
                assert_harmless(handle.read(), f"{model.__name__} {row.pk}")


def assert_refused(response, item: str) -> None:
    name = corpus()[item][0]
    assert 400 <= response.status_code < 500, (item, response.status_code)
    assert name in response.content.decode(), (item, "the refusal does not name the file")


def assert_outcome(response, item: str) -> None:
    assert response.status_code < 500, (item, response.status_code)
    if item in MUST_BE_REFUSED or response.status_code >= 400:
        assert_refused(response, item)
    assert_everything_stored_is_harmless()


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.OPENKREIS_QUARANTINE_ROOT = tmp_path / "quarantine"
    settings.COCKPIT_IMPORT_THREAD = False


# -- the entry points -------------------------------------------------------------------------
@pytest.mark.parametrize("item", PARAMS)
def test_mailbox_reply(client, harz, item):
    from openkreis.accounts.tests.factories import CitizenFactory, MessageFactory, open_case_for

    anna = CitizenFactory()
    case = open_case_for(anna)
    letter = MessageFactory(owner=anna, case_id=case.pk)
    client.force_login(anna)
    response = client.post(
        f"/mein-konto/postfach/{letter.public_id}/",
        {"body": "Anbei", "attachments": [upload(item)]},
    )
    assert_outcome(response, item)


@pytest.mark.parametrize("item", PARAMS)
def test_mail_room(client, harz, item):
    user, secret = make_staff("corpus-post", "kreiskasse", "mail_room")
    login_staff(client, user, secret)
    response = client.post("/eingang/poststelle/", {"scans": [upload(item)]})
    assert_outcome(response, item)


@pytest.mark.parametrize("item", PARAMS)
def test_counter(client, harz, item):
    from openkreis.catalog.models import Service

    user, secret = make_staff("corpus-schalter", "ordnungsamt-kreis", "front_desk")
    login_staff(client, user, secret)
    service = Service.objects.get(slug="fahrerlaubnis-ersterteilung")
    response = client.post(
        "/eingang/schalter/",
        {"service": service.pk, "name": "Erika Mustermann", "documents": [upload(item)]},
    )
    assert_outcome(response, item)


@pytest.fixture
def draft(client, harz, settings):
    from openkreis.core.tests.factories import UserFactory
    from openkreis.forms import services as forms
    from openkreis.forms.models import Application

    forms.load_forms(harz, settings.OPENKREIS_TENANTS_DIR / "harz")
    client.force_login(UserFactory(username="corpus-anna"))
    assert client.post("/antrag/aufenthaltskarte-eu/").status_code == 302
    return Application.objects.filter(service__slug="aufenthaltskarte-eu").latest("pk")


@pytest.mark.parametrize("item", PARAMS)
def test_online_form_draft(client, draft, item):
    """The draft's file field: the draft keeps what the eAkte would store — a neutralised PDF,
    an image without a passenger — not the upload (issue 16 F5)."""
    from openkreis.forms.models import ApplicationFile

    url = f"/antrag/a/{draft.public_id}/seite/unterlagen/"
    response = client.post(url, {"action": "upload", "f-passport": upload(item)})
    assert response.status_code < 500, (item, response.status_code)
    stored = list(ApplicationFile.objects.filter(application=draft))
    if item in MUST_BE_REFUSED:
        assert response.status_code == 400, (item, response.status_code)
        assert not stored, item
    for row in stored:
        with row.file.open("rb") as handle:
            data = handle.read()
        assert_harmless(data, f"draft file {row.pk}")


@pytest.fixture
def manager(client, harz):
    user, secret = make_staff("corpus-chef", "landrat", "manager")
    login_staff(client, user, secret)
    return user


def _gzip_bomb() -> bytes:
    """A .csv.gz of a few hundred kB that unpacks to 250 MB of one repeated row."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as packed:
        packed.write(b"case_id,activity,timestamp\n")
        block = b"1,a,2026-01-01T00:00:00\n" * 40_000
        for _ in range(250):
            packed.write(block)
    return out.getvalue()


COCKPIT_FILES = {
    **{item: None for item in ITEMS},  # as uploaded (wrong type: refused by name)
    "pdf-named-csv": ("log.csv", pdf_corpus.build("launch")),
    "exe-named-xes": ("log.xes", pdf_corpus.EXE),
    "html-named-csv-gz": ("log.csv.gz", HTML),
    "svg-named-xes-gz": ("log.xes.gz", gzip.compress(SVG)),
    "zip-named-csv-gz": ("log.csv.gz", _pdf_zip()),
    "empty-csv": ("log.csv", b""),
}


@pytest.mark.parametrize("item", sorted(COCKPIT_FILES))
def test_cockpit_import(client, manager, item):
    """The cockpit takes process logs (.xes, .csv, also gzip): anything else is refused by
    the form, a log that is none fails its import with a report — never a 5xx, on the upload
    nor on the pages of the import."""
    from openkreis.cockpit.models import ImportBatch

    spec = COCKPIT_FILES[item]
    name, data = spec if spec else corpus()[item]
    response = client.post("/cockpit/import/", {"file": SimpleUploadedFile(name, data)})
    assert response.status_code < 500, (item, response.status_code)
    if not name.lower().endswith((".xes", ".csv", ".xes.gz", ".csv.gz")):
        assert response.status_code == 400 and not ImportBatch.objects.exists(), item
        return
    assert response.status_code in (302, 400), (item, response.status_code)
    if response.status_code == 302:
        batch = ImportBatch.objects.get()
        for url in (
            response["Location"],
            f"/cockpit/import/{batch.pk}/status.json",
            f"/cockpit/import/{batch.pk}/bericht.csv",
        ):
            assert client.get(url).status_code < 500, (item, url)
        batch.refresh_from_db()
        assert batch.status in ("uploaded", "failed"), (item, batch.status)


@pytest.mark.slow
def test_cockpit_import_of_a_gzip_bomb(client, manager):
    """A few hundred kB that unpack to 250 MB: read as a stream, the import ends with a report."""
    from openkreis.cockpit.models import ImportBatch

    bomb = SimpleUploadedFile("log.csv.gz", _gzip_bomb())
    response = client.post("/cockpit/import/", {"file": bomb})
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert client.get(response["Location"]).status_code < 500
        batch = ImportBatch.objects.get()  # the mapping step read only its first rows
        assert batch.status in ("uploaded", "failed")
