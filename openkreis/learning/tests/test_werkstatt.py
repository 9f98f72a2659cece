"""Digitale Werkstatt: offers as county data, requests that become cases for the team,
consultations through the appointments engine, who sees which request."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from openkreis.appointments import services as appointments
from openkreis.appointments.models import AppointmentService, Booking
from openkreis.cases import services as cases
from openkreis.cases.models import Case
from openkreis.core import event_kinds
from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.core.models import Event, Region
from openkreis.core.testing import make_staff
from openkreis.learning import werkstatt
from openkreis.learning.models import AdviceOffer, AdviceRequest

from .factories import learner

HARZ = Path(settings.BASE_DIR) / "tenants" / "harz"
OFFERS = {
    "vereinssoftware",
    "website",
    "kasse-und-shop",
    "datenschutz-vereine",
    "terminbuchung",
    "smartphone-erste-schritte",
    "open-source-buero",
}


def _folder(tmp_path: Path, text: str) -> Path:
    (tmp_path / "learning").mkdir()
    (tmp_path / "learning" / "werkstatt.yaml").write_text(text, encoding="utf-8")
    return tmp_path


# -- county data ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_harz_offers_are_loaded_with_audiences_costs_and_bookings():
    offers = {o.slug: o for o in AdviceOffer.objects.filter(published=True)}
    assert set(offers) >= OFFERS
    shop = offers["kasse-und-shop"]
    assert not shop.free and "30 €" in shop.cost_note and shop.audiences == ["business"]
    assert offers["smartphone-erste-schritte"].free
    assert offers["vereinssoftware"].appointment_service == "digitale-werkstatt-beratung"
    assert offers["datenschutz-vereine"].appointment_service == ""


@pytest.mark.django_db
def test_loading_twice_writes_nothing_the_second_time():
    report = LoadReport()
    werkstatt.load(None, HARZ, report)
    assert (report.created, report.updated) == (0, 0)


@pytest.mark.django_db
def test_an_offer_that_left_the_file_is_hidden_not_deleted(tmp_path):
    folder = _folder(
        tmp_path,
        "offers:\n  - {slug: nur-eins, title: Eins, topic: T, summary: S, audiences: [clubs]}\n",
    )
    werkstatt.load(None, folder, LoadReport())
    assert AdviceOffer.objects.get(slug="nur-eins").published
    assert not AdviceOffer.objects.get(slug="website").published
    assert [o.slug for o in werkstatt.offers()] == ["nur-eins"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{slug: a, title: A, topic: T, summary: S, audiences: [seniors]}", "audiences"),
        ("{slug: a, title: A, topic: T, summary: S, audiences: [clubs], free: false}", "cost_note"),
        (
            "{slug: a, title: A, topic: T, summary: S, audiences: [clubs], "
            "appointment_service: gibt-es-nicht}",
            "unknown appointment service",
        ),
        ("{slug: A B, title: A, topic: T, summary: S, audiences: [clubs]}", "slug"),
        ("{slug: a, title: A, topic: T, audiences: [clubs]}", "summary is missing"),
        ("{slug: a, title: A, topic: T, summary: S, audiences: [clubs], price: 3}", "unknown"),
    ],
)
def test_a_wrong_offer_names_file_and_entry_and_writes_nothing(tmp_path, entry, message):
    folder = _folder(tmp_path, f"offers:\n  - {entry}\n")
    before = AdviceOffer.objects.count()
    with pytest.raises(TenantDataError, match=message) as error:
        werkstatt.load(None, folder, LoadReport())
    assert "werkstatt.yaml" in str(error.value)
    assert AdviceOffer.objects.count() == before


@pytest.mark.django_db
def test_a_slug_twice_is_refused(tmp_path):
    entry = "{slug: a, title: A, topic: T, summary: S, audiences: [clubs]}"
    folder = _folder(tmp_path, f"offers:\n  - {entry}\n  - {entry}\n")
    with pytest.raises(TenantDataError, match="twice"):
        werkstatt.load(None, folder, LoadReport())


# -- pages ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_offers_page_filters_by_audience_and_topic(client):
    page = client.get(reverse("learning:werkstatt"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Vereinssoftware finden" in text and "Kassensystem und Online-Shop" in text
    residents = client.get(reverse("learning:werkstatt") + "?fuer=residents").content.decode()
    assert "Erste Schritte mit dem Smartphone" in residents
    assert "Kassensystem und Online-Shop" not in residents
    topic = client.get(reverse("learning:werkstatt") + "?thema=Datenschutz").content.decode()
    assert "Datenschutz-Grundlagen" in topic and "Vereinssoftware finden" not in topic
    # an unknown filter value is ignored, never an error
    assert client.get(reverse("learning:werkstatt") + "?fuer=x&thema=y").status_code == 200


@pytest.mark.django_db
def test_offer_page_shows_costs_and_links_to_the_appointment_booking(client):
    page = client.get(reverse("learning:werkstatt_offer", args=["kasse-und-shop"]))
    assert page.status_code == 200
    assert "30 €" in page.content.decode()
    assert page.context["booking_url"] == (
        reverse("appointments:location") + "?leistung=digitale-werkstatt-beratung"
    )
    plain = client.get(reverse("learning:werkstatt_offer", args=["datenschutz-vereine"]))
    assert plain.context["booking_url"] == ""
    assert (
        client.get(reverse("learning:werkstatt_offer", args=["gibt-es-nicht"])).status_code == 404
    )


@pytest.mark.django_db
def test_a_consultation_is_booked_through_the_appointments_engine(client):
    """The offer's link leads into the engine's own pages; the booking is the engine's."""
    url = werkstatt.booking_url(AdviceOffer.objects.get(slug="vereinssoftware"))
    page = client.get(url)
    assert page.status_code == 200
    options = page.context["options"]
    assert [o["branch"].location.key for o in options] == ["lra-halberstadt"]
    branch = options[0]["branch"]
    chosen = [AppointmentService.objects.get(key="digitale-werkstatt-beratung")]
    day = appointments.bookable_days(branch, chosen)[0][0]
    slot = appointments.free_slots(branch, chosen, day)[0]
    user = learner()
    held = appointments.hold(branch, chosen, slot.start)
    booking = appointments.confirm(held.hold_key, "Vera Verein", user.email, user=user)
    assert booking.state == Booking.State.BOOKED
    assert booking.service_keys == ["digitale-werkstatt-beratung"]
    assert booking.counter.label == "Digitale Werkstatt"


# -- requests ---------------------------------------------------------------------------------
def _post(client, slug="vereinssoftware", **fields):
    data = {
        "audience": "clubs",
        "organisation": "SV Blau-Weiß Harz e. V.",
        "municipality": str(
            Region.objects.filter(kind="municipality", ars__startswith="15085")
            .order_by("name")
            .first()
            .pk
        ),
        "message": "Wir suchen eine Software für 250 Mitglieder mit Lastschrift.",
        "consent": "on",
    }
    data.update(fields)
    return client.post(reverse("learning:werkstatt_request", args=[slug]), data)


@pytest.mark.django_db
def test_the_request_form_needs_a_login(client):
    url = reverse("learning:werkstatt_request", args=["website"])
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert _post(client).status_code == 302
    assert not AdviceRequest.objects.exists()


@pytest.mark.django_db
def test_a_request_becomes_a_case_of_the_werkstatt_team_in_the_citizens_mailbox(client):
    user = learner("vera-verein")
    client.force_login(user)
    response = _post(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("learning:werkstatt_mine")
    request = AdviceRequest.objects.get(user=user)
    case = Case.objects.get(pk=request.case_id)
    assert case.org_unit.key == "digitale-werkstatt"
    assert case.service.slug == "digitale-werkstatt-beratung"
    assert case.plan_item.code == "80.30.01"
    assert case.applicant_user == user
    assert case.data["answers"]["question"].startswith("Wir suchen")
    event = Event.objects.filter(kind=event_kinds.LEARNING_ADVICE_REQUESTED).latest("id")
    assert event.data == {
        "offer": "vereinssoftware",
        "audience": "clubs",
        "municipality": request.municipality.ars,
    }
    # the citizen sees the case like any other: "my applications", its mailbox thread, and
    # "my requests" of the Werkstatt
    assert case.file_number in client.get(reverse("forms:mine")).content.decode()
    thread = client.get(reverse("accounts:case-thread", args=[case.pk]))
    assert thread.status_code == 302 and thread["Location"] == reverse("accounts:mailbox")
    mine = client.get(reverse("learning:werkstatt_mine"))
    assert mine.status_code == 200
    assert case.file_number in mine.content.decode()
    assert mine.context["rows"][0]["status"]["label"] == "Eingegangen"
    # the team takes it up in the eAkte (its note stays on the case); the citizen sees it
    staff, _secret = make_staff("werkstatt-team", "digitale-werkstatt", "caseworker")
    cases.transition(case, "claim", actor=staff, note="Rückruf vereinbart für Dienstag.")
    assert case.history.filter(note="Rückruf vereinbart für Dienstag.").exists()
    mine = client.get(reverse("learning:werkstatt_mine"))
    assert mine.context["rows"][0]["status"]["label"] == "In Bearbeitung"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"message": ""}, "message"),
        ({"message": "Hilfe"}, "message"),
        ({"consent": ""}, "consent"),
        ({"audience": "business"}, "audience"),  # the offer is not for businesses
        ({"municipality": "999999"}, "municipality"),
    ],
)
def test_a_wrong_request_says_what_is_wrong_and_stores_nothing(client, fields, field):
    client.force_login(learner())
    response = _post(client, **fields)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    text = response.content.decode()
    assert 'role="alert"' in text and f'href="#id_{field}' in text
    assert str(errors[field][0]) in text
    assert not AdviceRequest.objects.exists()
    assert not Case.objects.filter(service__slug="digitale-werkstatt-beratung").exists()


@pytest.mark.django_db
def test_a_hidden_offer_takes_no_request(client):
    AdviceOffer.objects.filter(slug="website").update(published=False)
    client.force_login(learner())
    assert _post(client, slug="website").status_code == 404


@pytest.mark.django_db
def test_the_service_refuses_what_the_offer_is_not_for():
    user = learner()
    offer = AdviceOffer.objects.get(slug="kasse-und-shop")
    with pytest.raises(werkstatt.WerkstattError):
        werkstatt.request_advice(
            user=user, offer=offer, audience="clubs", message="Frage", consent=True
        )
    with pytest.raises(werkstatt.WerkstattError):
        werkstatt.request_advice(
            user=user, offer=offer, audience="business", message="Frage", consent=False
        )
    assert not AdviceRequest.objects.exists()


@pytest.mark.django_db
def test_a_user_sees_only_his_own_requests(client):
    vera, otto = learner("vera-2"), learner("otto-2")
    client.force_login(vera)
    _post(client, message="Die geheime Frage des Vereins Vera.")
    case_id = AdviceRequest.objects.get(user=vera).case_id
    client.force_login(otto)
    mine = client.get(reverse("learning:werkstatt_mine"))
    assert mine.context["rows"] == []
    assert "geheime Frage" not in mine.content.decode()
    assert client.get(reverse("accounts:case-thread", args=[case_id])).status_code == 404
    assert werkstatt.requests_of(otto) == []
    assert len(werkstatt.requests_of(vera)) == 1


@pytest.mark.django_db
def test_my_requests_needs_a_login(client):
    assert client.get(reverse("learning:werkstatt_mine")).status_code == 302
