"""Before/after on hand-made event logs with answers computed by hand (beforeafter.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from openkreis.cockpit import engine
from openkreis.cockpit.engine import Ev
from openkreis.programme import beforeafter

BERLIN = engine.BERLIN
HOUR = 3600.0
_ids = iter(range(1, 10**6))


def _at(day: dt.date, hour: int = 9) -> float:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BERLIN).timestamp()


def case(subject, received: dt.date, lead_days: float, queue_hours: float, complete, requests=0):
    """One case's events: received (lies in the inbox for `queue_hours`), taken up (work),
    maybe documents requested, decided `lead_days` after receipt."""
    r = _at(received)
    events = [
        Ev(
            next(_ids),
            "case.received",
            r,
            subject,
            {"service": "bau", "state": "new", "state_kind": "queue", "complete": complete},
        ),
        Ev(
            next(_ids),
            "case.transition",
            r + queue_hours * HOUR,
            subject,
            {"state": "work", "state_kind": "work"},
        ),
    ]
    for n in range(requests):
        events.append(
            Ev(
                next(_ids),
                "case.documents_requested",
                r + queue_hours * HOUR + (n + 1) * 60,
                subject,
                {"state": "work", "state_kind": "work"},
            )
        )
    events.append(
        Ev(
            next(_ids),
            "case.decided",
            r + lead_days * engine.DAY,
            subject,
            {"state": "done", "state_kind": "done", "outcome": "granted"},
        )
    )
    return events


D = dt.date
EFFECTIVE = D(2026, 6, 1)
TODAY = D(2026, 7, 15)


def hand_made_log() -> list[Ev]:
    log = []
    # before (window of 30 days: 2 May – 31 May): leads 2, 4, 6, 8, 10 days; queues 1, 1, 2,
    # 3, 5 days; case 2 was asked for documents, case 3 came incomplete -> FTR 3/5
    for i, (day, lead, queue, complete, requests) in enumerate(
        [
            (D(2026, 5, 5), 2, 24, True, 0),
            (D(2026, 5, 6), 4, 24, True, 1),
            (D(2026, 5, 7), 6, 48, False, 0),
            (D(2026, 5, 8), 8, 72, True, 0),
            (D(2026, 5, 9), 10, 120, True, 0),
        ]
    ):
        log += case(f"b{i}", day, lead, queue, complete, requests)
    # after (1 June – 30 June): leads 1, 2, 3, 5, 9, 7; queues 12, 12, 24, 24, 48, 24 hours;
    # the last one's completeness is unknown -> FTR over 5 known cases, all right
    for i, (day, lead, queue, complete) in enumerate(
        [
            (D(2026, 6, 2), 1, 12, True),
            (D(2026, 6, 3), 2, 12, True),
            (D(2026, 6, 4), 3, 24, True),
            (D(2026, 6, 5), 5, 24, True),
            (D(2026, 6, 6), 9, 48, True),
            (D(2026, 6, 7), 7, 24, None),
        ]
    ):
        log += case(f"a{i}", day, lead, queue, complete)
    # outside both windows: counts nowhere
    log += case("old", D(2026, 3, 1), 3, 24, False)
    log += case("late", D(2026, 7, 5), 2, 24, False)
    return log


RATINGS = [
    (D(2026, 5, 10), 5, 3),
    (D(2026, 5, 11), 4, 2),  # before: 5 ratings, (15 + 8) / 5 = 4.6
    (D(2026, 6, 1), 3, 2),
    (D(2026, 6, 10), 5, 3),  # after: 5 ratings, (6 + 15) / 5 = 4.2
    (D(2026, 4, 1), 1, 9),  # outside
]


def test_windows_are_whole_days_before_and_from_the_effective_date():
    before, after = beforeafter.windows(EFFECTIVE, 30, TODAY)
    assert (before.start, before.end) == (D(2026, 5, 2), D(2026, 5, 31))
    assert (after.start, after.end) == (D(2026, 6, 1), D(2026, 6, 30))
    assert before.days == after.days == 30
    # the after window is cut at today
    _b, cut = beforeafter.windows(EFFECTIVE, 90, D(2026, 6, 20))
    assert (cut.start, cut.end) == (D(2026, 6, 1), D(2026, 6, 20))
    with pytest.raises(ValueError):
        beforeafter.windows(EFFECTIVE, 0, TODAY)


def test_known_answers_before_and_after():
    facts = list(engine.fold_all(hand_made_log()).values())
    result = beforeafter.compare(facts, RATINGS, EFFECTIVE, 30, TODAY)
    rows = {r["kpi"]: r for r in result["rows"]}

    lead = rows["lead_time"]
    assert lead["before"].n == 5 and lead["before"].median == pytest.approx(6.0)
    assert lead["before"].value == pytest.approx(6.0)  # mean (2+4+6+8+10)/5
    assert lead["after"].n == 6 and lead["after"].median == pytest.approx(4.0)  # (3+5)/2
    assert lead["after"].value == pytest.approx(27 / 6)  # mean 4.5
    assert lead["change"] == pytest.approx(-2.0)

    wait = rows["waiting_time"]
    assert wait["before"].median == pytest.approx(2.0)  # 1, 1, 2, 3, 5 days
    assert wait["after"].median == pytest.approx(1.0)  # .5, .5, 1, 1, 1, 2 days
    assert wait["change"] == pytest.approx(-1.0)

    ftr = rows["first_time_right"]
    assert (ftr["before"].n, ftr["before"].value) == (5, pytest.approx(0.6))
    assert (ftr["after"].n, ftr["after"].value) == (5, pytest.approx(1.0))
    assert ftr["change"] == pytest.approx(0.4)

    sat = rows["satisfaction"]
    assert (sat["before"].n, sat["before"].value) == (5, pytest.approx(4.6))
    assert (sat["after"].n, sat["after"].value) == (5, pytest.approx(4.2))
    assert sat["change"] == pytest.approx(-0.4)


@pytest.mark.parametrize(("cases", "shown"), [(4, False), (5, True)])
def test_a_figure_from_fewer_than_k_cases_is_withheld(cases, shown):
    log = []
    for i in range(cases):
        log += case(f"k{i}", D(2026, 6, 2 + i), 2 + i, 24, True)
    facts = list(engine.fold_all(log).values())
    ratings = [(D(2026, 6, 3), 4, cases)]
    result = beforeafter.compare(facts, ratings, EFFECTIVE, 30, TODAY, k=5)
    for row in result["rows"]:
        after = row["after"]
        assert after.n == cases
        assert after.suppressed is (not shown)
        assert (after.value is not None) is shown
        # nothing before: "no cases", not "too few", and no change
        assert row["before"].n == 0 and row["before"].empty and not row["before"].suppressed
        assert row["change"] is None
    if shown:  # leads 2..6 days: median 4
        lead = next(r for r in result["rows"] if r["kpi"] == "lead_time")
        assert lead["after"].median == pytest.approx(4.0)


def test_a_measure_taking_effect_later_has_an_empty_after_window():
    facts = list(engine.fold_all(hand_made_log()).values())
    result = beforeafter.compare(facts, RATINGS, D(2026, 8, 1), 30, TODAY)
    assert all(r["after"].n == 0 for r in result["rows"])
