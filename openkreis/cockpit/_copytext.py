"""A compiled writer of CaseFact rows in PostgreSQL's binary COPY format (numba).

The full recompute writes a million facts of about 1.3 kB each (three JSON columns). Built
with numpy's string functions the text cost about 50 CPU seconds per million facts; here one
loop writes the bytes of a part of the rows into one buffer. What it writes is exactly what
the earlier path wrote (tests/test_bulk.py compares the stored rows with the Python path's):

- every field is its length (four bytes, -1 for NULL) and its bytes, as binary COPY wants
  them: PostgreSQL neither scans the row for tabs and backslashes nor parses numbers, times
  or days (with COPY's text format that was about a third of the server's time in the
  facts' write, docs/scaling.md);
- texts come as an arena (all texts' UTF-8 bytes one after the other, and offsets), as
  they are; the JSON names (string literals) once per name;
- integers, times (microseconds since 2000-01-01 UTC) and days (since 2000-01-01) are
  big-endian integers of the column's width;
- the JSON columns are text: integers written digit by digit, floats as Python's `repr`
  (what `json.dumps` writes): a float that is exactly a whole number of microseconds below
  2**32 seconds (every time read from the database) is written here — its shortest form is
  its microseconds with the trailing zeros dropped, since any shorter decimal is at least
  1e-6 away and a float of that size is less than 1e-6 from the next one; every other float
  (sums of spans) is formatted before (as `repr` writes it: by orjson, or by `repr` itself
  where orjson's notation differs) and handed over as text (`needs_repr` says which).

`hist_json` writes the daily and monthly rows' histograms (JSON text) with the same
integer writer.
"""

from __future__ import annotations

import numpy as np
import orjson
from numba import njit

MICRO_LIMIT = 4294967296.0  # 2**32 seconds: below it a float is less than 1e-6 from the next


@njit(cache=True, nogil=True, inline="always")
def _exact_micros(x):
    """The whole number of microseconds that x is exactly (as a float), or -1 when x is
    not such a number or not in the range where its shortest form is those digits."""
    if x != x or x >= MICRO_LIMIT or x <= -MICRO_LIMIT:
        return -1
    if x != 0.0 and -1e-4 < x < 1e-4:  # repr writes an exponent there
        return -1
    k = np.int64(np.rint(x * 1e6))
    if np.float64(k) / 1e6 != x:
        return -1
    return abs(k)


@njit(cache=True, nogil=True)
def needs_repr(values):
    """Which floats Python has to format (see the module's docstring); NaN never."""
    out = np.empty(values.size, np.bool_)
    for i in range(values.size):
        x = values[i]
        out[i] = x == x and _exact_micros(x) < 0
    return out


@njit(cache=True, nogil=True, inline="always")
def _put(out, p, src, lo, hi):
    for k in range(lo, hi):
        out[p] = src[k]
        p += 1
    return p


@njit(cache=True, nogil=True, inline="always")
def _put_text(out, p, arena, offs, code):
    return _put(out, p, arena, offs[code], offs[code + 1])


@njit(cache=True, nogil=True, inline="always")
def _put_lit(out, p, lit):
    return _put(out, p, lit, 0, lit.size)


@njit(cache=True, nogil=True)
def _put_int(out, p, v):
    if v < 0:
        out[p] = 45
        p += 1
        v = -v
    n = 1  # digits (counted first: no buffer of its own, called ~20 M times per recompute)
    t = v
    while t >= 10:
        t //= 10
        n += 1
    for k in range(n - 1, -1, -1):
        out[p + k] = 48 + v % 10
        v //= 10
    return p + n


@njit(cache=True, nogil=True)
def _put_float(out, p, x, reprs, cursor):
    """x as repr writes it; returns (position, cursor in `reprs`, the comma-separated texts
    of the floats that needs_repr marked, in their order)."""
    k = _exact_micros(x)
    if k < 0:
        while cursor < reprs.size and reprs[cursor] != 44:
            out[p] = reprs[cursor]
            p += 1
            cursor += 1
        return p, cursor + 1
    if x < 0.0 or (x == 0.0 and np.signbit(x)):
        out[p] = 45
        p += 1
    p = _put_int(out, p, k // 1_000_000)
    out[p] = 46  # .
    p += 1
    frac = k % 1_000_000
    if frac == 0:
        out[p] = 48
        return p + 1, cursor
    width = 6
    while frac % 10 == 0:
        frac //= 10
        width -= 1
    for d in range(width - 1, -1, -1):
        out[p + d] = 48 + frac % 10
        frac //= 10
    return p + width, cursor


def _b(text: str) -> np.ndarray:
    return np.frombuffer(text.encode(), np.uint8)


# the literal pieces of a row, as bytes
TRUE, FALSE, JNULL = _b("true"), _b("false"), _b("null")
LBRACE, RBRACE, COMMA, COLON_OPEN, CLOSE = _b("{"), _b("}"), _b(", "), _b(": ["), _b("]")
QUOTE, GT, QUOTE_OPEN = _b('"'), _b(">"), _b('": [')
FOLD_KEYS = tuple(
    _b(k)
    for k in (
        '{"received_at": ',
        ', "decided_at": ',
        ', "target_at": ',
        ', "waiting": ',
        ', "applicant": ',
        ', "processing": ',
        ', "last_at": ',
        ', "last_id": ',
        ', "last_activity": ',
        ', "has_received": ',
        ', "source": ',
    )
)

COLUMNS = 26  # of a fact's row
HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # binary COPY: signature, flags, no extension
TRAILER = b"\xff\xff"
PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 UTC in microseconds since 1970
PG_EPOCH_DAY = 10_957  # … in days

# columns of the tuples handed to fact_rows
C_SERVICE, C_UNIT, C_CHANNEL, C_PROC, C_SOURCE, C_OUTCOME, C_STATE, C_KIND, C_LAST_ACT = range(9)
N_COMPLETE, N_REQUESTS, N_REOPENED, N_LAST_ID, N_LEAD, N_WAIT, N_APPL, N_PROC = range(8)
G_RECEIVED, G_DECIDED, G_TARGET, G_ON_TIME = range(4)
X_RECEIVED, X_DECIDED, X_TARGET, X_WAIT, X_APPL, X_PROC, X_LAST, X_STEP, X_EDGE = range(9)
S_REC, S_DEC, S_TGT, S_LAST = range(4)  # times; days: D_REC, D_DEC
D_REC, D_DEC = range(2)
A_TEXT, A_SRC60, A_JSON, A_INNER = range(4)  # name arenas


@njit(cache=True, nogil=True, inline="always")
def _be(out, p, v, size):
    """v as a big-endian integer of `size` bytes (two's complement)."""
    for k in range(size):
        out[p + size - 1 - k] = (v >> (8 * k)) & 0xFF
    return p + size


@njit(cache=True, nogil=True, inline="always")
def _f_text(out, p, arena, offs, code):
    """A text field: its length, then its bytes as they are (no escaping in binary COPY)."""
    p = _be(out, p, offs[code + 1] - offs[code], 4)
    return _put(out, p, arena, offs[code], offs[code + 1])


@njit(cache=True, nogil=True, inline="always")
def _f_int(out, p, v, size):
    return _be(out, _be(out, p, size, 4), v, size)


@njit(cache=True, nogil=True, inline="always")
def _f_null(out, p):
    return _be(out, p, -1, 4)


@njit(cache=True, nogil=True, inline="always")
def _f_bool(out, p, b):
    p = _be(out, p, 1, 4)
    out[p] = 1 if b else 0
    return p + 1


@njit(cache=True, nogil=True)
def fact_rows(
    out, lo, hi, subjects, subject_offs, arenas, offsets, codes, nums, flags, floats,
    stamps, days, reprs, s_at, s_state, s_kind, s_vis, s_sec, e_at, e_src, e_dst, e_cnt, e_sec,
):  # fmt: skip
    """The binary COPY rows of facts lo..hi (the columns of bulk.write_facts, in that
    order) into `out`; returns the number of bytes. The subjects are those of the part (row
    r - lo); everything else is indexed by the fact: `stamps` microseconds and `days` days
    since PostgreSQL's epoch (2000-01-01)."""
    p = 0
    cur = np.zeros(len(reprs), np.int64)
    for r in range(lo, hi):
        i = r - lo
        p = _be(out, p, COLUMNS, 2)
        p = _be(out, p, subject_offs[i + 1] - subject_offs[i], 4)
        p = _put(out, p, subjects, subject_offs[i], subject_offs[i + 1])
        for c in (C_SERVICE, C_UNIT, C_CHANNEL, C_PROC):
            p = _f_text(out, p, arenas[A_TEXT], offsets[A_TEXT], codes[c][r])
        p = _f_text(out, p, arenas[A_SRC60], offsets[A_SRC60], codes[C_SOURCE][r])
        p = _f_int(out, p, stamps[S_REC][r], 8)
        p = _f_int(out, p, days[D_REC][r], 4)
        decided = flags[G_DECIDED][r]
        target = flags[G_TARGET][r]
        p = _f_int(out, p, stamps[S_DEC][r], 8) if decided else _f_null(out, p)
        p = _f_int(out, p, days[D_DEC][r], 4) if decided else _f_null(out, p)
        p = _f_text(out, p, arenas[A_TEXT], offsets[A_TEXT], codes[C_OUTCOME][r])
        p = _f_int(out, p, stamps[S_TGT][r], 8) if target else _f_null(out, p)
        on_time = flags[G_ON_TIME][r]
        p = _f_bool(out, p, on_time) if decided and target else _f_null(out, p)
        p = _f_int(out, p, nums[N_LEAD][r], 8) if decided else _f_null(out, p)
        for c in (N_WAIT, N_APPL, N_PROC):
            p = _f_int(out, p, nums[c][r], 8)
        complete = nums[N_COMPLETE][r]
        p = _f_null(out, p) if complete < 0 else _f_bool(out, p, complete > 0)
        for c in (N_REQUESTS, N_REOPENED):  # integer columns
            p = _f_int(out, p, nums[c][r], 4)
        for c in (C_STATE, C_KIND):
            p = _f_text(out, p, arenas[A_TEXT], offsets[A_TEXT], codes[c][r])
        p = _f_int(out, p, stamps[S_LAST][r], 8)
        # steps {"state": ["kind", seconds, visits], ...}; a JSON field's length is written
        # when its text is
        field = p
        p = _put_lit(out, p + 4, LBRACE)
        for q in range(s_at[r], s_at[r + 1]):
            if q > s_at[r]:
                p = _put_lit(out, p, COMMA)
            p = _put_text(out, p, arenas[A_JSON], offsets[A_JSON], s_state[q])
            p = _put_lit(out, p, COLON_OPEN)
            p = _put_text(out, p, arenas[A_JSON], offsets[A_JSON], s_kind[q])
            p = _put_lit(out, p, COMMA)
            p, cur[X_STEP] = _put_float(out, p, s_sec[q], reprs[X_STEP], cur[X_STEP])
            p = _put_lit(out, p, COMMA)
            p = _put_int(out, p, s_vis[q])
            p = _put_lit(out, p, CLOSE)
        p = _put_lit(out, p, RBRACE)
        _be(out, field, p - field - 4, 4)
        # edges {"a>b": [count, seconds], ...}
        field = p
        p = _put_lit(out, p + 4, LBRACE)
        for q in range(e_at[r], e_at[r + 1]):
            if q > e_at[r]:
                p = _put_lit(out, p, COMMA)
            p = _put_lit(out, p, QUOTE)
            p = _put_text(out, p, arenas[A_INNER], offsets[A_INNER], e_src[q])
            p = _put_lit(out, p, GT)
            p = _put_text(out, p, arenas[A_INNER], offsets[A_INNER], e_dst[q])
            p = _put_lit(out, p, QUOTE_OPEN)
            p = _put_int(out, p, e_cnt[q])
            p = _put_lit(out, p, COMMA)
            p, cur[X_EDGE] = _put_float(out, p, e_sec[q], reprs[X_EDGE], cur[X_EDGE])
            p = _put_lit(out, p, CLOSE)
        p = _put_lit(out, p, RBRACE)
        _be(out, field, p - field - 4, 4)
        # fold: what the incremental refresh continues from
        field = p
        p += 4
        for k in range(7):  # received_at … last_at: the floats X_RECEIVED … X_LAST
            p = _put_lit(out, p, FOLD_KEYS[k])
            x = floats[k][r]
            if x != x:
                p = _put_lit(out, p, JNULL)
            else:
                p, cur[k] = _put_float(out, p, x, reprs[k], cur[k])
        p = _put_lit(out, p, FOLD_KEYS[7])
        p = _put_int(out, p, nums[N_LAST_ID][r])
        p = _put_lit(out, p, FOLD_KEYS[8])
        p = _put_text(out, p, arenas[A_JSON], offsets[A_JSON], codes[C_LAST_ACT][r])
        p = _put_lit(out, p, FOLD_KEYS[9])
        p = _put_lit(out, p, TRUE if flags[G_RECEIVED][r] else FALSE)
        p = _put_lit(out, p, FOLD_KEYS[10])
        p = _put_text(out, p, arenas[A_JSON], offsets[A_JSON], codes[C_SOURCE][r])
        p = _put_lit(out, p, RBRACE)
        _be(out, field, p - field - 4, 4)
    return p


def arena(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Texts -> (their UTF-8 bytes one after the other, offsets)."""
    blob = "".join(texts).encode()
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    if len(blob) != int(lengths.sum()):  # not all ASCII: the lengths in bytes
        lengths = np.fromiter((len(t.encode()) for t in texts), np.int64, len(texts))
    offs = np.zeros(len(texts) + 1, np.int64)
    np.cumsum(lengths, out=offs[1:])
    return np.frombuffer(blob, np.uint8), offs  # read-only, as every text handed over


REPR_SLICE = 32768  # floats per call: the GIL is let go between two


def reprs_of(values: np.ndarray) -> np.ndarray:
    """The comma-separated repr of the floats `needs_repr` marks, as bytes.

    Written by orjson (compiled; for finite floats of magnitude 1e-4 and more, and zero,
    its text is Python's `repr`: the shortest digits that read back as the same float, in
    the same notation, tested against `repr` in tests/test_copytext.py), the others (tiny,
    infinite) by `repr` itself. Python's `repr` of the ~16 M floats of a million facts took
    about 9 of the write's 13 Python seconds. In slices: a call into C keeps the GIL to its
    end, and the thread that hands the COPY to PostgreSQL waits for it meanwhile (with one
    `join` over 300,000 reprs the server sat idle a third of the facts' write,
    docs/scaling.md)."""
    chosen = np.ascontiguousarray(values[needs_repr(values)], dtype=np.float64)
    plain = np.isfinite(chosen) & ((np.abs(chosen) >= 1e-4) | (chosen == 0.0))
    parts: list[bytes] = []
    start = 0
    for i in [*np.flatnonzero(~plain).tolist(), chosen.size]:
        for lo in range(start, i, REPR_SLICE):
            hi = min(lo + REPR_SLICE, i)
            parts.append(orjson.dumps(chosen[lo:hi], option=orjson.OPT_SERIALIZE_NUMPY)[1:-1])
        if i < chosen.size:
            parts.append(float(chosen[i]).__repr__().encode())
        start = i + 1
    return np.frombuffer(b",".join(parts), np.uint8)


@njit(cache=True, nogil=True)
def hist_json(g, b, counts, groups):
    """{"<bucket>": count, …} per group as JSON text (as json.dumps writes a dict of str
    keys), from pairs ordered by group and bucket; "{}" for a group without pairs.
    Returns (the texts' bytes one after the other, offsets). Here beside _put_int: numba's
    cache does not notice a change to a function of another module that a cached one calls."""
    out = np.empty(groups * 2 + g.size * 46, np.uint8)
    offs = np.empty(groups + 1, np.int64)
    p = 0
    q = 0
    for x in range(groups):
        offs[x] = p
        out[p] = 123  # {
        p += 1
        begin = q
        while q < g.size and g[q] == x:
            if q > begin:
                out[p] = 44  # ,
                out[p + 1] = 32
                p += 2
            out[p] = 34  # "
            p = _put_int(out, p + 1, b[q])
            out[p] = 34
            out[p + 1] = 58  # :
            out[p + 2] = 32
            p = _put_int(out, p + 3, counts[q])
            q += 1
        out[p] = 125  # }
        p += 1
    offs[groups] = p
    if p > out.size:  # never: 46 bytes are the longest pair (numba checks no bounds)
        raise ValueError("histogram text longer than its buffer")
    return out[:p], offs
