"""The status changes of an import batch (services.py): the moves IMPORT_TRANSITIONS allows
are made, every other one raises IllegalImportTransition and changes nothing."""

import itertools

import pytest

from openkreis.cockpit import services
from openkreis.cockpit.models import ImportBatch

from .factories import ImportBatchFactory

pytestmark = pytest.mark.django_db
Status = ImportBatch.Status
STATES = list(Status.values)
# the services function that makes each move (uploaded -> uploaded: the CSV columns)
MOVES = {
    Status.UPLOADED: lambda batch: services.set_columns(batch, {"case_id": "Vorgang"}),
    Status.QUEUED: services.start_import,
    Status.RUNNING: services.mark_running,
    Status.DONE: lambda batch: services.finish_import(batch, errors=[], cases=2, events=4),
    Status.PARTIAL: lambda batch: services.finish_import(
        batch, errors=[{"line": 3, "message": "kaputt"}], cases=2, events=4, rows=5, skipped=1
    ),
    Status.FAILED: lambda batch: services.fail_import(
        batch, errors=[{"line": 0, "message": "kaputt"}]
    ),
}
# sorted: a set's order differs between processes, and pytest-xdist wants one order
ALLOWED = sorted((a, b) for a, targets in services.IMPORT_TRANSITIONS.items() for b in targets)
REFUSED = [pair for pair in itertools.product(STATES, MOVES) if pair not in ALLOWED]


def test_the_table_names_every_state():
    assert set(services.IMPORT_TRANSITIONS) == set(STATES)
    assert all(set(t) <= set(MOVES) for t in services.IMPORT_TRANSITIONS.values())


def test_the_moves_of_an_import():
    """What the upload, the task and the importer do, written down as the table."""
    expected = [
        ("uploaded", "uploaded"),
        ("uploaded", "queued"),
        ("uploaded", "running"),
        ("uploaded", "failed"),
        ("queued", "running"),
        ("running", "running"),
        ("running", "done"),
        ("running", "partial"),
        ("running", "failed"),
    ]
    assert sorted(expected) == ALLOWED
    assert services.may_move("uploaded", "queued")
    assert not services.may_move("done", "running")


@pytest.mark.parametrize("current,target", ALLOWED)
def test_an_allowed_move_is_made(harz, current, target, django_capture_on_commit_callbacks):
    batch = ImportBatchFactory(status=current)
    with django_capture_on_commit_callbacks(execute=False) as sent:
        MOVES[target](batch)
    assert batch.status == target
    batch.refresh_from_db()
    assert batch.status == target
    assert len(sent) == (1 if target == Status.QUEUED else 0)  # queued: the task is sent


@pytest.mark.parametrize("current,target", REFUSED)
def test_a_refused_move_raises_and_changes_nothing(
    harz, current, target, django_capture_on_commit_callbacks
):
    batch = ImportBatchFactory(status=current)
    with (
        django_capture_on_commit_callbacks(execute=False) as sent,
        pytest.raises(services.IllegalImportTransition) as info,
    ):
        MOVES[target](batch)
    assert (info.value.current, info.value.target) == (current, target)
    batch.refresh_from_db()
    assert batch.status == current and batch.errors == [] and batch.finished_at is None
    assert batch.mapping == {}
    assert sent == []  # no task for a batch that was not queued


def test_the_state_in_the_database_decides(harz):
    """A stale object in memory cannot make a move the stored state does not allow."""
    batch = ImportBatchFactory()
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.QUEUED)  # another request
    assert batch.status == Status.UPLOADED
    with pytest.raises(services.IllegalImportTransition):
        services.start_import(batch)


def test_finish_and_fail_write_the_report(harz):
    done = ImportBatchFactory(status=Status.RUNNING)
    services.finish_import(
        done, errors=[{"line": 5, "message": "x"}], cases=2, events=4, rows=5, skipped=1
    )
    done.refresh_from_db()
    assert (done.progress, done.cases, done.errors) == (100, 2, [{"line": 5, "message": "x"}])
    assert (done.status, done.events, done.rows, done.skipped) == (Status.PARTIAL, 4, 5, 1)
    assert done.finished_at is not None and services.is_final(done)
    refused = ImportBatchFactory(csv=True)  # refused at the upload: never started
    services.fail_import(refused, errors=[{"line": 1, "message": "kein Kopf"}])
    refused.refresh_from_db()
    assert refused.status == Status.FAILED and refused.progress == 0
    assert refused.finished_at is not None and services.is_final(refused)


def test_start_import_saves_the_mapping_with_the_move(harz, django_capture_on_commit_callbacks):
    batch = ImportBatchFactory(csv=True, mapping={})
    mapping = {"case_id": "Vorgang", "activity": "Schritt", "timestamp": "Zeitpunkt"}
    with django_capture_on_commit_callbacks(execute=False):
        services.start_import(batch, mapping=mapping)
    batch.refresh_from_db()
    assert batch.status == Status.QUEUED and batch.mapping == mapping
