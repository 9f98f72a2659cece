"""Compiled grouping for the daily and monthly rows of the full recompute (numba).

The steps of a million decided cases are ~7.6 million rows, grouped by (day, service, unit,
channel, state) into ~70,000 daily rows and again by hour buckets for their histograms.
numpy did it with stable sorts of the whole columns and its string functions: about 6 of
the recompute's CPU seconds, spent on a thread beside the facts' write, which then waited
for the cores (docs/scaling.md). Here a hash table finds the groups in one pass, only the
distinct keys are sorted, and the sums are taken group by group in one pass over the rows
(no row is moved). The histograms' JSON is written by _copytext.hist_json.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing's multiplier


@njit(cache=True, nogil=True, inline="always")
def _slot(v, shift):
    return np.int64((np.uint64(v) * _GOLDEN) >> np.uint64(shift))


@njit(cache=True, nogil=True)
def _table(keys, k, bits):
    """An open-addressing table (2**bits slots, code + 1 in each, 0 empty) of keys[:k]."""
    slots = np.zeros(1 << bits, np.int64)
    mask = (1 << bits) - 1
    for code in range(k):
        i = _slot(keys[code], 64 - bits)
        while slots[i] != 0:
            i = (i + 1) & mask
        slots[i] = code + 1
    return slots


@njit(cache=True, nogil=True)
def bounds(values):
    """The smallest and the greatest of (at least one) values."""
    low = high = values[0]
    for v in values:
        if v < low:
            low = v
        elif v > high:
            high = v
    return low, high


@njit(cache=True, nogil=True)
def add_digit(combined, key, low, width):
    """combined = combined * width + (key - low), in place."""
    for r in range(combined.size):
        combined[r] = combined[r] * width + (key[r] - low)


@njit(cache=True, nogil=True)
def group(combined):
    """Rows with equal (integer) keys: (group of each row, the first and the last row of
    each group, its number of rows). Groups are numbered in the order of their keys."""
    n = combined.size
    bits = 10
    slots = _table(combined, 0, bits)
    keys = np.empty(1 << (bits - 1), np.int64)
    first = np.empty(1 << (bits - 1), np.int64)
    last = np.empty(1 << (bits - 1), np.int64)
    counts = np.empty(1 << (bits - 1), np.int64)
    code = np.empty(n, np.int64)  # the first-seen code of each row
    k = 0
    mask = (1 << bits) - 1
    for r in range(n):
        v = combined[r]
        i = _slot(v, 64 - bits)
        while True:
            s = slots[i]
            if s == 0:
                if 2 * (k + 1) > (1 << bits):  # at most half full: grow, then probe again
                    bits += 1
                    keys, first, last, counts = (
                        _grown(keys, k, bits), _grown(first, k, bits),
                        _grown(last, k, bits), _grown(counts, k, bits),
                    )  # fmt: skip
                    slots = _table(keys, k, bits)
                    mask = (1 << bits) - 1
                    i = _slot(v, 64 - bits)
                    continue
                keys[k] = v
                first[k] = r
                last[k] = r
                counts[k] = 1
                slots[i] = k + 1
                code[r] = k
                k += 1
                break
            c = s - 1
            if keys[c] == v:
                last[c] = r
                counts[c] += 1
                code[r] = c
                break
            i = (i + 1) & mask
    by_key = np.argsort(keys[:k])  # distinct keys: any sort is stable
    rank = np.empty(k, np.int64)
    rank[by_key] = np.arange(k)
    for r in range(n):
        code[r] = rank[code[r]]
    return code, first[by_key], last[by_key], counts[by_key]


@njit(cache=True, nogil=True)
def _grown(a, k, bits):
    out = np.empty(1 << (bits - 1), np.int64)
    out[:k] = a[:k]
    return out


@njit(cache=True, nogil=True)
def sums(group, values, groups):
    """The exact integer sum of the values of each group."""
    out = np.zeros(groups, np.int64)
    for r in range(group.size):
        out[group[r]] += values[r]
    return out


@njit(cache=True, nogil=True)
def greatest(group, values, groups):
    """The greatest value of each group (the groups are never empty)."""
    out = np.full(groups, np.iinfo(np.int64).min, np.int64)
    for r in range(group.size):
        if values[r] > out[group[r]]:
            out[group[r]] = values[r]
    return out


def hist_pairs(group, bucket, weight, groups):
    """The distinct (group, bucket) pairs, ordered by group and then bucket, and the sum of
    the weights of each (int64 arrays; 0 <= group < groups; weights >= 0). The pairs are
    mostly distinct (millions of them): a hash table missed the cache at nearly every row
    and a stable sort by comparison took ~1 s; here the pair becomes one number (group,
    then bucket, as digits) with the weight in its low 32 bits, numpy sorts those numbers
    (by SIMD, ~0.1 s for 6.6 million), and one compiled pass adds up the runs. Where a
    weight or the pair does not fit, the pairs are sorted with the weights carried along."""
    if not group.size:
        return group[:0], bucket[:0], weight[:0]
    low, high = (int(x) for x in bounds(bucket))
    width = high - low + 1
    lightest, heaviest = (int(x) for x in bounds(weight))
    if groups * width < 1 << 31 and lightest >= 0 and heaviest < 1 << 32:
        packed = np.sort(_packed(group, bucket, weight, width, low))
        return _runs(packed, packed, 32, width, low)
    if groups * width < 1 << 62:
        key = group * width + (bucket - low)
        order = np.argsort(key, kind="stable")
        return _runs(key[order], weight[order], 0, width, low)
    order = np.lexsort((bucket, group))  # by group, then bucket
    g, b = group[order], bucket[order]
    starts = np.flatnonzero(np.r_[True, (g[1:] != g[:-1]) | (b[1:] != b[:-1])])
    return g[starts], b[starts], np.add.reduceat(weight[order], starts)


@njit(cache=True, nogil=True)
def _packed(group, bucket, weight, width, low):
    out = np.empty(group.size, np.int64)
    for r in range(group.size):
        out[r] = ((group[r] * width + (bucket[r] - low)) << 32) | weight[r]
    return out


@njit(cache=True, nogil=True)
def _runs(keys, weights, shift, width, low):
    """(group, bucket, summed weight) of each run of equal sorted keys; with `shift`, the
    weight is in the low `shift` bits of the key (and `weights` is not read)."""
    n = keys.size
    out_g = np.empty(n, np.int64)
    out_b = np.empty(n, np.int64)
    out_w = np.zeros(n, np.int64)
    mask = (1 << shift) - 1
    k = -1
    prev = -1
    for j in range(n):
        key = keys[j] >> shift
        w = keys[j] & mask if shift else weights[j]
        if key != prev:
            k += 1
            out_g[k], out_b[k] = key // width, key % width + low
            prev = key
        out_w[k] += w
    return out_g[: k + 1], out_b[: k + 1], out_w[: k + 1]
