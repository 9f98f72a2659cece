"""The columnar fold gives the same per-case facts and KPIs as the pure-Python fold."""

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.cockpit import kpis as bench_kpis
from openkreis.cockpit import columnar, engine
from openkreis.cockpit.engine import Ev

from .test_engine import T0, log_a, log_b, log_c

FIELDS = [
    "subject",
    "service",
    "org_unit",
    "channel",
    "procedure",
    "received_at",
    "decided_at",
    "outcome",
    "target_at",
    "complete",
    "requests",
    "reopened",
    "waiting_seconds",
    "applicant_seconds",
    "processing_seconds",
    "state",
    "state_kind",
    "last_at",
    "last_id",
    "last_activity",
    "has_received",
    "source",
    "steps",
    "edges",
]

KINDS = [
    "case.received",
    "case.assigned",
    "case.transition",
    "case.documents_requested",
    "case.documents_received",
    "case.decided",
    "case.reopened",
    "case.closed",
    "import.event",
    "portal.search",  # not a case event: ignored by both folds
]


def random_log(seed: int, cases: int = 60, events: int = 500) -> list[Ev]:
    """Events in random order with missing fields, ties in time, out-of-order ids,
    repeated receipts and decisions, reopenings, odd state kinds and date targets."""
    rng = random.Random(seed)
    out = []
    ids = rng.sample(range(1, 10 * events), events)
    for i in range(events):
        data = {}
        for key, values in [
            ("activity", ["", "check", "assigned", "transition", "received"]),
            ("state", ["", "new", "in_progress", "review", "waiting"]),
            ("state_kind", ["", "queue", "work", "applicant", "done", "other"]),
            ("service", ["", "bau", "kfz"]),
            ("org_unit", ["", "amt-a", "amt-b"]),
            ("procedure", ["", "generic", "special"]),
            ("channel", ["", "online", "paper", "counter"]),
            ("source", ["", "xes", 7]),
            ("outcome", ["", "granted", "refused"]),
            ("complete", [True, False, 0, 1]),
            ("target_at", [None, "", "2026-03-20", "2026-03-12T08:00:00+00:00", T0 + 9e5]),
        ]:
            if rng.random() < 0.6:
                data[key] = rng.choice(values)
        at = T0 + rng.choice([0, 60, 3600.5]) * rng.randrange(0, 200)
        out.append(Ev(ids[i], rng.choice(KINDS), at, f"case:{rng.randrange(cases)}", data))
    rng.shuffle(out)
    return out


def assert_same(events):
    expected = engine.fold_all(events)
    log = columnar.from_events(events)
    got = columnar.to_facts(columnar.fold(log))
    assert list(got) == list(expected)
    # split into more parts than threads (or one): each part groups its share of the log
    # and folds its range of cases; the facts are the same
    for parts in (1, 3, 8):
        assert columnar.to_facts(columnar.fold(log, parts)) == got, parts
    for subject, fact in expected.items():
        for name in FIELDS:
            assert getattr(got[subject], name) == getattr(fact, name), (subject, name)
        # the same order too (stored as JSON text on SQLite)
        assert list(got[subject].steps) == list(fact.steps)
        assert list(got[subject].edges) == list(fact.edges)
        # types too: the database layer and the templates see the same values
        assert type(got[subject].requests) is int
        assert type(got[subject].last_id) is int
    reference = bench_kpis(list(expected.values()))
    columns = columnar.kpis(columnar.fold(columnar.from_events(events)))
    for key in ("cases", "decided", "deadline", "quality"):
        assert columns[key] == reference[key], key
    for key in ("n", "median", "p90"):
        assert columns["lead"][key] == reference["lead"][key]
    if reference["lead"]["mean"] is not None:
        assert columns["lead"]["mean"] == pytest.approx(reference["lead"]["mean"], rel=1e-12)
    assert columns["edge_mean"].keys() == reference["edge_mean"].keys()
    for key, value in reference["edge_mean"].items():
        assert columns["edge_mean"][key] == pytest.approx(value, rel=1e-12, abs=1e-9)
    strip = [{k: v for k, v in r.items() if k != "total"} for r in reference["bottlenecks"]]
    assert [{k: v for k, v in r.items() if k != "total"} for r in columns["bottlenecks"]] == strip
    for key, value in reference["split"].items():
        if value is None:
            assert columns["split"][key] is None
        else:
            assert columns["split"][key] == pytest.approx(value, rel=1e-12)


def test_hand_made_logs():
    assert_same(log_a() + log_b() + log_c())
    assert_same(log_b())
    assert_same([])


@pytest.mark.parametrize("seed", range(8))
def test_random_logs(seed):
    assert_same(random_log(seed))


@settings(deadline=None, max_examples=40)
@given(st.integers(0, 10**6), st.integers(1, 8), st.integers(1, 40))
def test_random_logs_property(seed, cases, events):
    assert_same(random_log(seed, cases, events))


def test_bench_log_agrees():
    """A slice of the benchmark's generated log (the shape the speed figures are for)."""
    from bench.cockpit import generate

    events, _end = generate(300)
    assert_same(events)


def test_numpy_huge_page_setting_is_restored():
    from numpy._core.multiarray import _set_madvise_hugepage

    before = _set_madvise_hugepage(True)
    try:
        columnar.kpis(columnar.fold(columnar.from_events(log_b())))
        assert _set_madvise_hugepage(True) is True  # still on after the fold
        _set_madvise_hugepage(False)
        columnar.fold(columnar.from_events(log_b()))
        assert _set_madvise_hugepage(False) is False  # and still off
    finally:
        _set_madvise_hugepage(before)


def test_edge_means_three_ways(monkeypatch):
    """The edge means from the fold's pair tables, from the edge rows in dense tables and
    from the edge rows by np.unique agree; with more than 256 names the fold keeps no
    tables and the facts and KPIs are still the engine's."""
    folded = columnar.fold(columnar.from_events(random_log(3, cases=40, events=800)))
    assert folded.pairs is not None
    by_fold = columnar.edge_means(folded)
    folded.pairs = None
    dense = columnar.edge_means(folded)
    monkeypatch.setattr(columnar, "DENSE_PAIRS", 0)
    sparse = columnar.edge_means(folded)
    assert by_fold.keys() == dense.keys() == sparse.keys()
    assert len(by_fold) > 10
    for key, value in dense.items():
        assert by_fold[key] == pytest.approx(value, rel=1e-12)
        assert sparse[key] == pytest.approx(value, rel=1e-12)
    many = random_log(4, cases=30, events=700)
    for i, ev in enumerate(many):  # 350 activities: more names than the tables are for
        ev.data["activity"] = f"step-{i % 350}"
    log = columnar.from_events(many)
    assert len(log.names.names) > 256
    assert columnar.fold(log).pairs is None
    assert_same(many)


@pytest.mark.parametrize("shift", [0, 2**40, 2**58, -(10**6)])
def test_ids_packed_or_not(shift):
    """An event's id, kind and profile share one word while they fit into 63 bits; large
    or negative ids take a column of their own. Both give the engine's facts (last_id and
    the order of events at the same time depend on the ids)."""
    events = [
        Ev(ev.id + shift, ev.kind, ev.at, ev.subject, ev.data) for ev in random_log(11, 20, 400)
    ]
    assert_same(events)
    assert any(
        f.last_id < 0 if shift < 0 else f.last_id > shift for f in engine.fold_all(events).values()
    )


@settings(deadline=None, max_examples=60)
@given(
    st.lists(
        st.lists(
            st.sampled_from([0.0, 1.0, 2.5, 3600.0, -4.0]) | st.floats(-1e9, 1e9), max_size=60
        ),
        min_size=1,
        max_size=6,
    )
)
def test_group_percentiles_are_the_engines(groups):
    """Selection in place (many equal values, empty and one-value groups) gives exactly
    engine.percentile, and each group's sum in its order."""
    from openkreis.cockpit import _kernel

    values = np.array([x for g in groups for x in g], dtype=float)
    starts = np.cumsum([0] + [len(g) for g in groups])
    qs = (0.0, 0.5, 0.9, 1.0)
    out, totals = _kernel.group_percentiles(values, starts, np.arange(len(groups)), np.array(qs))
    for i, g in enumerate(groups):
        for x, q in enumerate(qs):
            expected = engine.percentile(g, q)
            assert (out[i, x] != out[i, x]) if expected is None else out[i, x] == expected
        assert totals[i] == sum(g)
        assert sorted(values[starts[i] : starts[i + 1]]) == sorted(g)  # only reordered


def test_a_case_without_events_is_refused():
    """The room for steps and edges counts on every case having an event (the logs built by
    from_rows and the database reader always do); a log that breaks this is refused instead
    of written past its arrays."""
    log = columnar.from_events(log_b())
    log.subjects = [*log.subjects, "case:ghost"]
    with pytest.raises(ValueError, match="no events"):
        columnar.fold(log)
