import io

import pytest
from allauth.account.models import EmailAddress

PASSWORD = "Sicheres-Passwort-2026"


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_citizen(django_user_model, username, **extra):
    email = f"{username}@example.org"
    user = django_user_model.objects.create_user(username, email, PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """allauth counts failed logins in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anna(harz, django_user_model):
    return make_citizen(django_user_model, "anna", first_name="Anna", last_name="Berg")


@pytest.fixture
def bert(harz, django_user_model):
    return make_citizen(django_user_model, "bert", first_name="Bert", last_name="Kunz")


def open_case_for(user, slug="aufenthaltskarte-eu"):
    from openkreis.cases import services as cases
    from openkreis.catalog.models import Service

    return cases.open_case(
        service=Service.objects.get(slug=slug),
        channel="online",
        applicant=cases.Applicant(
            name=user.get_full_name() or user.username,
            email=user.email,
            street="Markt 1",
            postcode="38855",
            city="Wernigerode",
            user=user,
        ),
        documents=[("antrag.pdf", pdf_bytes())],
    )
