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
def _by_case(case, at, ids, kind, profile, n, parts):
    """The events grouped by case: a stable counting sort that writes each event's time,
    its kind and profile (one word) and its position in the log to the event's place, so
    that the walk over a case reads memory in sequence. `starts[c]:starts[c+1]` are case
    c's events, in (time, id) order. Each of `parts` threads takes a range of cases: it
    reads the whole log and moves only its own cases' events."""
    m = case.size
    starts = np.zeros(n + 1, np.int64)
    for t in prange(parts):
        lo, hi = n * t // parts, n * (t + 1) // parts
        for i in range(m):
            c = case[i]
            if lo <= c < hi:
                starts[c + 1] += 1
    for c in range(n):
        starts[c + 1] += starts[c]
    s_at = np.empty(m, np.float64)
    s_kp = np.empty(m, np.int64)  # kind << 32 | profile
    order = np.empty(m, np.int64)
    fill = starts[:-1].copy()
    for t in prange(parts):
        lo, hi = n * t // parts, n * (t + 1) // parts
        for i in range(m):
            c = case[i]
            if lo <= c < hi:
                j = fill[c]
                fill[c] = j + 1
                s_at[j] = at[i]
                s_kp[j] = (kind[i] << 32) | profile[i]
                order[j] = i
    _sort_cases(starts, s_at, s_kp, order, ids, n)
    return starts, s_at, s_kp, order


@njit(cache=True, nogil=True, parallel=True)
def _sort_cases(starts, s_at, s_kp, order, ids, n):
    for c in prange(n):  # usually in order already: the log is written as time goes on
        lo, hi = starts[c], starts[c + 1]
        for j in range(lo + 1, hi):
            if s_at[j] < s_at[j - 1] or (
                s_at[j] == s_at[j - 1] and ids[order[j]] < ids[order[j - 1]]
            ):
                seg = np.argsort(ids[order[lo:hi]], kind="mergesort")
                seg = seg[np.argsort(s_at[lo:hi][seg], kind="mergesort")]
                s_at[lo:hi] = s_at[lo:hi][seg]
                s_kp[lo:hi] = s_kp[lo:hi][seg]
                order[lo:hi] = order[lo:hi][seg]
                break


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
    at,
    ids,
    kind,
    profile,
    n,
    codes,
    complete,
    target,
    kind_act,
    kind_role,
    state_kinds,
    parts,
):
    m = case.size
    starts, s_at, s_kp, order = _by_case(case, at, ids, kind, profile, n, parts)
    queue, work = state_kinds[0], state_kinds[1]
    applicant_kind, done = state_kinds[2], state_kinds[3]
    ints = np.zeros((len(INT_COLS), n), np.int64)  # one row per column: no transpose later
    floats = np.empty((len(FLOAT_COLS), n), np.float64)
    # at most one step and one edge per event with a predecessor: case c writes its own
    # from row starts[c] - c on, so that cases can be folded in parallel
    room = max(m - n, 1)
    steps = np.empty((4, room), np.int32)  # case, state, kind at first visit, visits
    step_seconds = np.empty(room, np.float64)
    edges = np.empty((4, room), np.int32)  # case, from activity, to activity, count
    edge_seconds = np.empty(room, np.float64)
    n_steps = np.zeros(n, np.int64)
    n_edges = np.zeros(n, np.int64)
    for c in prange(n):
        lo, hi = starts[c], starts[c + 1]
        if lo == hi:
            continue
        ns = lo - c
        ne = lo - c
        received_at = s_at[lo]
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
        last_activity = 0
        has_received = False
        s0 = ns
        e0 = ne
        for j in range(lo, hi):
            p = s_kp[j] & 0xFFFFFFFF
            k = s_kp[j] >> 32
            t = s_at[j]
            activity = codes[p, _ACT]
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
            role = kind_role[k]
            if role != R_STEP or first:  # engine._milestone
                if role == R_RECEIVED and not has_received:
                    has_received = True
                    received_at = t
                    target_at = target[p]
                    complete_c = complete[p]
                    if codes[p, _CHANNEL] != 0:
                        channel = codes[p, _CHANNEL]
                    if codes[p, _SOURCE] != 0:
                        source = codes[p, _SOURCE]
                elif role == R_DECIDED:
                    decided_at = t
                    outcome = codes[p, _OUTCOME]
                elif role == R_REOPENED:
                    reopened += 1
                    decided_at = np.nan
                    outcome = 0
                elif role == R_REQUESTED:
                    requests += 1
                if first and not has_received:
                    source = codes[p, _SOURCE]
                    target_at = target[p]
            if codes[p, _SERVICE] != 0:
                service = codes[p, _SERVICE]
            if codes[p, _UNIT] != 0:
                unit = codes[p, _UNIT]
            if codes[p, _PROC] != 0:
                procedure = codes[p, _PROC]
            if channel == 0:
                channel = codes[p, _CHANNEL]
            if codes[p, _STATE] != 0:
                state = codes[p, _STATE]
            if codes[p, _KIND] != 0:
                state_kind = codes[p, _KIND]
            last_activity = activity
            last_at = t
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
        ints[12, c] = ids[order[hi - 1]]
        ints[13, c] = last_activity
        floats[0, c] = received_at
        floats[1, c] = decided_at
        floats[2, c] = target_at
        floats[3, c] = waiting
        floats[4, c] = applicant
        floats[5, c] = processing
        floats[6, c] = last_at
        n_steps[c] = ns - s0
        n_edges[c] = ne - e0
    s_end = _compact(steps, step_seconds, starts, n_steps)
    e_end = _compact(edges, edge_seconds, starts, n_edges)
    return (
        ints,
        floats,
        steps[:, :s_end],
        step_seconds[:s_end],
        edges[:, :e_end],
        edge_seconds[:e_end],
    )


@njit(cache=True, nogil=True)
def _compact(rows, seconds, starts, counts):
    """Move the rows each case wrote (from starts[c] - c on) down, one case after the other,
    in place (a case's rows only ever move to lower positions, so going up in order never
    overwrites rows not yet moved); returns the number of rows."""
    end = 0
    for c in range(counts.size):
        src = starts[c] - c
        k = counts[c]
        if src != end:
            for q in range(k):  # element by element: no temporary copy of an overlap
                for x in range(rows.shape[0]):
                    rows[x, end + q] = rows[x, src + q]
                seconds[end + q] = seconds[src + q]
        end += k
    return end


@njit(cache=True, nogil=True)
def pair_sums(src, dst, count, seconds, width):
    """Count and seconds summed per (from, to) pair, in the rows' order (as np.bincount
    adds them): dense width × width tables."""
    counts = np.zeros(width * width, np.float64)
    sums = np.zeros(width * width, np.float64)
    for q in range(src.size):
        p = src[q] * width + dst[q]
        counts[p] += count[q]
        sums[p] += seconds[q]
    return counts, sums


@njit(cache=True, nogil=True)
def last_rows(codes, width):
    """The position of each code's last row (-1 if it has none)."""
    last = np.full(width, -1, np.int64)
    for q in range(codes.size):
        last[codes[q]] = q
    return last


@njit(cache=True, nogil=True)
def group_by(codes, values, keep):
    """The values of the codes where `keep` is true, grouped by code (a stable counting
    sort): grouped[starts[k]:starts[k+1]] are the values of code k in their order."""
    width = keep.size
    starts = np.zeros(width + 1, np.int64)
    for q in range(codes.size):
        if keep[codes[q]]:
            starts[codes[q] + 1] += 1
    for k in range(width):
        starts[k + 1] += starts[k]
    fill = starts[:-1].copy()
    grouped = np.empty(starts[width], values.dtype)
    for q in range(codes.size):
        k = codes[q]
        if keep[k]:
            grouped[fill[k]] = values[q]
            fill[k] += 1
    return starts, grouped
