"""The full recompute on PostgreSQL, column by column (aggregates.recompute uses it there).

Three steps, none of them a Python loop over events or facts:

1. Read: one `COPY (SELECT …) TO STDOUT (FORMAT binary)` over the event log, thousands of
   events to a COPY row as arrays, walked by a compiled reader (_pgcopy.py) into columns
   with codes for kind, subject and data; each distinct data text is decoded once. Case
   events become a `columnar.Log`, the few other events (portal, feedback, appointments)
   go on as `Ev` to the daily counters.
2. Fold: `columnar.fold` (numba), as before.
3. Write: CaseFact rows as COPY text from a compiled writer (_copytext.py; a float is
   written as Python's `repr` writes it, as `json.dumps` does, so the stored JSON is the
   same as the case-by-case path's), the fact table's secondary indexes built after the
   rows; DailyCaseStat and DailyStepStat from whole columns with numpy's string functions,
   grouped by one stable sort and summed with `np.add.reduceat` (exact integers) while
   PostgreSQL builds those indexes.

The rows are the same as those of the Python path (tests/test_bulk.py compares them).
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

import numpy as np
import orjson
from django.db import DatabaseError, connection
from psycopg import pq
from psycopg.copy import QueuedLibpqWriter

from openkreis.core.models import Event

from . import _copytext, _groups, _pgcopy, columnar, engine
from .columnar import NONE, Log, Vocab
from .engine import BERLIN, CASE_PREFIXES, Ev
from .models import (
    CaseFact,
    DailyCaseStat,
    DailyStepStat,
    MonthlyCaseStat,
    MonthlyStepStat,
    RecomputeMark,
)

S = np.dtypes.StringDType()
BATCH_BYTES = 8 << 20  # bytes of COPY output parsed at a time
ROWS = 1 << 20  # rows per column block
PACK = 8192  # events (ids) per COPY row of the read
HASH_MASK = -1  # the bits of the texts' hashes the reader uses (tests force collisions)
WRITE_ROWS = 100_000  # facts per COPY write
_SINK = np.zeros(1, np.int64)  # what the parser's touches read (_pgcopy._texts)


# -- 1. read ----------------------------------------------------------------------------------
def _read_sql(upto: int) -> str:
    """The events up to `upto`, PACK ids to a COPY row: each row five arrays of the same
    length (PostgreSQL sends one message per COPY row; per event that cost more than all
    the rest of the read). The data's hash is the parser's (FNV-1a over the bytes it reads
    anyway): `jsonb_hash_extended` cost the server 4 of its 18 seconds at 1 M cases. A
    range is an index range scan of the primary key; ranges without events give no row.
    With a table partitioned by month the same query asks every partition's index for the
    range."""
    table = connection.ops.quote_name(Event._meta.db_table)
    upto = int(upto)
    return (
        "COPY (SELECT e.* FROM generate_series("  # noqa: S608 (the model's table, ints)
        f"(SELECT coalesce(min(id), 1) FROM {table}), {upto}, {PACK}) AS g(lo),"
        " LATERAL (SELECT array_agg(id) AS ids, array_agg(kind), array_agg(occurred_at),"
        " array_agg(subject), array_agg(data)"
        f" FROM {table} WHERE id >= g.lo AND id < g.lo + {PACK} AND id <= {upto}) AS e"
        " WHERE e.ids IS NOT NULL) TO STDOUT (FORMAT binary)"
    )


def read(upto: int) -> tuple[Log, list[Ev]]:
    """The case events up to `upto` as a columnar Log, and the other events as Ev."""
    skip = _data_prefix()
    profiles = Profiles()
    with connection.connection.lock:  # psycopg's: no other thread on this line meanwhile
        chunks = copy_out(connection.connection.pgconn, _read_sql(upto))
        columns, (kinds, subjects, _datas) = columns_of(
            read_ahead(chunks), each_batch=profiles.take, data_skip=skip
        )
    return _to_log(*_in_id_order(columns), kinds, subjects, profiles)


def _in_id_order(columns: tuple) -> tuple:
    """The columns with their rows in the order of the ids. The read's query gives each
    range of ids in the order of the plan PostgreSQL picks: an index scan in id order as a
    rule, but on a log partitioned by month an Append of the partitions in the order of
    their months, where an event recorded later about an earlier month (an import) comes
    before smaller ids. The facts' order (the order their cases first occur), and with it
    which case decides a day's figure, must not depend on the plan: the Python path reads
    ORDER BY id. One comparison pass when the ids are in order already."""
    ids = columns[0]
    if ids.size < 2 or bool((ids[1:] > ids[:-1]).all()):
        return columns
    order = np.argsort(ids, kind="stable")
    return tuple(c[order] for c in columns)


def _data_prefix() -> int:
    """The bytes before the text in the binary form of the events' `data`: 0 for `json` (the
    column's type since migration core 0014: the text as stored, which PostgreSQL sends as
    it is), 1 for `jsonb` (a version byte; PostgreSQL turns its binary form back into text
    for every event, which cost the server 12 of the read's 22 CPU seconds at a million
    cases, docs/scaling.md)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT atttypid = 'jsonb'::regtype FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attname = 'data'",
            [connection.ops.quote_name(Event._meta.db_table)],
        )
        return 1 if cur.fetchone()[0] else 0


class Profiles:
    """Each distinct data text decoded once, with its profile row (columnar.profile_of), in
    the order of the data codes, taken batch by batch while PostgreSQL sends the next
    rows: the server is the read's slower side, and this thread waited for it meanwhile.
    (At a million cases ~800,000 texts, 7-8 s of Python that ran after the stream before,
    with the server idle.) `names` numbers the names of every profile."""

    def __init__(self):
        self.names = Vocab()
        self.decoded: list[dict] = []
        self.rows: list[tuple] = []

    def take(self, vocabs) -> None:
        """The data texts the parser has met since the last call (vocabs as columns_of
        hands them over: kind, subject, data)."""
        name = self.names.code
        first = len(self.decoded)
        texts = vocabs[2].texts(first)
        for text, long in zip(texts, vocabs[2].long_numbers(first).tolist(), strict=True):
            data = _loads(text, long) if text else {}
            self.decoded.append(data)
            self.rows.append(columnar.profile_of(data, name))


def _loads(text: str, long_number: bool | None = None):
    """json.loads, by orjson (a third of the time: 800,000 texts of a million cases 1.9 ->
    0.6 s), and by json.loads itself where orjson refuses the text (lone surrogates) or
    might read it differently: with an integer of 19 digits or more, which orjson reads as
    a float beyond 64 bits (`long_number`: the text holds a run of 19 digits, inside a
    string too: then the slower path, the same values either way; the parser tells it for
    the data texts, _pgcopy.Vocab.long_numbers)."""
    if long_number is None:
        raw = np.frombuffer(text.encode(), np.uint8)
        long_number = bool(_pgcopy.digit_runs(raw, np.array([0, raw.size]), 0, 1, 19)[0])
    if not long_number:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def copy_out(pgconn, sql: str):
    """The messages of `COPY … TO STDOUT`, taken from libpq directly: one call into libpq
    per message instead of psycopg's `Copy` iteration (8 % less CPU on 2 M events; a binary
    COPY sends one message per row, and that count is the read's real cost, docs/scaling.md).
    psycopg's own state is not involved: the connection is idle before and after, also when
    the reader stops early (the rest is drained)."""
    blocking = pgconn.nonblocking
    pgconn.nonblocking = 0
    finished = False
    try:
        pgconn.send_query(sql.encode())
        result = pgconn.get_result()
        if result.status != pq.ExecStatus.COPY_OUT:
            message = (result.error_message or b"").decode(errors="replace")
            _drain(pgconn)
            finished = True
            raise DatabaseError(message or f"COPY did not start ({result.status.name})")
        while True:
            nbytes, data = pgconn.get_copy_data(0)
            if nbytes < 0:
                break
            yield data
        finished = True
        _drain(pgconn, check=True)
    finally:
        if not finished:  # the reader stopped early: read the rest, leave the line idle
            while pgconn.get_copy_data(0)[0] >= 0:
                pass
            _drain(pgconn)
        pgconn.nonblocking = blocking


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


_END = object()


def read_ahead(chunks, depth: int = 32):
    """The chunks, taken from `chunks` by a thread of its own up to `depth` ahead: libpq
    and the compiled parser both let go of the GIL, so PostgreSQL keeps sending while this
    thread parses (otherwise the server waits whenever the parser works). The generator
    is closed by its thread when the reading ends, early or not (copy_out then leaves the
    line idle), and the thread has ended when this returns or raises."""
    pipe: queue.Queue = queue.Queue(depth)
    stop = threading.Event()

    def run() -> None:
        try:
            for chunk in chunks:
                pipe.put(chunk)
                if stop.is_set():
                    break
        except BaseException as error:  # noqa: BLE001 (handed to the reading thread)
            pipe.put(_Failed(error))
        finally:
            chunks.close()
            pipe.put(_END)

    thread = threading.Thread(target=run, name="cockpit-copy-out", daemon=True)
    thread.start()
    try:
        while (item := pipe.get()) is not _END:
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # take what it still puts, so that it can finish
            with suppress(queue.Empty):
                pipe.get(timeout=0.05)
        thread.join()


def _drain(pgconn, check: bool = False) -> None:
    while (result := pgconn.get_result()) is not None:
        if check and result.status != pq.ExecStatus.COMMAND_OK:
            raise DatabaseError((result.error_message or b"").decode(errors="replace"))


def columns_of(chunks, each_batch=None, data_skip: int = 0) -> tuple[tuple, tuple]:
    """Binary COPY output in chunks of any size -> (ids, microseconds, kind, subject and
    data codes), (the texts of the kind, subject and data codes). `each_batch(vocabs)` is
    called after every parsed batch (the vocabularies so far: kind, subject, data);
    `data_skip`: the bytes before the data's text (_data_prefix)."""
    vocabs = [_pgcopy.Vocab(), _pgcopy.Vocab(), _pgcopy.Vocab()]
    blocks: list[tuple] = []
    cols = _block()
    row = 0
    pending = b""
    header = True
    done = False
    parts: list = []
    size = 0

    def parse_pending(final: bool) -> None:
        nonlocal pending, header, cols, row, done
        if header:
            if len(pending) < 19 and not final:
                return
            pending = _skip_header(pending)
            header = False
        while pending and not done:
            before = len(pending)
            pending, row, state, need = _parse(pending, cols, row, vocabs, data_skip)
            if state == _pgcopy.FULL:  # the next COPY row goes into a new block
                blocks.append(tuple(c[:row] for c in cols))
                cols, row = _block(need), 0
            elif state == _pgcopy.DONE:
                done = True
            elif len(pending) == before:  # the rest is an unfinished row
                if final:
                    raise ValueError("truncated COPY data")
                return

    fresh = 0  # bytes received since each_batch was last called
    for chunk in chunks:
        fresh += len(chunk)
        if header or pending or parts:  # a part of a row waits: gather a batch, join once
            parts.append(chunk)
            size += len(chunk)
            if size < BATCH_BYTES:
                continue
            pending = b"".join([pending, *parts])
            parts, size = [], 0
        else:  # nothing waits: parsed where it lies (PostgreSQL sends a whole COPY row per
            # message; joining the messages copied the 2.3 GB of a million cases once more)
            pending = chunk
        parse_pending(final=False)
        if each_batch is not None and fresh >= BATCH_BYTES:
            each_batch(vocabs)
            fresh = 0
    pending = b"".join([pending, *parts])
    if pending or header:
        parse_pending(final=True)
    if not done:
        raise ValueError("truncated COPY data")
    if each_batch is not None:
        each_batch(vocabs)
    if row:
        blocks.append(tuple(c[:row] for c in cols))
    columns = tuple(
        np.concatenate([b[i] for b in blocks]) if blocks else np.empty(0, np.int64)
        for i in range(5)
    )
    return columns, tuple(v.texts() for v in vocabs)


def _block(need: int = 0):
    return tuple(np.empty(max(ROWS, need), np.int64) for _ in range(5))


def _skip_header(buf: bytes) -> bytes:
    if buf[: len(_pgcopy.SIGNATURE)] != _pgcopy.SIGNATURE:
        raise ValueError("not a binary COPY stream")
    ext = int.from_bytes(buf[15:19], "big")
    return buf[19 + ext :]


def most_events(nbytes: int) -> int:
    """The most events `nbytes` of COPY rows can hold, and so the most new texts of one
    vocabulary in them: each event takes at least 36 bytes (five element lengths, the id
    and the time; empty texts), besides each row's own head. The parser writes a new
    text's place without a check, so this must never be less (it was `nbytes // 40`:
    events with an empty kind, short subjects and empty data would have overrun it)."""
    return nbytes // 36 + 1


def _parse(pending: bytes, cols, row: int, vocabs, skip: int) -> tuple[bytes, int, int, int]:
    for v in vocabs:
        v.room(len(pending), most_events(len(pending)))
    buf = np.frombuffer(pending, np.uint8)
    pos, new_row, state, need = _pgcopy.parse(
        buf, 0, *cols, row, *(v.state() for v in vocabs), HASH_MASK, skip, _SINK
    )
    return pending[pos:], new_row, state, need


def _to_log(
    ids, us, kind, subject, data, kinds, subjects, profiles: Profiles
) -> tuple[Log, list[Ev]]:
    """The columns as a Log of the case events, and the other events as Ev; `profiles`: the
    data texts decoded, with their profile rows (read() takes them during the stream)."""
    at = _seconds(us)
    is_case = np.array([k.startswith(CASE_PREFIXES) for k in kinds], dtype=bool)
    empty = subjects.index("") if "" in subjects else -1
    case_rows = is_case[kind] & (subject != empty) if kind.size else np.zeros(0, bool)
    data_of = profiles.decoded.__getitem__

    # the other events: one Ev each (the daily counters read their data)
    others = []
    other = np.flatnonzero(~is_case[kind]) if kind.size else np.zeros(0, np.int64)
    for i, k, t, s, d in zip(
        ids[other].tolist(),
        kind[other].tolist(),
        at[other].tolist(),
        subject[other].tolist(),
        data[other].tolist(),
        strict=True,
    ):
        others.append(Ev(i, kinds[k], t, subjects[s], data_of(d)))
    # the case events: codes as columnar.from_rows gives them (subjects, kinds and data
    # profiles numbered in the order they first occur)
    ids, at, kind, subject, data = (a[case_rows] for a in (ids, at, kind, subject, data))
    case, subject_codes = _first_seen_codes(subject)
    kind_codes, kind_list = _first_seen_codes(kind)
    profile, data_list = _first_seen_codes(data)
    names = profiles.names
    rows = np.array(profiles.rows, dtype=np.float64).reshape(-1, 11)[data_list]
    kind_vocab = Vocab()
    for k in kind_list.tolist():
        kind_vocab.code(kinds[k])
    for k in kind_vocab.names[1:]:  # the activity a kind stands for when data has none
        names.code(k.split(".", 1)[-1])
    log = Log(
        case=case,
        at=at,
        id=ids,
        kind=kind_codes + 1,  # code 0 is "" (never a case event's kind)
        profile=profile,
        subjects=[subjects[s] for s in subject_codes.tolist()],
        kinds=kind_vocab,
        names=names,
        profiles=rows,
    )
    return log, others


def _first_seen_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0, 1, … in the order values first occur; and the value of each code. The
    values are codes themselves (of a vocabulary): one pass, no sort."""
    if not values.size:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return _pgcopy.first_seen(values, int(values.max()) + 1)


def _seconds(us: np.ndarray) -> np.ndarray:
    """Microseconds since the epoch -> float seconds, as datetime.timestamp() gives them
    (the exact integer divided once: correctly rounded)."""
    return us.astype(np.float64) / 1e6


# -- time: microseconds and Berlin days as Python computes them ---------------------------------
def micros(ts: np.ndarray) -> np.ndarray:
    """Epoch seconds -> integer microseconds, rounded as datetime.fromtimestamp rounds
    (the fraction to microseconds, half to even)."""
    whole = np.trunc(ts)
    frac = np.rint((ts - whole) * 1e6)
    return whole.astype(np.int64) * 1_000_000 + frac.astype(np.int64)


def local_days(us: np.ndarray) -> np.ndarray:
    """Integer microseconds since the epoch -> the Berlin calendar day (datetime64[D]),
    as engine.local_day: the UTC offset of each distinct hour, looked up once."""
    if not us.size:
        return np.zeros(0, "datetime64[D]")
    hours = us // 3_600_000_000
    uniq, inverse = np.unique(hours, return_inverse=True)
    offsets = np.empty(uniq.size, np.int64)
    odd = []
    for i, hour in enumerate(uniq.tolist()):
        start = dt.datetime.fromtimestamp(hour * 3600, BERLIN).utcoffset()
        end = dt.datetime.fromtimestamp(hour * 3600 + 3599, BERLIN).utcoffset()
        offsets[i] = int(start.total_seconds()) * 1_000_000
        if start != end:  # a change of offset within the hour (old zone history)
            odd.append(i)
    local = us + offsets[inverse]
    days = (local // 86_400_000_000).astype("datetime64[D]")
    for i in odd:
        for j in np.flatnonzero(inverse == i).tolist():
            days[j] = engine.local_day(float(us[j]) / 1e6)
    return days


# -- 3. write ---------------------------------------------------------------------------------
def _copy_text(name: str) -> str:
    """A text as a field of COPY's text format."""
    return name.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _ints(values: np.ndarray) -> np.ndarray:
    return values.astype(np.int64).astype(S)


def _write(model, columns: list[str], n: int, fields_of) -> None:
    """COPY n rows into the model's table; `fields_of(lo, hi)` gives the columns of rows
    lo..hi as COPY text."""

    def text_of(lo: int, hi: int) -> bytes:
        part = fields_of(lo, hi)
        line = part[0]
        for f in part[1:]:
            line = np.strings.add(np.strings.add(line, "\t"), f)
        return ("\n".join(line.tolist()) + "\n").encode()

    _copy_in(model, columns, n, text_of)


def _copy_in(model, columns: list[str], n: int, text_of, binary: bool = False) -> None:
    """COPY n rows into the model's table; `text_of(lo, hi)` gives rows lo..hi as COPY
    text (bytes or a buffer that is not written to afterwards), or with `binary` as the
    rows of binary COPY (the header and the trailer are written here). Rows go in parts of
    WRITE_ROWS: PostgreSQL takes in one part while the next is built (the text of all rows
    never exists at once: psycopg's writer queue holds at most 1,024 pieces of 128 kB)."""
    if not n:
        return
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    how = " (FORMAT binary)" if binary else ""
    with (
        connection.connection.cursor() as cur,
        # a worker thread hands the parts to PostgreSQL while this one builds the next
        cur.copy(f"COPY {table} ({names}) FROM STDIN{how}", writer=QueuedLibpqWriter(cur)) as pipe,
    ):
        if binary:
            pipe.write(_copytext.HEADER)
        for lo in range(0, n, WRITE_ROWS):
            pipe.write(text_of(lo, min(lo + WRITE_ROWS, n)))
        if binary:
            pipe.write(_copytext.TRAILER)


def _sliced(columns: dict):
    return lambda lo, hi: [v[lo:hi] for v in columns.values()]


def fact_figures(folded: columnar.Folded) -> dict:
    """The columns of the facts that are computed from the fold's (times as microseconds
    and Berlin days, the lead time, deadlines kept, rounded seconds): the facts' text and
    the daily and monthly rows are built from them."""
    c = folded.cols
    received = c["received_at"]
    decided = c["decided_at"]
    target = c["target_at"]
    is_decided = ~np.isnan(decided)
    has_target = ~np.isnan(target)
    rec_us = micros(received)
    dec_us = micros(np.where(is_decided, decided, 0.0))
    tgt_us = micros(np.where(has_target, target, 0.0))
    last_us = micros(c["last_at"])
    rec_day = local_days(rec_us)
    dec_day = local_days(dec_us)
    lead = np.rint(np.where(is_decided, decided - received, 0.0)).astype(np.int64)
    on_time = is_decided & has_target & (decided <= np.where(has_target, target, 0.0))
    rounded = {
        k: np.rint(c[k]).astype(np.int64)
        for k in ("waiting_seconds", "applicant_seconds", "processing_seconds")
    }
    return {
        "rec_us": rec_us,
        "dec_us": dec_us,
        "tgt_us": tgt_us,
        "last_us": last_us,
        "rec_day": rec_day,
        "dec_day": dec_day,
        "is_decided": is_decided,
        "has_target": has_target,
        "on_time": on_time,
        "lead": lead,
        **rounded,
    }


def write_facts(folded: columnar.Folded, facts: dict) -> None:
    """Write every CaseFact row (the text built by the compiled writer, _copytext.py);
    `facts`: fact_figures(folded)."""
    c = folded.cols
    n = len(folded.subjects)
    names = folded.names
    arenas = (
        _copytext.arena(names),
        _copytext.arena([x[:60] for x in names]),
        _copytext.arena([json.dumps(x) for x in names]),
        _copytext.arena([json.dumps(x)[1:-1] for x in names]),
    )
    # times and days since PostgreSQL's epoch, as binary COPY wants them
    stamps = tuple(
        facts[k] - _copytext.PG_EPOCH_US for k in ("rec_us", "dec_us", "tgt_us", "last_us")
    )
    days = tuple(facts[k].astype(np.int64) - _copytext.PG_EPOCH_DAY for k in ("rec_day", "dec_day"))
    is_decided, has_target, on_time = facts["is_decided"], facts["has_target"], facts["on_time"]
    lead = facts["lead"]
    rounded = {k: facts[k] for k in ("waiting_seconds", "applicant_seconds", "processing_seconds")}
    # steps {state: [kind, seconds, visits]} and edges {"a>b": [count, seconds]}: the rows
    # of case i are rows s_at[i]:s_at[i + 1] (the fold writes them case after case)
    s_case, s_state, s_kind, s_sec, s_vis = folded.steps
    e_case, e_src, e_dst, e_cnt, e_sec = folded.edges
    s_counts = np.bincount(s_case, minlength=n) if s_case.size else np.zeros(n, np.int64)
    e_counts = np.bincount(e_case, minlength=n) if e_case.size else np.zeros(n, np.int64)
    s_at = np.r_[0, np.cumsum(s_counts)]
    e_at = np.r_[0, np.cumsum(e_counts)]
    codes = tuple(
        np.ascontiguousarray(c[k], dtype=np.int64)
        for k in (
            *("service", "org_unit", "channel", "procedure", "source", "outcome"),
            *("state", "state_kind", "last_activity"),
        )
    )
    nums = (
        np.ascontiguousarray(c["complete"], dtype=np.int64),
        np.ascontiguousarray(c["requests"], dtype=np.int64),
        np.ascontiguousarray(c["reopened"], dtype=np.int64),
        np.ascontiguousarray(c["last_id"], dtype=np.int64),
        lead,
        *rounded.values(),
    )
    for counter in nums[1:3]:  # requests, reopened: integer columns, four bytes in binary
        if counter.size and int(counter.max()) >= 2**31:  # COPY (text COPY refused it)
            raise ValueError("a fact's counter does not fit into its integer column")
    flags = (np.ascontiguousarray(c["has_received"]), is_decided, has_target, on_time)
    floats = tuple(
        np.ascontiguousarray(c[k], dtype=np.float64)
        for k in (
            *("received_at", "decided_at", "target_at", "waiting_seconds"),
            *("applicant_seconds", "processing_seconds", "last_at"),
        )
    )
    steps = (s_state, s_kind, s_vis, s_sec)
    edges = (e_src, e_dst, e_cnt, e_sec)
    widest = {k: max(int(np.diff(a[1]).max(initial=0)), 1) for k, a in enumerate(arenas)}

    def text_of(lo: int, hi: int) -> np.ndarray:
        r = slice(lo, hi)
        s = slice(s_at[lo], s_at[hi])
        e = slice(e_at[lo], e_at[hi])
        subjects, subject_offs = _copytext.arena(folded.subjects[lo:hi])
        reprs = (
            *(_copytext.reprs_of(f[r]) for f in floats),
            _copytext.reprs_of(s_sec[s]),
            _copytext.reprs_of(e_sec[e]),
        )
        # room for the longest possible row of each kind (never less than is written)
        per_fact = (
            7 * widest[0]
            + widest[1]
            + 3 * widest[2]
            + 4 * _copytext.COLUMNS  # the fields' lengths
            + 4 * 8  # the times
            + 2 * 4  # the days
            + 8 * 21
            + 7 * 25
            + 400
        )
        size = (
            int(subject_offs[-1])
            + (hi - lo) * per_fact
            + (s.stop - s.start) * (2 * widest[2] + 25 + 11 + 10)
            + (e.stop - e.start) * (2 * widest[3] + 25 + 11 + 10)
        )
        out = np.empty(size, np.uint8)
        end = _copytext.fact_rows(
            out, lo, hi, subjects, subject_offs,
            tuple(a[0] for a in arenas), tuple(a[1] for a in arenas),
            codes, nums, flags, floats, stamps, days, reprs,
            s_at, *steps[:3], steps[3], e_at, *edges,
        )  # fmt: skip
        if end > out.size:  # never (the room is the longest row of each kind); numba checks
            raise ValueError("facts' text longer than its buffer")  # no bounds: a tripwire
        return memoryview(out)[:end]  # psycopg takes any buffer (not a numpy array)

    columns = [
        *("subject", "service", "org_unit", "channel", "procedure", "source"),
        *("received_at", "received_day", "decided_at", "decided_day", "outcome", "target_at"),
        *("on_time", "lead_seconds", *rounded, "complete", "requests", "reopened", "state"),
        *("state_kind", "last_event_at", "steps", "edges", "fold"),
    ]
    _copy_in(CaseFact, columns, n, text_of, binary=True)


# -- daily rows ---------------------------------------------------------------------------------
def _group(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows with equal keys: (group of each row, the first and the last row of each group,
    its number of rows). Groups are numbered in the order of their keys (the first key
    first): a compiled hash table finds the groups of the keys as one number (_combined)."""
    if not keys[0].size:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty, empty
    return _groups.group(_combined(*keys))


def _combined(*keys: np.ndarray) -> np.ndarray:
    """Integer keys (codes, days) put together as the digits of one number (each key minus
    its smallest value, in the base of its range): the numbers sort as the keys do, the
    first key first."""
    combined = np.zeros(keys[0].size, np.int64)
    if not combined.size:
        return combined
    span = 1  # combined < span
    for key in keys:
        key = _ints64(key)
        low, high = (int(x) for x in _groups.bounds(key))
        width = high - low + 1
        if span * width >= 2**62:  # would not fit: number the combinations so far densely
            combined = _ints64(np.unique(combined, return_inverse=True)[1])
            span = int(combined.max()) + 1
            if span * width >= 2**62:
                key = _ints64(np.unique(key, return_inverse=True)[1])
                low, width = 0, int(key.max()) + 1
        _groups.add_digit(combined, key, low, width)
        span *= width
    return combined


def _ints64(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.int64)


def _sums(group: np.ndarray, values: np.ndarray, groups: int) -> np.ndarray:
    """The exact integer sum of the values of each group."""
    return _groups.sums(group, _ints64(values), groups)


def _hist_pairs(group: np.ndarray, bucket: np.ndarray) -> tuple:
    """The distinct (group, bucket) pairs, ordered by group and then bucket, and how often
    each occurs."""
    groups = int(group.max()) + 1 if group.size else 0
    ones = np.ones(group.size, np.int64)
    return _groups.hist_pairs(*(_ints64(a) for a in (group, bucket)), ones, groups)


def _hist_text(g: np.ndarray, b: np.ndarray, counts: np.ndarray, groups: int) -> np.ndarray:
    """{"<bucket>": count} per group as JSON text, from _hist_pairs' pairs ("{}" for a group
    without one)."""
    blob, offs = _copytext.hist_json(*(_ints64(a) for a in (g, b, counts)), groups)
    text, at = blob.tobytes().decode(), offs.tolist()  # digits and punctuation only
    return np.array([text[at[i] : at[i + 1]] for i in range(groups)], dtype=S)


def _month_of(days: np.ndarray) -> np.ndarray:
    """The first day of each day's calendar month (datetime64[D])."""
    return days.astype("datetime64[M]").astype("datetime64[D]")


class _Months:
    """The days' groups (rows of a daily table) grouped again by calendar month and the same
    keys: a month's sums and histogram are those of its days added up, as rollup_months
    adds up the stored daily rows (grouping the days' rows instead of the contributions
    again: far fewer rows to sort)."""

    def __init__(self, day: np.ndarray, keys: list[np.ndarray]):
        month = _month_of(day.astype("datetime64[D]")).astype(np.int64)
        self.of_day, first, _last, _counts = _group(month, *keys)
        self.month = month[first]
        self.keys = [k[first] for k in keys]
        self.size = first.size

    def sums(self, per_day: np.ndarray) -> np.ndarray:
        return _sums(self.of_day, per_day, self.size)

    def greatest(self, per_day: np.ndarray) -> np.ndarray:
        return _groups.greatest(self.of_day, _ints64(per_day), self.size)

    def hist(self, g: np.ndarray, b: np.ndarray, counts: np.ndarray) -> tuple:
        """The days' histogram pairs as the months': (month group, bucket, count)."""
        if not g.size:
            return g, b, counts
        mg = self.of_day[g]
        return _groups.hist_pairs(*(_ints64(a) for a in (mg, b, counts)), self.size)


def period_rows(folded: columnar.Folded, facts: dict) -> list[tuple]:
    """The rows of DailyCaseStat, MonthlyCaseStat, DailyStepStat and MonthlyStepStat, as
    aggregates._add sums them fact by fact and aggregates.rollup_months sums the days of a
    month: (model, columns as COPY text, rows) for each (no database work). A month's row
    is its days' rows added up (_Months); the kind of a month's step row is the greatest of
    its days' kinds (each day's: the kind the last case gave it)."""
    text = np.array([_copy_text(x) for x in folded.names], dtype=S)
    return [*_case_rows(folded, facts, text), *_step_rows(folded, facts, text)]


def _key_columns(period: str, at: np.ndarray, keys: list[np.ndarray], text) -> dict:
    columns = {period: at.astype("datetime64[D]").astype(S)}
    for name, key in zip(("service", "org_unit", "channel", "state"), keys, strict=False):
        columns[name] = text[key]
    return columns


def _case_rows(folded: columnar.Folded, facts: dict, text) -> list[tuple]:
    """DailyCaseStat and MonthlyCaseStat rows."""
    c = folded.cols
    n = len(folded.subjects)
    base = (c["service"], c["org_unit"], c["channel"])
    decided = facts["is_decided"]
    complete, requests = c["complete"], c["requests"]
    # one contribution per fact on its day of receipt and one per decided fact on its day
    # of decision: (day, service, org_unit, channel) + the counters
    zeros = np.zeros(n, np.int64)
    received_side = {
        "received": np.ones(n, np.int64),
        "complete_known": (complete != NONE).astype(np.int64),
        "first_time_right": ((complete == 1) & (requests == 0)).astype(np.int64),
        "with_requests": (requests > 0).astype(np.int64),
        "repeated_requests": (requests > 1).astype(np.int64),
        "reopened": (c["reopened"] > 0).astype(np.int64),
    }
    d = np.flatnonzero(decided)
    decided_side = {
        "decided": np.ones(d.size, np.int64),
        "with_target": facts["has_target"][d].astype(np.int64),
        "on_time": facts["on_time"][d].astype(np.int64),
        "lead_seconds": facts["lead"][d],
        "waiting_seconds": facts["waiting_seconds"][d],
        "applicant_seconds": facts["applicant_seconds"][d],
        "processing_seconds": facts["processing_seconds"][d],
    }
    fields = list(received_side) + list(decided_side)
    day = np.concatenate([facts["rec_day"], facts["dec_day"][d]]).astype(np.int64)
    keys = [np.concatenate([b, b[d]]) for b in base]
    values = {k: np.concatenate([v, np.zeros(d.size, np.int64)]) for k, v in received_side.items()}
    values.update({k: np.concatenate([zeros, v]) for k, v in decided_side.items()})
    group, first, _last, _counts = _group(day, *keys)
    groups = first.size
    sums = {name: _sums(group, values[name], groups) for name in fields}
    # lead_hist: whole hours of the rounded lead time, per decided contribution
    hours = np.maximum(facts["lead"][d], 0) // 3600
    pairs = _hist_pairs(group[n:], hours)
    day_keys = [k[first] for k in keys]
    months = _Months(day[first], day_keys)
    tables = []
    for period, model, at, at_keys, size, totals, hist in (
        ("day", DailyCaseStat, day[first], day_keys, groups, sums, pairs),
        ("month", MonthlyCaseStat, months.month, months.keys, months.size,
         {k: months.sums(v) for k, v in sums.items()}, months.hist(*pairs)),
    ):  # fmt: skip
        columns = _key_columns(period, at, at_keys, text)
        for name in fields:
            columns[name] = _ints(totals[name])
        columns["lead_hist"] = _hist_text(*hist, size)
        tables.append((model, columns, size))
    return tables


def _step_rows(folded: columnar.Folded, facts: dict, text) -> list[tuple]:
    """DailyStepStat and MonthlyStepStat rows: the steps of the decided cases, per (decision
    day or month, service, org_unit, channel, state)."""
    c = folded.cols
    decided = facts["is_decided"]
    base = (c["service"], c["org_unit"], c["channel"])
    s_case, s_state, s_kind, s_sec, _vis = folded.steps
    keep = decided[s_case] if s_case.size else np.zeros(0, bool)
    s_case, s_state, s_kind, s_sec = (a[keep] for a in (s_case, s_state, s_kind, s_sec))
    if not s_case.size:
        return []
    seconds = np.rint(s_sec).astype(np.int64)
    hours = np.floor_divide(np.maximum(s_sec, 0), 3600).astype(np.int64)  # as Python's //
    # (decision day, service, org_unit, channel) as one number per fact, taken for its
    # steps at once, and the state
    dec_day = facts["dec_day"].astype(np.int64)
    group, first, last, cases = _group(_combined(dec_day, *base)[s_case], s_state)
    kind = s_kind[last]  # the kind the last case (in fact order) gave the day's row
    total = _sums(group, seconds, first.size)
    pairs = _hist_pairs(group, hours)
    case_of = s_case[first]
    s_day = dec_day[case_of]
    day_keys = [*(b[case_of] for b in base), s_state[first]]
    months = _Months(s_day, day_keys)
    # the month's kind: the greatest of its days' (in Python's order of the names)
    ranked = np.array(sorted(range(len(folded.names)), key=folded.names.__getitem__), np.int64)
    rank = np.empty(ranked.size, np.int64)
    rank[ranked] = np.arange(ranked.size)
    tables = []
    for period, model, at, at_keys, size, k, n, secs, hist in (
        ("day", DailyStepStat, s_day, day_keys, first.size, kind, cases, total, pairs),
        ("month", MonthlyStepStat, months.month, months.keys, months.size,
         ranked[months.greatest(rank[kind])], months.sums(cases), months.sums(total),
         months.hist(*pairs)),
    ):  # fmt: skip
        columns = _key_columns(period, at, at_keys, text)
        columns["kind"] = text[k]
        columns["cases"] = _ints(n)
        columns["seconds"] = _ints(secs)
        columns["hist"] = _hist_text(*hist, size)
        tables.append((model, columns, size))
    return tables


def recompute_case_tables(upto: int) -> tuple[int, list[Ev]]:
    """Fold every case up to `upto` and write CaseFact, the daily rows (DailyCaseStat,
    DailyStepStat) and the monthly ones (MonthlyCaseStat, MonthlyStepStat), all emptied
    first; returns (facts written, the other events for the daily counters)."""
    log, others = read(upto)
    folded = columnar.fold(log)
    del log
    facts = fact_figures(folded)
    # a thread sums the daily and monthly rows while this one writes the facts and
    # PostgreSQL builds their indexes (the compiled writer and numpy's larger steps let go
    # of the GIL; the server is the write's slower side)
    with ThreadPoolExecutor(1, thread_name_prefix="cockpit-daily") as pool:
        periods = pool.submit(period_rows, folded, facts)
        empty_derived()
        indexes = _drop_indexes(CaseFact)
        write_facts(folded, facts)
        _create_indexes(indexes)
        tables = periods.result()
    for model, columns, n in tables:
        _write(model, list(columns), n, _sliced(columns))
    return len(folded.subjects), others


# the tables a full recompute writes from scratch; unlogged or not together (empty_derived)
DERIVED = (CaseFact, DailyCaseStat, DailyStepStat, MonthlyCaseStat, MonthlyStepStat, RecomputeMark)


def empty_derived(logged: bool | None = None) -> None:
    """TRUNCATE the tables a full recompute writes and give them the persistence the setting
    asks for (`OPENKREIS_COCKPIT_UNLOGGED`; `logged` overrides it), on PostgreSQL, inside the
    recompute's transaction. Unlogged tables write no WAL: the facts' rows and indexes are
    not written a second time (docs/scaling.md, "Thirteenth round"). They are
    derived from the event log, PostgreSQL empties them after a crash (the next refresh then
    builds them again, aggregates.refresh) and a physical replica cannot read them, so with a
    replica configured they stay logged. Switching an emptied table is a rewrite of nothing."""
    from django.conf import settings

    if logged is None:
        logged = not settings.OPENKREIS_COCKPIT_UNLOGGED
    tables = [connection.ops.quote_name(m._meta.db_table) for m in DERIVED]
    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {', '.join(tables)}")
        cur.execute(
            "SELECT oid::regclass::text FROM pg_class WHERE oid = ANY(%s::regclass[])"
            " AND relpersistence <> %s ORDER BY relname",
            [tables, "p" if logged else "u"],
        )
        for (table,) in cur.fetchall():
            cur.execute(f"ALTER TABLE {table} SET {'LOGGED' if logged else 'UNLOGGED'}")


def derived_unlogged() -> bool:
    """Whether the derived tables are unlogged now (PostgreSQL; the fact table stands for
    them all, empty_derived switches them together)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT relpersistence = 'u' FROM pg_class WHERE oid = %s::regclass",
            [connection.ops.quote_name(CaseFact._meta.db_table)],
        )
        return cur.fetchone()[0]


def _drop_indexes(model) -> list[str]:
    """Drop the table's indexes before a bulk write; returns the statements that create
    them again for `_create_indexes` after it (building an index over a million rows at
    once costs a fraction of keeping it up to date row by row). The primary key and the
    unique constraints too (dropped and added again under their names), unless a foreign
    key points at the table: PostgreSQL took in a million facts in 8 instead of 11.5 CPU
    seconds without them, and builds them afterwards beside the others (docs/scaling.md).
    Only inside a transaction (the recompute's, after the TRUNCATE that keeps readers out
    until the commit): a failure, also a duplicate that a constraint refuses when it is
    added again, rolls the drop back with the rest."""
    if not connection.in_atomic_block:
        return []
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
            " ORDER BY c.relname",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        indexes = cur.fetchall()
        for name, _definition in indexes:
            cur.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        # the primary key and the unique constraints too, unless a foreign key needs them
        table = connection.ops.quote_name(model._meta.db_table)
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype IN ('p', 'u')"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.confrelid = %s::regclass)"
            " ORDER BY contype, conname",
            [table, table],
        )
        constraints = [
            (connection.ops.quote_name(name), definition) for name, definition in cur.fetchall()
        ]
        for name, _definition in constraints:
            cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    return [
        *(f"ALTER TABLE {table} ADD CONSTRAINT {name} {d}" for name, d in constraints),
        *(definition for _name, definition in indexes),
    ]


def _create_indexes(definitions: list[str]) -> None:
    if not definitions:
        return
    with connection.cursor() as cur:
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # both cores for the build: nothing else runs beside it since the daily and monthly
        # rows are summed during the facts' write (1 M facts: the six indexes 5.1 -> 3.0 s
        # with two workers; until then they ran on one core beside the daily rows)
        cur.execute("SET LOCAL max_parallel_maintenance_workers = 2")
        for definition in definitions:
            cur.execute(definition)
