"""Citizen A never sees B's drafts, applications or documents: every URL with B's ids → 404."""

import pytest

from openkreis.forms.models import Application

from .factories import ApplicationFactory

pytestmark = pytest.mark.django_db

DRAFT_URLS = [
    ("get", "/antrag/a/{id}/"),
    ("get", "/antrag/a/{id}/seite/person/"),
    ("post", "/antrag/a/{id}/seite/person/"),
    ("get", "/antrag/a/{id}/pruefen/"),
    ("get", "/antrag/a/{id}/bezahlen/"),
    ("post", "/antrag/a/{id}/bezahlen/"),
    ("post", "/antrag/a/{id}/absenden/"),
    ("get", "/antrag/a/{id}/loeschen/"),
    ("post", "/antrag/a/{id}/loeschen/"),
]
SUBMITTED_URLS = [
    ("get", "/antrag/a/{id}/bestaetigung/"),
    ("get", "/antrag/a/{id}/eingangsbestaetigung.pdf"),
    ("get", "/antrag/meine/{id}/"),
    ("post", "/antrag/meine/{id}/"),
    ("get", "/antrag/meine/{id}/bewertung/"),
    ("post", "/antrag/meine/{id}/bewertung/"),
]


@pytest.fixture
def bert_apps(harz_forms, other_citizen):
    draft = ApplicationFactory(user=other_citizen, form_key="aufenthaltskarte-eu")
    # Marked as sent directly: this test is about who may open it, not about intake.
    sent = ApplicationFactory(
        user=other_citizen,
        form_key="fahrerlaubnis-ersterteilung",
        submitted=True,
        file_number="X-1",
    )
    return draft, sent


@pytest.mark.parametrize(("method", "url"), DRAFT_URLS + SUBMITTED_URLS)
@pytest.mark.parametrize(("who", "expected"), [("anna", 404), ("anonymous", 302)])
def test_other_peoples_ids_answer_404(bert_apps, client, citizen, method, url, who, expected):
    draft, sent = bert_apps
    target = sent if (method, url) in SUBMITTED_URLS else draft
    if who == "anna":
        client.force_login(citizen)
    response = getattr(client, method)(
        url.format(id=target.public_id), {"idempotency_key": str(target.idempotency_key)}
    )
    assert response.status_code == expected
    if expected == 302:
        assert "/konto/login/" in response["Location"]
    target.refresh_from_db()
    assert target.status in ("draft", "submitted") and target.payments.count() == 0


def test_owner_reaches_the_same_urls(bert_apps, other_citizen, client):
    draft, sent = bert_apps
    client.force_login(other_citizen)
    assert client.get(f"/antrag/a/{draft.public_id}/seite/person/").status_code == 200
    assert client.get(f"/antrag/a/{draft.public_id}/pruefen/").status_code == 200
    assert client.get(f"/antrag/meine/{sent.public_id}/").status_code == 200


def test_my_list_shows_only_my_applications(bert_apps, client, citizen):
    client.force_login(citizen)
    client.post("/antrag/baugenehmigung-vereinfacht/")
    html = client.get("/antrag/meine/").content.decode()
    draft, sent = bert_apps
    assert str(draft.public_id) not in html and str(sent.public_id) not in html
    assert "Baugenehmigung" in html


def test_file_of_another_draft_cannot_be_deleted(bert_apps, client, citizen):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .conftest import PDF

    draft, _sent = bert_apps
    from openkreis.forms import services as forms

    stored = forms.add_file(draft, "f-passport", SimpleUploadedFile("p.pdf", PDF))
    client.force_login(citizen)
    client.post("/antrag/aufenthaltskarte-eu/")
    mine = Application.objects.get(user=citizen)
    client.post(
        f"/antrag/a/{mine.public_id}/seite/unterlagen/",
        {"action": f"delete-file:{stored.public_id}"},
    )
    assert draft.files.filter(pk=stored.pk).exists()
