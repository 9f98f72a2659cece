"""A compiled reader of PostgreSQL's binary COPY format for the event log (numba).

The full recompute reads every event once: `COPY (SELECT id, kind, occurred_at, subject,
data, jsonb_hash_extended(data, 0) …) TO STDOUT (FORMAT binary)`. This module walks the
bytes and turns them into columns: the id, the time in microseconds since the epoch, and
small integer codes for the kind, the subject and the data (each distinct text once).
Nothing is decoded per row in Python: a text is interned by a 64-bit hash (FNV-1a for kind
and subject, PostgreSQL's own jsonb hash for data) and then compared byte for byte with the
first text that had that hash, so equal codes always mean equal texts (a hash collision
gets a code of its own).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.typed import Dict

SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 UTC in microseconds since 1970
FIELDS = 6


class Vocab:
    """One interned column: hash -> code, and the texts one after the other in `arena`
    (text `c` is arena[offs[c]:offs[c + 1]]). Grown between batches, never inside one."""

    def __init__(self):
        self.table = Dict.empty(key_type=types.int64, value_type=types.int64)
        self.arena = np.empty(1 << 16, np.uint8)
        self.offs = np.zeros(1 << 12, np.int64)
        self.n = np.zeros(1, np.int64)  # texts so far

    def room(self, nbytes: int, rows: int) -> None:
        """Make room for a batch of nbytes bytes with at most `rows` new texts."""
        used = int(self.offs[self.n[0]])
        if self.arena.size < used + nbytes:
            grown = np.empty(max(2 * self.arena.size, used + nbytes), np.uint8)
            grown[:used] = self.arena[:used]
            self.arena = grown
        if self.offs.size < self.n[0] + rows + 1:
            grown = np.zeros(max(2 * self.offs.size, int(self.n[0]) + rows + 1), np.int64)
            grown[: self.offs.size] = self.offs
            self.offs = grown

    def texts(self) -> list[str]:
        n = int(self.n[0])
        blob = self.arena[: self.offs[n]].tobytes()
        offs = self.offs[: n + 1].tolist()
        return [blob[offs[c] : offs[c + 1]].decode() for c in range(n)]

    def state(self):
        return self.table, self.arena, self.offs, self.n


@njit(cache=True, nogil=True, inline="always")
def _int(buf, p, size):
    v = 0
    for k in range(size):
        v = (v << 8) | np.int64(buf[p + k])
    if size == 4 and v >= 2**31:
        v -= 2**32
    elif size == 2 and v >= 2**15:
        v -= 2**16
    return v


@njit(cache=True, nogil=True)
def _fnv(buf, p, n):
    h = np.uint64(14695981039346656037)
    prime = np.uint64(1099511628211)
    for k in range(n):
        h = (h ^ np.uint64(buf[p + k])) * prime
    return np.int64(h)


@njit(cache=True, nogil=True)
def _intern(buf, p, n, h, vocab):
    """The code of buf[p:p+n] (hash h), a new one if the text is new."""
    table, arena, offs, count = vocab
    while True:
        if h not in table:
            code = count[0]
            table[h] = code
            at = offs[code]
            arena[at : at + n] = buf[p : p + n]
            offs[code + 1] = at + n
            count[0] = code + 1
            return code
        code = table[h]
        at = offs[code]
        if offs[code + 1] - at == n:
            same = True
            for k in range(n):
                if arena[at + k] != buf[p + k]:
                    same = False
                    break
            if same:
                return code
        h = h * 6364136223846793005 + 1442695040888963407  # another slot for a collision


@njit(cache=True, nogil=True)
def parse(buf, pos, ids, us, kinds, subjects, datas, row, k_vocab, s_vocab, d_vocab):
    """Rows of buf from pos on into the columns from `row` on, until the buffer ends in the
    middle of a row or the columns are full. Returns (pos after the last whole row, rows,
    done: the trailer was read)."""
    end = buf.size
    cap = ids.size
    while row < cap:
        if pos + 2 > end:
            return pos, row, False
        nfields = _int(buf, pos, 2)
        if nfields == -1:
            return pos + 2, row, True
        # find the row's end first: a row is taken only when it is complete
        p = pos + 2
        whole = True
        for _f in range(nfields):
            if p + 4 > end:
                whole = False
                break
            n = _int(buf, p, 4)
            p += 4 + (n if n > 0 else 0)
            if p > end:
                whole = False
                break
        if not whole:
            return pos, row, False
        p = pos + 2
        n = _int(buf, p, 4)  # id
        ids[row] = _int(buf, p + 4, 8)
        p += 4 + n
        n = _int(buf, p, 4)  # kind
        kinds[row] = _intern(buf, p + 4, n, _fnv(buf, p + 4, n), k_vocab)
        p += 4 + n
        n = _int(buf, p, 4)  # occurred_at
        us[row] = _int(buf, p + 4, 8) + PG_EPOCH_US
        p += 4 + n
        n = _int(buf, p, 4)  # subject
        if n < 0:
            n = 0
        subjects[row] = _intern(buf, p + 4, n, _fnv(buf, p + 4, n), s_vocab)
        p += 4 + n
        n = _int(buf, p, 4)  # data (jsonb: a version byte, then the text)
        d_at = p + 4
        d_n = n
        p += 4 + (n if n > 0 else 0)
        h = _int(buf, p + 4, 8)  # jsonb_hash_extended(data, 0)
        p += 4 + 8
        if d_n <= 0:
            datas[row] = _intern(buf, d_at, 0, 0, d_vocab)
        else:
            datas[row] = _intern(buf, d_at + 1, d_n - 1, h, d_vocab)
        pos = p
        row += 1
    return pos, row, False
