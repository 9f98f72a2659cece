"""Issuing a decision (issue 14.3): nothing preselected, the letter shown before it is issued,
a confirmation, the applicant greeted by name, the mailbox message saying what was decided."""

import io
import re

import pytest
from django.core import mail
from django.test import Client
from pypdf import PdfReader

from openkreis.cases import services
from openkreis.cases.models import Case, Delivery
from openkreis.core.testing import login_staff, make_staff

from .factories import open_demo_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(harz):
    user, secret = make_staff("sb-bescheid", "fahrerlaubnisbehoerde", "caseworker")
    client = Client()
    login_staff(client, user, secret)
    case = services.transition(open_demo_case(), "claim", actor=user)
    return client, case, f"/sachbearbeitung/vorgang/{case.pk}"


DECISION = {"outcome": "granted", "text": "Alle Voraussetzungen sind erfüllt."}


def test_no_outcome_is_preselected(desk):
    client, _case, base = desk
    html = client.get(f"{base}/").content.decode()
    radios = re.findall(r'<input type="radio" name="outcome"[^>]*>', html)
    assert len(radios) == 4
    assert not any("checked" in r for r in radios)


def test_without_an_outcome_the_form_says_so(desk):
    client, case, base = desk
    response = client.post(f"{base}/entscheiden/", {"text": "Begründung"})
    assert response.status_code == 400
    assert "Bitte wählen Sie das Ergebnis der Entscheidung." in response.content.decode()
    case.refresh_from_db()
    assert case.state == "in_progress"


def test_the_letter_is_shown_before_anything_is_issued(desk):
    client, case, base = desk
    response = client.post(f"{base}/entscheiden/", DECISION)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bescheid prüfen, bevor Sie ihn erlassen" in html
    assert html.count("<h1") == 1  # the letter's headings sit below the page's own
    assert "Guten Tag Erika Mustermann," in html
    assert (
        "Ihrem Antrag wird stattgegeben." in html and "Alle Voraussetzungen sind erfüllt." in html
    )
    assert "E-Mail" in html  # how it will reach her: she has no account, but an address
    case.refresh_from_db()
    assert case.state == "in_progress" and not case.documents.filter(doc_type="bescheid").exists()
    assert not Delivery.objects.filter(case=case).exists()


def test_back_and_change_keeps_what_was_written(desk):
    client, case, base = desk
    response = client.post(f"{base}/entscheiden/", {**DECISION, "action": "edit"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alle Voraussetzungen sind erfüllt." in html
    assert re.search(r'<input type="radio" name="outcome" value="granted"[^>]*checked', html)
    case.refresh_from_db()
    assert case.state == "in_progress"


def test_confirming_issues_the_letter_that_greets_the_applicant_by_name(
    desk, django_capture_on_commit_callbacks
):
    client, case, base = desk
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{base}/entscheiden/", {**DECISION, "action": "confirm"})
    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.state == "decided" and case.outcome == "granted"
    version = case.documents.get(doc_type="bescheid").current()
    with version.file.open("rb") as handle:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages)
    assert "Guten Tag Erika Mustermann," in text
    assert "Sehr geehrte Damen und Herren" not in text
    (letter,) = mail.outbox
    assert "Fahrerlaubnis erstmals beantragen" in letter.subject
    assert "stattgegeben" in letter.subject and case.file_number in letter.subject
    assert "Ihrem Antrag wird stattgegeben." in letter.body
