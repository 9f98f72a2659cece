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


@njit(cache=True, nogil=True)
def _by_case(case, at, ids, kind, profile, n):
    """The events grouped by case (a stable counting sort that writes each event to its
    place: the input is read in order, so memory is read sequentially), each case's
    events in (time, id) order; and where each case starts."""
    m = case.size
    starts = np.zeros(n + 1, np.int64)
    for i in range(m):
        starts[case[i] + 1] += 1
    for c in range(n):
        starts[c + 1] += starts[c]
    fill = starts[:-1].copy()
    s_at = np.empty(m, np.float64)
    s_id = np.empty(m, np.int64)
    s_kind = np.empty(m, np.int32)
    s_prof = np.empty(m, np.int32)
    for i in range(m):
        c = case[i]
        j = fill[c]
        fill[c] = j + 1
        s_at[j] = at[i]
        s_id[j] = ids[i]
        s_kind[j] = kind[i]
        s_prof[j] = profile[i]
    _sort_cases(starts, s_at, s_id, s_kind, s_prof, n)
    return starts, s_at, s_id, s_kind, s_prof


@njit(cache=True, nogil=True, parallel=True)
def _sort_cases(starts, s_at, s_id, s_kind, s_prof, n):
    for c in prange(n):  # usually in order already: the log is written as time goes on
        lo, hi = starts[c], starts[c + 1]
        for j in range(lo + 1, hi):
            if s_at[j] < s_at[j - 1] or (s_at[j] == s_at[j - 1] and s_id[j] < s_id[j - 1]):
                seg = np.argsort(s_id[lo:hi], kind="mergesort")
                seg = seg[np.argsort(s_at[lo:hi][seg], kind="mergesort")]
                s_at[lo:hi] = s_at[lo:hi][seg]
                s_id[lo:hi] = s_id[lo:hi][seg]
                s_kind[lo:hi] = s_kind[lo:hi][seg]
                s_prof[lo:hi] = s_prof[lo:hi][seg]
                break


@njit(cache=True, nogil=True, inline="always")
def _add_span(rows, seconds, lo, hi, c, a, b, match_b, span):
    """Add `span` to the row of key a (and b, if `match_b`) among rows[lo:hi] of case c,
    or append the row (c, a, b, 1); returns the new end. Rows are (case, key, b, count)."""
    for q in range(lo, hi):
        if rows[q, 1] == a and (not match_b or rows[q, 2] == b):
            rows[q, 3] += 1
            seconds[q] += span
            return hi
    rows[hi, 0] = c
    rows[hi, 1] = a
    rows[hi, 2] = b
    rows[hi, 3] = 1
    seconds[hi] = span
    return hi + 1


@njit(cache=True, nogil=True, parallel=True)
def fold_cases(
    case, at, ids, kind, profile, n, codes, complete, target, kind_act, kind_role, state_kinds
):
    starts, at, ids, kind, profile = _by_case(case, at, ids, kind, profile, n)
    m = case.size
    queue, work = state_kinds[0], state_kinds[1]
    applicant_kind, done = state_kinds[2], state_kinds[3]
    ints = np.zeros((n, len(INT_COLS)), np.int64)
    floats = np.empty((n, len(FLOAT_COLS)), np.float64)
    # at most one step and one edge per event with a predecessor: case c writes its own
    # from row starts[c] - c on, so that cases can be folded in parallel
    room = max(m - n, 1)
    steps = np.empty((room, 4), np.int32)  # case, state, kind at first visit, visits
    step_seconds = np.empty(room, np.float64)
    edges = np.empty((room, 4), np.int32)  # case, from activity, to activity, count
    edge_seconds = np.empty(room, np.float64)
    n_steps = np.zeros(n, np.int64)
    n_edges = np.zeros(n, np.int64)
    for c in prange(n):
        lo, hi = starts[c], starts[c + 1]
        if lo == hi:
            continue
        ns = lo - c
        ne = lo - c
        received_at = at[lo]
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
            p = profile[j]
            k = kind[j]
            t = at[j]
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
            last_id = ids[j]
        row = ints[c]
        row[0] = 1 if has_received else 0
        row[1] = outcome
        row[2] = complete_c
        row[3] = requests
        row[4] = reopened
        row[5] = service
        row[6] = unit
        row[7] = procedure
        row[8] = channel
        row[9] = source
        row[10] = state
        row[11] = state_kind
        row[12] = last_id
        row[13] = last_activity
        f = floats[c]
        f[0] = received_at
        f[1] = decided_at
        f[2] = target_at
        f[3] = waiting
        f[4] = applicant
        f[5] = processing
        f[6] = last_at
        n_steps[c] = ns - s0
        n_edges[c] = ne - e0
    s_rows, s_sec = _compact(steps, step_seconds, starts, n_steps)
    e_rows, e_sec = _compact(edges, edge_seconds, starts, n_edges)
    return ints, floats, s_rows, s_sec, e_rows, e_sec


@njit(cache=True, nogil=True, parallel=True)
def _compact(rows, seconds, starts, counts):
    """The rows each case wrote (from starts[c] - c on), one after the other."""
    n = counts.size
    offset = np.zeros(n + 1, np.int64)
    for c in range(n):
        offset[c + 1] = offset[c] + counts[c]
    out = np.empty((offset[n], rows.shape[1]), rows.dtype)
    out_seconds = np.empty(offset[n], np.float64)
    for c in prange(n):
        src = starts[c] - c
        for k in range(counts[c]):
            out[offset[c] + k] = rows[src + k]
            out_seconds[offset[c] + k] = seconds[src + k]
    return out, out_seconds
