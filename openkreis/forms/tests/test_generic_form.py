"""The generic online form (allgemeiner-antrag) serves every online service without a form of
its own (issue 14.9): it is shown under the service's name, never as a bare "Antrag stellen",
and its pages carry the service's own guidance (what it is, which documents it needs)."""

import re

import pytest

from openkreis.catalog.models import Service
from openkreis.forms import services as forms
from openkreis.forms.models import Application

from .factories import ApplicationFactory
from .test_views import page_url, start

pytestmark = pytest.mark.django_db

KFZ = "kfz-zulassung"


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def _h1(html: str) -> str:
    return re.sub(r"\s+", " ", re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)).strip()


def test_the_generic_form_is_named_after_the_service(harz_forms, anna):
    service = Service.objects.get(slug=KFZ)
    assert forms.form_for_service(service).key == forms.GENERIC_FORM  # the shared form
    heading = f"Antrag: {service.name}"
    html = anna.get(f"/antrag/{KFZ}/").content.decode()
    assert _h1(html) == heading
    assert heading in _title(html)
    assert "Antrag stellen" not in html

    app = start(anna, KFZ)
    page = anna.get(page_url(app, "person")).content.decode()
    assert heading in _title(page) and f'<span class="caption">{heading}</span>' in page
    assert "Antrag stellen" not in page
    # "Meine Anträge" names the draft after the service too
    mine = anna.get("/antrag/meine/").content.decode()
    assert service.name in mine and "Antrag stellen" not in mine


def test_the_request_page_asks_for_the_concern_with_the_services_guidance(harz_forms, anna):
    service = Service.objects.get(slug=KFZ)
    app = start(anna, KFZ)
    html = anna.get(page_url(app, "anliegen")).content.decode()
    assert _h1(html) == "Ihr Anliegen"
    assert "Beschreiben Sie Ihr Anliegen" in html
    guidance = html.split('class="service-guidance"', 1)[1].split("</div>", 1)[0]
    assert "Diese Unterlagen braucht die Behörde in der Regel:" in guidance
    for item in service.documents:
        assert f"<li>{item}</li>" in guidance
    # the documents page repeats the list where the files are uploaded
    upload = anna.get(page_url(app, "unterlagen")).content.decode()
    assert "eVB-Nummer der Kfz-Versicherung" in upload


def test_the_receipt_names_the_service(harz_forms, citizen, anna):
    service = Service.objects.get(slug=KFZ)
    app = ApplicationFactory(user=citizen, form_key=forms.GENERIC_FORM, service=service)
    Application.objects.filter(pk=app.pk).update(
        status=Application.Status.SUBMITTED, submitted_at=app.updated_at, file_number="T-1"
    )
    html = anna.get(f"/antrag/a/{app.public_id}/bestaetigung/").content.decode()
    assert f"Antrag: {service.name}" in _title(html)
    assert "Antrag stellen" not in html


def test_a_service_with_its_own_form_keeps_the_forms_title(harz_forms, anna):
    html = anna.get("/antrag/aufenthaltskarte-eu/").content.decode()
    assert _h1(html) == "Aufenthaltskarte für Familienangehörige von EU-Bürgern beantragen"
