"""Beteiligung in the cockpit (cockpit/participation.py, /cockpit/beteiligung/): figures from
the participation.* events only — started and completed per survey with the completion
rate, completed per municipality by day or week, code letters, proposals; small counts
hidden (k-anonymity with secondary suppression); managers only."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.cockpit import participation
from openkreis.cockpit.tests.factories import login_as
from openkreis.core import event_kinds
from openkreis.core.models import Region
from openkreis.core.services import record_event

pytestmark = pytest.mark.django_db
BERLIN = timezone.get_default_timezone()
DAY = dt.date(2026, 6, 10)


def ars(name):
    return Region.objects.get(kind=Region.Kind.MUNICIPALITY, name=name).ars


def at(day, hh=10):
    return dt.datetime.combine(day, dt.time(hh), BERLIN)


def ev(kind, day, n=1, hh=10, **data):
    for _ in range(n):
        record_event(
            kind, subject=f"survey:{data.get('survey', '')}", data=data, occurred_at=at(day, hh)
        )


@pytest.fixture
def events(harz):
    wr, thale = ars("Wernigerode"), ars("Thale")
    ev(event_kinds.PARTICIPATION_STARTED, DAY, 12, survey="radwege", audience="codes")
    ev(event_kinds.PARTICIPATION_STARTED, DAY, 3, survey="klein", audience="public")
    ev(
        event_kinds.PARTICIPATION_COMPLETED,
        DAY,
        6,
        survey="radwege",
        audience="codes",
        municipality=wr,
    )
    ev(
        event_kinds.PARTICIPATION_COMPLETED,
        DAY + dt.timedelta(days=1),
        7,
        survey="radwege",
        audience="codes",
        municipality=wr,
    )
    ev(
        event_kinds.PARTICIPATION_COMPLETED,
        DAY,
        2,
        survey="klein",
        audience="public",
        municipality=thale,
    )
    # 01:00 in Berlin on the 9th is the 8th in UTC: counted on the 9th
    ev(
        event_kinds.PARTICIPATION_COMPLETED,
        DAY - dt.timedelta(days=1),
        5,
        hh=1,
        survey="radwege",
        audience="codes",
        municipality=wr,
    )
    ev(
        event_kinds.PARTICIPATION_LETTERS_CREATED,
        DAY,
        survey="radwege",
        municipality=wr,
        letters=500,
    )
    ev(
        event_kinds.PARTICIPATION_LETTERS_CREATED,
        DAY,
        survey="radwege",
        municipality=thale,
        letters=120,
    )
    ev(event_kinds.PARTICIPATION_PROPOSAL_SUBMITTED, DAY, 6, municipality=wr)
    ev(event_kinds.PARTICIPATION_PROPOSAL_SUBMITTED, DAY, 1, municipality=thale)
    ev(event_kinds.PARTICIPATION_PROPOSAL_ANSWERED, DAY, 5, status="accepted", unit="bauamt")
    ev(event_kinds.PARTICIPATION_PROPOSAL_ANSWERED, DAY, 1, status="rejected", unit="bauamt")
    # outside the period
    ev(
        event_kinds.PARTICIPATION_STARTED,
        DAY + dt.timedelta(days=40),
        9,
        survey="radwege",
        audience="codes",
    )
    return wr, thale


def rows(table):
    return {("all" if r["total_row"] else r["key"]): r for r in table["rows"]}


def test_figures_from_events_with_small_counts_hidden(events):
    f = participation.figures(DAY - dt.timedelta(days=2), DAY + dt.timedelta(days=5), k=5)
    assert f["daily"] is True
    surveys = rows(f["surveys"])
    assert surveys["all"]["cells"] == [15, 20]
    # klein: 3 started, 2 completed — hidden; and radwege's 12 and 18 with them (the shown
    # column totals 15 and 20 would give them away)
    assert surveys["klein"]["cells"] == [None, None]
    assert surveys["radwege"]["cells"] == [None, None] and surveys["radwege"]["rate"] is None
    assert surveys["all"]["rate"] == pytest.approx(133.3, abs=0.1)  # late starts: events only
    completed = rows(f["completed"])
    assert f["completed"]["cols"] == [DAY - dt.timedelta(days=1), DAY, DAY + dt.timedelta(days=1)]
    wr, thale = events
    # Thale's 2 on the 10th hidden, then Wernigerode's 6 (the day's total 8 is shown), then
    # Wernigerode's 5 (its row total 18 is shown)
    assert completed[wr]["cells"] == [None, None, 7] and completed[wr]["total"] == 18
    assert completed["all"]["cells"] == [5, 8, 7]
    assert completed[thale]["cells"][1] is None and completed[thale]["total"] is None
    assert f["letters"] == [("radwege", 620)]
    assert rows(f["proposals"])[thale]["total"] is None
    assert rows(f["proposals"])["all"]["total"] == 7
    answers = rows(f["answers"])
    assert answers["rejected"]["total"] is None and answers["all"]["total"] == 6


def test_a_long_period_is_counted_by_week(events):
    f = participation.figures(dt.date(2026, 1, 1), dt.date(2026, 12, 31), k=5)
    assert f["daily"] is False
    monday = DAY - dt.timedelta(days=DAY.weekday())
    assert f["completed"]["cols"] == [monday]
    assert rows(f["completed"])[events[0]]["cells"] == [None]  # Thale's 2 would be given away
    assert rows(f["completed"])["all"]["total"] == 20


def test_enough_completions_show_the_rate(harz):
    ev(event_kinds.PARTICIPATION_STARTED, DAY, 10, survey="a", audience="public")
    ev(event_kinds.PARTICIPATION_COMPLETED, DAY, 8, survey="a", audience="public", municipality="")
    f = participation.figures(DAY, DAY, k=5)
    assert rows(f["surveys"])["a"]["rate"] == 80.0
    assert rows(f["completed"])["—"]["total"] == 8


def test_the_page_for_managers(client, events):
    login_as(client, "manager")
    response = client.get("/cockpit/beteiligung/?von=2026-06-01&bis=2026-06-20")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/cockpit/beteiligung/" aria-current="page"' in html
    assert "<td>*</td>" in html and "radwege" in html and "<td>620</td>" in html
    assert html.count('class="table-scroll"') == 5
    assert "Wernigerode" in html
    bad = client.get("/cockpit/beteiligung/?von=2026-07-20&bis=2026-07-01")
    assert bad.status_code == 400 and 'role="alert"' in bad.content.decode()


@pytest.mark.parametrize("role", ["caseworker", "team-lead"])
def test_only_managers(client, harz, role):
    login_as(client, role)
    assert client.get("/cockpit/beteiligung/").status_code == 403


def test_anonymous_is_sent_to_the_login(client, harz):
    response = client.get("/cockpit/beteiligung/")
    assert response.status_code == 302 and "/konto/login/" in response["Location"]
