"""The compiled COPY writer (_copytext.py) writes floats exactly as Python's repr (what
json.dumps writes), and integers and texts as binary COPY wants them. The whole
rows are compared with the Python path's in test_bulk.py (PostgreSQL)."""

import random
import struct

import numpy as np

from openkreis.cockpit import _copytext


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
