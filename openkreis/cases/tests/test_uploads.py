"""Upload validation (services.uploads): a file is judged by its bytes — type, size, active
PDF content, image bombs — and a bad file stores nothing."""

import pytest

from openkreis.cases import services
from openkreis.cases.models import Case, Document

from .factories import open_demo_case, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


BAD_FILES = [
    ("leer.pdf", b"", "empty"),
    ("rechnung.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "not a PDF"),
    ("bild.jpg", b"PK\x03\x04" + b"\x00" * 100, "not a PDF"),
    ("kaputt.pdf", b"%PDF-1.7\n1 0 obj <<>> garbage", "damaged"),
    ("bombe.png", png_bytes(9000, 9000), "too large"),
]


@pytest.mark.parametrize("name,data,reason", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_are_rejected_with_a_reason_and_nothing_is_stored(harz, name, data, reason):
    before = (Case.objects.count(), Document.objects.count())
    with pytest.raises(services.UploadRejected) as exc:
        open_demo_case(documents=[("ok.pdf", pdf_bytes()), (name, data)])
    assert reason in str(exc.value) or name in str(exc.value)
    assert (Case.objects.count(), Document.objects.count()) == before


def test_oversized_file_is_rejected(harz, settings):
    settings.OPENKREIS_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(services.UploadRejected, match="größer als 1000"):
        services.validate_upload("gross.png", png_bytes(200, 200) + b"\x00" * 2000)


def test_good_files_get_type_from_content_and_checksum(harz):
    validated = services.validate_upload("foto.pdf", png_bytes())  # the name lies
    assert validated.mime == "image/png"
    assert len(validated.sha256) == 64
