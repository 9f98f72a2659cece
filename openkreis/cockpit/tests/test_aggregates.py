"""Precomputed aggregates: the incremental update and the full recompute give identical
rows, whatever the batch size and even with events logged late."""

import datetime as dt

import pytest

from openkreis.cockpit import aggregates, engine
from openkreis.cockpit.models import CaseFact, DailyCaseStat, DailyMetric, DailyStepStat
from openkreis.core.models import Event

from .factories import START, other_events, random_log, write

pytestmark = pytest.mark.django_db


def snapshot():
    def rows(model, order, exclude=("id",)):
        fields = [f.name for f in model._meta.fields if f.name not in exclude]
        return [
            tuple(str(v) for v in r) for r in model.objects.order_by(*order).values_list(*fields)
        ]

    return {
        "facts": rows(CaseFact, ["subject"]),
        "daily": rows(DailyCaseStat, ["day", "service", "org_unit", "channel"]),
        "steps": rows(DailyStepStat, ["day", "service", "org_unit", "channel", "state"]),
        "metrics": rows(DailyMetric, ["day", "metric", "service", "key"]),
    }


@pytest.mark.parametrize("batch", [7, 1000])
def test_incremental_equals_recompute(harz, batch):
    log = random_log(seed=batch)
    half = len(log) // 2
    write(log[:half])
    other_events(START)
    aggregates.refresh(batch=batch)
    write(log[half:])  # includes events of known cases with earlier times (refold path)
    other_events(START + dt.timedelta(days=3))
    aggregates.refresh(batch=batch)
    incremental = snapshot()
    assert incremental["facts"] and incremental["daily"] and incremental["metrics"]
    aggregates.recompute()
    assert snapshot() == incremental
    assert aggregates.pending() == 0


def test_columnar_recompute_equals_the_python_fold(harz):
    """The full recompute (columnar) writes the same rows as folding case by case."""
    write(random_log(seed=11))
    other_events(START)
    aggregates.recompute(reference=True)
    reference = snapshot()
    assert reference["facts"] and reference["steps"]
    aggregates.recompute()
    assert snapshot() == reference


def test_copy_writes_the_same_rows_as_insert(harz, monkeypatch):
    """On PostgreSQL large batches go by COPY: the rows are the same as by INSERT."""
    write(random_log(seed=5, cases=150))
    other_events(START)
    monkeypatch.setattr(aggregates, "COPY_FROM", 10**9)
    aggregates.recompute()
    inserted = snapshot()
    assert len(inserted["facts"]) >= 150 and len(inserted["steps"]) >= 100
    monkeypatch.setattr(aggregates, "COPY_FROM", 1)
    aggregates.recompute()
    assert snapshot() == inserted


def test_facts_match_the_engine(harz):
    write(random_log(seed=3))
    aggregates.refresh()
    evs = [aggregates.to_ev(e) for e in Event.objects.filter(kind__startswith="case.")]
    expected = engine.fold_all(evs)
    stored = {f.subject: f for f in CaseFact.objects.all()}
    assert set(stored) >= set(expected)
    for subject, fact in expected.items():
        row = stored[subject]
        assert row.lead_seconds == (None if fact.lead_seconds is None else round(fact.lead_seconds))
        assert row.waiting_seconds == round(fact.waiting_seconds)
        assert row.requests == fact.requests and row.reopened == fact.reopened
    total = sum(r.decided for r in DailyCaseStat.objects.all())
    assert total == sum(1 for f in expected.values() if f.decided)


def test_metrics_count_each_event_once(harz):
    other_events(START)
    aggregates.refresh()
    aggregates.refresh()  # nothing new: nothing added
    zero = DailyMetric.objects.get(metric="search_zero")
    assert zero.key == "hundesteuer" and zero.count == 1
    assert DailyMetric.objects.get(metric="feedback").total == 4
    assert DailyMetric.objects.get(metric="appt_called").total == 720
