"""The satisfaction survey: only after the decision, once, stored without the person."""

import pytest

from openkreis.core.models import Event
from openkreis.forms import services as forms
from openkreis.forms import status
from openkreis.forms.models import Feedback

from .factories import ApplicationFactory
from .test_views import start

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(harz_forms, citizen):
    # Marked as sent directly: intake is tested elsewhere; this test is about the survey.
    return ApplicationFactory(
        user=citizen, form_key="aufenthaltskarte-eu", submitted=True, file_number="X-9"
    )


def test_no_rating_before_the_decision(sent, anna):
    page = anna.get(f"/antrag/meine/{sent.public_id}/bewertung/").content.decode()
    assert "nach der Entscheidung" in page and 'name="rating"' not in page
    response = anna.post(f"/antrag/meine/{sent.public_id}/bewertung/", {"rating": "5"})
    assert response.status_code == 400
    assert "nach der Entscheidung" in response.content.decode()
    assert not Feedback.objects.exists()


def test_rating_is_stored_unlinked_masked_and_once(sent, anna, monkeypatch):
    # The decision comes from the eAkte; here its answer is fixed so the survey logic is
    # tested on its own (the whole journey test uses the real cases app).
    monkeypatch.setattr(status, "is_decided", lambda application: True)
    response = anna.post(
        f"/antrag/meine/{sent.public_id}/bewertung/",
        {"rating": "4", "comment": "Schnell! Rufen Sie mich an: 0171 2345678, anna@example.org"},
    )
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert feedback.rating == 4 and feedback.service == "aufenthaltskarte-eu"
    assert "0171" not in feedback.comment and "anna@example.org" not in feedback.comment
    field_names = {f.name for f in Feedback._meta.get_fields()}
    assert not field_names & {"user", "application", "case", "case_id", "created_at"}
    event = Event.objects.get(kind="feedback.submitted")
    assert event.subject == f"feedback:{feedback.pk}"
    assert event.data["rating"] == 4 and event.data["comment"] == feedback.comment
    assert set(event.data) == {"service", "org_unit", "rating", "comment"}
    again = anna.post(f"/antrag/meine/{sent.public_id}/bewertung/", {"rating": "1"})
    assert again.status_code == 400 and Feedback.objects.count() == 1


@pytest.mark.parametrize("rating", ["0", "6", "x", ""])
def test_invalid_ratings(sent, anna, monkeypatch, rating):
    monkeypatch.setattr(status, "is_decided", lambda application: True)
    response = anna.post(f"/antrag/meine/{sent.public_id}/bewertung/", {"rating": rating})
    assert response.status_code == 400 and not Feedback.objects.exists()
    assert "von 1 bis 5" in response.content.decode()


def test_give_feedback_refuses_drafts(harz_forms, anna):
    app = start(anna)
    with pytest.raises(forms.FormError):
        forms.give_feedback(app, 5)
