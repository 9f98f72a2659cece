"""API of form definitions and own applications; payment registry; receipt PDF; feedback masking."""

import pytest
from django.test import Client

from openkreis.forms import payments
from openkreis.forms import services as forms
from openkreis.forms.models import Application, Payment

from .factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def test_definitions_api(harz_forms, client):
    listing = client.get("/api/v1/forms/definitions/").json()
    keys = {row["key"] for row in listing["results"]}
    assert "aufenthaltskarte-eu" in keys and "allgemeiner-antrag" in keys
    detail = client.get("/api/v1/forms/definitions/aufenthaltskarte-eu/").json()
    assert detail["service"] == "aufenthaltskarte-eu"
    assert detail["definition"]["pages"][0]["key"] == "person"
    assert client.get("/api/v1/forms/definitions/nope/").status_code == 404


def test_applications_api_is_per_account(harz_forms, anna, citizen, other_citizen):
    anna.post("/antrag/aufenthaltskarte-eu/")
    bert_app = ApplicationFactory(user=other_citizen, form_key="fahrerlaubnis-ersterteilung")
    rows = anna.get("/api/v1/forms/applications/").json()["results"]
    assert [r["service"] for r in rows] == ["aufenthaltskarte-eu"]
    assert anna.get(f"/api/v1/forms/applications/{bert_app.public_id}/").status_code == 404
    assert Client().get("/api/v1/forms/applications/").status_code in (401, 403)


def test_payment_registry_records_payment(harz_forms, anna):
    anna.post("/antrag/aufenthaltskarte-eu/")
    app = Application.objects.get()
    page = anna.get(f"/antrag/a/{app.public_id}/bezahlen/").content.decode()
    assert "22,80" in page or "22.80" in page
    assert "kein Geld" in page
    response = anna.post(f"/antrag/a/{app.public_id}/bezahlen/")
    assert response.status_code == 302
    payment = Payment.objects.get(application=app)
    assert (
        payment.status == "paid"
        and payment.provider == "recording"
        and payment.reference.startswith("REC-")
    )
    assert str(payment.amount) == "22.80"
    # paying twice is not possible: the page sends you back
    assert anna.post(f"/antrag/a/{app.public_id}/bezahlen/").status_code == 302
    assert Payment.objects.filter(application=app).count() == 1


def test_provider_interface_is_a_registry():
    class Fake:
        name = "fake"
        label = "Fake"

        def start(self, application, amount):
            raise NotImplementedError

        def confirm(self, payment, callback):
            raise NotImplementedError

        def describe(self):
            return "x"

    payments.register(Fake())
    try:
        assert payments.provider("fake").label == "Fake"
        assert payments.provider().name == "recording"
    finally:
        payments.providers.unregister("fake")


def test_no_payment_step_without_fee(harz_forms, anna):
    anna.post("/antrag/hilfe-zum-lebensunterhalt/")
    app = Application.objects.get()
    assert anna.get(f"/antrag/a/{app.public_id}/bezahlen/").status_code == 302


def test_receipt_pdf_renders(harz_forms, anna, citizen):
    # Marked as sent directly: this test is about the PDF, intake is tested with the journey.
    app = ApplicationFactory(
        user=citizen,
        form_key="aufenthaltskarte-eu",
        submitted=True,
        file_number="32.1-AK-2026-000123",
    )
    page = anna.get(f"/antrag/a/{app.public_id}/bestaetigung/").content.decode()
    assert "32.1-AK-2026-000123" in page and "Wie es weitergeht" in page
    response = anna.get(f"/antrag/a/{app.public_id}/eingangsbestaetigung.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    import subprocess

    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "32.1-AK-2026-000123" in text and "Eingangsbestätigung" in text


def test_mask_comment():
    masked = forms.mask("Ruf mich an: 0171 2345678 oder anna@example.org " + "x" * 600)
    assert "0171" not in masked and "anna@example.org" not in masked and len(masked) == 500
