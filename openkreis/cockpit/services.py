"""The cockpit app's public functions: the only way other apps change its data.

An import batch moves through its states only here. Each move is one conditional UPDATE
(`WHERE status IN <the states it may come from>`), so two requests or two deliveries of
the same task cannot both make a move that only one of them may make, and the allowed
moves are data (IMPORT_TRANSITIONS), not conditions spread over views, tasks and importer.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from . import tasks
from .models import ImportBatch

Status = ImportBatch.Status

# Which state an import batch may move to from which. A state with no way out is final.
IMPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    # waiting for its start (XES: at once; CSV: once the columns are mapped). It may also
    # be run directly, without the queue (importer.run from a shell or a test), and a CSV
    # file whose header cannot be read fails before it ever starts.
    Status.UPLOADED: frozenset({Status.QUEUED, Status.RUNNING, Status.FAILED}),
    Status.QUEUED: frozenset({Status.RUNNING}),
    # running -> running: a task delivered again after a crash resumes the batch
    Status.RUNNING: frozenset({Status.RUNNING, Status.DONE, Status.FAILED}),
    Status.DONE: frozenset(),
    Status.FAILED: frozenset(),
}


class IllegalImportTransition(Exception):
    """An import batch was asked to make a move IMPORT_TRANSITIONS does not allow (it was,
    for instance, already started by another request). Views turn it into a message."""

    def __init__(self, batch_id: int, current: str | None, target: str):
        self.batch_id, self.current, self.target = batch_id, current, target
        super().__init__(f"import batch {batch_id}: {current} -> {target} is not allowed")


def may_move(current: str, target: str) -> bool:
    """Whether IMPORT_TRANSITIONS allows an import batch in `current` to move to `target`."""
    return target in IMPORT_TRANSITIONS.get(current, frozenset())


def is_final(batch: ImportBatch) -> bool:
    """Whether the batch has reached a state it never leaves (done or failed)."""
    return not IMPORT_TRANSITIONS[batch.status]


def _move(batch: ImportBatch, target: str, **fields) -> None:
    """Move `batch` to `target` and write `fields` with it, in one conditional UPDATE
    against the state in the database (not the possibly stale one in memory); raises
    IllegalImportTransition when the batch is in a state that may not move there."""
    sources = [state for state in IMPORT_TRANSITIONS if may_move(state, target)]
    changed = ImportBatch.objects.filter(pk=batch.pk, status__in=sources).update(
        status=target, **fields
    )
    if not changed:
        current = ImportBatch.objects.filter(pk=batch.pk).values_list("status", flat=True).first()
        raise IllegalImportTransition(batch.pk, current, target)
    # the caller's object shows what the database now holds
    batch.status = target
    for name, value in fields.items():
        setattr(batch, name, value)


def register_upload(*, upload, service: str, user) -> ImportBatch:
    """Store an uploaded event log as a new batch (uploaded). An XES file describes its
    columns itself and is started at once; a CSV file waits for its column mapping
    (start_import)."""
    is_csv = upload.name.lower().endswith(".csv")
    batch = ImportBatch.objects.create(
        name=upload.name[:200],
        format=ImportBatch.Format.CSV if is_csv else ImportBatch.Format.XES,
        file=upload,
        size=upload.size,
        service=service,
        created_by=user,
    )
    if not is_csv:
        start_import(batch)
    return batch


def start_import(batch: ImportBatch, mapping: dict | None = None) -> None:
    """uploaded -> queued, with the CSV column mapping when given; the import task is sent
    once the transaction commits (in the embedded mode it runs in-process right away)."""
    fields = {} if mapping is None else {"mapping": mapping}
    _move(batch, Status.QUEUED, **fields)
    transaction.on_commit(lambda: tasks.run_import.delay(batch.pk))


def mark_running(batch: ImportBatch) -> None:
    """uploaded/queued -> running, or running again when a task resumes after a crash."""
    _move(batch, Status.RUNNING)


def finish_import(batch: ImportBatch, *, errors: list, cases: int) -> None:
    """running -> done: the file was read to its end and gave at least one event."""
    _move(
        batch,
        Status.DONE,
        progress=100,
        errors=errors,
        cases=cases,
        finished_at=timezone.now(),
    )


def fail_import(batch: ImportBatch, *, errors: list, cases: int | None = None) -> None:
    """uploaded/running -> failed, with the report of what was wrong. `cases` is given by a
    run that read the file (it then reports how far it got, at 100 %); a file refused
    before its import started keeps its progress."""
    fields = {"errors": errors, "finished_at": timezone.now()}
    if cases is not None:
        fields.update(progress=100, cases=cases)
    _move(batch, Status.FAILED, **fields)
