"""Hosts register stays, mark them paid (tickets are issued and verify), cancel them (tickets
revoked, on the revocation list); the levy statement; the county data loader; the events."""

import datetime as dt
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core import mail
from django.utils import timezone, translation

from openkreis.core import event_kinds
from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.core.models import Event, Region, Tenant
from openkreis.tickets import config, keys, services
from openkreis.tickets.models import LevyRate, Scheme, Ticket

from .factories import WERNIGERODE, accommodation, host, stay

HARZ = Path(settings.BASE_DIR) / "tenants" / "harz"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def place(db):
    _user, company = host()
    return accommodation(company)


def test_county_data_loaded_and_idempotent(db):
    scheme = Scheme.objects.get()
    assert (scheme.name, scheme.prefix) == ("HATIX", "HX1")
    assert {z["key"] for z in scheme.zones} >= {"hvb-regional", "wr-stadt"}
    wr = services.rates_on(Region.objects.get(ars=WERNIGERODE).pk, dt.date(2026, 8, 1))
    assert {c: r.cents_per_night for c, r in wr.items()} == {
        "adult": 300,
        "child": 150,
        "reduced": 150,
    }
    report = LoadReport()
    config.load(Tenant.objects.get(slug="harz"), HARZ, report)
    assert report.changes == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(extra=1), "unknown top-level keys"),
        (lambda d: d["scheme"].update(prefix="hx1"), "prefix"),
        (lambda d: d["scheme"].update(zones=[]), "zones"),
        (lambda d: d["scheme"]["zones"].append(dict(d["scheme"]["zones"][0])), "listed twice"),
        (lambda d: d["levy"]["municipalities"].update({"999999999999": {"rates": []}}), "unknown"),
        (
            lambda d: d["levy"]["municipalities"][WERNIGERODE]["rates"][0].pop("child"),
            "missing ['child']",
        ),
        (
            lambda d: d["levy"]["municipalities"][WERNIGERODE]["rates"][0].update(adult=30000),
            "0–2000",
        ),
        (
            lambda d: d["levy"]["municipalities"][WERNIGERODE]["rates"][0].update(
                valid_from="1.1.2021"
            ),
            "not a date",
        ),
    ],
)
def test_county_data_refused_with_the_place(db, tmp_path, change, message):
    data = yaml.safe_load((HARZ / "tickets.yaml").read_text(encoding="utf-8"))
    change(data)
    (tmp_path / "tickets.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    before = LevyRate.objects.count()
    with pytest.raises(TenantDataError, match="tickets.yaml") as info:
        config.load(Tenant.objects.get(slug="harz"), tmp_path, LoadReport())
    assert message in str(info.value)
    assert LevyRate.objects.count() == before


def test_register_stay_writes_guests_and_event_without_personal_data(place):
    made = stay(place, adults=2, children=1, names=[("Anna", "Krause")])
    assert [(g.number, g.category, g.initials) for g in made.guests.all()] == [
        (1, "adult", "AK"),
        (2, "adult", ""),
        (3, "child", ""),
    ]
    event = Event.objects.get(kind=event_kinds.TICKET_STAY_REGISTERED, subject=f"stay:{made.pk}")
    assert event.data["categories"] == {"adult": 2, "child": 1}
    assert event.data["municipality"] == WERNIGERODE and event.data["nights"] == 3
    assert "Krause" not in str(event.data)
    assert not Ticket.objects.filter(guest__stay=made).exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"departure_offset": 0}, "departure must be after"),
        ({"counts": {"adult": 0}}, "at least one guest"),
        ({"counts": {"adult": 61}}, "at most 60 guests"),
        ({"counts": {"pets": 1}}, "Unknown guest category"),
        ({"departure_offset": 200}, "at most 180 nights"),
    ],
)
def test_register_stay_refuses_bad_input(place, kwargs, message):
    arrival = timezone.localdate()
    with pytest.raises(services.HostError, match=message):
        services.register_stay(
            place,
            arrival=arrival,
            departure=arrival + dt.timedelta(days=kwargs.get("departure_offset", 2)),
            counts=kwargs.get("counts", {"adult": 1}),
        )


def test_municipality_without_levy_is_refused(db):
    _user, company = host()
    place = accommodation(company, ars="150850135135")  # Halberstadt: no guest levy
    with pytest.raises(services.HostError, match="raises no guest levy"):
        stay(place)


def test_mark_paid_issues_verifiable_tickets_once(place):
    made = stay(place, adults=2, children=1, names=[("Anna", "Krause")])
    tickets = services.mark_paid(made)
    assert len(tickets) == 3
    assert services.mark_paid(made) == []  # idempotent: no second set
    first = Ticket.objects.get(guest__stay=made, guest__number=1)
    assert first.code.startswith("HX1:")
    checked = keys.verify(first.code)
    assert checked.ok, checked.reason
    assert checked.payload["serial"] == first.serial
    assert checked.payload["initials"] == "AK"
    assert checked.payload["zones"] == [z["key"] for z in Scheme.objects.get().zones]
    # valid from the arrival day 00:00 to the departure day 23:59 (local time)
    local_from = timezone.localtime(first.valid_from)
    local_until = timezone.localtime(first.valid_until)
    assert (local_from.date(), local_from.hour) == (made.arrival, 0)
    assert (local_until.date(), local_until.hour) == (made.departure, 23)
    kinds = list(Event.objects.filter(subject=f"stay:{made.pk}").values_list("kind", flat=True))
    assert kinds.count(event_kinds.TICKET_STAY_PAID) == 1
    assert kinds.count(event_kinds.TICKET_ISSUED) == 1
    issued = Event.objects.get(kind=event_kinds.TICKET_ISSUED, subject=f"stay:{made.pk}")
    assert issued.data == {"municipality": WERNIGERODE, "tickets": 3, "days": 4}
    assert first.serial not in str(issued.data)


def test_cancel_revokes_tickets_and_lists_them(place):
    made = stay(place, adults=2, paid=True)
    serials = list(Ticket.objects.filter(guest__stay=made).values_list("serial", flat=True))
    assert services.cancel_stay(made) == 2
    assert services.cancel_stay(made) == 0
    assert all(t.revoked_at for t in Ticket.objects.filter(guest__stay=made))
    entries = keys.revocation_list()["entries"]
    assert {keys.revocation_hash(s) for s in serials} <= set(entries)
    revoked = Event.objects.get(kind=event_kinds.TICKET_REVOKED, subject=f"stay:{made.pk}")
    assert revoked.data["reason"] == "cancelled" and revoked.data["tickets"] == 2
    with pytest.raises(services.HostError):
        services.mark_paid(made)


def test_office_revokes_and_reissues(place):
    made = stay(place, adults=1, paid=True)
    old = Ticket.objects.get(guest__stay=made)
    with pytest.raises(services.HostError, match="reason"):
        services.revoke_ticket(old, " ")
    new = services.reissue_ticket(old)
    old.refresh_from_db()
    assert old.revoked_at and old.revoke_reason == "neu ausgestellt"
    assert new.guest_id == old.guest_id and new.serial != old.serial and not new.revoked_at
    with pytest.raises(services.HostError, match="newer valid ticket"):
        services.reissue_ticket(old)
    assert services.revoke_ticket(new, "Missbrauch gemeldet")
    assert not services.revoke_ticket(new, "noch einmal")


def test_statement_counts_guest_nights_per_month_and_category(place):
    # 30 Aug → 3 Sep: 2 nights in August, 2 in September
    stay(place, arrival=dt.date(2026, 8, 30), nights=4, adults=2, children=1)
    stay(place, arrival=dt.date(2026, 8, 10), nights=3, adults=1)
    cancelled = stay(place, arrival=dt.date(2026, 8, 12), nights=3, adults=5)
    services.cancel_stay(cancelled)
    august = services.statement(2026, 8, company=place.company)
    lines = {(line.category, line.nights, line.cents, line.amount) for line in august.lines}
    assert lines == {("adult", 2 * 2 + 1 * 3, 300, 7 * 300), ("child", 2, 150, 300)}
    assert august.total == 2400 and august.stays == 2
    september = services.statement(2026, 9, company=place.company)
    assert september.nights == 2 * 2 + 1 * 2
    text = services.statement_csv(august)
    assert text.splitlines()[0].startswith("Monat;Gemeinde;ARS;Kategorie")
    assert "2026-08;Summe;;;;9;;24,00" in text
    other_user, other_company = host("other", "Anderer Gastgeber")
    assert services.statement(2026, 8, company=other_company).lines == []


def test_host_pages_register_pay_share_and_cancel(client, place, mailoutbox=None):
    user = place.company.memberships.get().user
    client.force_login(user)
    page = client.get("/hatix/gastgeber/")
    assert page.status_code == 200 and place.name in page.content.decode()
    url = f"/hatix/gastgeber/unterkunft/{place.public_id}/neu/"
    bad = client.post(url, {"arrival": "2026-08-03", "departure": "2026-08-01"})
    assert bad.status_code == 400
    assert "error-summary" in bad.content.decode()
    arrival = timezone.localdate()
    response = client.post(
        url,
        {
            "arrival": arrival.isoformat(),
            "departure": (arrival + dt.timedelta(days=2)).isoformat(),
            "guests_adult": "2",
            "guests_child": "1",
            "guests_reduced": "0",
            "names": "Anna Krause\nBen Krause",
            "reference": "W-1",
        },
    )
    assert response.status_code == 302
    made = place.stays.get(reference="W-1")
    assert made.guests.count() == 3 and made.paid_at is None
    detail = client.get(response["Location"])
    assert "Anna Krause" in detail.content.decode()
    response = client.post(f"/hatix/gastgeber/aufenthalt/{made.public_id}/bezahlt/")
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    link = services.stay_link_ticket(made)
    assert f"/hatix/t/{link.access_key}/" in detail
    assert "<svg" in detail  # the link's QR code
    response = client.post(
        f"/hatix/gastgeber/aufenthalt/{made.public_id}/teilen/", {"email": "gast@example.org"}
    )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["gast@example.org"]
    assert f"/hatix/t/{link.access_key}/" in mail.outbox[-1].body
    bad = client.post(f"/hatix/gastgeber/aufenthalt/{made.public_id}/teilen/", {"email": "x"})
    assert bad.status_code == 400
    client.post(f"/hatix/gastgeber/aufenthalt/{made.public_id}/storno/")
    made.refresh_from_db()
    assert made.cancelled_at is not None
    assert client.get(f"/hatix/t/{link.access_key}/").status_code == 200  # shown as revoked
    statement = client.get("/hatix/gastgeber/abrechnung/?month=2026-13")
    assert statement.status_code == 400
    csv = client.get(f"/hatix/gastgeber/abrechnung/?month={arrival:%Y-%m}&format=csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
