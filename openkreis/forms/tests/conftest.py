import pytest
from django.conf import settings

from openkreis.catalog.models import Competence, Service
from openkreis.core.tests.factories import UserFactory
from openkreis.forms import services as forms
from openkreis.forms.models import FormDefinition


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


def _one_pixel_png() -> bytes:
    """A real 1×1 PNG (the hand-written one had a broken IDAT checksum: the eAkte's check,
    which drafts now run too, refuses it)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(buffer, "PNG")
    return buffer.getvalue()


PNG = _one_pixel_png()


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


@pytest.fixture
def fim_service(harz_forms, harz):
    """A service of the county with an office and no form of its own, without a fee."""
    own = FormDefinition.objects.exclude(service=None).values("service_id")
    service = (
        Service.objects.filter(tenant=harz, competences__isnull=False)
        .exclude(pk__in=own)
        .distinct()
        .first()
    )
    assert service is not None and Competence.objects.filter(service=service).exists()
    Service.objects.filter(pk=service.pk).update(fee_min=0)
    service.refresh_from_db()
    return service


__all__ = ["PDF", "PNG", "settings"]
