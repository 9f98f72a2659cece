"""Digitaler Führerschein and Digitale Werkstatt in the cockpit (cockpit/learning.py,
/cockpit/digital/): figures from the learning.* events only, with known answers from
hand-made events in a period long past; small counts hidden (k-anonymity with secondary
suppression); managers only."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.cockpit import learning
from openkreis.cockpit.tests.factories import login_as
from openkreis.core import event_kinds
from openkreis.core.models import Region
from openkreis.core.services import record_event

pytestmark = pytest.mark.django_db
BERLIN = timezone.get_default_timezone()
# a period long past that no other test writes to: two weeks in October 2017
START = dt.date(2017, 10, 2)
WEEK1 = dt.date(2017, 10, 2)  # Mondays
WEEK2 = dt.date(2017, 10, 9)
END = dt.date(2017, 10, 15)


def ev(event_kind, day, n=1, **data):
    for _ in range(n):
        record_event(
            event_kind, data=data, occurred_at=dt.datetime.combine(day, dt.time(10), BERLIN)
        )


def ars(name):
    return Region.objects.get(name=name, kind=Region.Kind.MUNICIPALITY).ars


@pytest.fixture
def events(harz):
    wr, hbs = ars("Wernigerode"), ars("Halberstadt")
    vhs = {"group_kind": "vhs", "municipality": wr}
    seniors = {"group_kind": "seniors", "municipality": hbs}
    alone = {"group_kind": "", "municipality": ""}
    # week 1: 8 + 2 (no group) started smartphone basics, 6 passed; 7 joined a VHS group
    ev(event_kinds.LEARNING_MODULE_STARTED, WEEK1, 8, module="smartphone", **vhs)
    ev(event_kinds.LEARNING_MODULE_STARTED, WEEK1, 2, module="smartphone", **alone)
    ev(event_kinds.LEARNING_MODULE_PASSED, WEEK1, 6, module="smartphone", **vhs)
    ev(event_kinds.LEARNING_GROUP_JOINED, WEEK1, 7, **vhs)
    # week 2: 5 seniors started "safe online", 2 passed (small); 5 joined; 5 certificates (VHS)
    ev(event_kinds.LEARNING_MODULE_STARTED, WEEK2, 5, module="sicher-online", **seniors)
    ev(event_kinds.LEARNING_MODULE_PASSED, WEEK2, 2, module="sicher-online", **seniors)
    ev(event_kinds.LEARNING_GROUP_JOINED, WEEK2, 5, **seniors)
    ev(event_kinds.LEARNING_CERTIFICATE_ISSUED, WEEK2, 5, **vhs)
    # live quizzes in week 1: 12 and 10 participants with 60 and 50 answers
    quiz = event_kinds.LEARNING_LIVE_QUIZ
    ev(quiz, WEEK1, questions=5, participants=12, answers=60, **vhs)
    ev(quiz, WEEK1, questions=5, participants=10, answers=50, **vhs)
    # advice requests in week 2: 6 from clubs for the club software offer, 1 from a business
    advice = event_kinds.LEARNING_ADVICE_REQUESTED
    ev(advice, WEEK2, 6, offer="vereinssoftware", audience="clubs", municipality=wr)
    ev(advice, WEEK2, 1, offer="kasse-und-shop", audience="business", municipality=hbs)
    # outside the period: not counted
    ev(event_kinds.LEARNING_MODULE_STARTED, END + dt.timedelta(days=1), 9, module="x", **vhs)
    ev(event_kinds.LEARNING_MODULE_PASSED, dt.date(2017, 9, 1), 9, module="x", **vhs)
    return {"wr": wr, "hbs": hbs}


def by_key(table):
    return {
        row["key"]: dict(zip(table["cols"], row["cells"], strict=True)) for row in table["rows"]
    }


def test_weeks_with_known_answers(events):
    weeks = by_key(learning.figures(START, END)["weeks"])
    assert set(weeks) == {"", WEEK1.isoformat(), WEEK2.isoformat()}
    week1, week2, total = weeks[WEEK1.isoformat()], weeks[WEEK2.isoformat()], weeks[""]
    assert week1["started"] == 10 and week2["started"] == 5 and total["started"] == 15
    assert week1["participants"] == 22 and week1["answers"] == 110
    assert week2["certificates"] == 5 and total["certificates"] == 5
    assert week2["advice"] == 7
    # two quizzes and two passes are small: hidden, and the total cannot give them away
    assert week1["quizzes"] is None and total["quizzes"] is None
    assert week2["passed"] is None
    assert week1["passed"] is None or total["passed"] is None


def test_modules_offers_kinds_and_areas(events):
    f = learning.figures(START, END)
    modules = by_key(f["modules"])
    assert modules["smartphone"]["started"] == 10 and modules[""]["started"] == 15
    # 2 passes of "safe online" are hidden; the 6 of smartphone basics then too (secondary
    # suppression: the total of 8 is shown)
    assert modules[""]["passed"] == 8 and modules["smartphone"]["passed"] is None
    assert modules["sicher-online"]["started"] == 5 and modules["sicher-online"]["passed"] is None
    assert "x" not in modules
    offers = by_key(f["offers"])
    assert offers["vereinssoftware"]["clubs"] == 6
    assert offers["kasse-und-shop"]["business"] is None  # one request
    kinds = by_key(f["kinds"])
    assert kinds["vhs"]["joined"] == 7 and kinds["vhs"]["certificates"] == 5
    # 2 starts without a group are hidden, and then the 5 of the seniors (the smallest other)
    assert kinds["vhs"]["started"] == 8 and kinds["seniors"]["started"] is None
    assert kinds["seniors"]["joined"] == 5 and kinds["seniors"]["passed"] is None
    assert kinds[learning.NO_GROUP]["started"] is None  # two learners without a group
    areas = by_key(f["areas"])
    assert areas[events["wr"]]["joined"] == 7 and areas[events["wr"]]["certificates"] == 5
    assert areas[events["hbs"]]["started"] == 5 and areas[events["hbs"]]["passed"] is None
    for name in ("weeks", "modules", "kinds", "areas"):
        assert_no_hidden_cell_can_be_computed(f[name])


def assert_no_hidden_cell_can_be_computed(table):
    """In every column: a single hidden cell is never next to a shown total."""
    total = next(row for row in table["rows"] if row["total_row"])
    for i, _col in enumerate(table["cols"]):
        hidden = [row for row in table["rows"] if not row["total_row"] and row["cells"][i] is None]
        assert len(hidden) != 1 or total["cells"][i] is None, table["cols"][i]


def test_the_page_for_managers(client, events):
    login_as(client, "manager")
    response = client.get("/cockpit/digital/", {"von": START, "bis": END})
    assert response.status_code == 200
    body = response.content.decode()
    assert "smartphone" in body and "vereinssoftware" in body and "Wernigerode" in body
    assert 'href="/cockpit/digital/"' in body and 'aria-current="page"' in body
    assert "<caption" in body
    assert client.get("/cockpit/digital/", {"von": END, "bis": START}).status_code == 400


def test_an_empty_period(client, harz):
    login_as(client, "manager")
    response = client.get("/cockpit/digital/", {"von": "2016-01-04", "bis": "2016-01-10"})
    assert response.status_code == 200 and "<table" not in response.content.decode()


@pytest.mark.parametrize("role", ["anonymous", "caseworker"])
def test_the_page_is_closed_to_others(client, harz, role):
    login_as(client, role)
    response = client.get("/cockpit/digital/")
    assert response.status_code == (403 if role == "caseworker" else 302)
