"""The compiled inner loop of the columnar fold (numba): `engine.fold_case`, for every case
of a log at once, over integer codes instead of strings.

It is the same loop as the pure-Python fold, statement for statement, so the floating-point
sums are added in the same order and come out identical (tests/test_columnar.py compares
every field on hand-made and random logs). Compiled once per machine: numba caches the
machine code next to this file (or in NUMBA_CACHE_DIR).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# what an event kind does to a case (engine._milestone)
R_OTHER, R_STEP, R_RECEIVED, R_DECIDED, R_REOPENED, R_REQUESTED = range(6)
# columns of a profile's codes (columnar.P_*)
_ACT, _STATE, _KIND, _SERVICE, _UNIT, _PROC, _CHANNEL, _SOURCE, _OUTCOME = range(9)
_COMPLETE, _TARGET = 9, 10  # -1/0/1, and the target's epoch seconds or NaN

INT_COLS = (
    "has_received",
    "outcome",
    "complete",
    "requests",
    "reopened",
    "service",
    "org_unit",
    "procedure",
    "channel",
    "source",
    "state",
    "state_kind",
    "last_id",
    "last_activity",
)
FLOAT_COLS = (
    "received_at",
    "decided_at",
    "target_at",
    "waiting_seconds",
    "applicant_seconds",
    "processing_seconds",
    "last_at",
)


@njit(cache=True, nogil=True, parallel=True)
def _by_case(case, at_bits, ids, kind, profile, n, parts, code_bits):
    """The events grouped by case: a stable counting sort in which each of `parts` threads
    takes a range of the log (not of the cases: every thread reads only its own events).
    Each event's time (its float's bits) and its id, kind and profile are written next to
    each other at the event's place (a row of `rec`, see `_word`), so that moving an event
    touches one cache line and the walk over a case reads memory in sequence.
    `starts[c]:starts[c+1]` are case c's rows of `rec`, in the log's order (the walk puts
    them in (time, id) order)."""
    m = case.size
    fill = np.zeros((parts, n), np.int64)
    id_range = np.zeros((parts, 2), np.int64)
    for t in prange(parts):
        lo, hi = m * t // parts, m * (t + 1) // parts
        mine = fill[t]
        low, high = 0, 0
        for i in range(lo, hi):
            mine[case[i]] += 1
            low = min(low, ids[i])
            high = max(high, ids[i])
        id_range[t, 0], id_range[t, 1] = low, high
    starts = np.empty(n + 1, np.int64)
    s = 0
    for c in range(n):  # case by case, thread by thread: the sort stays stable
        starts[c] = s
        for t in range(parts):
            k = fill[t, c]
            fill[t, c] = s
            s += k
        if s == starts[c]:  # the room for steps and edges assumes every case has an event
            raise ValueError("a case of the log has no events")
    starts[n] = s
    pb, kb = code_bits[0], code_bits[1]
    id_bits = 0
    while id_bits < 62 and (1 << id_bits) <= id_range[:, 1].max():
        id_bits += 1
    packed = id_range[:, 0].min() >= 0 and pb + kb + id_bits <= 63
    if not packed:
        pb, kb = 32, 31
    bits = np.array([pb, kb, 1 if packed else 0], np.int64)
    rec = np.empty((m, 2 if packed else 3), np.int64)
    for t in prange(parts):
        lo, hi = m * t // parts, m * (t + 1) // parts
        mine = fill[t]
        for i in range(lo, hi):
            j = mine[case[i]]
            mine[case[i]] = j + 1
            rec[j, 0] = at_bits[i]
            rec[j, 1] = (kind[i] << pb) | profile[i]
            if packed:
                rec[j, 1] |= ids[i] << (pb + kb)
            else:
                rec[j, 2] = ids[i]
    return starts, rec, bits


@njit(cache=True, nogil=True, inline="always")
def _word(rec, j, bits):
    """Row j's kind, profile and id. A row is the time's bits and one word: the id, kind and
    profile packed (id << (kind bits + profile bits) | kind << profile bits | profile) when
    they fit into 63 bits (`bits`: profile bits, kind bits, packed; as for every log seen so
    far); otherwise kind << 32 | profile and the id in a third column."""
    w = rec[j, 1]
    pb, kb = bits[0], bits[1]
    ident = w >> (pb + kb) if bits[2] else rec[j, 2]
    return (w >> pb) & ((1 << kb) - 1), w & ((1 << pb) - 1), ident


@njit(cache=True, nogil=True)
def _in_order(rec, at, lo, hi, bits):
    """Put rows lo:hi of rec (one case's events) in (time, id) order. They usually are
    already: the log is written as time goes on."""
    for j in range(lo + 1, hi):
        if at[j, 0] < at[j - 1, 0] or (
            at[j, 0] == at[j - 1, 0] and _word(rec, j, bits)[2] < _word(rec, j - 1, bits)[2]
        ):
            ids = np.empty(hi - lo, np.int64)
            for q in range(lo, hi):
                ids[q - lo] = _word(rec, q, bits)[2]
            seg = np.argsort(ids, kind="mergesort")
            seg = seg[np.argsort(at[lo:hi, 0][seg], kind="mergesort")]
            rows = rec[lo:hi][seg]  # a copy, in the new order
            rec[lo:hi] = rows
            return


@njit(cache=True, nogil=True, inline="always")
def _add_span(rows, seconds, lo, hi, c, a, b, match_b, span):
    """Add `span` to the row of key a (and b, if `match_b`) among rows[:, lo:hi] of case c,
    or append the row (c, a, b, 1); returns the new end. Rows are columns: case, key, b,
    count."""
    for q in range(lo, hi):
        if rows[1, q] == a and (not match_b or rows[2, q] == b):
            rows[3, q] += 1
            seconds[q] += span
            return hi
    rows[0, hi] = c
    rows[1, hi] = a
    rows[2, hi] = b
    rows[3, hi] = 1
    seconds[hi] = span
    return hi + 1


@njit(cache=True, nogil=True, parallel=True)
def fold_cases(
    case,
    at_bits,
    ids,
    kind,
    profile,
    n,
    profiles,
    kind_act,
    kind_role,
    state_kinds,
    parts,
    width,
    bits,
):
    """The fold of every case. With `width` (the number of names) > 0 each part also adds
    up the count and seconds of each (from, to) pair of activities in a width × width table
    of its own (for the KPIs' edge means, without reading the edge rows again); the tables
    are added up in the parts' order."""
    m = case.size
    starts, rec, bits = _by_case(case, at_bits, ids, kind, profile, n, parts, bits)
    pairs = np.zeros((parts, 2, max(width * width, 1)), np.float64)
    ints = np.empty((len(INT_COLS), n), np.int64)  # one row per column: no transpose later
    floats = np.empty((len(FLOAT_COLS), n), np.float64)
    # at most one step and one edge per event with a predecessor. Each of `parts` threads
    # takes a range of cases with about as many events as the others' and writes its rows
    # one after the other from row (its first event - its first case) on: room enough, as
    # its rows are at most its events less its cases. The ranges' rows are joined at the end.
    room = max(m - n, 1)
    steps = np.empty((4, room), np.int32)  # case, state, kind at first visit, visits
    step_seconds = np.empty(room, np.float64)
    edges = np.empty((4, room), np.int32)  # case, from activity, to activity, count
    edge_seconds = np.empty(room, np.float64)
    first_case = np.searchsorted(starts, np.arange(parts + 1) * m // parts)
    first_case[0] = 0
    first_case[parts] = n
    s_ends = np.empty(parts, np.int64)
    e_ends = np.empty(parts, np.int64)
    for part in prange(parts):
        ns = starts[first_case[part]] - first_case[part]
        ne = ns
        for c in range(first_case[part], first_case[part + 1]):
            ns, ne = _walk(
                c,
                starts[c],
                starts[c + 1],
                rec,
                profiles,
                kind_act,
                kind_role,
                state_kinds,
                ints,
                floats,
                steps,
                step_seconds,
                edges,
                edge_seconds,
                ns,
                ne,
                pairs[part],
                width,
                bits,
            )
        s_ends[part] = ns
        e_ends[part] = ne
    s_end = _join_parts(steps, step_seconds, starts, first_case, s_ends)
    e_end = _join_parts(edges, edge_seconds, starts, first_case, e_ends)
    for part in range(1, parts):
        pairs[0] += pairs[part]
    return (
        pairs[0],
        ints,
        floats,
        steps[:, :s_end],
        step_seconds[:s_end],
        edges[:, :e_end],
        edge_seconds[:e_end],
    )


@njit(cache=True, nogil=True)
def _walk(
    c,
    lo,
    hi,
    rec,
    profiles,
    kind_act,
    kind_role,
    state_kinds,
    ints,
    floats,
    steps,
    step_seconds,
    edges,
    edge_seconds,
    ns,
    ne,
    pairs,
    width,
    bits,
):
    """Case c (rows lo:hi of rec): its columns, and its steps and edges written from rows
    ns and ne on (and each edge added to `pairs` if width > 0); returns the ends of its
    steps and edges."""
    s_at = rec.view(np.float64)
    _in_order(rec, s_at, lo, hi, bits)
    queue, work = state_kinds[0], state_kinds[1]
    applicant_kind, done = state_kinds[2], state_kinds[3]
    received_at = s_at[lo, 0] if lo < hi else 0.0
    decided_at = np.nan
    target_at = np.nan
    outcome = 0
    complete_c = -1
    requests = 0
    reopened = 0
    waiting = 0.0
    applicant = 0.0
    processing = 0.0
    service = 0
    unit = 0
    procedure = 0
    channel = 0
    source = 0
    state = 0
    state_kind = 0
    last_at = 0.0
    last_id = 0
    last_activity = 0
    has_received = False
    s0 = ns
    e0 = ne
    for j in range(lo, hi):
        k, p, ident = _word(rec, j, bits)
        t = s_at[j, 0]
        activity = int(profiles[p, _ACT])
        if activity == 0:
            activity = kind_act[k]
        first = j == lo
        if not first:
            span = t - last_at
            if state_kind == queue:
                waiting += span
            elif state_kind == work:
                processing += span
            elif state_kind == applicant_kind:
                applicant += span
            if state_kind != 0 and state_kind != done:  # the time in this step
                key = state if state != 0 else last_activity
                ns = _add_span(steps, step_seconds, s0, ns, c, key, state_kind, False, span)
            # the time from the last activity to this one
            ne = _add_span(edges, edge_seconds, e0, ne, c, last_activity, activity, True, span)
            if width:
                pairs[0, last_activity * width + activity] += 1
                pairs[1, last_activity * width + activity] += span
        role = kind_role[k]
        if role != R_STEP or first:  # engine._milestone
            if role == R_RECEIVED and not has_received:
                has_received = True
                received_at = t
                target_at = profiles[p, _TARGET]
                complete_c = int(profiles[p, _COMPLETE])
                if int(profiles[p, _CHANNEL]) != 0:
                    channel = int(profiles[p, _CHANNEL])
                if int(profiles[p, _SOURCE]) != 0:
                    source = int(profiles[p, _SOURCE])
            elif role == R_DECIDED:
                decided_at = t
                outcome = int(profiles[p, _OUTCOME])
            elif role == R_REOPENED:
                reopened += 1
                decided_at = np.nan
                outcome = 0
            elif role == R_REQUESTED:
                requests += 1
            if first and not has_received:
                source = int(profiles[p, _SOURCE])
                target_at = profiles[p, _TARGET]
        if int(profiles[p, _SERVICE]) != 0:
            service = int(profiles[p, _SERVICE])
        if int(profiles[p, _UNIT]) != 0:
            unit = int(profiles[p, _UNIT])
        if int(profiles[p, _PROC]) != 0:
            procedure = int(profiles[p, _PROC])
        if channel == 0:
            channel = int(profiles[p, _CHANNEL])
        if int(profiles[p, _STATE]) != 0:
            state = int(profiles[p, _STATE])
        if int(profiles[p, _KIND]) != 0:
            state_kind = int(profiles[p, _KIND])
        last_activity = activity
        last_at = t
        last_id = ident
    ints[0, c] = 1 if has_received else 0
    ints[1, c] = outcome
    ints[2, c] = complete_c
    ints[3, c] = requests
    ints[4, c] = reopened
    ints[5, c] = service
    ints[6, c] = unit
    ints[7, c] = procedure
    ints[8, c] = channel
    ints[9, c] = source
    ints[10, c] = state
    ints[11, c] = state_kind
    ints[12, c] = last_id
    ints[13, c] = last_activity
    floats[0, c] = received_at
    floats[1, c] = decided_at
    floats[2, c] = target_at
    floats[3, c] = waiting
    floats[4, c] = applicant
    floats[5, c] = processing
    floats[6, c] = last_at
    return ns, ne


@njit(cache=True, nogil=True)
def _join_parts(rows, seconds, starts, first_case, ends):
    """Move each part's rows down behind the rows of the parts before it, in place; returns
    the number of rows. A part's rows move by the gap before them, in blocks no longer than
    that gap, first block first: no block overlaps where it is copied to, and no row is
    overwritten before it has moved."""
    end = ends[0]
    for part in range(1, ends.size):
        src = starts[first_case[part]] - first_case[part]
        k = ends[part] - src
        gap = src - end
        q = 0
        while gap and q < k:
            w = min(gap, k - q)
            for x in range(rows.shape[0]):
                rows[x, end + q : end + q + w] = rows[x, src + q : src + q + w]
            seconds[end + q : end + q + w] = seconds[src + q : src + q + w]
            q += w
        end += k
    return end


@njit(cache=True, nogil=True)
def pair_sums(src, dst, count, seconds, width):
    """Count and seconds summed per (from, to) pair, in the rows' order: dense width × width
    tables."""
    counts = np.zeros(width * width, np.float64)
    sums = np.zeros(width * width, np.float64)
    for q in range(src.size):
        p = src[q] * width + dst[q]
        counts[p] += count[q]
        sums[p] += seconds[q]
    return counts, sums


@njit(cache=True, nogil=True, parallel=True)
def case_figures(
    decided_at,
    received_at,
    target_at,
    complete,
    requests,
    reopened,
    waiting,
    applicant,
    work,
    parts,
):
    """One pass over the cases for the KPIs' counts and sums (columnar.kpis), each of
    `parts` threads over a range of cases, adding up in the cases' order; the parts' sums
    are added in the parts' order. Returns the counts (decided, with a target, on time,
    known completeness, first time right, incomplete, with requests, repeated requests,
    reopened), the sums over the decided cases (waiting, applicant and processing seconds,
    lead time) and the decided cases' lead times in the cases' order."""
    n = decided_at.size
    counts = np.zeros((parts, 9), np.int64)
    sums = np.zeros((parts, 4), np.float64)
    lead = np.empty(n, np.float64)
    for t in prange(parts):
        lo = n * t // parts
        # counted and added up in locals: the parts' rows of `counts` and `sums` share a
        # cache line, which two threads writing them at every case would pass back and forth
        decided = with_target = on_time = known = ftr = incomplete = 0
        with_requests = repeated = reopened_n = 0
        wait_s = applicant_s = work_s = lead_s = 0.0
        for c in range(lo, n * (t + 1) // parts):
            if decided_at[c] == decided_at[c]:  # decided (not NaN)
                span = decided_at[c] - received_at[c]
                lead[lo + decided] = span
                decided += 1
                wait_s += waiting[c]
                applicant_s += applicant[c]
                work_s += work[c]
                lead_s += span
                if target_at[c] == target_at[c]:
                    with_target += 1
                    if decided_at[c] <= target_at[c]:
                        on_time += 1
            if complete[c] != -1:
                known += 1
                if complete[c] == 1 and requests[c] == 0:
                    ftr += 1
                if complete[c] == 0:
                    incomplete += 1
            if requests[c] > 0:
                with_requests += 1
            if requests[c] > 1:
                repeated += 1
            if reopened[c] > 0:
                reopened_n += 1
        counts[t, 0], counts[t, 1], counts[t, 2] = decided, with_target, on_time
        counts[t, 3], counts[t, 4], counts[t, 5] = known, ftr, incomplete
        counts[t, 6], counts[t, 7], counts[t, 8] = with_requests, repeated, reopened_n
        sums[t, 0], sums[t, 1], sums[t, 2], sums[t, 3] = wait_s, applicant_s, work_s, lead_s
    end = counts[0, 0]
    for t in range(1, parts):  # each part's lead times behind the parts' before it
        lo = n * t // parts
        lead[end : end + counts[t, 0]] = lead[lo : lo + counts[t, 0]].copy()
        end += counts[t, 0]
        counts[0] += counts[t]
        sums[0] += sums[t]
    return counts[0], sums[0], lead[:end]


@njit(cache=True, nogil=True, parallel=True)
def waiting_groups(state, kind, seconds, width, waiting, parts, extra):
    """The step rows' seconds grouped by state, for the states whose last row's kind is one
    of `waiting` (as engine.step_waits names a state's kind by its last row): a stable
    counting sort in which each of `parts` threads takes a range of the rows. Returns
    starts (grouped[starts[k]:starts[k+1]] are state k's seconds in row order; `extra`
    follows as group `width`, so that its percentiles are taken side by side with the
    states'), the kind of each state's last row (-1: no rows) and whether the state was
    kept."""
    m = state.size
    counts = np.zeros((parts, width), np.int64)
    last = np.full((parts, width), -1, np.int64)
    for t in prange(parts):
        lo, hi = m * t // parts, m * (t + 1) // parts
        for q in range(lo, hi):
            counts[t, state[q]] += 1
            last[t, state[q]] = q
    last_kind = np.full(width, -1, np.int64)
    keep = np.zeros(width, np.bool_)
    for k in range(width):
        for t in range(parts):  # the last part with rows of k holds its last row
            if last[t, k] >= 0:
                last_kind[k] = kind[last[t, k]]
        for w in waiting:
            if last_kind[k] == w:
                keep[k] = True
    starts = np.zeros(width + 2, np.int64)
    s = 0
    for k in range(width):
        starts[k] = s
        for t in range(parts):
            rows = counts[t, k]
            counts[t, k] = s  # from here on: where part t writes its next row of k
            if keep[k]:
                s += rows
    starts[width] = s
    starts[width + 1] = s + extra.size
    grouped = np.empty(s + extra.size, seconds.dtype)
    grouped[s:] = extra
    for t in prange(parts):
        lo, hi = m * t // parts, m * (t + 1) // parts
        for q in range(lo, hi):
            k = state[q]
            if keep[k]:
                grouped[counts[t, k]] = seconds[q]
                counts[t, k] += 1
    return starts, grouped, last_kind, keep


@njit(cache=True, nogil=True)
def _select(v, k, left, right):
    """Put the value of rank k among v[left:right] at v[k], none greater before it and none
    smaller after it, in place (Hoare's selection with the median of three as pivot; after
    64 rounds numpy's introselect finishes, which has a linear worst case)."""
    right -= 1
    rounds = 0
    while right > left:
        rounds += 1
        if rounds > 64:  # pivots that keep missing (a crafted order): numpy's introselect
            v[left : right + 1] = np.partition(v[left : right + 1], k - left)
            return
        mid = (left + right) // 2
        if v[mid] < v[left]:
            v[mid], v[left] = v[left], v[mid]
        if v[right] < v[left]:
            v[right], v[left] = v[left], v[right]
        if v[right] < v[mid]:
            v[right], v[mid] = v[mid], v[right]
        pivot = v[mid]
        i, j = left, right
        while i <= j:
            while v[i] < pivot:
                i += 1
            while v[j] > pivot:
                j -= 1
            if i <= j:
                v[i], v[j] = v[j], v[i]
                i += 1
                j -= 1
        if k <= j:
            right = j
        elif k >= i:
            left = i
        else:
            return


@njit(cache=True, nogil=True, parallel=True)
def group_percentiles(values, starts, groups, qs):
    """For each group g (values[starts[g]:starts[g + 1]], not sorted) its sum (in order) and
    the percentiles qs as engine.percentile gives them (linear between closest ranks; NaN
    for an empty group), the groups side by side. The ranks needed are selected in place:
    `values` is scratch and comes back reordered within each group."""
    out = np.full((groups.size, qs.size), np.nan)
    totals = np.zeros(groups.size)
    for i in prange(groups.size):
        v = values[starts[groups[i]] : starts[groups[i] + 1]]
        n = v.size
        total = 0.0
        for x in range(n):
            total += v[x]
        totals[i] = total
        if n == 1:
            out[i, :] = v[0]
        if n < 2:
            continue
        kth = np.empty(2 * qs.size, np.int64)
        for x in range(qs.size):
            pos = (n - 1) * qs[x]
            kth[2 * x] = int(np.floor(pos))
            kth[2 * x + 1] = int(np.ceil(pos))
        ranks = np.unique(kth)
        left = 0
        for r in ranks:  # ascending: everything after a placed rank is not smaller
            if r == left and left > 0:  # the next rank: the least of the rest
                least = left
                for q in range(left + 1, n):
                    if v[q] < v[least]:
                        least = q
                v[left], v[least] = v[least], v[left]
            else:
                _select(v, r, left, n)
            left = r + 1
        for x in range(qs.size):
            lo, hi = kth[2 * x], kth[2 * x + 1]
            a = v[lo]
            out[i, x] = a if lo == hi else a + (v[hi] - a) * ((n - 1) * qs[x] - lo)
    return out, totals
