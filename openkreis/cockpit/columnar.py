"""The fold of `engine.fold_case`, columnar: every case of a log at once with numpy.

The pure-Python fold (engine.py) stays the reference; this path gives the same per-case
facts (tests/test_columnar.py compares them field by field on hand-made and random logs).
It is used for a full recompute of a large log: the events become arrays (case index,
time, id, event kind, and codes for activity, state, state kind, service, ...), sorted by
(case, time, id) with one `np.lexsort`; the time between two events of a case is a
vectorised difference, attributed to the earlier event's state kind (carried forward
within the case); sums per case, per (case, state) and per (case, edge) are `np.bincount`
over the events in (case, time, id) order, so each sum is added up in the same order as
the Python fold adds it (identical floating-point results).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from . import engine
from .engine import CASE_PREFIXES, Ev

NONE = -1  # "complete" unknown
# columns of a data profile (one per distinct data dict)
P_ACT, P_STATE, P_KIND, P_SERVICE, P_UNIT, P_PROC, P_CHANNEL, P_SOURCE, P_OUTCOME = range(9)
P_COMPLETE, P_TARGET = 9, 10


class Vocab:
    """Strings <-> small integers; code 0 is the empty string."""

    def __init__(self):
        self.codes = {"": 0}
        self.names = [""]

    def code(self, text) -> int:
        code = self.codes.get(text)
        if code is None:
            code = self.codes[text] = len(self.names)
            self.names.append(text)
        return code


@dataclass
class Log:
    """A log of case events as columns (one row per event, in any order)."""

    case: np.ndarray  # int64 index into subjects
    at: np.ndarray  # float64 epoch seconds
    id: np.ndarray  # int64 event id
    kind: np.ndarray  # int64 code in kinds
    profile: np.ndarray  # int64 row of profiles
    subjects: list[str]
    kinds: Vocab
    names: Vocab  # activities, states, state kinds, services, ... (one vocabulary)
    profiles: np.ndarray  # float64 (P, 11): codes as above, complete, target_at (NaN)


def from_events(events: Iterable[Ev]) -> Log:
    """Python events -> columns (the conversion; the fold itself is `fold`)."""
    subjects: dict[str, int] = {}
    kinds = Vocab()
    names = Vocab()
    profiles: list[tuple] = []
    by_data: dict[int, int] = {}
    keep: list = []  # the data dicts, so their ids stay unique while we convert
    case_l, at_l, id_l, kind_l, prof_l = [], [], [], [], []
    name = names.code
    for ev in events:
        kind = ev.kind
        if not kind.startswith(CASE_PREFIXES):
            continue
        data = ev.data
        p = by_data.get(id(data))
        if p is None:
            p = by_data[id(data)] = len(profiles)
            keep.append(data)
            complete = data.get("complete")
            target = engine.to_epoch(data.get("target_at"))
            profiles.append(
                (
                    name(data.get("activity") or ""),
                    name(data.get("state") or ""),
                    name(data.get("state_kind") or ""),
                    name(data.get("service") or ""),
                    name(data.get("org_unit") or ""),
                    name(data.get("procedure") or ""),
                    name(data.get("channel") or ""),
                    name(str(data.get("source", "") or "")),
                    name(data.get("outcome", "") or ""),
                    NONE if complete is None else int(bool(complete)),
                    math.nan if target is None else target,
                )
            )
        subject = ev.subject
        c = subjects.get(subject)
        if c is None:
            c = subjects[subject] = len(subjects)
        case_l.append(c)
        at_l.append(ev.at)
        id_l.append(ev.id)
        kind_l.append(kinds.code(kind))
        prof_l.append(p)
    for kind in kinds.names[1:]:  # the activity a kind stands for when data has none
        name(kind.split(".", 1)[-1])
    return Log(
        case=np.array(case_l, dtype=np.int64),
        at=np.array(at_l, dtype=np.float64),
        id=np.array(id_l, dtype=np.int64),
        kind=np.array(kind_l, dtype=np.int64),
        profile=np.array(prof_l, dtype=np.int64),
        subjects=list(subjects),
        kinds=kinds,
        names=names,
        profiles=np.array(profiles, dtype=np.float64).reshape(-1, 11),
    )


@dataclass
class Folded:
    """One row per case (index = position in `subjects`), plus steps and edges."""

    subjects: list[str]
    names: list[str]
    cols: dict  # name -> array per case
    # steps: (case, state code, kind code, seconds, visits, first visit's position)
    steps: tuple
    # edges: (case, from activity code, to activity code, count, seconds, first position)
    edges: tuple


def _first_per_case(case_sorted: np.ndarray, mask: np.ndarray, n: int):
    """Index of the first event per case where mask holds (-1 if none)."""
    idx = np.flatnonzero(mask)
    out = np.full(n, -1, dtype=np.int64)
    if idx.size:
        cases = case_sorted[idx]
        first = np.ones(idx.size, dtype=bool)
        first[1:] = cases[1:] != cases[:-1]
        out[cases[first]] = idx[first]
    return out


def _last_per_case(case_sorted: np.ndarray, mask: np.ndarray, n: int):
    idx = np.flatnonzero(mask)
    out = np.full(n, -1, dtype=np.int64)
    if idx.size:
        cases = case_sorted[idx]
        last = np.ones(idx.size, dtype=bool)
        last[:-1] = cases[1:] != cases[:-1]
        out[cases[last]] = idx[last]
    return out


def _pick(values: np.ndarray, idx: np.ndarray, default):
    return np.where(idx >= 0, values[np.maximum(idx, 0)], default)


def _ffill(codes: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Carry the last non-zero code forward within each case (0 before the first)."""
    pos = np.where((codes != 0) | start, np.arange(codes.size), 0)
    np.maximum.accumulate(pos, out=pos)
    return codes[pos]


class _Gather:
    """codes[:, col] per event (sorted): the profile rows are gathered once, whole (one
    random memory access per event instead of one per column), columns on demand."""

    def __init__(self, prof_codes: np.ndarray, pidx: np.ndarray):
        self.rows, self.done = prof_codes[pidx], {}

    def __getitem__(self, key):
        rows, col = key
        full = self.done.get(col)
        if full is None:
            full = self.done[col] = self.rows[:, col].astype(np.int64)
        return full if isinstance(rows, slice) else full[rows]


def fold(log: Log) -> Folded:
    """All cases of the log at once: the same facts as `engine.fold_all`."""
    n = len(log.subjects)
    at, ids = log.at, log.id
    if at.size > 1 and not np.all(
        (at[1:] > at[:-1]) | ((at[1:] == at[:-1]) & (ids[1:] > ids[:-1]))
    ):
        by_time = np.lexsort((ids, at))  # the log is usually written in time order already
        order = by_time[np.argsort(log.case[by_time], kind="stable")]
    else:
        order = np.argsort(log.case, kind="stable")
    # one gather of packed rows (at, id, kind, profile) instead of one per column
    packed = np.stack([log.at.view(np.int64), log.id, log.kind, log.profile], axis=1)[order]
    at = np.ascontiguousarray(packed[:, 0]).view(np.float64)
    ids = np.ascontiguousarray(packed[:, 1])
    kind = np.ascontiguousarray(packed[:, 2])
    pidx = np.ascontiguousarray(packed[:, 3])
    del packed
    case = np.repeat(np.arange(n, dtype=np.int64), np.bincount(log.case, minlength=n))
    names = log.names
    prof_codes = log.profiles[:, :P_COMPLETE].astype(np.int32)
    codes = _Gather(prof_codes, pidx)
    kind_act = np.array(
        [names.codes[k.split(".", 1)[-1]] if k else 0 for k in log.kinds.names], dtype=np.int64
    )
    act = np.where(codes[:, P_ACT] != 0, codes[:, P_ACT], kind_act[kind])
    m = case.size
    start = np.ones(m, dtype=bool)
    start[1:] = case[1:] != case[:-1]
    state_ff = _ffill(codes[:, P_STATE], start)
    skind_ff = _ffill(codes[:, P_KIND], start)

    # the time between an event and the next one of its case
    nxt = np.flatnonzero(~start)  # events with a predecessor in their case
    prev = nxt - 1
    span = at[nxt] - at[prev]
    pkind = skind_ff[prev]
    pcase = case[nxt]

    def kind_sum(label: str) -> np.ndarray:
        code = names.codes.get(label)
        if code is None:
            return np.zeros(n)
        sel = pkind == code
        return np.bincount(pcase[sel], weights=span[sel], minlength=n).astype(np.float64)

    done = names.codes.get("done", -1)
    step_sel = (pkind != 0) & (pkind != done)
    step_name = np.where(state_ff[prev] != 0, state_ff[prev], act[prev])
    steps = _group(pcase[step_sel], step_name[step_sel], span[step_sel], pkind[step_sel], n)
    edges = _edge_groups(pcase, act[prev], act[nxt], span, len(names.names), n)

    k = log.kinds.codes
    received = kind == k.get("case.received", -1)
    decided = kind == k.get("case.decided", -1)
    reopened = kind == k.get("case.reopened", -1)
    requested = kind == k.get("case.documents_requested", -1)
    first = np.flatnonzero(start)
    last = np.append(first[1:] - 1, m - 1) if m else first
    rec = _first_per_case(case, received, n)
    has_rec = rec >= 0
    ms = _last_per_case(case, decided | reopened, n)
    is_dec = (ms >= 0) & _pick(decided, ms, False)
    milestone = np.where(has_rec, rec, first)
    chan_first = _first_per_case(case, codes[:, P_CHANNEL] != 0, n)
    rec_chan = _pick(codes[:, P_CHANNEL], rec, 0)
    src_rec = _pick(codes[:, P_SOURCE], rec, 0)

    def last_nonzero(col: int) -> np.ndarray:
        return _pick(codes[:, col], _last_per_case(case, codes[:, col] != 0, n), 0)

    cols = {
        "received_at": at[milestone],
        "has_received": has_rec,
        "decided_at": np.where(is_dec, at[np.maximum(ms, 0)], np.nan),
        "outcome": np.where(is_dec, codes[np.maximum(ms, 0), P_OUTCOME], 0),
        "target_at": log.profiles[pidx[milestone], P_TARGET],
        "complete": np.where(
            has_rec, log.profiles[pidx[np.maximum(rec, 0)], P_COMPLETE], NONE
        ).astype(np.int64),
        "requests": np.bincount(case[requested], minlength=n),
        "reopened": np.bincount(case[reopened], minlength=n),
        "waiting_seconds": kind_sum("queue"),
        "applicant_seconds": kind_sum("applicant"),
        "processing_seconds": kind_sum("work"),
        "service": last_nonzero(P_SERVICE),
        "org_unit": last_nonzero(P_UNIT),
        "procedure": last_nonzero(P_PROC),
        "channel": np.where(rec_chan != 0, rec_chan, _pick(codes[:, P_CHANNEL], chan_first, 0)),
        "source": np.where(src_rec != 0, src_rec, codes[first, P_SOURCE]),
        "state": state_ff[last],
        "state_kind": skind_ff[last],
        "last_at": at[last],
        "last_id": ids[last],
        "last_activity": act[last],
    }
    return Folded(log.subjects, names.names, cols, steps, edges)


DENSE_LIMIT = 64_000_000  # bins of one bincount over (case, key) before falling back


def _group(case, key, seconds, kinds, n: int):
    """Sum seconds and count visits per (case, key); the kind at the first visit.
    Rows come ordered by (case, key); `first` is the first visit's event position."""
    if not case.size:
        empty = np.zeros(0, dtype=np.int64)
        return (empty, empty, empty, np.zeros(0), empty, empty)
    present = np.flatnonzero(np.bincount(key))
    width = present.size
    if n * width <= DENSE_LIMIT:
        dense = np.zeros(int(key.max()) + 1, dtype=np.int64)
        dense[present] = np.arange(width)
        combined = case * width + dense[key]
        visits = np.bincount(combined, minlength=n * width)
        bins = np.flatnonzero(visits)
        total = np.bincount(combined, weights=seconds, minlength=n * width)[bins]
        visits = visits[bins]
        first = np.full(n * width, case.size, dtype=np.int64)
        np.minimum.at(first, combined, np.arange(case.size))
        first = first[bins]
        cases, keys = bins // width, present[bins % width]
    else:
        wide = int(key.max()) + 1
        combined = case * wide + key
        uniq, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        total = np.bincount(inverse, weights=seconds, minlength=uniq.size)
        visits = np.bincount(inverse, minlength=uniq.size)
        cases, keys = uniq // wide, uniq % wide
    return (cases, keys, kinds[first], total, visits, first)


def _edge_groups(case, source, target, seconds, width, n: int):
    if not case.size:
        empty = np.zeros(0, dtype=np.int64)
        return (empty, empty, empty, empty, np.zeros(0), empty)
    pair = source * width + target
    c, key, _kinds, total, count, first = _group(case, pair, seconds, pair, n)
    return (c, key // width, key % width, count, total, first)


# -- back to the engine's facts (tests, and the database layer) ---------------------------------
def to_facts(folded: Folded) -> dict[str, engine.CaseFact]:
    names = folded.names
    c = {k: v.tolist() for k, v in folded.cols.items()}
    facts = {}
    for i, subject in enumerate(folded.subjects):
        decided = c["decided_at"][i]
        target = c["target_at"][i]
        complete = c["complete"][i]
        facts[subject] = engine.CaseFact(
            subject=subject,
            service=names[c["service"][i]],
            org_unit=names[c["org_unit"][i]],
            channel=names[c["channel"][i]],
            procedure=names[c["procedure"][i]],
            received_at=c["received_at"][i],
            decided_at=None if decided != decided else decided,
            outcome=names[c["outcome"][i]],
            target_at=None if target != target else target,
            complete=None if complete == NONE else bool(complete),
            requests=c["requests"][i],
            reopened=c["reopened"][i],
            waiting_seconds=c["waiting_seconds"][i],
            applicant_seconds=c["applicant_seconds"][i],
            processing_seconds=c["processing_seconds"][i],
            state=names[c["state"][i]],
            state_kind=names[c["state_kind"][i]],
            last_at=c["last_at"][i],
            last_id=c["last_id"][i],
            last_activity=names[c["last_activity"][i]],
            has_received=c["has_received"][i],
            source=names[c["source"][i]],
        )
    order = np.argsort(folded.steps[5], kind="stable")  # per case, in first-visit order
    s_case, s_state, s_kind, s_sec, s_vis = (a[order].tolist() for a in folded.steps[:5])
    for case, state, kind, sec, vis in zip(s_case, s_state, s_kind, s_sec, s_vis, strict=True):
        facts[folded.subjects[case]].steps[names[state]] = [names[kind], sec, vis]
    order = np.argsort(folded.edges[5], kind="stable")
    e_case, e_src, e_dst, e_cnt, e_sec = (a[order].tolist() for a in folded.edges[:5])
    for case, src, dst, cnt, sec in zip(e_case, e_src, e_dst, e_cnt, e_sec, strict=True):
        facts[folded.subjects[case]].edges[names[src] + ">" + names[dst]] = [cnt, sec]
    return facts


# -- KPIs over the columns -----------------------------------------------------------------------
def _percentile(sorted_values: np.ndarray, q: float) -> float | None:
    """As engine.percentile (linear between closest ranks), on sorted values."""
    n = sorted_values.size
    if not n:
        return None
    if n == 1:
        return float(sorted_values[0])
    pos = (n - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    a, b = float(sorted_values[lo]), float(sorted_values[hi])
    return a if lo == hi else a + (b - a) * (pos - lo)


def lead_time(folded: Folded) -> dict:
    c = folded.cols
    decided = c["decided_at"]
    sel = ~np.isnan(decided)
    values = np.sort(decided[sel] - c["received_at"][sel])
    return {
        "n": int(values.size),
        "mean": float(values.sum() / values.size) if values.size else None,
        "median": _percentile(values, 0.5),
        "p90": _percentile(values, 0.9),
    }


def edge_means(folded: Folded) -> dict[str, float]:
    _case, src, dst, cnt, sec, _first = folded.edges
    width = len(folded.names)
    pair = src * width + dst
    uniq, inverse = np.unique(pair, return_inverse=True)
    counts = np.bincount(inverse, weights=cnt, minlength=uniq.size)
    seconds = np.bincount(inverse, weights=sec, minlength=uniq.size)
    names = folded.names
    return {
        names[int(p // width)] + ">" + names[int(p % width)]: float(s / n)
        for p, s, n in zip(uniq, seconds, counts, strict=True)
    }


def bottlenecks(folded: Folded) -> list[dict]:
    """As engine.bottlenecks: waiting states by median seconds per case × cases."""
    _case, state, kind, sec, _vis, _first = folded.steps
    names = folded.names
    waiting = [names.index(k) for k in ("queue", "applicant") if k in names]
    rows = []
    for code in np.unique(state):
        sel = state == code
        kinds = kind[sel]
        if int(kinds[-1]) not in waiting:
            continue
        values = np.sort(sec[sel])
        med = _percentile(values, 0.5)
        rows.append(
            {
                "state": names[int(code)],
                "kind": names[int(kinds[-1])],
                "cases": int(values.size),
                "median": med,
                "total": float(values.sum()),
                "score": (med or 0) * int(values.size),
            }
        )
    rows.sort(key=lambda r: (-r["score"], r["state"]))
    return rows


def kpis(folded: Folded) -> dict:
    """The benchmark's figures (bench/cockpit.py `kpis`), from the columns."""
    c = folded.cols
    decided = ~np.isnan(c["decided_at"])
    target = ~np.isnan(c["target_at"])
    with_target = decided & target
    on_time = int((with_target & (c["decided_at"] <= np.nan_to_num(c["target_at"]))).sum())
    known = c["complete"] != NONE
    ftr = int((known & (c["complete"] == 1) & (c["requests"] == 0)).sum())
    waiting = float(c["waiting_seconds"][decided].sum())
    applicant = float(c["applicant_seconds"][decided].sum())
    processing = float(c["processing_seconds"][decided].sum())
    total = waiting + applicant + processing
    n_target = int(with_target.sum())
    n_known = int(known.sum())
    return {
        "cases": len(folded.subjects),
        "decided": int(decided.sum()),
        "lead": lead_time(folded),
        "edge_mean": edge_means(folded),
        "deadline": {
            "n": n_target,
            "on_time": on_time,
            "rate": engine.share(on_time, n_target),
        },
        "quality": {
            "n": len(folded.subjects),
            "known": n_known,
            "first_time_right": ftr,
            "first_time_right_rate": engine.share(ftr, n_known),
            "incomplete_on_receipt": int((known & (c["complete"] == 0)).sum()),
            "with_requests": int((c["requests"] > 0).sum()),
            "repeated_requests": int((c["requests"] > 1).sum()),
            "reopened": int((c["reopened"] > 0).sum()),
        },
        "bottlenecks": bottlenecks(folded)[:3],
        "split": {
            "n": int(decided.sum()),
            "waiting": waiting,
            "applicant": applicant,
            "processing": processing,
            "waiting_share": (waiting + applicant) / total if total else None,
        },
    }
