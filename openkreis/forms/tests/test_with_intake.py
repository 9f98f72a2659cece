"""Submission into the eAkte through intake.submit_online, status and document delivery.

They run against the real `intake` and `cases` apps (forms depends on them; the layers
contract in .importlinter keeps it that way)."""

import threading

import pytest
from django.db import connection

from openkreis.core.models import Event
from openkreis.forms import integration, status
from openkreis.forms import services as forms
from openkreis.forms.models import Application

from .test_views import fill_aufenthaltskarte, start


def ready_application(client) -> Application:
    app = start(client)
    fill_aufenthaltskarte(client, app)
    client.post(f"/antrag/a/{app.public_id}/bezahlen/")
    return Application.objects.get(pk=app.pk)


@pytest.mark.django_db
def test_submit_creates_one_case_and_a_receipt(harz_forms, anna):
    app = ready_application(anna)
    key = {"idempotency_key": str(app.idempotency_key)}
    response = anna.post(f"/antrag/a/{app.public_id}/absenden/", key)
    assert response.status_code == 302 and response["Location"].endswith("/bestaetigung/")
    app.refresh_from_db()
    assert app.status == "submitted" and app.case_id and app.file_number
    case = integration.case_of(app)
    assert case is not None
    receipt = anna.get(response["Location"]).content.decode()
    assert app.file_number in receipt
    # a double click / retried request: same application, same case, no second case
    again = anna.post(f"/antrag/a/{app.public_id}/absenden/", key)
    assert again.status_code == 302
    from openkreis.cases.models import Case

    assert Case.objects.count() == 1
    submitted = Event.objects.filter(kind="application.submitted")
    assert submitted.count() == 1
    assert submitted.get().data["service"] == "aufenthaltskarte-eu"
    # the page flow is closed now
    assert anna.get(f"/antrag/a/{app.public_id}/seite/person/").status_code == 404


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_submits_make_one_case(harz_forms, anna, harz):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are what is tested; SQLite serialises writers anyway")
    app = ready_application(anna)
    errors, results = [], []

    def send():
        try:
            results.append(
                forms.submit(Application.objects.get(pk=app.pk), str(app.idempotency_key))
            )
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({r.case_id for r in results}) == 1
    from openkreis.cases.models import Case

    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_status_page_shows_case_status_and_office(harz_forms, anna):
    app = ready_application(anna)
    anna.post(f"/antrag/a/{app.public_id}/absenden/", {"idempotency_key": str(app.idempotency_key)})
    app.refresh_from_db()
    page = anna.get(f"/antrag/meine/{app.public_id}/").content.decode()
    assert app.file_number in page
    office = status.office_for(app)
    assert office and office["name"] in page
    listing = anna.get("/antrag/meine/").content.decode()
    assert app.file_number in listing


@pytest.mark.django_db
def test_status_page_says_which_documents_are_missing_and_by_when(harz_forms, anna):
    import datetime as dt

    from django.utils import timezone

    from openkreis.cases import services as cases
    from openkreis.core.tests.factories import StaffFactory

    app = ready_application(anna)
    anna.post(f"/antrag/a/{app.public_id}/absenden/", {"idempotency_key": str(app.idempotency_key)})
    app.refresh_from_db()
    case = integration.case_of(app)
    worker = StaffFactory(username="sb-todo", unit="auslaenderbehoerde")
    case = cases.transition(case, "claim", actor=worker)
    deadline = timezone.localdate() + dt.timedelta(days=10)
    cases.request_documents(
        case, ["Meldebescheinigung", "Nachweis der Krankenversicherung"], deadline, actor=worker
    )
    page = anna.get(f"/antrag/meine/{app.public_id}/").content.decode()
    assert f"Bitte reichen Sie bis zum {deadline:%d.%m.%Y} folgende Unterlagen nach:" in page
    assert "<li>Meldebescheinigung</li>" in page
    assert "<li>Nachweis der Krankenversicherung</li>" in page


@pytest.mark.django_db
def test_status_page_offers_booking_when_the_service_has_appointments(harz_forms, anna):
    from openkreis.appointments.models import AppointmentService, Branch

    app = ready_application(anna)
    anna.post(f"/antrag/a/{app.public_id}/absenden/", {"idempotency_key": str(app.idempotency_key)})
    app.refresh_from_db()
    url = f"/antrag/meine/{app.public_id}/"
    # the portal's navigation always offers "Termin buchen"; the page's own offer is in <main>
    main = anna.get(url).content.decode().split("<main", 1)[1]
    assert "/termine/" not in main
    # the county offers appointments for this service at one office
    bookable = AppointmentService.objects.create(
        key="test-aufenthalt", service=app.service, name="Aufenthalt", minutes=20
    )
    Branch.objects.get(location__key="lra-halberstadt").services.add(bookable)
    page = anna.get(url).content.decode()
    assert "Termin buchen" in page and "/termine/" in page and "leistung=test-aufenthalt" in page
