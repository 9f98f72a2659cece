"""The assistant's pages: without JavaScript (POST-redirect-GET), the fetch fragment,
validation (4xx, never 500), CSRF, logging without personal data, handing over, the staff
evaluation's authorisation, and deleting after the retention time."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from openkreis.assistant import tasks
from openkreis.assistant.models import UnansweredQuestion
from openkreis.cases.models import Case
from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.core.testing import login_as

from .factories import unanswered

URL = "/frag-den-landkreis/"
HANDOVER = "/frag-den-landkreis/weitergeben/"
OFFICE = "/frag-den-landkreis/auswertung/"


def _ask(client, text, **headers):
    return client.post(URL, {"frage": text}, **headers)


@pytest.mark.django_db
def test_without_javascript_post_redirect_get_keeps_the_conversation(client, harz):
    response = _ask(client, "Was kostet ein Wunschkennzeichen?")
    assert response.status_code == 302 and response["Location"].endswith("#antwort")
    page = client.get(URL)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'role="log"' in html and 'aria-live="polite"' in html
    assert "Was kostet ein Wunschkennzeichen?" in html
    assert "/leistungen/wunschkennzeichen/" in html and "/antrag/wunschkennzeichen/" in html
    _ask(client, "und geht das online?")
    state = client.session["assistant"]["state"]
    assert state["service"] == "wunschkennzeichen"
    assert len(client.session["assistant"]["turns"]) == 4


@pytest.mark.django_db
def test_fetch_gets_the_new_turns_as_a_fragment(client, harz):
    response = _ask(client, "Wunschkennzeichen", HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 200
    body = response.json()
    assert body["answered"] is True
    assert 'id="antwort"' in body["html"] and "Wunschkennzeichen" in body["html"]


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["", "   ", "x" * 501])
def test_an_empty_or_overlong_question_is_a_400_with_an_error_summary(client, harz, text):
    response = _ask(client, text)
    assert response.status_code == 400
    assert b'class="error-summary"' in response.content and b'href="#id_frage"' in response.content
    response = _ask(client, text, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 400 and "frage" in response.json()["errors"]


@pytest.mark.django_db
def test_csrf_stays_on(harz):
    client = Client(enforce_csrf_checks=True)
    assert client.post(URL, {"frage": "Hallo"}).status_code == 403


@pytest.mark.django_db
def test_choices_are_buttons_that_work_without_javascript(client, harz):
    _ask(client, "Führerschein")
    html = client.get(URL).content.decode()
    assert 'name="frage" value="1. ' in html
    option = client.session["assistant"]["state"]["pending"]["options"][0]
    _ask(client, "1")
    assert client.session["assistant"]["state"]["service"] == option


@pytest.mark.django_db
def test_a_new_conversation_forgets_everything(client, harz):
    _ask(client, "Wunschkennzeichen")
    assert client.post("/frag-den-landkreis/neu/").status_code == 302
    assert "assistant" not in client.session
    assert client.get("/frag-den-landkreis/neu/").status_code == 405


@pytest.mark.django_db
def test_events_carry_intent_service_answered_and_never_the_words(client, harz):
    _ask(client, "Was kostet ein Wunschkennzeichen? max@example.de")
    event = Event.objects.filter(kind=event_kinds.ASSISTANT_ANSWERED).latest("id")
    assert event.data == {"intent": "costs", "service": "wunschkennzeichen", "answered": True}
    assert "example" not in str(event.data) and "kostet" not in str(event.data)


@pytest.mark.django_db
def test_unanswered_questions_are_kept_only_scrubbed(client, harz):
    _ask(client, "Ich heiße Erika Muster, Tel 03941 123456, wie wird das Wetter am 3.4.2026?")
    _ask(client, "Was kostet ein Wunschkennzeichen?")  # answered: not kept
    questions = list(UnansweredQuestion.objects.all())
    assert len(questions) == 1
    text = questions[0].text
    assert "Erika" not in text and "03941" not in text and "2026" not in text
    assert "Wetter" in text


@pytest.mark.django_db
def test_old_unanswered_questions_are_deleted_after_the_retention_time(harz):
    keep = unanswered(harz, "neu", days_ago=89)
    unanswered(harz, "alt", days_ago=91)
    call_command("purge_assistant_questions", "--dry-run")
    assert UnansweredQuestion.objects.count() == 2
    call_command("purge_assistant_questions")
    assert list(UnansweredQuestion.objects.all()) == [keep]


@pytest.mark.django_db
def test_the_daily_task_deletes_what_the_retention_time_allows(harz):
    keep = unanswered(harz, "neu", days_ago=10)
    unanswered(harz, "alt", days_ago=120)
    assert tasks.purge_questions() == 1
    assert list(UnansweredQuestion.objects.all()) == [keep]
    assert "openkreis.assistant.tasks.purge_questions" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


@pytest.mark.django_db
def test_handover_needs_consent_and_contact(client, harz):
    _ask(client, "Wunschkennzeichen")
    form = client.get(HANDOVER)
    assert form.status_code == 200
    assert b'value="wunschkennzeichen" selected' in form.content
    data = {
        "frage": "Geht ein Kennzeichen mit Umlaut?",
        "leistung": "wunschkennzeichen",
        "name": "Erika Muster",
    }
    response = client.post(HANDOVER, data)  # no consent, no e-mail
    assert response.status_code == 400
    assert (
        b'href="#id_einverstanden"' in response.content and b'href="#id_email"' in response.content
    )
    assert not Case.objects.filter(data__source="assistant").exists()
    response = client.post(
        HANDOVER,
        {**data, "leistung": "gibt-es-nicht", "email": "e@example.de", "einverstanden": "on"},
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_handover_opens_a_case_at_the_central_unit(client, harz):
    _ask(client, "Wunschkennzeichen")
    data = {
        "frage": "Geht ein Kennzeichen mit Umlaut?",
        "leistung": "wunschkennzeichen",
        "name": "Erika Muster",
        "email": "erika@example.de",
        "einverstanden": "on",
    }
    response = client.post(HANDOVER, data)
    assert response.status_code == 302 and response["Location"].endswith("/weitergegeben/")
    case = Case.objects.get(data__source="assistant")
    assert case.org_unit.key == "dezernat-1"
    assert case.service.slug == "wunschkennzeichen"
    assert case.data["assistant_question"] == "Geht ein Kennzeichen mit Umlaut?"
    assert client.get(response["Location"]).content.decode().count(case.file_number) == 1
    event = Event.objects.filter(kind=event_kinds.ASSISTANT_HANDED_OVER).latest("id")
    assert event.data == {"service": "wunschkennzeichen", "unit": "dezernat-1", "mailbox": False}
    assert "Erika" not in str(event.data) and "example" not in str(event.data)


@pytest.mark.django_db
def test_handover_logged_in_answers_in_the_mailbox_without_an_e_mail_field(client, harz):
    user = get_user_model().objects.create_user(
        "buergerin",
        "buergerin@example.de",
        "a-long-password-2026",
        first_name="Erika",
        last_name="Muster",
    )
    client.force_login(user)
    form = client.get(HANDOVER)
    assert b'name="email"' not in form.content
    data = {"frage": "Frage", "leistung": "wohngeld", "name": "Erika Muster", "einverstanden": "on"}
    assert client.post(HANDOVER, data).status_code == 302
    case = Case.objects.get(data__source="assistant")
    assert case.applicant_user_id == user.pk and case.applicant_email == "buergerin@example.de"
    event = Event.objects.filter(kind=event_kinds.ASSISTANT_HANDED_OVER).latest("id")
    assert event.data["mailbox"] is True


@pytest.mark.django_db
def test_handover_done_without_a_handover_goes_back(client, harz):
    response = client.get("/frag-den-landkreis/weitergegeben/")
    assert response.status_code == 302 and response["Location"] == URL


STAFF = {"manager": ("dezernat-1", ["manager"]), "caseworker": ("dezernat-1", ["caseworker"])}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("citizen", 403), ("caseworker", 403), ("manager", 200)],
)
def test_the_evaluation_is_for_the_management_only(client, harz, role, status):
    unanswered(harz, "Wetter am Brocken")
    _ask(client, "Was kostet ein Wunschkennzeichen?")
    if role == "citizen":
        client.force_login(
            get_user_model().objects.create_user("c", "c@example.de", "pw-2026-long-x")
        )
    else:
        login_as(client, role, STAFF, prefix="as")
    response = client.get(OFFICE)
    assert response.status_code == status
    if status == 302:
        assert "/konto/login/" in response["Location"]
    if status == 200:
        html = response.content.decode()
        assert "Wetter am Brocken" in html
        assert '<th scope="row">costs</th>' in html
        assert client.get(OFFICE + "?seite=²").status_code == 200


@pytest.mark.django_db
def test_the_handover_form_is_prefilled_with_the_unanswered_question(client, harz):
    _ask(client, "Wie wird das Wetter morgen am Brocken?")
    _ask(client, "Wunschkennzeichen")
    form = client.get(HANDOVER).content.decode()
    assert "Wie wird das Wetter morgen am Brocken?</textarea>" in form
    assert 'name="email"' in form and "required" in form.split('name="email"')[1].split(">")[0]


@pytest.mark.django_db
def test_in_english_the_catalogues_german_values_are_marked_as_german(client, harz):
    client.post(
        "/en/frag-den-landkreis/", {"frage": "How much does a personalised number plate cost?"}
    )
    html = client.get("/en/frag-den-landkreis/").content.decode()
    assert '<dd lang="de">10,20 €' in html
    _ask(client, "Was kostet ein Wunschkennzeichen?")
    assert '<dd lang="de">' not in client.get(URL).content.decode().split("Was kostet ein")[1]
