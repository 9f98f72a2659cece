"""The importer on its own (importer.py): all or nothing, every unreadable row counted
and reported, the share of them that stops an import, compressed files, and imported
logs give the same KPIs as the engine on the same events."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.cockpit import aggregates, engine, importer, read
from openkreis.cockpit.models import CaseFact
from openkreis.core.models import Event

from . import eventlogs
from .factories import CSV_BAD, XES_BAD, ImportBatchFactory

pytestmark = pytest.mark.django_db


def events_of(batch):
    return Event.objects.filter(subject__startswith=f"import:{batch.pk}:")


def test_a_crash_while_writing_leaves_nothing_and_a_new_run_writes_everything_once(
    harz, monkeypatch
):
    """The events of a file are written in one transaction with the batch's end: a crash
    in the middle (here after the first chunk) leaves no event counting; the task
    delivered again writes them all, once."""
    batch = ImportBatchFactory(content=eventlogs.running_example(), name="r.xes")
    monkeypatch.setattr(importer, "CHUNK", 10)
    real = Event.objects.bulk_create
    calls = []

    def crash_on_second_chunk(objs, *args, **kwargs):
        calls.append(len(objs))
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(Event.objects, "bulk_create", crash_on_second_chunk)
    with pytest.raises(RuntimeError):
        importer.run(batch.pk)
    assert calls[0] == 10 and not events_of(batch).exists()
    batch.refresh_from_db()
    assert batch.status == "running" and batch.events == 0
    monkeypatch.setattr(Event.objects, "bulk_create", real)
    assert importer.run(batch.pk) == 42
    assert events_of(batch).count() == 42


def test_a_truncated_xes_fails_and_nothing_counts(harz):
    """A download cut off at 60 %: the first pass finds the end missing before anything
    is written; no event, no case, nothing in the dashboard."""
    content = eventlogs.truncated(eventlogs.bpic2012_xes())
    batch = ImportBatchFactory(content=content, name="financial_log.xes")
    assert importer.run(batch.pk) == 0
    batch.refresh_from_db()
    assert batch.status == "failed" and batch.events == 0
    assert "kein wohlgeformtes XML" in str(batch.errors) or "not well-formed" in str(batch.errors)
    assert not events_of(batch).exists()
    aggregates.refresh()
    assert not CaseFact.objects.filter(source=batch.source).exists()


def test_a_truncated_gzip_fails_and_nothing_counts(harz):
    content = eventlogs.truncated(eventlogs.gz(eventlogs.bpic2012_xes()), 0.5)
    batch = ImportBatchFactory(content=content, name="financial_log.xes.gz")
    assert importer.run(batch.pk) == 0
    batch.refresh_from_db()
    assert batch.status == "failed" and not events_of(batch).exists()


@pytest.mark.parametrize("name", ["log.xes.gz", "log.csv.gz"])
def test_compressed_logs_give_the_same_events_as_plain_ones(harz, name):
    plain = eventlogs.bpic2012_xes(cases=20) if ".xes" in name else eventlogs.permit_csv(20)
    mapping = {
        "case_id": "case:concept:name",
        "activity": "concept:name",
        "timestamp": "time:timestamp",
        "roles": {"start": "__first__", "end": ["__last__"]},
    }
    fmt = "xes" if ".xes" in name else "csv"
    runs = []
    for file_name, content in ((name.removesuffix(".gz"), plain), (name, eventlogs.gz(plain))):
        batch = ImportBatchFactory(content=content, name=file_name, format=fmt, mapping=mapping)
        importer.run(batch.pk)
        batch.refresh_from_db()
        assert batch.status == "done", batch.errors
        runs.append(
            sorted((e.subject.rsplit(":", 1)[-1], e.kind, e.occurred_at) for e in events_of(batch))
        )
    assert runs[0] == runs[1] and len(runs[0]) > 100


def test_every_skipped_row_is_counted_and_reported(harz):
    """3 unreadable rows among 600: the import ends 'done with skipped rows', and the
    report names all three with their line, not a sample."""
    content = eventlogs.permit_csv(bad_rows=3)
    mapping = {"case_id": "case:concept:name", "activity": "concept:name",
               "timestamp": "time:timestamp"}  # fmt: skip
    batch = ImportBatchFactory(content=content, name="p.csv", format="csv", mapping=mapping)
    importer.run(batch.pk)
    batch.refresh_from_db()
    lines = content.decode().splitlines()
    bad = [n for n, line in enumerate(lines, start=1) if "kapot" in line]
    assert batch.status == "partial" and batch.skipped == 3 and len(bad) == 3
    assert [e["line"] for e in batch.errors] == bad
    assert batch.rows == len(lines) - 1 and batch.events == batch.rows - 3


def test_more_than_five_percent_unreadable_stops_the_import(harz):
    """60 bad rows of about 660 (9 %): nothing is imported, the report lists all 60."""
    content = eventlogs.permit_csv(bad_rows=60)
    mapping = {"case_id": "case:concept:name", "activity": "concept:name",
               "timestamp": "time:timestamp"}  # fmt: skip
    batch = ImportBatchFactory(content=content, name="p.csv", format="csv", mapping=mapping)
    assert importer.run(batch.pk) == 0
    batch.refresh_from_db()
    assert batch.status == "failed" and batch.skipped == 60 and batch.events == 0
    assert len(batch.errors) == 61 and batch.errors[0]["line"] == 0
    assert "60 von" in batch.errors[0]["message"] and "mehr als 5 %" in batch.errors[0]["message"]
    assert not events_of(batch).exists()


@pytest.mark.parametrize("content,fmt", [(XES_BAD, "xes"), (CSV_BAD, "csv")])
def test_the_small_samples_with_bad_rows_are_not_done(harz, content, fmt):
    """1 of 5 XES events, 2 of 8 CSV rows unreadable: far above 5 %, not 'Fertig'."""
    batch = ImportBatchFactory(content=content, format=fmt, name=f"x.{fmt}",
                               mapping={"case_id": "Vorgang", "activity": "Schritt",
                                        "timestamp": "Zeitpunkt"})  # fmt: skip
    importer.run(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "failed" and not events_of(batch).exists()


def test_imported_kpis_equal_the_engine_on_the_same_log(harz):
    batch = ImportBatchFactory(csv=True)
    importer.run(batch.pk)
    aggregates.refresh()
    evs = [aggregates.to_ev(e) for e in Event.objects.filter(data__source=batch.source)]
    facts = engine.fold_all(evs)
    assert engine.lead_time(list(facts.values()))["median"] == 7 * 86400


def test_a_finished_batch_is_not_run_again(harz):
    """A task delivered again after the batch finished writes nothing and keeps its state."""
    batch = ImportBatchFactory()
    assert importer.run(batch.pk) == 5
    assert importer.run(batch.pk) == 5
    batch.refresh_from_db()
    assert batch.status == "done"
    assert Event.objects.filter(data__source=batch.source).count() == 5


def test_old_undecided_imported_cases_are_not_open_or_overdue_now(harz):
    """A 2011 permit log with cases that never got an end and a target of 56 days: they
    count in their own periods, but not as open or overdue in today's live view; an
    imported case with an event last week does."""
    mapping = {
        "case_id": "case:concept:name",
        "activity": "concept:name",
        "timestamp": "time:timestamp",
        "roles": {"start": eventlogs.PERMIT_START, "end": [eventlogs.PERMIT_END],
                  "target_days": 56},
    }  # fmt: skip
    old = ImportBatchFactory(
        content=eventlogs.permit_csv(), name="p.csv", format="csv", mapping=mapping,
        service="omgevingsvergunning",
    )  # fmt: skip
    importer.run(old.pk)
    last_week = (timezone.now() - dt.timedelta(days=7)).isoformat(timespec="seconds")
    recent = (
        f"case:concept:name,concept:name,time:timestamp\nN-1,{eventlogs.PERMIT_START},{last_week}\n"
    ).encode()
    new = ImportBatchFactory(
        content=recent, name="n.csv", format="csv", mapping=mapping,
        service="omgevingsvergunning",
    )  # fmt: skip
    importer.run(new.pk)
    aggregates.refresh()
    stale = CaseFact.objects.filter(source=old.source, decided_at__isnull=True)
    assert stale.count() >= 5 and all(f.target_at < timezone.now() for f in stale)
    now = read.backlog_now(read.Filters(service="omgevingsvergunning"))
    assert now["open"] == 1 and now["overdue"] == 0
    # the old cases still count where they belong: received in 2011-2012
    h = read.headline(
        read.Filters(service="omgevingsvergunning", start=dt.date(2011, 1, 1),
                     end=dt.date(2012, 12, 31))
    )  # fmt: skip
    assert h["n_received"] == CaseFact.objects.filter(source=old.source).count()
