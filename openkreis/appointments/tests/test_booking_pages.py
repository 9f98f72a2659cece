"""The booking pages: the journey, and bad input answering 4xx in German (never 500)."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from openkreis.appointments import services
from openkreis.appointments.models import Booking

from .helpers import book, first_slot, svc


def test_booking_journey_through_the_pages(client, quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    slot = first_slot(quedlinburg, chosen)
    page = client.get("/termine/standort/?leistung=fuehrerschein-umtausch&gemeinde=15085235")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Quedlinburg") < html.index("Wernigerode")  # nearest first for Quedlinburg
    day = slot.local_start.date().isoformat()
    page = client.get(
        f"/termine/zeit/?leistung=fuehrerschein-umtausch&standort=lra-quedlinburg&tag={day}"
    )
    html = page.content.decode()
    # every free time is a labelled radio button; the first one is required (no JavaScript)
    radios = re.findall(r'<input type="radio" name="zeit" value="([^"]+)" id="([^"]+)"', html)
    values = [v for v, _ in radios]
    assert slot.value in values and values == sorted(values)
    assert len({ref for _, ref in radios}) == len(radios)
    for value, ref in radios:
        assert f'<label for="{ref}">{value[11:]}</label>' in html
    assert f'id="{radios[0][1]}" required>' in html and html.count(" required>") == 1
    response = client.post(
        "/termine/reservieren/",
        {"leistung": "fuehrerschein-umtausch", "standort": "lra-quedlinburg", "zeit": slot.value},
    )
    assert response.status_code == 302
    mail.outbox.clear()
    response = client.post(
        response["Location"], {"name": "Erika Mustermann", "email": "erika@example.org"}
    )
    assert response.status_code == 302 and "/termine/termin/" in response["Location"]
    page = client.get(response["Location"])
    assert "Ihr Termin ist gebucht" in page.content.decode()
    booking = Booking.objects.get(email="erika@example.org")
    assert booking.state == "booked"


@pytest.mark.parametrize(
    "url,needle",
    [
        ("/termine/standort/?leistung=gibt-es-nicht", "Liste der Leistungen ist nicht gültig"),
        (
            "/termine/standort/?leistung=fuehrerschein-umtausch&leistung=fuehrerschein-umtausch",
            "nicht gültig",
        ),
        ("/termine/standort/", "mindestens eine Leistung"),
        ("/termine/tag/?leistung=fuehrerschein-umtausch&standort=mond", "keine Termine"),
        (
            "/termine/zeit/?leistung=fuehrerschein-umtausch&standort=lra-quedlinburg&tag=2020-01-02",
            "Vergangenheit",
        ),
        (
            "/termine/zeit/?leistung=fuehrerschein-umtausch&standort=lra-quedlinburg&tag=kaputt",
            "Datum ist nicht gültig",
        ),
        (
            "/termine/zeit/?leistung=fuehrerschein-umtausch&standort=lra-quedlinburg&tag=2099-01-05",
            "Tage im Voraus",
        ),
        ("/termine/termin/gefälscht:abc/", "Link ist nicht gültig"),
    ],
)
def test_bad_input_is_a_clear_400(client, db, url, needle):
    response = client.get(url)
    assert response.status_code == 400
    assert needle in response.content.decode()


def test_bad_slot_posts_are_refused(client, quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    slot = first_slot(quedlinburg, chosen, after_today=True)  # 08:03 today may be past
    day = slot.local_start.date()
    base = {"leistung": "fuehrerschein-umtausch", "standort": "lra-quedlinburg"}
    cases = [
        ({"zeit": "2020-01-02T08:00"}, 400, "Vergangenheit"),
        ({"zeit": f"{day.isoformat()}T19:00"}, 400, "außerhalb"),
        ({"zeit": f"{day.isoformat()}T08:03"}, 400, "außerhalb"),
        ({"zeit": "morgen"}, 400, "nicht gültig"),
        ({"zeit": slot.value, "leistung": "kfz-zulassung"}, 400, "nicht in einem Termin"),
    ]
    for extra, status, needle in cases:
        response = client.post("/termine/reservieren/", {**base, **extra})
        assert response.status_code == status, extra
        assert needle in response.content.decode()
    services.hold(quedlinburg, chosen, slot.start)
    response = client.post("/termine/reservieren/", {**base, "zeit": slot.value})
    assert response.status_code == 409 and "vergeben" in response.content.decode()


def test_forged_cancel_link_changes_nothing(client, quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    booking = book(quedlinburg, chosen, first_slot(quedlinburg, chosen))
    response = client.post(f"/termine/termin/{services.manage_token(booking)}x/absagen/")
    assert response.status_code == 400
    booking.refresh_from_db()
    assert booking.state == "booked"
    response = client.post(f"/termine/termin/{services.manage_token(booking)}/absagen/")
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.state == "cancelled"


def test_cancelling_asks_first_and_works_without_javascript(client, quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    booking = book(quedlinburg, chosen, first_slot(quedlinburg, chosen, after_today=True))
    token = services.manage_token(booking)
    manage_url, cancel_url = f"/termine/termin/{token}/", f"/termine/termin/{token}/absagen/"
    page = client.get(manage_url).content.decode()
    assert f'href="{cancel_url}"' in page  # a link to the question ...
    assert f'action="{cancel_url}"' not in page  # ... not a one-tap cancel
    response = client.get(cancel_url)
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    assert "Termin wirklich absagen?" in html and "Buchungscode" in html
    assert "für andere frei" in html or "an andere" in html  # what cancelling means
    assert f'<form method="post" action="{cancel_url}"' in html
    assert "Ja, Termin absagen" in html and f'href="{manage_url}"' in html
    # the step that cannot be undone looks like one, as deleting a draft does
    assert '<button class="button button-warning" type="submit">Ja, Termin absagen' in html
    booking.refresh_from_db()
    assert booking.state == "booked"  # asking changed nothing
    response = client.post(cancel_url)
    assert response.status_code == 302 and response["Location"] == manage_url
    booking.refresh_from_db()
    assert booking.state == "cancelled"
    # nothing left to confirm: the question leads back to the (cancelled) appointment
    response = client.get(cancel_url)
    assert response.status_code == 302 and response["Location"] == manage_url


def test_a_cancelled_appointment_has_no_calendar_file(client, quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    booking = book(quedlinburg, chosen, first_slot(quedlinburg, chosen, after_today=True))
    token = services.manage_token(booking)
    ics_url = f"/termine/termin/{token}/termin.ics"
    response = client.get(ics_url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert ics_url in client.get(f"/termine/termin/{token}/").content.decode()
    services.cancel(booking)
    page = client.get(f"/termine/termin/{token}/?neu=1").content.decode()
    assert "Ihr Termin ist abgesagt" in page and "Ihr Termin ist gebucht" not in page
    assert "termin.ics" not in page and "Terminal im Eingang" not in page
    response = client.get(ics_url)
    assert response.status_code == 410
    assert response["Content-Type"].startswith("text/html")
    assert "abgesagt" in response.content.decode()


def test_english_messages_under_en(client, db):
    response = client.get("/en/termine/standort/?leistung=nope")
    assert (
        response.status_code == 400 and "list of services is not valid" in response.content.decode()
    )


def test_hold_rate_limit(client, quedlinburg, settings):
    settings.APPOINTMENT_HOLDS_PER_HOUR = 2
    chosen = svc("fuehrerschein-umtausch")
    # a day after today: late in the afternoon today may have fewer than three slots left
    slots = services.free_slots(
        quedlinburg, chosen, first_slot(quedlinburg, chosen, after_today=True).local_start.date()
    )
    assert len(slots) >= 3
    codes = []
    cache.clear()
    for slot in slots[:3]:
        response = client.post(
            "/termine/reservieren/",
            {
                "leistung": "fuehrerschein-umtausch",
                "standort": "lra-quedlinburg",
                "zeit": slot.value,
            },
        )
        codes.append(response.status_code)
    assert codes == [302, 302, 429]
    # one hold per session: the second hold released the first
    assert Booking.objects.filter(state="held").count() == 1


def test_logged_in_citizen_is_prefilled_and_listed(client, quedlinburg, django_user_model):
    user = django_user_model.objects.create_user(
        "buerger", "buerger@example.org", "pw-123456789", first_name="Bernd", last_name="Bürger"
    )
    client.force_login(user)
    chosen = svc("fuehrerschein-umtausch")
    slot = first_slot(quedlinburg, chosen)
    response = client.post(
        "/termine/reservieren/",
        {"leistung": "fuehrerschein-umtausch", "standort": "lra-quedlinburg", "zeit": slot.value},
    )
    page = client.get(response["Location"]).content.decode()
    assert 'value="buerger@example.org"' in page and "Bernd Bürger" in page
    client.post(response["Location"], {"name": "Bernd Bürger", "email": "buerger@example.org"})
    mine = client.get("/termine/meine/").content.decode()
    assert "Quedlinburg" in mine


def test_service_page_links_to_booking(client, db):
    page = client.get("/leistungen/fuehrerschein-umtausch/")
    if page.status_code == 404:
        pytest.skip("service page path differs")
    assert "/termine/standort/?leistung=fuehrerschein-umtausch" in page.content.decode()
    assert "Termin buchen" in page.content.decode()


def test_confirming_a_reservation_that_does_not_exist_is_a_404(client, db):
    """The confirmation reads the hold only under its lock; an unknown key still answers
    404 with the message, for the form and for its valid or invalid submission."""
    url = "/termine/angaben/gibt-es-nicht/"
    for response in (
        client.get(url),
        client.post(url, {"name": "Erika", "email": "e@example.org"}),
        client.post(url, {"name": "", "email": "kaputt"}),
    ):
        assert response.status_code == 404
        assert "Diese Reservierung gibt es nicht" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_second_confirmation_of_the_same_reservation_leads_to_the_booking(client, quedlinburg):
    """A double click (or a retried request) books once and shows the same appointment."""
    slot = first_slot(quedlinburg, svc("fuehrerschein-umtausch"), after_today=True)
    held = client.post(
        "/termine/reservieren/",
        {"leistung": "fuehrerschein-umtausch", "standort": "lra-quedlinburg", "zeit": slot.value},
    )
    person = {"name": "Erika Mustermann", "email": "erika@example.org"}
    first = client.post(held["Location"], person)
    second = client.post(held["Location"], person)
    assert first.status_code == second.status_code == 302
    assert first["Location"].split("?")[0] == second["Location"].split("?")[0]
    assert client.get(held["Location"])["Location"] == first["Location"].split("?")[0]
    assert Booking.objects.filter(state="booked").count() == 1


def test_slot_radios_write_the_times_and_escape_the_prefix(quedlinburg):
    from django.utils.html import format_html_join

    from openkreis.appointments.templatetags.appointment_tags import slot_radios

    chosen = svc("fuehrerschein-umtausch")
    day = first_slot(quedlinburg, chosen, after_today=True).local_start.date()
    slots = services.free_slots(quedlinburg, chosen, day)
    # the same markup as escaping every value (format_html_join), written without it
    expected = format_html_join(
        "\n",
        '<div class="appt-slot"><input type="radio" name="zeit" value="{}" id="{}"{}>'
        '<label for="{}">{}</label></div>',
        [
            (s.value, f"z-{s.value[11:13]}{s.value[14:]}", " required" if i == 0 else "")
            + (f"z-{s.value[11:13]}{s.value[14:]}", s.value[11:])
            for i, s in enumerate(slots)
        ],
    )
    assert len(slots) > 1 and slot_radios(slots, "z", required=True) == expected
    hostile = slot_radios(slots[:1], '"><script>')
    assert "<script>" not in hostile and 'id="&quot;&gt;&lt;script&gt;-' in hostile
