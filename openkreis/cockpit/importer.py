"""Import of process data from specialist procedures: XES (IEEE 1849) and CSV event logs,
also gzip-compressed (.xes.gz, .csv.gz), parsed as a stream (defusedxml iterparse, csv
reader), written to the core event log with `data.source = "import:<batch id>"`
(docs/events.md). Resource columns are read but never stored (no staff ids in events).

Which activity starts a case, which end it, which ask for documents and which reopen a
case is chosen by the manager in the mapping step (`Roles`, stored on the batch and on its
source): such events become `case.received`, `case.decided`, `case.documents_requested`,
`case.reopened` (keeping the activity's own name for the process graph), all others
`import.<activity>`. "First event" / "last event" are found by a first pass over the file.
A batch without chosen roles (older batches, tests) uses the German/English names of
ACTIVITY_MAP.

Atomic: the first pass reads the whole file (progress, every unreadable row counted and
reported); only when the file was read to its end and at most SKIP_LIMIT of its rows are
unreadable does the second pass write all events and finish the batch in one transaction.
A truncated file, a crash or too many bad rows leave no event behind; a task delivered
again after a crash starts from the beginning."""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import logging
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from defusedxml import ElementTree
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from openkreis.core.models import Event

from . import aggregates, engine, services
from .models import ImportBatch

logger = logging.getLogger(__name__)
CHUNK = 5000
# more than this share of unreadable rows and the file is not imported at all
SKIP_LIMIT = 0.05
FIRST = "__first__"  # the start of a case is its first event
LAST = "__last__"  # the end of a case is its last event
PREVIEW_ROWS = 10
PREVIEW_SCAN = 200_000  # rows read for the list of activities in the mapping step
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


@dataclass(frozen=True)
class Roles:
    """Which activities start, end, ask for documents and reopen a case (by their name in
    the file), and the target in days after the start, if the manager gives one."""

    start: str = FIRST
    end: frozenset = frozenset({LAST})
    requests: frozenset = frozenset()
    reopened: frozenset = frozenset()
    target_days: int | None = None
    legacy: bool = False  # no roles chosen: names of ACTIVITY_MAP
    needs_ends: bool = field(default=False)

    @classmethod
    def from_mapping(cls, mapping: dict | None) -> Roles:
        chosen = (mapping or {}).get("roles")
        if not chosen:
            return cls(start="", end=frozenset(), legacy=True)
        start = chosen.get("start") or FIRST
        end = frozenset(chosen.get("end") or [LAST])
        return cls(
            start=start,
            end=end,
            requests=frozenset(chosen.get("requests") or ()),
            reopened=frozenset(chosen.get("reopened") or ()),
            target_days=chosen.get("target_days") or None,
            needs_ends=start == FIRST or LAST in end,
        )

    def role(self, activity: str, first: bool, last: bool) -> str | None:
        """The case.* meaning of one event (None: an ordinary step)."""
        if self.legacy:
            return ACTIVITY_MAP.get(activity.lower())
        if (last and LAST in self.end) or activity in self.end:
            return "decided"
        if (first and self.start == FIRST) or activity == self.start:
            return "received"
        if activity in self.requests:
            return "documents_requested"
        if activity in self.reopened:
            return "reopened"
        return None


class ImportFailed(Exception):
    """The file cannot be read at all."""


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9äöüß]+", "_", text.strip().lower()).strip("_")[:60] or "step"


def to_event(
    batch: ImportBatch,
    case_id: str,
    activity: str,
    ts: float,
    role: str | None = None,
    legacy: bool = False,
    **extra,
) -> Event:
    """One imported row -> an Event (not saved); `role` is its case.* meaning (Roles)."""
    name = activity.strip()
    lifecycle = (extra.get("lifecycle") or "").strip().lower()
    act = slug(name)
    if role:
        kind = f"case.{role}"
        state_kind = KIND_AFTER[role]
    else:
        kind = f"import.{act}"
        state_kind = "work" if lifecycle == "start" else "queue"
    data = {
        "activity": act,
        "service": extra.get("service") or batch.service,
        "procedure": "import",
        "org_unit": extra.get("org_unit") or "",
        "channel": "",
        "state": act,
        "state_kind": state_kind,
        "source": batch.source,
    }
    if lifecycle:
        data["lifecycle"] = lifecycle[:20]
    if extra.get("deadline"):
        data["target_at"] = extra["deadline"]
    if role == "decided":
        data["outcome"] = "granted" if legacy else ""
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


def csv_head(stream, lines: int = 5) -> tuple[list[str], list[list[str]]]:
    """The header and the first rows of a CSV file as they stand in it (for the column
    mapping step)."""
    columns = csv_columns(stream)
    stream.seek(0)
    text = stream.read(65536).decode("utf-8-sig", errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(text.splitlines()[1 : lines + 1], dialect=dialect))
    return columns, rows


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
                activity = (attrs.get("concept:name") or "").strip()
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


# -- opening a stored file ---------------------------------------------------------------------
def is_gzip(name: str) -> bool:
    return name.lower().endswith(".gz")


@contextlib.contextmanager
def open_log(batch: ImportBatch):
    """The batch's file as a binary stream, decompressed if it is gzip; yields (stream,
    raw) — `raw.tell()` is how far into the stored file the reading is (progress)."""
    with batch.file.open("rb") as raw:
        if is_gzip(batch.name) or is_gzip(batch.file.name):
            with gzip.GzipFile(fileobj=raw, mode="rb") as unpacked:
                yield unpacked, raw
        else:
            yield raw, raw


def _reader(batch: ImportBatch, stream) -> Iterator[tuple]:
    if batch.format == ImportBatch.Format.XES:
        return read_xes(stream)
    return read_csv(stream, batch.mapping)


# errors of a file that cannot be read to its end (truncated, not gzip, not text)
UNREADABLE = (ValueError, TypeError, OSError, UnicodeError, EOFError, zlib.error)


def unreadable(exc: Exception) -> ImportFailed:
    if isinstance(exc, ImportFailed):
        return exc
    if isinstance(exc, EOFError | zlib.error | gzip.BadGzipFile):
        return ImportFailed(
            _("The compressed file is damaged or cut off: %(error)s") % {"error": str(exc)[:200]}
        )
    return ImportFailed(_("The file cannot be read: %(error)s") % {"error": str(exc)[:200]})


# -- the mapping step: first rows, activities, one example case ---------------------------------
def preview(batch: ImportBatch) -> dict:
    """What the mapping step shows, read from the start of the file (at most PREVIEW_SCAN
    rows): the first rows as read, the activities with their counts (the choices for
    start, end, …), and all rows of the first case as an example. Raises ImportFailed."""
    rows: list = []
    activities: Counter = Counter()
    example_case = None
    example: list = []
    scanned = 0
    complete = True
    try:
        with open_log(batch) as (stream, _raw):
            for item in _reader(batch, stream):
                scanned += 1
                if item[0] == "error":
                    continue
                case_id, activity, ts, extra = item
                activities[activity] += 1
                if len(rows) < PREVIEW_ROWS:
                    rows.append([case_id, activity, ts, extra.get("lifecycle", "")])
                if example_case is None:
                    example_case = case_id
                if case_id == example_case:
                    example.append(
                        [activity, ts, extra.get("lifecycle", ""), extra.get("deadline")]
                    )
                if scanned >= PREVIEW_SCAN:
                    complete = False
                    break
    except (ImportFailed, *UNREADABLE) as exc:
        # a file cut off after the rows shown: the preview stands, the import reports it
        if not activities:
            raise unreadable(exc) from exc
        complete = False
    if not activities:
        raise ImportFailed(_("No valid event found in the file."))
    return {
        "rows": rows,
        "activities": sorted(activities.items(), key=lambda a: (-a[1], a[0])),
        "example_case": example_case,
        "example": example,
        "scanned": scanned,
        "complete": complete,
    }


def example_case(batch: ImportBatch, roles: Roles, found: dict) -> dict:
    """The example case of the preview with `roles` applied: its rows in time order, the
    role each gets, and received, decided, lead time and target as the engine computes
    them from the same events the import would write."""
    rows = found.get("example") or []
    if not rows:
        return {}
    order = sorted(range(len(rows)), key=lambda i: (rows[i][1], i))
    first, last = order[0], order[-1]
    evs = []
    shown = []
    for n, i in enumerate(order, start=1):
        activity, ts, lifecycle, deadline = rows[i]
        role = roles.role(activity, i == first, i == last)
        extra = {"lifecycle": lifecycle, "deadline": deadline}
        if roles.target_days and (i == first or role == "received"):
            extra["deadline"] = _target(ts, roles.target_days)
        event = to_event(batch, "example", activity, ts, role, legacy=roles.legacy, **extra)
        evs.append(engine.Ev(n, event.kind, ts, "example", event.data))
        shown.append({"activity": activity, "at": ts, "lifecycle": lifecycle, "role": role or ""})
    fact = engine.fold_case(evs)
    return {
        "case": found.get("example_case"),
        "rows": shown,
        "received_at": fact.received_at,
        "decided_at": fact.decided_at,
        "lead_seconds": fact.lead_seconds,
        "target_at": fact.target_at,
        "on_time": fact.on_time,
        "requests": fact.requests,
        "reopened": fact.reopened,
    }


def _target(ts: float, days: int) -> str:
    return engine.dt.datetime.fromtimestamp(ts + days * engine.DAY, engine.dt.UTC).isoformat()


# -- the run ----------------------------------------------------------------------------------
@dataclass
class Scan:
    """What the first pass found: rows read, the skipped ones, and per case the good row
    (its number among the good rows) that is first and last in (time, file order)."""

    rows: int = 0
    good: int = 0
    errors: list = field(default_factory=list)
    ends: dict = field(default_factory=dict)  # case -> [first_seq, first_ts, last_seq, last_ts]

    @property
    def skipped(self) -> int:
        return len(self.errors)


def _scan(batch: ImportBatch) -> Scan:
    scan = Scan()
    ends = scan.ends
    with open_log(batch) as (stream, raw):
        size = max(batch.size, 1)
        try:
            for item in _reader(batch, stream):
                scan.rows += 1
                if item[0] == "error":
                    scan.errors.append({"line": item[1], "message": str(item[2])})
                else:
                    case_id, ts = item[0], item[2]
                    seq = scan.good
                    scan.good += 1
                    known = ends.get(case_id)
                    if known is None:
                        ends[case_id] = [seq, ts, seq, ts]
                    else:
                        if ts < known[1]:
                            known[0], known[1] = seq, ts
                        if ts >= known[3]:  # a tie: the later row sorts last (its id is higher)
                            known[2], known[3] = seq, ts
                if scan.rows % CHUNK == 0:
                    _progress(batch, raw, size, 0, 90)
        except UNREADABLE as exc:
            raise unreadable(exc) from exc
    return scan


def _progress(batch, raw, size, lo, hi) -> None:
    try:
        position = raw.tell()
    except (OSError, ValueError):
        return
    progress = lo + int((hi - lo) * min(position, size) / size)
    ImportBatch.objects.filter(pk=batch.pk).update(progress=min(progress, 99))


def _write(batch: ImportBatch, roles: Roles, scan: Scan) -> int:
    """Second pass: all good rows as events (the caller holds the transaction)."""
    owner = batch.source_entry.owner_unit if batch.source_entry_id else ""
    firsts = {v[0] for v in scan.ends.values()}
    lasts = {v[2] for v in scan.ends.values()}
    pending: list[Event] = []
    written = 0
    seq = -1
    with open_log(batch) as (stream, _raw):
        for item in _reader(batch, stream):
            if item[0] == "error":
                continue
            seq += 1
            case_id, activity, ts, extra = item
            if owner:
                extra["org_unit"] = owner
            first, last = seq in firsts, seq in lasts
            role = roles.role(activity, first, last)
            if roles.target_days and (first or role == "received") and not extra.get("deadline"):
                extra["deadline"] = _target(ts, roles.target_days)
            pending.append(to_event(batch, case_id, activity, ts, role, roles.legacy, **extra))
            if len(pending) >= CHUNK:
                Event.objects.bulk_create(pending)
                written += len(pending)
                pending = []
    if pending:
        Event.objects.bulk_create(pending)
        written += len(pending)
    if written != scan.good:  # the file changed between the passes
        raise ImportFailed(_("The file changed while it was imported."))
    return written


def run(batch_id: int) -> int:
    """Import one batch, all or nothing; returns the number of events written."""
    batch = ImportBatch.objects.select_related("source_entry").get(pk=batch_id)
    if services.is_final(batch):
        return batch.events  # a task delivered again after the batch was finished
    services.mark_running(batch)
    roles = Roles.from_mapping(batch.mapping)
    try:
        scan = _scan(batch)
    except ImportFailed as exc:
        services.fail_import(batch, errors=[{"line": 0, "message": str(exc)}], cases=0)
        return 0
    errors = scan.errors
    counts = {"rows": scan.rows, "skipped": scan.skipped, "cases": len(scan.ends)}
    if not scan.good:
        errors.append({"line": 0, "message": _("No valid event found in the file.")})
        services.fail_import(batch, errors=errors, **counts)
        return 0
    if scan.skipped > SKIP_LIMIT * scan.rows:
        errors.insert(
            0,
            {
                "line": 0,
                "message": _(
                    "%(skipped)s of %(rows)s rows (%(share)s %%) cannot be read – more than "
                    "%(limit)s %%: nothing was imported. Correct the file or the column "
                    "mapping and upload it again."
                )
                % {
                    "skipped": scan.skipped,
                    "rows": scan.rows,
                    "share": round(100 * scan.skipped / scan.rows, 1),
                    "limit": round(100 * SKIP_LIMIT),
                },
            },
        )
        services.fail_import(batch, errors=errors, **counts)
        return 0
    ImportBatch.objects.filter(pk=batch.pk).update(progress=90)
    try:
        with transaction.atomic():
            written = _write(batch, roles, scan)
            services.finish_import(batch, errors=errors, events=written, **counts)
    except ImportFailed as exc:
        services.fail_import(batch, errors=[*errors, {"line": 0, "message": str(exc)}], **counts)
        return 0
    except UNREADABLE as exc:
        failed = unreadable(exc)
        services.fail_import(batch, errors=[*errors, {"line": 0, "message": str(failed)}], **counts)
        return 0
    aggregates.ensure_fresh()
    return written
