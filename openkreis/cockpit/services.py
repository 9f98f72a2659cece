"""The cockpit app's public functions: the only way other apps change its data.

An import batch moves through its states only here. Each move is one conditional UPDATE
(`WHERE status IN <the states it may come from>`), so two requests or two deliveries of
the same task cannot both make a move that only one of them may make, and the allowed
moves are data (IMPORT_TRANSITIONS), not conditions spread over views, tasks and importer.
"""

from __future__ import annotations

import logging
import threading

from django import db
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from . import tasks
from .models import ImportBatch, ImportSource

Status = ImportBatch.Status
logger = logging.getLogger(__name__)

# Which state an import batch may move to from which. A state with no way out is final.
IMPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    # waiting for its mapping (CSV: columns, then activities; XES: activities). It may also
    # be run directly, without the queue (importer.run from a shell or a test), and a CSV
    # file whose header cannot be read fails before it ever starts.
    # uploaded -> uploaded: the columns of a CSV file are chosen (the first mapping step)
    Status.UPLOADED: frozenset({Status.UPLOADED, Status.QUEUED, Status.RUNNING, Status.FAILED}),
    Status.QUEUED: frozenset({Status.RUNNING}),
    # running -> running: a task delivered again after a crash resumes the batch
    Status.RUNNING: frozenset({Status.RUNNING, Status.DONE, Status.PARTIAL, Status.FAILED}),
    Status.DONE: frozenset(),
    Status.PARTIAL: frozenset(),
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


def source_for(name: str) -> ImportSource:
    """The source entry of this name (created the first time it is named)."""
    name = " ".join(name.split())[:200] or "Import"
    key = slugify(name)[:120] or "import"
    source, _created = ImportSource.objects.get_or_create(key=key, defaults={"name": name})
    return source


def file_format(name: str) -> str:
    """CSV or XES, by the file name (also compressed: .csv.gz, .xes.gz)."""
    name = name.lower().removesuffix(".gz")
    return ImportBatch.Format.CSV if name.endswith(".csv") else ImportBatch.Format.XES


def register_upload(
    *, upload, service: str, user, source: str = "", owner_unit: str = ""
) -> ImportBatch:
    """Store an uploaded event log as a new batch (uploaded). It waits for its mapping
    (columns of a CSV file; start, end and the other roles of activities: start_import).
    `source` names where the log comes from; its last mapping is offered again. Its cases
    are filed under `service`, else the service of the source's last file, else the
    source's own key: an imported process with its own entry (name, owner unit)."""
    stem = upload.name.rsplit("/", 1)[-1].split(".", 1)[0]
    entry = source_for(source or stem)
    service = service or entry.service or entry.key
    changed = {}
    if entry.service != service:
        changed["service"] = service
    if owner_unit and entry.owner_unit != owner_unit:
        changed["owner_unit"] = owner_unit
    if changed:
        ImportSource.objects.filter(pk=entry.pk).update(**changed)
        for name, value in changed.items():
            setattr(entry, name, value)
    return ImportBatch.objects.create(
        name=upload.name[:200],
        format=file_format(upload.name),
        file=upload,
        size=upload.size,
        service=service,
        created_by=user,
        source_entry=entry,
    )


def set_columns(batch: ImportBatch, columns: dict) -> None:
    """The column mapping of an uploaded CSV file (the first of its two mapping steps);
    the file's preview is read again with it."""
    _move(batch, Status.UPLOADED, mapping={**batch.mapping, **columns}, preview={})


def set_mapping(batch: ImportBatch, mapping: dict) -> None:
    """The whole mapping of an uploaded batch (columns and roles) before it is run
    directly (manage.py cockpit_import); kept on the source for its next file."""
    _move(batch, Status.UPLOADED, mapping=mapping, preview={})
    if batch.source_entry_id and mapping.get("roles"):
        ImportSource.objects.filter(pk=batch.source_entry_id).update(
            mapping=mapping, updated_at=timezone.now()
        )


def keep_preview(batch: ImportBatch, found: dict) -> None:
    """Keep what the mapping step shows of the file, so it is read once."""
    ImportBatch.objects.filter(pk=batch.pk, status=Status.UPLOADED).update(preview=found)
    batch.preview = found


def start_import(batch: ImportBatch, mapping: dict | None = None) -> None:
    """uploaded -> queued, with the mapping when given (also kept on the batch's source
    for its next file); the import task is sent once the transaction commits (in the
    embedded mode it runs in-process right away)."""
    fields = {} if mapping is None else {"mapping": mapping}
    _move(batch, Status.QUEUED, **fields)
    if mapping is not None and batch.source_entry_id:
        ImportSource.objects.filter(pk=batch.source_entry_id).update(
            mapping=mapping, updated_at=timezone.now()
        )
    transaction.on_commit(lambda: dispatch_import(batch.pk))


def dispatch_import(batch_id: int) -> None:
    """Send the import task. Without a broker (make run: Celery runs tasks eagerly, in the
    request) the import runs in a thread of its own, so that the request that started it
    answers at once and the batch's page shows the progress instead of waiting silently
    until 100 %. COCKPIT_IMPORT_THREAD = False keeps it in the request (the tests)."""
    if settings.CELERY_TASK_ALWAYS_EAGER and getattr(settings, "COCKPIT_IMPORT_THREAD", True):
        threading.Thread(
            target=_run_in_thread, args=(batch_id,), name=f"cockpit-import-{batch_id}", daemon=True
        ).start()
    else:
        tasks.run_import.delay(batch_id)


def _run_in_thread(batch_id: int) -> None:
    try:
        tasks.run_import(batch_id)
    except Exception as exc:  # a thread has no one to report to but the log and the batch
        logger.exception("cockpit import %s failed", batch_id)
        batch = ImportBatch.objects.filter(pk=batch_id).first()
        if batch is not None and batch.status == Status.RUNNING:
            fail_import(batch, errors=[{"line": 0, "message": str(exc)[:200]}])
    finally:
        db.connections.close_all()


def mark_running(batch: ImportBatch) -> None:
    """uploaded/queued -> running, or running again when a task resumes after a crash."""
    _move(batch, Status.RUNNING)


def finish_import(
    batch: ImportBatch, *, errors: list, cases: int, events: int, rows: int = 0, skipped: int = 0
) -> None:
    """running -> done (every row read) or partial (some rows skipped, at most
    importer.SKIP_LIMIT of them): the file was read to its end and its events written."""
    _move(
        batch,
        Status.PARTIAL if skipped else Status.DONE,
        progress=100,
        errors=errors,
        cases=cases,
        events=events,
        rows=rows,
        skipped=skipped,
        finished_at=timezone.now(),
    )


def fail_import(
    batch: ImportBatch,
    *,
    errors: list,
    cases: int | None = None,
    rows: int | None = None,
    skipped: int | None = None,
) -> None:
    """uploaded/running -> failed, with the report of what was wrong; nothing of the file
    counts (the importer writes events only together with finish_import). `cases` is
    given by a run that read the file (it then reports how far it got, at 100 %); a file
    refused before its import started keeps its progress."""
    fields = {"errors": errors, "finished_at": timezone.now(), "events": 0}
    if cases is not None:
        fields.update(progress=100, cases=cases)
    if rows is not None:
        fields.update(rows=rows, skipped=skipped or 0)
    _move(batch, Status.FAILED, **fields)
