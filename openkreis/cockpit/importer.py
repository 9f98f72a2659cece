"""Import of process data from specialist procedures: XES (IEEE 1849) and CSV event logs,
parsed as a stream (defusedxml iterparse, csv reader), written to the core event log as
`case.*` events where the activity maps and `import.<activity>` otherwise, all with
`data.source = "import:<batch id>"` (docs/events.md). Resource columns are read but never
stored (no staff ids in events). A bad row goes into the batch's report and is skipped; a
file that cannot be read at all fails the batch with a report — never a crash.

Resumable: the number of events written is committed with each chunk, so a task that is
delivered again skips what was already written instead of writing it twice."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator

from defusedxml import ElementTree
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from openkreis.core.models import Event

from . import aggregates, engine, services
from .models import ImportBatch

logger = logging.getLogger(__name__)
CHUNK = 5000
MAX_ERRORS = 50
ACTIVITY_MAP = {
    "received": "received",
    "eingang": "received",
    "antrag eingegangen": "received",
    "register request": "received",
    "assigned": "assigned",
    "documents_requested": "documents_requested",
    "nachforderung": "documents_requested",
    "documents_received": "documents_received",
    "unterlagen eingegangen": "documents_received",
    "decided": "decided",
    "entscheidung": "decided",
    "bescheid": "decided",
    "decide": "decided",
    "closed": "closed",
    "abgeschlossen": "closed",
    "reopened": "reopened",
}
KIND_AFTER = {
    "received": "queue",
    "assigned": "work",
    "documents_requested": "applicant",
    "documents_received": "queue",
    "decided": "done",
    "closed": "done",
    "reopened": "queue",
}


class ImportFailed(Exception):
    """The file cannot be read at all."""


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9äöüß]+", "_", text.strip().lower()).strip("_")[:60] or "step"


def to_event(batch: ImportBatch, case_id: str, activity: str, ts: float, **extra) -> Event:
    """One imported row -> an Event (not saved)."""
    name = activity.strip()
    mapped = ACTIVITY_MAP.get(name.lower())
    lifecycle = (extra.get("lifecycle") or "").strip().lower()
    if mapped:
        kind, act = f"case.{mapped}", mapped
        state_kind = KIND_AFTER[mapped]
    else:
        act = slug(name)
        kind = f"import.{act}"
        state_kind = "work" if lifecycle == "start" else "queue"
    data = {
        "activity": act,
        "service": extra.get("service") or batch.service,
        "procedure": "import",
        "org_unit": "",
        "channel": "",
        "state": act,
        "state_kind": state_kind,
        "source": batch.source,
    }
    if lifecycle:
        data["lifecycle"] = lifecycle[:20]
    if extra.get("deadline"):
        data["target_at"] = extra["deadline"]
    if mapped == "decided":
        data["outcome"] = "granted"
    return Event(
        kind=kind[:80],
        occurred_at=engine.dt.datetime.fromtimestamp(ts, engine.dt.UTC),
        tenant=settings.OPENKREIS_TENANT,
        subject=f"import:{batch.pk}:{case_id}"[:120],
        data=data,
    )


def _timestamp(text: str) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    ts = engine.to_epoch(text)
    if ts is None:
        for fmt in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y/%m/%d %H:%M:%S"):
            try:
                naive = engine.dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
            return naive.replace(tzinfo=engine.BERLIN).timestamp()
        return None
    if "+" not in text[10:] and "Z" not in text and "-" not in text[10:]:
        # no offset given: local time in Berlin, as specialist procedures write it
        naive = engine.dt.datetime.fromisoformat(text)
        return naive.replace(tzinfo=engine.BERLIN).timestamp()
    return ts


def _deadline(text: str) -> str | None:
    ts = _timestamp(text)
    if ts is None:
        return None
    return engine.dt.datetime.fromtimestamp(ts, engine.dt.UTC).isoformat()


# -- readers: yield (case_id, activity, ts, extra) or ("error", line, message) ----------------
def read_csv(stream, mapping: dict) -> Iterator[tuple]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    sample = text.read(4096)
    text.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(text, dialect=dialect)
    try:
        for line, row in enumerate(reader, start=2):
            case_id = (row.get(mapping["case_id"]) or "").strip()
            activity = (row.get(mapping["activity"]) or "").strip()
            raw_ts = row.get(mapping["timestamp"]) or ""
            ts = _timestamp(raw_ts)
            if not case_id or not activity:
                yield ("error", line, _("case id or activity is empty"))
                continue
            if ts is None:
                yield (
                    "error",
                    line,
                    _("timestamp “%(value)s” is not a date") % {"value": raw_ts[:40]},
                )
                continue
            extra = {}
            if mapping.get("lifecycle"):
                extra["lifecycle"] = row.get(mapping["lifecycle"]) or ""
            if mapping.get("deadline") and row.get(mapping["deadline"]):
                extra["deadline"] = _deadline(row[mapping["deadline"]])
            if mapping.get("service") and row.get(mapping["service"]):
                extra["service"] = slug(row[mapping["service"]]).replace("_", "-")
            yield (case_id[:80], activity, ts, extra)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ImportFailed(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc


def csv_columns(stream) -> list[str]:
    """The header row of a CSV file (for the mapping form)."""
    head = stream.read(65536)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(_("The CSV file is not UTF-8 text.")) from exc
    first = text.splitlines()[0] if text.strip() else ""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    columns = next(csv.reader([first], dialect=dialect), [])
    columns = [c.strip() for c in columns if c.strip()]
    if len(columns) < 3:
        raise ImportFailed(_("The CSV file needs a header row with at least three columns."))
    return columns


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_xes(stream) -> Iterator[tuple]:
    case_id = None
    in_event = False
    attrs: dict = {}
    n_event = 0
    try:
        for what, elem in ElementTree.iterparse(stream, events=("start", "end")):
            tag = _local(elem.tag)
            if what == "start":
                if tag == "trace":
                    case_id, attrs = None, {}
                elif tag == "event":
                    in_event, attrs = True, {}
                continue
            key, value = elem.get("key"), elem.get("value")
            if tag in ("string", "date", "int", "float", "boolean", "id") and key:
                if in_event:
                    attrs[key] = value
                elif case_id is None and key == "concept:name":
                    case_id = value
            elif tag == "event":
                n_event += 1
                in_event = False
                activity = attrs.get("concept:name") or ""
                ts = _timestamp(attrs.get("time:timestamp") or "")
                if not case_id or not activity or ts is None:
                    yield ("error", n_event, _("event without case, activity or valid time"))
                else:
                    extra = {"lifecycle": attrs.get("lifecycle:transition") or ""}
                    if attrs.get("deadline"):
                        extra["deadline"] = _deadline(attrs["deadline"])
                    yield (case_id[:80], activity, ts, extra)
                elem.clear()
            elif tag == "trace":
                elem.clear()
    except ElementTree.ParseError as exc:
        raise ImportFailed(
            _("The XES file is not well-formed XML: %(error)s") % {"error": exc}
        ) from exc
    except Exception as exc:  # defusedxml refuses entities and DTDs
        if exc.__class__.__module__.startswith("defusedxml"):
            raise ImportFailed(_("The XES file uses forbidden XML features (entities).")) from exc
        raise


# -- the run ----------------------------------------------------------------------------------
def run(batch_id: int) -> int:
    """Import one batch (resumable); returns the number of events written."""
    batch = ImportBatch.objects.get(pk=batch_id)
    if services.is_final(batch):
        return batch.events  # a task delivered again after the batch was finished
    already = batch.events
    services.mark_running(batch)
    errors: list = list(batch.errors) if already else []
    cases: set[str] = set()
    written = 0
    pending: list[Event] = []
    try:
        with batch.file.open("rb") as stream:
            size = max(batch.size, 1)
            reader = (
                read_xes(stream)
                if batch.format == ImportBatch.Format.XES
                else read_csv(stream, batch.mapping)
            )
            seen = 0
            for item in reader:
                if item[0] == "error":
                    if not already and len(errors) < MAX_ERRORS:
                        errors.append({"line": item[1], "message": str(item[2])})
                    continue
                seen += 1
                case_id, activity, ts, extra = item
                cases.add(case_id)
                if seen <= already:
                    continue
                pending.append(to_event(batch, case_id, activity, ts, **extra))
                if len(pending) >= CHUNK:
                    written += _flush(batch, pending, already + written, errors, stream, size)
                    pending = []
            written += _flush(batch, pending, already + written, errors, stream, size)
    except ImportFailed as exc:
        errors.append({"line": 0, "message": str(exc)})
        services.fail_import(batch, errors=errors, cases=len(cases))
        return already + written
    except (ValueError, TypeError, OSError, UnicodeError) as exc:
        # anything else in the file we did not foresee: a report, never a crash
        logger.warning("cockpit import %s failed: %s", batch.pk, exc)
        errors.append(
            {
                "line": 0,
                "message": _("The file cannot be read: %(error)s") % {"error": str(exc)[:200]},
            }
        )
        services.fail_import(batch, errors=errors, cases=len(cases))
        return already + written
    total = already + written
    if total:
        services.finish_import(batch, errors=errors, cases=len(cases))
    else:
        errors.append({"line": 0, "message": _("No valid event found in the file.")})
        services.fail_import(batch, errors=errors, cases=len(cases))
    aggregates.ensure_fresh()
    return total


def _flush(batch, pending, done_before, errors, stream, size) -> int:
    if not pending:
        return 0
    try:
        position = stream.tell()
    except (OSError, ValueError):
        position = 0
    with transaction.atomic():
        Event.objects.bulk_create(pending)
        ImportBatch.objects.filter(pk=batch.pk).update(
            events=done_before + len(pending),
            progress=min(99, int(100 * position / size)),
            errors=errors,
        )
    return len(pending)
