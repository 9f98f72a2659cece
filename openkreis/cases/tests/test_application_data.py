"""The caseworker sees what the applicant answered (issue 14.1): on the case page, grouped like
the form with its labels, in the cases API and in the court file — and for paper and counter
cases what staff captured. The decision is never taken blind."""

import io
import json
import zipfile

import pytest
from django.test import Client
from pypdf import PdfReader

from openkreis.cases import services
from openkreis.cases.models import Case
from openkreis.core.testing import login_staff, make_staff

from .factories import open_demo_case, pdf_bytes

pytestmark = pytest.mark.django_db

SUMMARY = {
    "answers": {"licence_class": "B", "bf17": True, "school": "Fahrschule Brocken"},
    "summary": [
        {
            "key": "fuehrerschein",
            "title": "Ihr Führerschein",
            "answers": [
                {"key": "licence_class", "label": "Führerscheinklasse", "value": "B"},
                {"key": "bf17", "label": "Begleitetes Fahren ab 17 (BF17)", "value": "Ja"},
            ],
        },
        {
            "key": "ausbildung",
            "title": "Ausbildung",
            "answers": [
                {"key": "school", "label": "Fahrschule", "value": "Fahrschule Brocken"},
                {"key": "eye_test", "label": "Datum des Sehtests", "value": "12.11.2026"},
            ],
        },
    ],
    "form": "fahrerlaubnis-ersterteilung",
}


@pytest.fixture
def desk(harz):
    user, secret = make_staff("sb-antworten", "fahrerlaubnisbehoerde", "caseworker")
    client = Client()
    login_staff(client, user, secret)
    return client, user


def test_the_case_page_shows_the_answers_grouped_like_the_form(desk):
    client, _user = desk
    case = open_demo_case(data=SUMMARY)
    html = client.get(f"/sachbearbeitung/vorgang/{case.pk}/").content.decode()
    assert "Ihr Führerschein" in html and "Ausbildung" in html
    assert "<dt>Führerscheinklasse</dt><dd>B</dd>" in html
    assert "<dt>Begleitetes Fahren ab 17 (BF17)</dt><dd>Ja</dd>" in html
    assert "<dt>Datum des Sehtests</dt><dd>12.11.2026</dd>" in html
    assert html.index("Ihr Führerschein") < html.index("Ausbildung")  # the form's order


def test_the_api_gives_the_answers(desk):
    client, _user = desk
    case = open_demo_case(data=SUMMARY)
    detail = client.get(f"/api/v1/cases/cases/{case.pk}/").json()
    assert [g["title"] for g in detail["application"]] == ["Ihr Führerschein", "Ausbildung"]
    assert {"label": "Fahrschule", "value": "Fahrschule Brocken"} in detail["application"][1][
        "rows"
    ]


def test_the_court_file_carries_the_answers(desk):
    _client, user = desk
    case = open_demo_case(data=SUMMARY, documents=[("antrag.pdf", pdf_bytes("Antrag"))])
    archive = services.export_court_file(case, [d.pk for d in case.documents.all()], actor=user)
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        text = "".join(
            p.extract_text() for p in PdfReader(io.BytesIO(zf.read("gerichtsakte.pdf"))).pages
        )
    assert manifest["application"][0]["rows"][0] == {"label": "Führerscheinklasse", "value": "B"}
    assert "Angaben im Antrag" in text and "Fahrschule Brocken" in text


def test_a_counter_case_shows_what_was_captured(desk):
    client, _user = desk
    case = services.open_case(
        service=open_demo_case().service,
        channel=Case.Channel.COUNTER,
        applicant=services.Applicant(
            name="Karl Schalter", street="Markt 1", postcode="38820", city="Halberstadt"
        ),
    )
    html = client.get(f"/sachbearbeitung/vorgang/{case.pk}/").content.decode()
    assert "Karl Schalter" in html.split('id="app-h"')[1]
    assert "Markt 1, 38820 Halberstadt" in html.split('id="app-h"')[1]


def test_an_online_application_arrives_with_its_answers(desk, client, harz):
    """The whole way: a citizen fills in the real Aufenthaltskarte form, the caseworker reads
    the answers (not only the uploads) on the case page."""
    from openkreis.core.tests.factories import UserFactory
    from openkreis.forms.tests.test_views import fill_aufenthaltskarte, start

    staff_client, _user = make_staff_for_foreigners()
    citizen = UserFactory(username="anna-antwort", first_name="Anna", last_name="Berg")
    client.force_login(citizen)
    application = start(client)
    fill_aufenthaltskarte(client, application)
    client.post(f"/antrag/a/{application.public_id}/bezahlen/")
    response = client.post(
        f"/antrag/a/{application.public_id}/absenden/",
        {"idempotency_key": str(application.idempotency_key)},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    html = staff_client.get(f"/sachbearbeitung/vorgang/{application.case_id}/").content.decode()
    answers = html.split('id="app-h"')[1].split('id="docs-h"')[0]
    assert "Marie Dupont" in answers  # the EU citizen named in the form
    assert "Izmir, Türkei" in answers
    assert "Staatsangehörigkeit" in answers


def make_staff_for_foreigners():
    user, secret = make_staff("sb-ausl-antw", "auslaenderbehoerde", "caseworker")
    client = Client()
    login_staff(client, user, secret)
    return client, user
