"""The compiled COPY writer (_copytext.py) writes floats exactly as Python's repr (what
json.dumps writes), and integers and texts as binary COPY wants them. The whole
rows are compared with the Python path's in test_bulk.py (PostgreSQL), and here without a
database: the bytes bulk.write_facts hands to COPY, read back field by field."""

import datetime as dt
import json
import random
import re
import struct
from contextlib import contextmanager

import numpy as np
from django.db import connection

from openkreis.cockpit import _copytext, aggregates, bulk, columnar, engine
from openkreis.cockpit.engine import Ev
from openkreis.cockpit.models import CaseFact


def written(x: float) -> str:
    out = np.zeros(64, np.uint8)
    reprs = _copytext.reprs_of(np.array([x]))
    p, cursor = _copytext._put_float(out, 0, x, reprs, 0)
    assert cursor in (0, reprs.size + 1)  # the handed-over text used up, or none needed
    return bytes(out[:p]).decode()


def test_floats_are_written_as_repr_writes_them():
    rng = random.Random(3)
    values = [0.0, -0.0, 0.1, 1e-4, 9.99e-5, 1e-5, 1e-6, 0.5, 3.0, -1.5, 1e16, 1e22]
    values += [2.0**32, 2.0**32 - 1e-6, 4294967295.999999, -(2.0**32), 1735689600.123456]
    values += [rng.randrange(-(10**15), 10**16) / 1e6 for _ in range(3000)]  # whole µs
    values += [rng.uniform(1.7e9, 1.8e9) - rng.uniform(1.7e9, 1.8e9) for _ in range(3000)]
    values += [round(rng.uniform(0, 1e6), rng.randrange(0, 8)) for _ in range(3000)]
    values += [struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0] for _ in range(3000)]
    values = [v for v in values if v == v and abs(v) != float("inf")]
    for x in values:
        assert written(x) == repr(x), x
    exact = np.array([1735689600.5, 12.25, 3.0])
    assert not _copytext.needs_repr(exact).any()  # whole microseconds: no Python needed
    assert _copytext.needs_repr(np.array([0.1 + 0.2, 1e-5, 5e9])).all()


def test_handed_over_floats_are_repr_of_every_kind_of_float():
    # reprs_of writes most floats by orjson and the rest (tiny, infinite) by repr: the text
    # is repr's for floats of every size and sign, also around 1e-4 and 1e16 where repr's
    # notation changes, and for random bit patterns
    rng = np.random.default_rng(11)
    values = [0.0, -0.0, 1e-4, -1e-4, 9.999999999999999e-05, 1e-5, 5e-324, 1e15, 1e16, -1e16]
    values += [9999999999999998.0, 1.7976931348623157e308, float("inf"), float("-inf")]
    values += [0.1 + 0.2, 2 / 3, 123456789012345.6, 1e22, 1e-7]
    values += (rng.random(50_000) * 10.0 ** rng.integers(-8, 18, 50_000)).tolist()
    values += (-rng.random(5_000) * 10.0 ** rng.integers(-8, 18, 5_000)).tolist()
    bits = rng.integers(0, 2**63, 50_000, dtype=np.uint64) | (
        rng.integers(0, 2, 50_000, dtype=np.uint64) << np.uint64(63)
    )
    values += bits.view(np.float64).tolist()
    values = np.array([v for v in values if v == v])
    chosen = values[_copytext.needs_repr(values)]
    assert chosen.size > 100_000  # the random ones are hardly ever whole microseconds
    want = ",".join(repr(float(x)) for x in chosen)
    assert bytes(_copytext.reprs_of(values)).decode() == want


def test_integers_and_binary_fields():
    out = np.zeros(64, np.uint8)
    for v in (0, 7, -7, 10, 1234567890123, -(2**62), 2**63 - 1):
        p = _copytext._put_int(out, 0, v)
        assert bytes(out[:p]).decode() == str(v)
    # binary COPY's fields: big-endian integers of the column's width after their length
    for v, size in ((0, 8), (-1, 8), (2**63 - 1, 8), (-(2**63), 8), (-10957, 4), (2**31 - 1, 4)):
        p = _copytext._f_int(out, 0, v, size)
        assert bytes(out[:p]) == size.to_bytes(4, "big") + v.to_bytes(size, "big", signed=True)
    assert bytes(out[: _copytext._f_null(out, 0)]) == b"\xff\xff\xff\xff"
    assert bytes(out[: _copytext._f_bool(out, 0, True)]) == b"\x00\x00\x00\x01\x01"
    # texts as they are, their length in bytes (not characters)
    arena, offs = _copytext.arena(["a\tb\\c", "Prüfung ß"])
    p = _copytext._f_text(out, 0, arena, offs, 1)
    assert bytes(out[:p]) == (11).to_bytes(4, "big") + "Prüfung ß".encode()  # 9 characters
    p = _copytext._f_text(out, 0, arena, offs, 0)
    assert bytes(out[:p]) == (5).to_bytes(4, "big") + b"a\tb\\c"


def test_reprs_are_joined_in_slices_without_a_seam():
    # the floats are written REPR_SLICE at a time (so that the GIL is let go between two),
    # and the tiny ones by repr in between: the text is the same as one join of reprs, also
    # around the slices' edges and with tiny ones first, last, side by side and at an edge
    rng = np.random.default_rng(7)
    n = 3 * _copytext.REPR_SLICE + 5
    values = rng.uniform(0, 1e6, n) + 1e-7  # hardly any a whole number of microseconds
    edge = _copytext.REPR_SLICE
    values[[0, edge - 1, edge, n - 1]] = [1e-5, 1 / 3, 2 / 3, 5e9]
    values[[5, 6, 2 * edge + 1]] = [3e-5, -2e-9, 7e-6]
    values[17] = 12.5  # whole microseconds: written by the compiled loop, not handed over
    for size in (0, 1, 2, 7, edge, edge + 1, n):
        part = values[:size]
        chosen = part[_copytext.needs_repr(part)].tolist()
        assert 12.5 not in chosen and len(chosen) >= size - 20
        want = ",".join(repr(x) for x in chosen)
        assert bytes(_copytext.reprs_of(part)).decode() == want


# -- the facts' rows as write_facts hands them to COPY (no database) ------------------------
PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
ODD = ["tab\there", 'back\\slash "quoted"', "neue\nZeile\r", "Prüfung ß €", "emoji 😀 > x"]


def _ev(n: int, subject: str, activity: str, at: float, **data) -> Ev:
    return Ev(n, f"case.{activity}", at, subject, {"activity": activity, **data})


def odd_log() -> list[Ev]:
    """A few cases with odd names: decided in time, late (and reopened), without a target,
    open with a target, open with one event before 2000, and one without case.received."""
    t0 = dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC).timestamp()  # Berlin: the 29th
    hour = 3600.0
    out = []
    for n, name in enumerate(ODD[:4]):
        s = f"case:{name}-{n}"
        at = t0 + n * 0.1234567  # not whole microseconds: floats formatted by repr
        common = {"service": name, "org_unit": ODD[n + 1], "procedure": name, "channel": "online"}
        target = {0: "2026-04-10", 1: "2026-03-29T06:00:00+00:00", 2: None, 3: "2026-05-01"}[n]
        received = {"state": name[:60], "state_kind": "queue", "target_at": target}
        if n < 2:
            received["complete"] = n == 0
        received["source"] = "ü" * 70 if n == 0 else name  # the column keeps 60 characters
        out.append(_ev(10 * n + 1, s, "received", at, **common, **received))
        out.append(_ev(10 * n + 2, s, "transition", at + 2 * hour, state=ODD[4], state_kind="work"))
        out.append(
            _ev(10 * n + 3, s, "documents_requested", at + 3 * hour, state=name,
                state_kind="applicant")
        )  # fmt: skip
        if n == 3:  # stays open
            continue
        decided = at + (30 + n) * hour + 0.5  # case 0: a lead time of 108,000.5 seconds
        out.append(
            _ev(10 * n + 4, s, "decided", decided, state="fertig", state_kind="done",
                outcome="granted")
        )  # fmt: skip
        if n == 1:  # reopened and decided again
            out.append(_ev(15, s, "reopened", decided + hour, state=name, state_kind="queue"))
            out.append(_ev(16, s, "decided", decided + 5 * hour, state="fertig", outcome="x"))
    early = dt.datetime(1999, 12, 31, 23, 30, 0, 250000, tzinfo=dt.UTC).timestamp()
    out.append(_ev(50, "case:früh\\\t", "received", early, state="neu", state_kind="queue"))
    out.append(_ev(60, "case:bare", "assigned", t0, state="x", state_kind="work", source=7))
    out.append(_ev(61, "case:bare", "transition", t0 + 60.000001, state="y"))
    return out


class _Copy:
    """Stands in for bulk's database connection: keeps the COPY statement and every write
    of bulk._copy_in, in order."""

    def __init__(self):
        self.ops = connection.ops  # quote_name only
        self.connection = self
        self.sql = None
        self.writes: list[bytes] = []

    @contextmanager
    def cursor(self):
        yield self

    @contextmanager
    def copy(self, sql, writer=None):
        self.sql = sql
        yield self

    def write(self, data) -> None:
        self.writes.append(bytes(data))


def parse_rows(data: bytes, end_at_trailer: bool = False) -> tuple[list[list], int]:
    """Binary COPY rows -> ([fields of each row], position after the last); a field is
    its bytes or None (NULL). With `end_at_trailer` the rows end at the trailer (-1)."""
    rows, p = [], 0
    while p < len(data):
        (count,) = struct.unpack_from(">h", data, p)
        p += 2
        if end_at_trailer and count == -1:
            return rows, p
        assert count == _copytext.COLUMNS
        fields = []
        for _ in range(count):
            (size,) = struct.unpack_from(">i", data, p)
            p += 4
            assert size >= -1
            fields.append(None if size == -1 else data[p : p + size])
            p += max(size, 0)
        assert p <= len(data)  # the last field not cut off
        rows.append(fields)
    assert not end_at_trailer, "no trailer"
    return rows, p


def decode(field, raw: bytes | None):
    """A field's bytes as the column's Python value (the model field's type says how)."""
    if raw is None:
        return None
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        assert len(raw) == 8
        return PG_EPOCH + dt.timedelta(microseconds=int.from_bytes(raw, "big", signed=True))
    if kind == "DateField":
        assert len(raw) == 4
        return PG_EPOCH.date() + dt.timedelta(days=int.from_bytes(raw, "big", signed=True))
    if kind == "BooleanField":
        assert raw in (b"\x00", b"\x01")
        return raw == b"\x01"
    if kind == "BigIntegerField":
        assert len(raw) == 8
        return int.from_bytes(raw, "big", signed=True)
    if kind == "PositiveIntegerField":
        assert len(raw) == 4
        return int.from_bytes(raw, "big", signed=True)
    assert kind in ("CharField", "JSONField"), kind
    return raw.decode()


def test_fact_rows_read_back_as_the_python_path_stores_them(monkeypatch):
    events = odd_log()
    folded = columnar.fold(columnar.from_events(events))
    n = len(folded.subjects)
    capture = _Copy()
    monkeypatch.setattr(bulk, "connection", capture)
    monkeypatch.setattr(bulk, "QueuedLibpqWriter", lambda cur: None)
    monkeypatch.setattr(bulk, "WRITE_ROWS", 4)  # parts of 4 and 2 rows
    bulk.write_facts(folded, bulk.fact_figures(folded))

    # the statement: every column of CaseFact but the id, each once
    table, names = re.fullmatch(
        r'COPY "(\w+)" \((.*)\) FROM STDIN \(FORMAT binary\)', capture.sql
    ).groups()
    assert table == CaseFact._meta.db_table
    columns = [c.strip('"') for c in names.split(", ")]
    fields = {f.column: f for f in CaseFact._meta.concrete_fields if not f.primary_key}
    assert sorted(columns) == sorted(fields) and len(columns) == _copytext.COLUMNS == 26

    # the header once before the rows, the trailer once after them; the parts between
    # are whole rows, none with a header or trailer of its own
    writes = capture.writes
    assert writes[0] == _copytext.HEADER == b"PGCOPY\n\xff\r\n\x00" + bytes(8)
    assert writes[-1] == _copytext.TRAILER == b"\xff\xff"
    parts = writes[1:-1]
    assert [len(parse_rows(part)[0]) for part in parts] == [4, 2] and n == 6
    assert not any(part.startswith(b"PGCOPY") for part in parts)
    stream = b"".join(writes)
    rows, end = parse_rows(stream[len(_copytext.HEADER) :], end_at_trailer=True)
    assert end + len(_copytext.HEADER) == len(stream) and len(rows) == n

    # each field equals what the Python path stores (aggregates.fact_to_model: Berlin
    # days by engine.local_day, datetime.fromtimestamp, round, json.dumps)
    facts = columnar.to_facts(folded)
    assert facts == engine.fold_all(events)  # the case-by-case fold's facts
    expected = [aggregates.fact_to_model(facts[s]) for s in folded.subjects]
    for row, model in zip(rows, expected, strict=True):
        for column, raw in zip(columns, row, strict=True):
            field = fields[column]
            got, want = decode(field, raw), getattr(model, field.attname)
            if field.get_internal_type() == "JSONField":
                assert json.loads(got) == want, (model.subject, column)
                assert got == json.dumps(want), (model.subject, column)  # the same text
            else:
                assert got == want and type(got) is type(want), (model.subject, column, got)

    # the log has every kind of row this is meant to check
    by_subject = {m.subject: m for m in expected}
    assert {m.on_time for m in expected} == {True, False, None}
    assert {m.complete for m in expected} == {True, False, None}
    assert any(m.decided_at is None and m.target_at is not None for m in expected)
    assert any(m.decided_at is not None and m.target_at is None for m in expected)
    assert any(m.requests and m.reopened for m in expected)
    early = by_subject["case:früh\\\t"]
    assert early.received_day == dt.date(2000, 1, 1) and early.received_at < PG_EPOCH
    assert early.steps == {} and early.edges == {}
    assert by_subject["case:bare"].fold["has_received"] is False
    first = by_subject[f"case:{ODD[0]}-0"]
    assert first.received_day == dt.date(2026, 3, 29) != first.received_at.date()
    assert first.source == "ü" * 60 and first.fold["source"] == "ü" * 70
    assert first.lead_seconds == 108_000  # 108,000.5 seconds: rounded to even
