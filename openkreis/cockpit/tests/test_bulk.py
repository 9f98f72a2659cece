"""The PostgreSQL full recompute (bulk.py, _pgcopy.py) writes the same rows as the Python
path: the binary COPY reader at any chunk boundary and with hash collisions, the Berlin days
and microseconds as Python computes them, and the stored rows with odd names."""

import datetime as dt
import json
import random
import struct
import threading

import numpy as np
import pytest
from django.db import connection, transaction

from openkreis.cockpit import _pgcopy, aggregates, bulk, engine
from openkreis.cockpit.models import CaseFact, MonthlyCaseStat, MonthlyStepStat
from openkreis.core.models import Event
from openkreis.core.services import record_event

from .factories import START, other_events, random_log, write
from .test_aggregates import snapshot

PG_EPOCH = 946_684_800_000_000


def _array(oid: int, items: list) -> bytes:
    """A one-dimensional array in PostgreSQL's binary form (items already encoded)."""
    head = struct.pack(">iiiii", 1, 0, oid, len(items), 1)
    return head + b"".join(struct.pack(">i", len(x)) + x for x in items)


def encode(rows, sizes=(1,), jsonb: bool = False) -> bytes:
    """(id, kind, µs since 1970, subject, data text) -> PostgreSQL binary COPY as the
    recompute reads it: COPY rows of five arrays, `sizes` events to a COPY row in turn; the
    data as `json` (the text) or `jsonb` (a version byte before it)."""
    return b"".join(messages(rows, sizes, jsonb))


def messages(rows, sizes=(1,), jsonb: bool = False) -> list[bytes]:
    """encode()'s bytes as PostgreSQL sends them: the header with the first COPY row, then
    one message per COPY row, the trailer alone."""
    out = [b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)]
    at = turn = 0
    while at < len(rows):
        part = rows[at : at + sizes[turn % len(sizes)]]
        at, turn = at + len(part), turn + 1
        fields = [
            _array(20, [struct.pack(">q", r[0]) for r in part]),
            _array(1043, [r[1].encode() for r in part]),
            _array(1184, [struct.pack(">q", r[2] - PG_EPOCH) for r in part]),
            _array(1043, [r[3].encode() for r in part]),
            _array(3802 if jsonb else 114, [b"\x01"[:jsonb] + r[4].encode() for r in part]),
        ]
        row = struct.pack(">h", 5) + b"".join(struct.pack(">i", len(f)) + f for f in fields)
        out.append(row)
    out.append(struct.pack(">h", -1))
    return [out[0] + out[1], *out[2:]] if len(out) > 2 else out


def chunks(data: bytes, rng: random.Random):
    at = 0
    while at < len(data):
        size = rng.choice([1, 2, 7, 19, 64, 1000])
        yield data[at : at + size]
        at += size


def sample_rows(n: int, seed: int):
    rng = random.Random(seed)
    kinds = ["case.received", "case.assigned", "portal.search", "case.decided", "import.x"]
    datas = ['{"a": 1}', '{"b": "ü\\t"}', "{}", '{"service": "bau"}', '{"a": 2}', '{"c": []}']
    rows = []
    for pk in range(1, n + 1):
        data = rng.choice(datas)
        us = rng.randrange(-(10**15), 2 * 10**15)
        rows.append((pk, rng.choice(kinds), us, rng.choice(["", "case:1", "case:ä2"]), data))
    return rows


@pytest.mark.parametrize(
    ("seed", "mask", "jsonb"), [(0, -1, False), (1, -1, True), (2, 1, False), (3, 0, True)]
)
def test_reader_at_any_chunk_boundary_and_with_collisions(seed, mask, jsonb, monkeypatch):
    monkeypatch.setattr(bulk, "BATCH_BYTES", 50)  # parse after every few chunks
    monkeypatch.setattr(bulk, "ROWS", 16)  # and fill several column blocks
    # the texts' hashes cut to one bit or none: equal hashes, different texts everywhere
    monkeypatch.setattr(bulk, "HASH_MASK", mask)
    rows = sample_rows(300, seed)
    # COPY rows of 1 to 40 events: some do not fit into what is left of a block, one is
    # larger than a whole block
    profiles = bulk.Profiles()  # the data decoded batch by batch, as read() does
    (ids, us, kind, subject, data), (kinds, subjects, datas) = bulk.columns_of(
        chunks(encode(rows, sizes=(1, 5, 16, 3, 40, 7), jsonb=jsonb), random.Random(seed)),
        each_batch=profiles.take,
        data_skip=int(jsonb),
    )
    assert profiles.decoded == [json.loads(d) if d else {} for d in datas]
    assert len(profiles.rows) == len(datas)
    assert ids.tolist() == [r[0] for r in rows]
    assert us.tolist() == [r[2] for r in rows]
    assert [kinds[k] for k in kind] == [r[1] for r in rows]
    assert [subjects[s] for s in subject] == [r[3] for r in rows]
    assert [datas[d] for d in data] == [r[4] for r in rows]
    assert len(set(kinds)) == len(kinds) and len(set(subjects)) == len(subjects)


@pytest.mark.parametrize("jsonb", [False, True])
def test_reader_of_one_message_per_copy_row(jsonb, monkeypatch):
    """As PostgreSQL sends it: each message a whole COPY row, parsed where it lies (no
    join), the data decoded batch by batch; a row cut across two messages (not PostgreSQL's
    way, but allowed) in the middle of it."""
    monkeypatch.setattr(bulk, "BATCH_BYTES", 200)
    monkeypatch.setattr(bulk, "ROWS", 16)
    rows = sample_rows(400, 7)
    sent = messages(rows, sizes=(3, 9, 1, 20), jsonb=jsonb)
    cut = len(sent) // 2
    sent[cut : cut + 1] = [sent[cut][:13], sent[cut][13:]]
    assert len(sent) > 40
    batches = []
    profiles = bulk.Profiles()
    parse, in_place = bulk._parse, []

    def spy(pending, *args):
        in_place.append(any(pending is m for m in sent))
        return parse(pending, *args)

    monkeypatch.setattr(bulk, "_parse", spy)

    def take(vocabs):
        batches.append(int(vocabs[2].n[0]))
        profiles.take(vocabs)

    (ids, us, kind, subject, data), (kinds, subjects, datas) = bulk.columns_of(
        iter(sent), each_batch=take, data_skip=int(jsonb)
    )
    assert ids.tolist() == [r[0] for r in rows] and us.tolist() == [r[2] for r in rows]
    assert [kinds[k] for k in kind] == [r[1] for r in rows]
    assert [subjects[s] for s in subject] == [r[3] for r in rows]
    assert [datas[d] for d in data] == [r[4] for r in rows]
    assert profiles.decoded == [json.loads(d) if d else {} for d in datas]
    assert len(batches) > 3  # called along the way, not only at the end
    # after the header's batch, the messages are parsed as they came (not joined), but for
    # the one cut in two
    assert sum(in_place) >= len(sent) - 12 and not all(in_place)


def test_the_room_made_for_new_texts_covers_the_smallest_events():
    # the parser writes a new text's place without a check: the room made for a batch must
    # cover one new text per event even when every text is empty or one byte
    for k in (1, 2, 100, 8192):
        rows = [(i, "", i, chr(32 + i % 90)[: i % 2], "") for i in range(1, k + 1)]
        body = encode(rows, sizes=(k,))[19:]  # one COPY row and the trailer, no header
        assert bulk.most_events(len(body)) >= k
    rows = [(i, "", i, str(i), "") for i in range(1, 3001)]
    (ids, _us, _kind, subject, _data), (_k, subjects, _d) = bulk.columns_of(
        [encode(rows, sizes=(3000,))]
    )
    assert ids.tolist() == list(range(1, 3001))
    assert [subjects[s] for s in subject] == [str(i) for i in range(1, 3001)]


def test_a_truncated_stream_is_refused():
    data = encode(sample_rows(10, 1), sizes=(3,))
    with pytest.raises(ValueError, match="truncated"):
        bulk.columns_of([data[:-20]])
    with pytest.raises(ValueError, match="truncated"):
        bulk.columns_of([data[:-2]])  # every row, but no trailer


def test_microseconds_and_berlin_days_as_python_computes_them():
    rng = np.random.default_rng(3)
    spring = dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC).timestamp()  # clocks go forward
    autumn = dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC).timestamp()
    edges = [spring + d for d in (-1e-7, -0.5e-6, 0.0, 1e-6)]
    edges += [autumn + d for d in (-1e-7, 0.0)]
    edges += [
        dt.datetime(2026, 1, 1, 22, 59, 59, tzinfo=dt.UTC).timestamp() + 0.9999996,
        0.0,
        -1.5,
        -1e-7,
        -3_000_000_000.25,  # 1874: Berlin's local mean time, an offset of odd seconds
    ]
    values = np.r_[rng.uniform(-1e9, 2e9, 5000), rng.uniform(1.7e9, 1.8e9, 5000), edges]
    values[:200] = np.round(values[:200], 3)
    us = bulk.micros(values)
    for ts, got in zip(values.tolist(), us.tolist(), strict=True):
        moment = dt.datetime.fromtimestamp(ts, dt.UTC)
        assert got == (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(
            microseconds=1
        )
    days = bulk.local_days(us)
    expected = [engine.local_day(ts) for ts in values.tolist()]
    assert [d.item() for d in days] == expected


# -- the stored rows (PostgreSQL: the bulk path is PostgreSQL's) ----------------------------
pg = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the bulk recompute runs on PostgreSQL"
)


def python_rows(monkeypatch) -> dict:
    monkeypatch.setattr(aggregates, "_PYTHON_WRITE", True)
    aggregates.recompute()
    monkeypatch.setattr(aggregates, "_PYTHON_WRITE", False)
    return snapshot()


@pg
@pytest.mark.django_db
def test_copy_out_leaves_the_connection_usable_after_the_end_an_early_stop_and_an_error():
    """copy_out talks to libpq directly; psycopg and Django must find the line idle after it."""
    from django.db import DatabaseError, transaction

    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    sql = "COPY (SELECT n, repeat('x', n) FROM generate_series(1, 2000) n) TO STDOUT"
    rows = list(bulk.copy_out(pgconn, sql))
    assert len(rows) == 2000 and bytes(rows[-1]) == b"2000\t" + b"x" * 2000 + b"\n"
    stopped = bulk.copy_out(pgconn, sql)
    assert bytes(next(stopped)) == b"1\tx\n"
    stopped.close()  # the reader gives up after one row: the rest is drained
    with connection.cursor() as cur:
        cur.execute("SELECT 41 + 1")
        assert cur.fetchone() == (42,)
    with pytest.raises(DatabaseError, match="no_such_table"), transaction.atomic():
        list(bulk.copy_out(pgconn, "COPY no_such_table TO STDOUT"))
    with connection.cursor() as cur, cur.copy("COPY (SELECT 7) TO STDOUT") as copy:
        assert b"".join(bytes(c) for c in copy) == b"7\n"  # psycopg's own COPY still works


@pg
@pytest.mark.django_db
def test_reading_ahead_in_a_thread_gives_every_chunk_and_leaves_the_line_idle():
    from django.db import DatabaseError, transaction

    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    sql = "COPY (SELECT n, repeat('x', n) FROM generate_series(1, 3000) n) TO STDOUT"
    rows = [bytes(r) for r in bulk.read_ahead(bulk.copy_out(pgconn, sql), depth=4)]
    assert rows == [bytes(r) for r in bulk.copy_out(pgconn, sql)] and len(rows) == 3000
    ahead = bulk.read_ahead(bulk.copy_out(pgconn, sql), depth=2)
    assert bytes(next(ahead)) == b"1\tx\n"
    ahead.close()  # the parser gives up early: the thread stops, the rest is drained
    with connection.cursor() as cur:
        cur.execute("SELECT 41 + 1")
        assert cur.fetchone() == (42,)
    with pytest.raises(DatabaseError, match="no_such_table"), transaction.atomic():
        list(bulk.read_ahead(bulk.copy_out(pgconn, "COPY no_such_table TO STDOUT")))
    assert not [t for t in threading.enumerate() if t.name == "cockpit-copy-out"]
    with connection.cursor() as cur:
        cur.execute("SELECT 6 * 7")
        assert cur.fetchone() == (42,)


@pg
@pytest.mark.django_db
def test_bulk_rows_equal_the_python_rows_in_small_batches(harz, monkeypatch):
    write(random_log(seed=21, cases=120))
    other_events(START)
    expected = python_rows(monkeypatch)
    assert expected["facts"] and expected["steps"] and expected["metrics"]
    monkeypatch.setattr(bulk, "BATCH_BYTES", 4096)
    monkeypatch.setattr(bulk, "ROWS", 100)
    monkeypatch.setattr(bulk, "WRITE_ROWS", 17)
    assert aggregates.recompute() == len(expected["facts"])
    assert snapshot() == expected


@pg
@pytest.mark.django_db
def test_odd_names_and_values_are_stored_as_the_python_path_stores_them(harz, monkeypatch):
    at = START
    odd = ["tab\there", 'back\\slash "quoted"', "neue\nZeile", "Prüfung ß €", "x" * 130]
    for n, name in enumerate(odd):
        for step, (activity, kind) in enumerate(
            [("received", "queue"), ("transition", "work"), ("decided", "done")]
        ):
            data = {
                "activity": activity,
                "service": name[:120],
                "org_unit": name[:120],
                "channel": "online",
                "procedure": name[:120],
                "state": name[:60],
                "state_kind": kind,
                "source": name,  # stored cut to 60 characters
                "outcome": "granted" if activity == "decided" else "",
            }
            if activity == "received":
                data["target_at"] = "2026-02-01"  # a date: end of that day in Berlin
                data["complete"] = n % 2 == 0
            record_event(
                f"case.{activity}",
                subject=f"case:odd-{n}",
                data=data,
                occurred_at=at + dt.timedelta(seconds=3600 * step + 0.1234567 * n),
            )
    # a case without case.received, one with equal times, one never decided
    record_event("case.assigned", subject="case:bare", data={}, occurred_at=at)
    record_event("import.step", subject="case:bare", data={"activity": "x"}, occurred_at=at)
    record_event(
        "case.received",
        subject="case:open",
        data={"state": "new", "state_kind": "queue", "target_at": None},
        occurred_at=at + dt.timedelta(days=400, microseconds=1),
    )
    record_event("case.received", subject="", data={"state": "x"}, occurred_at=at)  # no case
    record_event(  # an integer beyond 64 bits (orjson would read it as a float)
        "case.received",
        subject="case:big-number",
        data={"state": "new", "source": 123456789012345678901234567890},
        occurred_at=at,
    )
    expected = python_rows(monkeypatch)
    assert len(expected["facts"]) == len(odd) + 3
    assert CaseFact.objects.get(subject="case:big-number").source.startswith("12345678901234")
    aggregates.recompute()
    assert snapshot() == expected
    row = aggregates.CaseFact.objects.get(subject="case:odd-0")
    assert row.service == odd[0] and row.fold["source"] == odd[0]


def _fact_indexes() -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1",
            [CaseFact._meta.db_table],
        )
        indexes = cur.fetchall()
        cur.execute(  # the primary key and the unique subject: dropped for the write too
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass ORDER BY 1",
            [CaseFact._meta.db_table],
        )
        return indexes + cur.fetchall()


@pg
@pytest.mark.django_db
def test_the_indexes_dropped_for_the_write_are_back_after_it_and_after_a_failure(harz, monkeypatch):
    write(random_log(seed=5, cases=30))
    before = _fact_indexes()
    assert len(before) > 4  # the model's own indexes, not only the primary key and unique
    assert {c[0] for c in before if c[1] in ("p", "u")} == {
        "cockpit_casefact_pkey",
        "cockpit_casefact_subject_key",
    }
    aggregates.recompute()
    assert _fact_indexes() == before
    assert CaseFact.objects.count() == 30

    def broken(folded, facts):
        during = _fact_indexes()
        assert len(during) < len(before)
        assert not [c for c in during if c[1] in ("p", "u")]  # dropped while the rows are written
        raise RuntimeError("the write fails")

    monkeypatch.setattr(bulk, "write_facts", broken)
    with pytest.raises(RuntimeError), transaction.atomic():
        aggregates.recompute()
    assert _fact_indexes() == before
    assert CaseFact.objects.count() == 30  # the old rows, as before the failed recompute


@pg
@pytest.mark.django_db
def test_monthly_rows_from_the_contributions_equal_the_days_summed(harz, monkeypatch):
    # the bulk path groups the month rows from the facts' contributions; the Python path
    # sums the stored daily rows per month (rollup_months). A state whose kind differs
    # between the days of a month (the month keeps the greatest kind of its days, each day
    # the kind its last case gave it), months across a year's end and a DST change
    at = dt.datetime(2025, 10, 20, 9, tzinfo=dt.UTC)
    plan = [  # (case, day offset of the decision, kind of the state "pruefung")
        (0, 1, "work"), (1, 1, "queue"), (2, 3, "queue"), (3, 9, "applicant"),
        (4, 9, "work"), (5, 42, "queue"), (6, 74, "Work"), (7, 73, "work"),
    ]  # fmt: skip
    for case, offset, kind in plan:
        for step, (activity, state, state_kind) in enumerate(
            [("received", "neu", "queue"), ("transition", "pruefung", kind)]
        ):
            record_event(
                f"case.{activity}",
                subject=f"case:kind-{case}",
                data={"activity": activity, "service": "bau", "org_unit": "bauamt",
                      "channel": "online", "state": state, "state_kind": state_kind},
                occurred_at=at + dt.timedelta(days=offset - 1, hours=case + step),
            )  # fmt: skip
        record_event(
            "case.decided",
            subject=f"case:kind-{case}",
            data={"activity": "decided", "state": "fertig", "state_kind": "done"},
            occurred_at=at + dt.timedelta(days=offset, hours=case),
        )
    expected = python_rows(monkeypatch)
    kinds = dict(MonthlyStepStat.objects.filter(state="pruefung").values_list("month", "kind"))
    assert kinds == {
        dt.date(2025, 10, 1): "work",  # queue, work and applicant that month
        dt.date(2025, 12, 1): "queue",
        dt.date(2026, 1, 1): "work",  # "Work" and "work": the greater
    }
    assert MonthlyCaseStat.objects.values("month").distinct().count() == 4  # October-January
    aggregates.recompute()
    assert snapshot() == expected


@pg
@pytest.mark.django_db
def test_the_python_path_reads_the_case_events_in_the_order_of_their_ids(harz):
    # which case decides a day's figure follows the order the facts come in; a row that
    # moved in the table (an update's new version here, free space reused after deleted
    # rows in a test database) came last in a scan: the Python path's monthly kind then
    # differed from run to run (the test above failed once under -n 2)
    at = dt.datetime(2025, 10, 20, 9, tzinfo=dt.UTC)
    for case in range(3):
        record_event(
            "case.received",
            subject=f"case:order-{case}",
            data={"activity": "received", "service": "bau", "state": "neu"},
            occurred_at=at + dt.timedelta(hours=case),
        )
    table = Event._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT id FROM {table} WHERE subject LIKE 'case:order-%' ORDER BY id")  # noqa: S608
        ours = [i for (i,) in cur.fetchall()]
        # the last first: whatever the pages, the new versions come in descending order
        for pk in reversed(ours):
            cur.execute(f"UPDATE {table} SET data = data WHERE id = %s", [pk])  # noqa: S608
        cur.execute("SET LOCAL enable_indexscan = off")
        cur.execute("SET LOCAL enable_bitmapscan = off")
        cur.execute(f"SELECT id FROM {table} WHERE id = ANY(%s)", [ours])  # noqa: S608
        scanned = [i for (i,) in cur.fetchall()]
    assert sorted(scanned) == ours
    assert scanned != ours  # the table's own order is not the ids' any more
    ids = [row[0] for row in aggregates._case_rows(ours[-1])]
    assert set(ours) <= set(ids)
    assert ids == sorted(ids)


def test_the_bulk_read_puts_the_events_in_the_order_of_their_ids():
    # the read's query gives a range of ids in its plan's order (on a log partitioned by
    # month, an import about an earlier month before smaller ids): the facts then come in
    # the ids' order all the same, as on the Python path
    day = 1_760_000_000_000_000
    data = '{"activity": "received", "service": "bau", "state": "neu"}'
    rows = [
        (12, "case.received", day + 3, "case:late", data),
        (10, "case.received", day + 1, "case:early", data),
        (13, "portal.search", day + 4, "", "{}"),
        (11, "case.received", day + 2, "case:middle", data),
    ]
    profiles = bulk.Profiles()
    columns, (kinds, subjects, _datas) = bulk.columns_of(
        [encode(rows, sizes=(4,))], each_batch=profiles.take
    )
    ordered = bulk._in_id_order(columns)
    assert ordered[0].tolist() == [10, 11, 12, 13]
    assert ordered[1].tolist() == [day + 1, day + 2, day + 3, day + 4]  # each column along
    assert [subjects[s] for s in ordered[3]] == ["case:early", "case:middle", "case:late", ""]
    log, others = bulk._to_log(*ordered, kinds, subjects, profiles)
    assert log.subjects == ["case:early", "case:middle", "case:late"]
    assert [e.kind for e in others] == ["portal.search"]
    in_order = tuple(c[ordered[0].argsort()] for c in ordered)
    assert bulk._in_id_order(in_order) is in_order  # nothing moved when nothing must


@pg
@pytest.mark.django_db
def test_the_bulk_read_of_a_log_partitioned_by_month_gives_the_events_in_the_order_of_ids():
    # the case recorded first happened two months later: PostgreSQL reads its id range as
    # an Append of the months' partitions, this month's first
    from django.utils import timezone

    from openkreis.core import partitions

    partitions.ensure_partitions(months_ahead=3)
    now = timezone.now()
    later = partitions.next_month(partitions.next_month(partitions.month_start(now)))
    data = {"activity": "received", "service": "bau", "state": "neu"}
    first = record_event("case.received", subject="case:recorded-first", data=data,
                         occurred_at=later + dt.timedelta(days=3))  # fmt: skip
    second = record_event("case.received", subject="case:recorded-second", data=data,
                          occurred_at=now)  # fmt: skip
    query = bulk._read_sql(second.pk)
    select = query[len("COPY (") : query.rindex(") TO STDOUT")]
    with connection.cursor() as cur:
        cur.execute(select)
        sent = [i for row in cur.fetchall() for i in row[0]]
    assert sent == [second.pk, first.pk]  # the plan's order: not the ids'
    log, _others = bulk.read(second.pk)
    assert log.subjects == ["case:recorded-first", "case:recorded-second"]
    assert log.id.tolist() == [first.pk, second.pk]


def test_a_text_hashes_alike_wherever_it_lies_and_differs_in_any_byte():
    # the parser hashes eight bytes at a time: a text's hash must not depend on where in
    # the buffer it starts (equal texts must get one code), and any byte counts
    rng = random.Random(9)
    for n in (0, 1, 7, 8, 9, 15, 16, 17, 64, 203):
        text = bytes(rng.randrange(256) for _ in range(n))
        hashes = set()
        for lead in range(9):
            buf = np.frombuffer(bytes(lead) + text + b"\xff" * 8, np.uint8)
            hashes.add(int(_pgcopy._fnv(buf, lead, n)))
        assert len(hashes) == 1
        (same,) = hashes
        for k in range(n):  # each step is a bijection of the hash: one byte changes it
            changed = bytearray(text)
            changed[k] ^= 1 << rng.randrange(8)
            assert int(_pgcopy._fnv(np.frombuffer(bytes(changed), np.uint8), 0, n)) != same


def test_the_loads_read_integers_as_struct_reads_them_at_every_offset():
    # the parser's one-load reads (_pgcopy._load): PostgreSQL's big-endian signed integers
    # of 2, 4 and 8 bytes and the hash's machine-order word, at any alignment
    rng = random.Random(4)
    raw = bytes(rng.randrange(256) for _ in range(64)) + b"\xff" * 8 + b"\x00" * 8 + b"\x80" * 8
    buf = np.frombuffer(raw, np.uint8)
    for p in range(len(raw) - 7):
        int2, int4, int8, word = _pgcopy._loads_at(buf, p)
        assert int2 == struct.unpack_from(">h", raw, p)[0]
        assert int4 == struct.unpack_from(">i", raw, p)[0]
        assert int8 == struct.unpack_from(">q", raw, p)[0]
        assert word == struct.unpack_from("=Q", raw, p)[0]


def test_texts_are_equal_only_when_every_byte_is():
    rng = random.Random(6)
    for n in (0, 1, 7, 8, 9, 16, 23, 64, 231):
        text = bytes(rng.randrange(256) for _ in range(n))
        arena = np.frombuffer(b"ab" + text, np.uint8)
        for lead in range(9):
            buf = np.frombuffer(bytes(lead) + text + b"\x00" * 3, np.uint8)
            assert _pgcopy._same_py(arena, 2, buf, lead, n)
            for k in range(n):
                changed = bytearray(bytes(lead) + text + b"\x00" * 3)
                changed[lead + k] ^= 1 << rng.randrange(8)
                assert not _pgcopy._same_py(
                    arena, 2, np.frombuffer(bytes(changed), np.uint8), lead, n
                )


def test_data_texts_are_read_as_json_loads_reads_them():
    texts = [
        '{"a": 1, "b": [1.5, "ü\\t", null, true], "c": {"d": -0.0}}',
        '{"big": 123456789012345678901234567890}',  # beyond 64 bits: orjson's a float
        '{"n": -9223372036854775809, "m": 18446744073709551615, "k": 1234567890123456789}',
        '{"id": "12345678901234567890", "x": 1e400}',  # digits in a string; infinity
        '{"s": "\\ud800"}',  # a lone surrogate: orjson refuses, json.loads reads it
        '{"t": 1738281841.8177238, "x": 1e-7}',
    ]
    for text in texts:
        value = bulk._loads(text)
        assert value == json.loads(text) and repr(value) == repr(json.loads(text))
