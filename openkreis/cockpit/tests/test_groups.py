"""The compiled grouping of the daily and monthly rows (_groups.py) against numpy's sorts:
the same groups in the same order, the same sums, also where the hash table grows, where
the keys do not fit into one number together and where a histogram's pair or weight does
not fit into the packed form (its other two ways)."""

import json

import numpy as np
import pytest

from openkreis.cockpit import _groups, bulk


def reference_group(*keys):
    order = np.lexsort(keys[::-1])  # the first key first
    rows = np.stack(keys, axis=1)[order]
    new = np.r_[True, (rows[1:] != rows[:-1]).any(axis=1)]
    group = np.empty(order.size, np.int64)
    group[order] = np.cumsum(new) - 1
    return group


@pytest.mark.parametrize("size, spread", [(1, 1), (50, 3), (20_000, 40), (200_000, 5_000)])
def test_groups_are_numbered_in_key_order_with_first_last_and_counts(size, spread):
    rng = np.random.default_rng(size)
    keys = [rng.integers(-spread, spread, size) for _ in range(3)]  # the table grows
    group, first, last, counts = bulk._group(*keys)
    assert (group == reference_group(*keys)).all()
    n = int(group.max()) + 1
    rows = np.arange(size)
    want_first, want_last = np.full(n, size), np.full(n, -1)
    np.minimum.at(want_first, group, rows)
    np.maximum.at(want_last, group, rows)
    assert (first == want_first).all() and (last == want_last).all()
    assert (counts == np.bincount(group, minlength=n)).all()
    values = rng.integers(-(2**40), 2**40, size)
    want_sums, want_max = np.zeros(n, np.int64), np.full(n, np.iinfo(np.int64).min)
    np.add.at(want_sums, group, values)
    np.maximum.at(want_max, group, values)
    assert (bulk._sums(group, values, n) == want_sums).all()
    assert (_groups.greatest(group, values, n) == want_max).all()


def test_keys_too_wide_for_one_number_are_numbered_densely_first():
    rng = np.random.default_rng(5)
    wide = [rng.integers(-(2**40), 2**40, 3000) for _ in range(3)]
    wide[1][::7] = wide[1][0]  # repeated values in each key, groups of several rows
    wide[0][::3] = wide[0][0]
    wide[2][::2] = wide[2][0]
    group, _first, _last, counts = bulk._group(*wide)
    assert (group == reference_group(*wide)).all()
    assert counts.sum() == 3000


def reference_hist(group, bucket, weight):
    out = {}
    for g, b, w in zip(group.tolist(), bucket.tolist(), weight.tolist(), strict=True):
        out[(g, b)] = out.get((g, b), 0) + w
    pairs = sorted(out)
    return [p[0] for p in pairs], [p[1] for p in pairs], [out[p] for p in pairs]


@pytest.mark.parametrize(
    "buckets, weights",
    [
        (50, 1),  # packed: the weight in the low 32 bits
        (50, 2**33),  # a weight too large for the packed form
        (50, -5),  # negative weights: not packed either
        (2**40, 5),  # a pair too large for the packed form
        (2**61, 5),  # a pair too large for one number
    ],
)
def test_histogram_pairs_in_every_way_equal_a_dictionary(buckets, weights):
    rng = np.random.default_rng(buckets % 1000 + weights % 1000)
    n = 20_000
    group = rng.integers(0, 300, n)
    bucket = rng.integers(-3, 20, n) * (buckets // 20)
    weight = rng.integers(0, weights + 1, n) if weights > 0 else rng.integers(weights, 6, n)
    got = _groups.hist_pairs(group, bucket, weight, 300)
    assert [a.tolist() for a in got] == list(reference_hist(group, bucket, weight))


def test_histogram_json_as_json_dumps_writes_it():
    g = np.array([0, 0, 2, 2, 2], np.int64)
    b = np.array([1, 17, 0, 3, 123456], np.int64)
    c = np.array([4, 1, 2, 99, 10**12], np.int64)
    text = bulk._hist_text(g, b, c, 4)
    want = [{"1": 4, "17": 1}, {}, {"0": 2, "3": 99, "123456": 10**12}, {}]
    assert [str(t) for t in text] == [json.dumps(w) for w in want]
