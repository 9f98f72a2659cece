"""A compiled reader of PostgreSQL's binary COPY format for the event log (numba).

The full recompute reads every event once: `COPY (SELECT array_agg(id), array_agg(kind),
array_agg(occurred_at), array_agg(subject), array_agg(data) … per range of ids) TO STDOUT
(FORMAT binary)` — one COPY row, and so one protocol message, for thousands of events (a
message per event cost more than everything else on the reading side, docs/scaling.md). This
module walks the bytes and turns them into columns: the id, the time in microseconds since the
epoch, and small integer codes for the kind, the subject and the data (each distinct text
once). Nothing is decoded per row in Python: a text is interned by a 64-bit FNV-1a hash (of
eight bytes at a time) and then compared byte for byte with the first text that had that
hash, so equal codes always mean equal texts (a hash collision gets a code of its own).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 UTC in microseconds since 1970


class Vocab:
    """One interned column: the texts one after the other in `arena` (text `c` is
    arena[offs[c]:offs[c + 1]]), the hash of each, and an open-addressing table of codes by
    hash (`slots`: a row per slot, the hash beside code + 1, 0 is empty; a full hash equal
    but a text different is simply the next slot). The hash in the slot itself spares the
    lookup a read of `hashes[code]` at a random place (a million subjects: 16 MB of slots,
    far beyond the caches). Grown between batches, never inside one."""

    def __init__(self):
        self.slots = np.zeros((1 << 13, 2), np.int64)
        self.hashes = np.zeros(1 << 12, np.int64)
        self.arena = np.empty(1 << 16, np.uint8)
        self.offs = np.zeros(1 << 12, np.int64)
        self.n = np.zeros(1, np.int64)  # texts so far

    def room(self, nbytes: int, rows: int) -> None:
        """Make room for a batch of nbytes bytes with at most `rows` new texts."""
        n = int(self.n[0])
        used = int(self.offs[n])
        if self.arena.size < used + nbytes:
            grown = np.empty(max(2 * self.arena.size, used + nbytes), np.uint8)
            grown[:used] = self.arena[:used]
            self.arena = grown
        if self.offs.size < n + rows + 1:
            size = max(2 * self.offs.size, n + rows + 1)
            grown = np.zeros(size, np.int64)
            grown[: self.offs.size] = self.offs
            self.offs = grown
            grown = np.zeros(size, np.int64)
            grown[: self.hashes.size] = self.hashes
            self.hashes = grown
        if self.slots.shape[0] < 2 * (n + rows):  # at most half full: short probes
            size = 1 << (2 * (n + rows) - 1).bit_length()
            self.slots = _rehash(self.hashes, n, size)

    def texts(self, first: int = 0) -> list[str]:
        """The texts of codes first, first + 1, … (all of them by default)."""
        n = int(self.n[0])
        first = min(first, n)
        base = int(self.offs[first])
        blob = self.arena[base : self.offs[n]].tobytes()
        offs = (self.offs[first : n + 1] - base).tolist()
        return [blob[offs[c] : offs[c + 1]].decode() for c in range(n - first)]

    def long_numbers(self, first: int = 0) -> np.ndarray:
        """Of the texts of codes first, first + 1, …: whether one holds a run of 19 digits
        or more (an integer that may not fit into 64 bits; bulk._loads)."""
        return digit_runs(self.arena, self.offs, min(first, int(self.n[0])), int(self.n[0]), 19)

    def state(self):
        return self.slots, self.hashes, self.arena, self.offs, self.n


@njit(cache=True, nogil=True)
def digit_runs(arena, offs, first, n, run):
    """Per text first..n-1 of an arena: whether it holds `run` ASCII digits in a row."""
    out = np.zeros(n - first, np.bool_)
    for c in range(first, n):
        length = 0
        for k in range(offs[c], offs[c + 1]):
            if 48 <= arena[k] <= 57:
                length += 1
                if length >= run:
                    out[c - first] = True
                    break
            else:
                length = 0
    return out


@njit(cache=True, nogil=True, inline="always")
def _slot(h, mask):
    return (h ^ (h >> 29)) & mask


@njit(cache=True, nogil=True)
def _rehash(hashes, n, size):
    slots = np.zeros((size, 2), np.int64)
    mask = size - 1
    for code in range(n):
        i = _slot(hashes[code], mask)
        while slots[i, 1] != 0:
            i = (i + 1) & mask
        slots[i, 0] = hashes[code]
        slots[i, 1] = code + 1
    return slots


def _load(bits: int, big_endian: bool):
    """An intrinsic: the `bits`-wide integer at byte p of a uint8 array, one unaligned load
    (numba's own indexing turned each byte into a load with a check for negative indices,
    and the parser reads every byte of the 2.3 GB of a million cases: the hash and the
    comparisons 2.5-6x faster with one load a word, measured on a COPY stream). Big-endian
    (PostgreSQL's order) signed, sign-extended to 64 bits; else in the machine's order
    (little-endian on x86 and ARM), unsigned. Callers read only bytes they know to lie in
    the buffer."""

    @intrinsic
    def load(typingctx, buf, p):
        if not (
            isinstance(buf, types.Array)
            and buf.dtype == types.uint8
            and buf.layout == "C"
            and isinstance(p, types.Integer)
        ):
            return None

        def codegen(context, builder, signature, args):
            array = context.make_array(signature.args[0])(context, builder, args[0])
            at = builder.bitcast(builder.gep(array.data, [args[1]]), ir.IntType(bits).as_pointer())
            value = builder.load(at, align=1)
            if not big_endian:
                return value
            value = builder.bswap(value) if bits > 8 else value
            return builder.sext(value, ir.IntType(64)) if bits < 64 else value

        return (types.int64 if big_endian else types.uint64)(buf, p), codegen

    return load


_int2, _int4, _int8 = _load(16, True), _load(32, True), _load(64, True)
_word = _load(64, False)  # eight bytes at once, for the hash and the comparisons


@njit(cache=True, nogil=True)
def _fnv(buf, p, n):
    """FNV-1a over eight bytes at a time (the product's high bits folded back in after each
    word: a bijection of the hash for every word and of the word for every hash, so one
    changed byte changes it), the last n % 8 bytes one by one. Byte by byte it cost ~1 of
    the ~9 s the parser took for a million cases' 2.3 GB: one multiplication, in a chain,
    per byte. Only speed depends on the hash: every hit is compared byte for byte."""
    h = np.uint64(14695981039346656037)
    prime = np.uint64(1099511628211)
    k = 0
    while k + 8 <= n:
        h = (h ^ _word(buf, p + k)) * prime
        h ^= h >> np.uint64(29)
        k += 8
    while k < n:
        h = (h ^ np.uint64(buf[p + k])) * prime
        k += 1
    return np.int64(h)


@njit(cache=True, nogil=True, inline="always")
def _same(arena, at, buf, p, n):
    """Whether arena[at:at+n] equals buf[p:p+n]: eight bytes at a time, the rest one by one
    (byte by byte it was the parser's longest loop: every data text met again is compared
    whole, ~2 GB at a million cases)."""
    k = 0
    while k + 8 <= n:
        if _word(arena, at + k) != _word(buf, p + k):
            return False
        k += 8
    while k < n:
        if arena[at + k] != buf[p + k]:
            return False
        k += 1
    return True


@njit(cache=True, nogil=True)
def _intern(buf, p, n, h, vocab):
    """The code of buf[p:p+n] (hash h), a new one if the text is new."""
    slots, hashes, arena, offs, count = vocab
    mask = slots.shape[0] - 1
    i = _slot(h, mask)
    while True:
        s = slots[i, 1]
        if s == 0:
            code = count[0]
            slots[i, 0] = h
            slots[i, 1] = code + 1
            hashes[code] = h
            at = offs[code]
            arena[at : at + n] = buf[p : p + n]
            offs[code + 1] = at + n
            count[0] = code + 1
            return code
        if slots[i, 0] == h:  # the text's place is read only for an equal hash
            code = s - 1
            at = offs[code]
            if offs[code + 1] - at == n and _same(arena, at, buf, p, n):
                return code
        i = (i + 1) & mask


# the loads and the comparison callable from Python (tests: the parser's own reads)
@njit(cache=True)
def _loads_at(buf, p):
    """What each load reads at byte p: (2-, 4-, 8-byte big-endian, machine-order word)."""
    return _int2(buf, p), _int4(buf, p), _int8(buf, p), _word(buf, p)


@njit(cache=True)
def _same_py(arena, at, buf, p, n):
    return _same(arena, at, buf, p, n)


MORE, DONE, FULL = 0, 1, 2  # what `parse` stopped at


@njit(cache=True, nogil=True, inline="always")
def _elements(buf, p):
    """Of the one-dimensional array whose binary form starts at p: the number of elements
    and where the first one starts (an array without dimensions has none)."""
    if _int4(buf, p) == 0:
        return 0, p + 12
    return _int4(buf, p + 12), p + 20


@njit(cache=True, nogil=True, inline="always")
def _int8s(buf, q, k, out, row, add):
    """k eight-byte integers of an array's elements (from q) into out[row:], plus `add`."""
    for r in range(k):
        out[row + r] = _int8(buf, q + 4) + add
        q += 12


@njit(cache=True, nogil=True)
def _texts(buf, q, k, out, row, vocab, mask, skip, sink):
    """The codes of k texts of an array's elements (from q; NULL as the empty text), each
    element's first `skip` bytes left out (jsonb's version byte). In three passes over the
    k elements: where each text lies and its hash; the first slot of each hash, and for a
    hash found there the text's place in the arena, touched (loads that do not depend on
    one another, so the misses of tables far beyond the caches overlap, where one look-up
    after the other waited for each); then the look-ups themselves, from the caches.
    `sink`: what the touches read, kept so that the compiler keeps them."""
    lo = np.empty(k, np.int64)
    size = np.empty(k, np.int64)
    hash_ = np.empty(k, np.int64)
    for r in range(k):
        n = _int4(buf, q)
        n = n if n > 0 else 0
        cut = skip if n >= skip else n
        lo[r] = q + 4 + cut
        size[r] = n - cut
        hash_[r] = _fnv(buf, q + 4 + cut, n - cut) & mask
        q += 4 + n
    slots, _hashes, arena, offs, _count = vocab
    smask = slots.shape[0] - 1
    found = np.empty(k, np.int64)
    for r in range(k):
        i = _slot(hash_[r], smask)
        found[r] = slots[i, 1] - 1 if slots[i, 0] == hash_[r] else -1
    acc = 0
    for r in range(k):
        c = found[r]
        if c >= 0:
            acc += arena[offs[c]]
    sink[0] += acc
    for r in range(k):
        out[row + r] = _intern(buf, lo[r], size[r], hash_[r], vocab)


@njit(cache=True, nogil=True)
def parse(
    buf, pos, ids, us, kinds, subjects, datas, row, k_vocab, s_vocab, d_vocab, mask, d_skip, sink
):
    """COPY rows of buf from pos on into the columns from `row` on. A COPY row holds many
    events: five arrays of the same length (ids, kinds, times, subjects, data), so
    PostgreSQL sends one message for thousands of events. Texts are interned by their
    FNV-1a hash (`& mask`: all bits but in tests) and compared byte for byte on a hit. The
    data's first `d_skip` bytes are left out: 1 for `jsonb` (its version byte), 0 for
    `json` (the text as it is stored).
    Stops when the buffer ends in the middle of a COPY row (MORE), at the trailer (DONE) or
    when the next row's events do not fit into the columns (FULL). Returns (pos after the
    last whole row, rows, state, the events of the row that did not fit)."""
    end = buf.size
    cap = ids.size
    while True:
        if pos + 2 > end:
            return pos, row, MORE, 0
        nfields = _int2(buf, pos)
        if nfields == -1:
            return pos + 2, row, DONE, 0
        # a row is taken only when it is complete: find its end first
        p = pos + 2
        for _f in range(nfields):
            if p + 4 > end:
                return pos, row, MORE, 0
            n = _int4(buf, p)
            p += 4 + (n if n > 0 else 0)
            if p > end:
                return pos, row, MORE, 0
        row_end = p
        p = pos + 2
        k, q = _elements(buf, p + 4)  # ids
        if row + k > cap:
            return pos, row, FULL, k
        _int8s(buf, q, k, ids, row, 0)
        p += 4 + _int4(buf, p)
        _k, q = _elements(buf, p + 4)  # kinds
        _texts(buf, q, k, kinds, row, k_vocab, mask, 0, sink)
        p += 4 + _int4(buf, p)
        _k, q = _elements(buf, p + 4)  # occurred_at
        _int8s(buf, q, k, us, row, PG_EPOCH_US)
        p += 4 + _int4(buf, p)
        _k, q = _elements(buf, p + 4)  # subjects
        _texts(buf, q, k, subjects, row, s_vocab, mask, 0, sink)
        p += 4 + _int4(buf, p)
        _k, q = _elements(buf, p + 4)  # data (jsonb: a version byte, then the text)
        _texts(buf, q, k, datas, row, d_vocab, mask, d_skip, sink)
        pos = row_end
        row += k


@njit(cache=True, nogil=True)
def first_seen(values, width):
    """Values (0 <= value < width) renumbered 0, 1, … in the order they first occur; and
    the value of each new number."""
    rank = np.full(width, -1, np.int64)
    firsts = np.empty(min(width, values.size), np.int64)
    out = np.empty(values.size, np.int64)
    k = 0
    for i in range(values.size):
        v = values[i]
        if rank[v] < 0:
            rank[v] = k
            firsts[k] = v
            k += 1
        out[i] = rank[v]
    return out, firsts[:k]
