import pytest
from django.conf import settings

from openkreis.forms import services as forms

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
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
def citizen(db, django_user_model):
    return django_user_model.objects.create_user(
        "anna", "anna@example.org", "geheim-passwort-2026", first_name="Anna", last_name="Berg"
    )


@pytest.fixture
def other_citizen(db, django_user_model):
    return django_user_model.objects.create_user("bert", "bert@example.org", "geheim-passwort-2026")


@pytest.fixture
def anna(client, citizen):
    client.force_login(citizen)
    return client


__all__ = ["PDF", "PNG", "settings"]
