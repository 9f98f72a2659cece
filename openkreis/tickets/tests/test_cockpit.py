"""The tickets' counts for the cockpit (tickets/cockpit.py through the port
cockpit.tickets.ticket_counts) and the page /cockpit/hatix/: guests per night and
municipality, checks per line and hour, HarzCard entries per attraction; small counts
hidden (k-anonymity with secondary suppression), managers only."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.cockpit import tickets as cockpit_tickets
from openkreis.cockpit.tests.factories import login_as
from openkreis.tickets import cockpit

from . import _t4data as data

pytestmark = pytest.mark.django_db
BERLIN = timezone.get_default_timezone()
JULY = dt.date(2026, 7, 10)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), BERLIN)


@pytest.fixture
def season(harz):
    """Wernigerode: 6 guests (two stays) on the nights of 10–12 July; Thale: 2 guests on the
    night of 10 July; a cancelled stay; checks on line 257 and 210; HarzCard entries."""
    wr, thale = data.accommodation("Wernigerode"), data.accommodation("Thale")
    a = data.stay(wr, JULY, 3, 4)
    data.stay(wr, JULY, 3, 2)
    data.stay(thale, JULY, 1, 2)
    data.stay(wr, JULY, 3, 5, cancelled_at=timezone.now())
    for minute in range(0, 60, 10):  # six checks on the 257 between 9 and 10
        data.check("257", at(JULY, 9, minute))
    data.check("210", at(JULY, 14))
    castle = data.attraction("Schloss Wernigerode")
    cave = data.attraction("Baumannshöhle")
    tickets = data.tickets_for(a)
    for ticket in tickets:
        data.entry(ticket, castle, at(JULY, 11))
    data.entry(tickets[0], cave, at(JULY, 15))
    return wr, thale


def test_the_provider_counts_guests_per_night_checks_per_hour_and_entries(season):
    out = cockpit.counts(JULY, JULY + dt.timedelta(days=5))
    wr = data.municipality("Wernigerode").ars
    thale = data.municipality("Thale").ars
    assert out.nights == {
        (wr, JULY): 6,
        (wr, JULY + dt.timedelta(days=1)): 6,
        (wr, JULY + dt.timedelta(days=2)): 6,
        (thale, JULY): 2,
    }  # the cancelled stay does not count; the departure day is no night
    assert out.checks == {("257", 9): 6, ("210", 14): 1}
    assert out.entries == {"Schloss Wernigerode": 4, "Baumannshöhle": 1}
    # a period that starts inside a stay counts only its nights in the period
    part = cockpit.counts(JULY + dt.timedelta(days=2), JULY + dt.timedelta(days=9))
    assert part.nights == {(wr, JULY + dt.timedelta(days=2)): 6}


def test_small_counts_are_hidden_with_secondary_suppression(season):
    figures = cockpit_tickets.figures(JULY, JULY + dt.timedelta(days=6), k=5)
    assert figures["daily"] is True
    nights = figures["nights"]
    rows = {("county" if r["total_row"] else r["name"]): r for r in nights["rows"]}
    first = nights["cols"].index(JULY)
    assert first == 0 and len(nights["cols"]) == 3
    # Thale's 2 guests are hidden, and so is Wernigerode's 6 in that night (the shown
    # county total 8 would give Thale's away), and then one more of Wernigerode's nights
    # (its shown total 18 would give the hidden 6 away)
    assert rows["Thale"]["cells"][0] is None
    assert rows["Wernigerode"]["cells"] == [None, None, 6]
    assert rows["county"]["cells"] == [8, 6, 6]
    assert rows["Wernigerode"]["total"] == 18 and rows["Thale"]["total"] is None
    checks = {("all" if r["total_row"] else r["name"]): r for r in figures["checks"]["rows"]}
    assert checks["257"]["total"] == 6 and checks["210"]["total"] is None
    entries = {
        ("all" if r["total_row"] else r["name"]): r["total"] for r in figures["entries"]["rows"]
    }
    # 1 entry hidden, and the 4 with it (the total 5 is shown)
    assert entries == {"all": 5, "Baumannshöhle": None, "Schloss Wernigerode": None}


def test_a_long_period_is_shown_by_month(season):
    figures = cockpit_tickets.figures(dt.date(2026, 1, 1), dt.date(2026, 12, 31), k=5)
    assert figures["daily"] is False
    assert figures["nights"]["cols"] == [dt.date(2026, 7, 1)]
    rows = {("county" if r["total_row"] else r["name"]): r for r in figures["nights"]["rows"]}
    assert rows["Wernigerode"]["total"] is None  # secondary: Thale's 2 would be given away
    assert rows["county"]["total"] == 20


def test_the_page_for_managers(client, season):
    login_as(client, "manager")
    response = client.get("/cockpit/hatix/?von=2026-07-01&bis=2026-07-20")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/cockpit/hatix/"' in html and 'aria-current="page"' in html
    assert "<td>*</td>" in html and "<td>18</td>" in html
    assert html.count('class="table-scroll"') == 3
    # German (the cockpit's catalogue): headings, the hour columns
    for text in ("Gästekarten und HarzCard", "Gäste nach Gemeinde", "9 Uhr", "Alle Linien"):
        assert text in html
    bad = client.get("/cockpit/hatix/?von=2026-07-20&bis=2026-07-01")
    assert bad.status_code == 400 and 'role="alert"' in bad.content.decode()


@pytest.mark.parametrize("role", ["caseworker", "team-lead"])
def test_only_managers(client, harz, role):
    login_as(client, role)
    assert client.get("/cockpit/hatix/").status_code == 403


def test_anonymous_is_sent_to_the_login(client, harz):
    response = client.get("/cockpit/hatix/")
    assert response.status_code == 302 and "/konto/login/" in response["Location"]
