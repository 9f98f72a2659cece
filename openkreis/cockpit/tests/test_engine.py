"""The KPI engine on small hand-made logs with answers worked out by hand."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openkreis.cockpit import engine
from openkreis.cockpit.engine import DAY, Ev

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC).timestamp()  # a Monday
H = 3600.0


def case_ev(n, subject, activity, at, state, kind, **data):
    base = {
        "activity": activity,
        "service": data.pop("service", "bau"),
        "org_unit": data.pop("org_unit", "bauamt"),
        "channel": data.pop("channel", "online"),
        "procedure": "generic",
        "state": state,
        "state_kind": kind,
    }
    return Ev(n, f"case.{activity}", at, subject, {**base, **data})


def log_a():
    """Case A: received, 2 days in the queue, 1 day work, documents requested, 3 days with
    the applicant, back in the queue 1 day, 0.5 day work, decided at day 7.5 (target: day 10).
    """
    s = "case:1"
    return [
        case_ev(
            1,
            s,
            "received",
            T0,
            "new",
            "queue",
            target_at="2026-03-12T08:00:00+00:00",
            complete=False,
        ),
        case_ev(2, s, "assigned", T0 + 2 * DAY, "in_progress", "work"),
        case_ev(3, s, "documents_requested", T0 + 3 * DAY, "waiting", "applicant", count=1),
        case_ev(4, s, "documents_received", T0 + 6 * DAY, "new", "queue", count=1),
        case_ev(5, s, "assigned", T0 + 7 * DAY, "in_progress", "work"),
        case_ev(6, s, "decided", T0 + 7.5 * DAY, "decided", "done", outcome="granted"),
        case_ev(7, s, "closed", T0 + 20 * DAY, "closed", "done"),
    ]


def log_b():
    """Case B: paper, complete, no target, decided after 2 days, reopened on day 5 and
    decided again on day 9 (lead time 9 days), logged out of order (ids shuffled)."""
    s = "case:2"
    return [
        case_ev(
            14, s, "decided", T0 + 9 * DAY, "decided", "done", outcome="refused", channel="paper"
        ),
        case_ev(
            10, s, "received", T0, "new", "queue", target_at=None, complete=True, channel="paper"
        ),
        case_ev(13, s, "reopened", T0 + 5 * DAY, "new", "queue", channel="paper"),
        case_ev(11, s, "assigned", T0 + 1 * DAY, "in_progress", "work", channel="paper"),
        case_ev(
            12, s, "decided", T0 + 2 * DAY, "decided", "done", outcome="granted", channel="paper"
        ),
    ]


def log_c():
    """Case C: counter, open, received on day 1, target day 4 (overdue at day 12)."""
    s = "case:3"
    return [
        case_ev(
            20,
            s,
            "received",
            T0 + DAY,
            "new",
            "queue",
            target_at="2026-03-06T08:00:00+00:00",
            complete=True,
            channel="counter",
        ),
    ]


def facts():
    return engine.fold_all(log_a() + log_b() + log_c())


def test_fold_case_times_and_flags():
    a = facts()["case:1"]
    assert a.lead_seconds == 7.5 * DAY
    assert a.waiting_seconds == 3 * DAY  # 2 + 1 days in the queue
    assert a.applicant_seconds == 3 * DAY
    assert a.processing_seconds == 1.5 * DAY
    assert a.on_time is True and a.requests == 1 and a.first_time_right is False
    assert a.steps["new"] == ["queue", 3 * DAY, 2]
    assert a.edges["received>assigned"] == [1, 2 * DAY]
    assert a.state_kind == "done" and a.outcome == "granted"


def test_reopened_case_out_of_order():
    b = facts()["case:2"]
    assert b.received_at == T0 and b.reopened == 1
    assert b.decided_at == T0 + 9 * DAY and b.outcome == "refused"
    assert b.lead_seconds == 9 * DAY
    assert b.waiting_seconds == 1 * DAY + 4 * DAY  # first queue day + after reopening
    assert b.processing_seconds == 1 * DAY
    assert b.on_time is None  # no target
    assert b.first_time_right is True and b.channel == "paper"


def test_reopened_case_is_open_until_decided_again():
    f = engine.fold_all(log_b()[1:])  # without the second decision
    b = f["case:2"]
    assert b.decided_at is None
    assert engine.backlog(list(f.values()), now=T0 + 6 * DAY)["open"] == 1


def test_intake_output_and_completion_rate():
    fs = list(facts().values())
    assert engine.intake_output(fs) == {"received": 3, "decided": 2, "completion_rate": 2 / 3}
    # only the first week: 3 received, nothing decided yet before day 7
    week = engine.intake_output(fs, T0, T0 + 7 * DAY)
    assert week == {"received": 3, "decided": 0, "completion_rate": 0.0}


def test_backlog_ages_overdue_and_risk():
    fs = list(facts().values())
    at = engine.backlog(fs, now=T0 + 12 * DAY)
    assert at["open"] == 1 and at["overdue"] == 1 and at["at_risk"] == 0
    assert dict(at["ages"]) == {"0–7": 0, "8–30": 1, "31–90": 0, "> 90": 0}
    # on day 1.5: A (target day 10) and C (target day 4, within 7 days) are open, B too
    early = engine.backlog(fs, now=T0 + 1.5 * DAY)
    assert early["open"] == 3 and early["at_risk"] == 1 and early["without_target"] == 1
    assert early["overdue"] == 0


def test_lead_time_statistics():
    fs = list(facts().values())
    lt = engine.lead_time(fs)
    assert lt["n"] == 2
    assert lt["mean"] == pytest.approx(8.25 * DAY)
    assert lt["median"] == pytest.approx(8.25 * DAY)
    assert lt["p90"] == pytest.approx((7.5 + 0.9 * 1.5) * DAY)


def test_percentile_matches_numpy_linear():
    values = [1, 2, 3, 4, 10]
    assert engine.percentile(values, 0.9) == pytest.approx(7.6)
    assert engine.median(values) == 3
    assert engine.percentile([], 0.5) is None


def test_histogram_percentile_matches_exact_on_integers():
    values = [0, 1, 1, 2, 5, 5, 7, 30]
    hist = {}
    for v in values:
        hist[str(v)] = hist.get(str(v), 0) + 1
    for q in (0.5, 0.9):
        assert engine.hist_percentile(hist, q) == pytest.approx(engine.percentile(values, q))


def test_deadline_adherence_and_cases_without_target():
    fs = list(facts().values())
    d = engine.deadline_adherence(fs)
    assert d == {"n": 1, "on_time": 1, "rate": 1.0}  # B has no target, C is open
    late = engine.fold_all(
        [
            case_ev(
                1, "case:9", "received", T0, "new", "queue", target_at="2026-03-03T08:00:00+00:00"
            ),
            case_ev(2, "case:9", "decided", T0 + 2 * DAY, "decided", "done"),
        ]
    )
    assert engine.deadline_adherence(list(late.values()))["rate"] == 0.0


def test_waiting_per_step_and_bottlenecks():
    fs = list(facts().values())
    steps = engine.step_waits(fs)
    # A: 3 days in "new"; B: 5 days; C: open, no interval yet
    assert steps["new"] == {"kind": "queue", "cases": 2, "median": 4 * DAY, "total": 8 * DAY}
    assert steps["waiting"]["kind"] == "applicant" and steps["waiting"]["median"] == 3 * DAY
    ranking = engine.bottlenecks(fs)
    assert [r["state"] for r in ranking] == ["new", "waiting"]
    assert ranking[0]["score"] == 8 * DAY
    assert "in_progress" not in {r["state"] for r in ranking}  # work is not waiting


def test_process_edges():
    edges = {(e["source"], e["target"]): e for e in engine.process_edges(facts().values())}
    assert edges[("received", "assigned")]["count"] == 2
    assert edges[("received", "assigned")]["median"] == pytest.approx(1.5 * DAY)


def test_a_workflow_step_is_named_by_the_state_it_leads_to():
    """`case.transition` stands for any step of a procedure (Bedarfsberechnung,
    Vier-Augen-Prüfung …): the process graph names it by the state it leads to, not as one
    node "transition" for all of them; the Python fold and the columnar one agree."""
    from openkreis.cockpit import columnar

    s = "case:9"
    log = [
        case_ev(1, s, "received", T0, "new", "queue"),
        case_ev(2, s, "assigned", T0 + H, "in_progress", "work"),
        case_ev(3, s, "transition", T0 + 3 * H, "calculation", "work", step="calculate"),
        case_ev(4, s, "transition", T0 + 6 * H, "review", "queue", step="to_review"),
        case_ev(5, s, "decided", T0 + 10 * H, "decided", "done"),
    ]
    fact = engine.fold_case(log)
    assert list(fact.edges) == [
        "received>assigned",
        "assigned>state:calculation",
        "state:calculation>state:review",
        "state:review>decided",
    ]
    assert fact.edges["state:review>decided"] == [1, 4 * H]
    assert columnar.to_facts(columnar.fold(columnar.from_events(log)))[s].edges == fact.edges


def test_quality_first_time_right_and_rework():
    q = engine.quality(list(facts().values()))
    assert q["known"] == 3 and q["first_time_right"] == 2
    assert q["first_time_right_rate"] == pytest.approx(2 / 3)
    assert q["with_requests"] == 1 and q["reopened"] == 1 and q["repeated_requests"] == 0


def test_time_split():
    t = engine.time_split(list(facts().values()))
    assert t["waiting"] == 8 * DAY and t["applicant"] == 3 * DAY and t["processing"] == 2.5 * DAY
    assert t["waiting_share"] == pytest.approx(11 / 13.5)


def test_channel_mix_and_trend_by_month():
    fs = list(facts().values())
    mix = engine.channel_mix(fs, "month")
    assert mix == {"2026-03": {"online": 1, "paper": 1, "counter": 1}}
    tr = engine.trend(fs, "week")
    assert tr["2026-W10"]["received"] == 3
    assert tr["2026-W11"]["decided"] == 2  # 9 March (A) and 11 March (B)


def test_berlin_weeks_and_months_across_dst():
    # 2025-10-25 22:30 UTC is Sunday 00:30 CEST on 26 Oct: still ISO week 43
    sunday = dt.datetime(2025, 10, 25, 22, 30, tzinfo=UTC).timestamp()
    assert engine.local_day(sunday) == dt.date(2025, 10, 26)
    assert engine.period_key(engine.local_day(sunday), "week") == "2025-W43"
    # 2026-03-31 22:30 UTC is 1 April 00:30 CEST: April, not March
    april = dt.datetime(2026, 3, 31, 22, 30, tzinfo=UTC).timestamp()
    assert engine.period_key(engine.local_day(april), "month") == "2026-04"
    # 2026-01-31 23:30 UTC is 1 February 00:30 CET
    feb = dt.datetime(2026, 1, 31, 23, 30, tzinfo=UTC).timestamp()
    assert engine.period_key(engine.local_day(feb), "month") == "2026-02"
    # the hour lost on 29 March 2026 does not change durations (UTC arithmetic)
    before = dt.datetime(2026, 3, 29, 0, 30, tzinfo=UTC).timestamp()
    evs = [
        case_ev(1, "case:5", "received", before, "new", "queue"),
        case_ev(2, "case:5", "decided", before + 3 * H, "decided", "done"),
    ]
    assert engine.fold_all(evs)["case:5"].lead_seconds == 3 * H


def test_date_only_target_means_end_of_day_berlin():
    end = engine.to_epoch(dt.date(2026, 3, 12))
    assert engine.local_day(end) == dt.date(2026, 3, 12)
    assert engine.local_day(end + 2) == dt.date(2026, 3, 13)


def test_satisfaction_portal_appointments():
    evs = [
        Ev(1, "feedback.submitted", T0, "feedback:1", {"service": "bau", "rating": 5}),
        Ev(2, "feedback.submitted", T0, "feedback:2", {"service": "bau", "rating": 2}),
        Ev(3, "feedback.submitted", T0, "feedback:3", {"service": "bau", "rating": "x"}),
        Ev(4, "portal.search", T0, "", {"query": "bauantrag", "results": 3}),
        Ev(5, "portal.search", T0, "", {"query": "hundesteuer", "results": 0}),
        Ev(6, "portal.search", T0, "", {"query": "hundesteuer", "results": 0}),
        Ev(7, "portal.service_viewed", T0, "", {"service": "bau"}),
        Ev(8, "appointment.booked", T0, "appointment:1", {"kind": "booking"}),
        Ev(9, "appointment.booked", T0, "appointment:2", {"kind": "booking"}),
        Ev(10, "appointment.checked_in", T0, "appointment:1", {"kind": "booking"}),
        Ev(11, "appointment.no_show", T0, "appointment:2", {"kind": "booking"}),
        Ev(12, "appointment.called", T0, "appointment:1", {"wait_seconds": 600}),
        Ev(13, "appointment.called", T0, "ticket:1", {"wait_seconds": 1200, "kind": "walk_in"}),
    ]
    s = engine.satisfaction(evs)
    assert s["n"] == 2 and s["mean"] == 3.5 and dict(s["distribution"])[5] == 1
    p = engine.portal_usage(evs)
    assert p["searches"] == 3 and p["zero_results"] == 2
    assert p["zero_queries"] == [("hundesteuer", 2)] and p["most_viewed"] == [("bau", 1)]
    a = engine.appointments(evs)
    assert a["booked"] == 2 and a["no_show"] == 1 and a["no_show_rate"] == 0.5
    assert a["median_wait"] == 900


def test_primary_and_secondary_suppression():
    table = {
        "bau": {"jan": 12, "feb": 3, "mar": 9},
        "kfz": {"jan": 20, "feb": 8, "mar": 15},
        "jagd": {"jan": 0, "feb": 0, "mar": 0},
    }
    out = engine.suppress(table)
    cells = out["cells"]
    assert ("bau", "feb") in cells  # primary
    # row bau would reveal feb by subtraction -> its smallest other cell (mar: 9) goes too
    assert ("bau", "mar") in cells
    # column feb would reveal bau/feb -> kfz/feb (8) goes; column mar -> kfz/mar (15)
    assert ("kfz", "feb") in cells and ("kfz", "mar") in cells
    assert ("jagd", "jan") not in cells  # zero cells stay
    # no shown total can reveal a hidden cell: every line has 0 or >= 2 hidden cells
    for row in table:
        assert sum((row, c) in cells for c in ("jan", "feb", "mar")) != 1
    for col in ("jan", "feb", "mar"):
        assert sum((r, col) in cells for r in table) != 1


def test_small_totals_are_hidden_too():
    out = engine.suppress({"a": {"x": 2, "y": 0}, "b": {"x": 10, "y": 7}})
    assert out["rows"] == {"a"}
    assert ("a", "x") in out["cells"] and ("b", "x") in out["cells"]  # column x total shown
    # row b then has one hidden cell -> b/y; column y then needs a/y (a zero) hidden too,
    # else y's total minus the known zero gives b/y, row b's total gives b/x, then a/x
    assert ("b", "y") in out["cells"] and ("a", "y") in out["cells"]
    assert engine.enough(4) is False and engine.enough(5) and engine.enough(0)


@settings(deadline=None)  # the machine is shared; the property, not the speed, is tested
@given(
    st.dictionaries(
        st.sampled_from(["r1", "r2", "r3", "r4"]),
        st.dictionaries(st.sampled_from(["c1", "c2", "c3"]), st.integers(0, 12), min_size=1),
        min_size=1,
    )
)
def test_suppression_never_leaves_a_cell_computable(table):
    out = engine.suppress(table)
    cols = sorted({c for row in table.values() for c in row})
    for r, row in table.items():
        for c in cols:
            if 0 < row.get(c, 0) < engine.K_ANONYMITY:
                assert (r, c) in out["cells"]
        if r not in out["rows"]:
            assert sum((r, c) in out["cells"] for c in cols) != 1
    for c in cols:
        if c not in out["cols"]:
            assert sum((r, c) in out["cells"] for r in table) != 1


def test_continuing_a_fold_equals_folding_again():
    evs = sorted(log_a() + log_b() + log_c(), key=lambda e: e.id)
    for cut in range(1, len(evs)):
        early, late = evs[:cut], evs[cut:]
        facts_early = engine.fold_all(early)
        for subject, full in engine.fold_all(evs).items():
            mine = [e for e in late if e.subject == subject]
            start = facts_early.get(subject)
            if start is not None and not engine.can_continue(start, mine):
                continue  # out of order: the database layer folds that case again
            if start is not None:
                start = engine.fold_case([], engine.CaseFact(**_copy(start)))
            assert engine.fold_case(mine, start) == full, (cut, subject)


def _copy(fact):
    import copy

    return {name: copy.deepcopy(getattr(fact, name)) for name in fact.__slots__}
