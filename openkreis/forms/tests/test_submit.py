"""Submission: validated again on the server, tampered keys refused, nothing stored half."""

import pytest

from openkreis.core.models import Event
from openkreis.forms import services as forms
from openkreis.forms.models import Application

from .test_views import fill_aufenthaltskarte, start

pytestmark = pytest.mark.django_db


def test_tampered_idempotency_key_is_refused(harz_forms, anna):
    app = start(anna)
    fill_aufenthaltskarte(anna, app)
    anna.post(f"/antrag/a/{app.public_id}/bezahlen/")
    response = anna.post(f"/antrag/a/{app.public_id}/absenden/", {"idempotency_key": "not-the-key"})
    assert response.status_code == 400
    assert "veraltet" in response.content.decode()
    app.refresh_from_db()
    assert app.status == "draft" and app.case_id is None
    response = anna.post(f"/antrag/a/{app.public_id}/absenden/", {})
    assert response.status_code == 400


def test_incomplete_application_is_sent_back_to_the_check_page(harz_forms, anna):
    app = start(anna)
    anna.post(f"/antrag/a/{app.public_id}/seite/einreise/", {"f-entry_date": "01.03.2024"})
    response = anna.post(
        f"/antrag/a/{app.public_id}/absenden/", {"idempotency_key": str(app.idempotency_key)}
    )
    assert response.status_code == 302 and response["Location"].endswith("/pruefen/?fehler=1")
    page = anna.get(response["Location"])
    assert page.status_code == 400
    html = page.content.decode()
    assert "Einige Angaben fehlen noch" in html
    assert f"/antrag/a/{app.public_id}/seite/unterlagen/?zurueck=pruefen" in html
    app.refresh_from_db()
    assert app.status == "draft"
    assert not Event.objects.filter(kind="application.submitted").exists()


def test_answers_changed_behind_the_forms_back_are_checked_again(harz_forms, anna):
    app = start(anna)
    fill_aufenthaltskarte(anna, app)
    anna.post(f"/antrag/a/{app.public_id}/bezahlen/")
    # stored answers manipulated after the page accepted them (e.g. an old draft)
    data = dict(Application.objects.get(pk=app.pk).data)
    data["entry_date"] = "1950-01-01"  # before the date of birth: a cross-field rule
    Application.objects.filter(pk=app.pk).update(data=data)
    response = anna.post(
        f"/antrag/a/{app.public_id}/absenden/", {"idempotency_key": str(app.idempotency_key)}
    )
    assert response.status_code == 302 and "fehler=1" in response["Location"]
    assert (
        "Die Einreise muss nach Ihrer Geburt liegen."
        in anna.get(response["Location"]).content.decode()
    )


def test_fee_must_be_paid_before_sending(harz_forms, anna):
    app = start(anna)
    fill_aufenthaltskarte(anna, app)
    response = anna.post(
        f"/antrag/a/{app.public_id}/absenden/", {"idempotency_key": str(app.idempotency_key)}
    )
    assert response.status_code == 400
    assert "Gebühr" in response.content.decode()
    app.refresh_from_db()
    assert app.status == "draft"


def test_get_on_submit_is_not_allowed(harz_forms, anna):
    app = start(anna)
    assert anna.get(f"/antrag/a/{app.public_id}/absenden/").status_code == 405


def test_csrf_is_enforced(harz_forms, citizen):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    assert client.post("/antrag/aufenthaltskarte-eu/").status_code == 403
    assert not Application.objects.exists()


class _Unavailable:
    """A registration backend whose outside system refuses (e.g. a specialist procedure that
    is down): the application must stay a draft and the citizen be told."""

    label = "unavailable"

    def register(self, application, **kwargs):
        # the outside system's own words (not one of our catalogues' strings)
        raise forms.FormError(
            "Das Fachverfahren nimmt gerade keine Anträge an. Ihr Entwurf ist gespeichert."
        )


@pytest.fixture
def unavailable_registration(settings):
    from openkreis.forms.registration import registration_backends

    registration_backends.register("unavailable", _Unavailable())
    settings.OPENKREIS_FORM_REGISTRATION = "unavailable"
    yield
    registration_backends.unregister("unavailable")


def test_a_refusing_registration_keeps_the_draft_and_tells_the_user(
    harz_forms, anna, unavailable_registration
):
    app = start(anna)
    fill_aufenthaltskarte(anna, app)
    anna.post(f"/antrag/a/{app.public_id}/bezahlen/")
    response = anna.post(
        f"/antrag/a/{app.public_id}/absenden/", {"idempotency_key": str(app.idempotency_key)}
    )
    assert response.status_code == 400
    assert "Ihr Entwurf ist gespeichert" in response.content.decode()
    app.refresh_from_db()
    assert app.status == "draft" and app.case_id is None
