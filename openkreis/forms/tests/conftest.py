import pytest
from django.conf import settings

from openkreis.core.tests.factories import UserFactory
from openkreis.forms import services as forms


def _one_page_pdf() -> bytes:
    """A small but well-formed PDF: the eAkte refuses damaged ones (cases.validate_upload)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = _one_page_pdf()
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture
def harz_forms(harz, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    forms.load_forms(harz, settings.OPENKREIS_TENANTS_DIR / "harz")
    return harz


@pytest.fixture
def citizen(db):
    return UserFactory(username="anna", first_name="Anna", last_name="Berg")


@pytest.fixture
def other_citizen(db):
    return UserFactory(username="bert")


@pytest.fixture
def anna(client, citizen):
    client.force_login(citizen)
    return client


__all__ = ["PDF", "PNG", "settings"]
