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
from contextlib import contextmanager
from dataclasses import dataclass

import numba
import numpy as np

from openkreis.core import event_kinds

from . import _kernel, engine
from ._kernel import (
    FLOAT_COLS,
    INT_COLS,
    R_DECIDED,
    R_OTHER,
    R_RECEIVED,
    R_REOPENED,
    R_REQUESTED,
    R_STEP,
)
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
    return from_rows(((e.id, e.kind, e.at, e.subject, e.data) for e in events), key=id)


def from_rows(rows: Iterable[tuple], key=None, decode=None) -> Log:
    """Rows (id, kind, epoch seconds, subject, data) -> columns. Events with the same data
    share one profile row: data is told apart by `key(data)` (by default the data itself,
    e.g. its JSON text), and `decode` turns it into a dict the first time it is seen."""
    subjects: dict[str, int] = {}
    kinds = Vocab()
    names = Vocab()
    profiles: list[tuple] = []
    by_data: dict = {}
    keep: list = []  # the data seen, so that keys such as id() stay unique meanwhile
    case_l, at_l, id_l, kind_l, prof_l = [], [], [], [], []
    name = names.code
    for pk, kind, at, subject, raw in rows:
        if not kind.startswith(CASE_PREFIXES):
            continue
        ref = raw if key is None else key(raw)
        p = by_data.get(ref)
        if p is None:
            p = by_data[ref] = len(profiles)
            keep.append(raw)
            profiles.append(profile_of(raw if decode is None else decode(raw), name))
        c = subjects.get(subject)
        if c is None:
            c = subjects[subject] = len(subjects)
        case_l.append(c)
        at_l.append(at)
        id_l.append(pk)
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


def profile_of(data: dict, name) -> tuple:
    """The profile row of one data dict (codes by `name`, complete, target_at or NaN)."""
    complete = data.get("complete")
    target = engine.to_epoch(data.get("target_at"))
    return (
        name(engine.node_of(data)),
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


@dataclass
class Folded:
    """One row per case (index = position in `subjects`), plus steps and edges."""

    subjects: list[str]
    names: list[str]
    cols: dict  # name -> array per case
    # steps: (case, state code, kind code, seconds, visits), per case in first-visit order
    steps: tuple
    # edges: (case, from activity code, to activity code, count, seconds), likewise
    edges: tuple
    # with few names: count and seconds of every edge added up per (from, to) pair
    # (2, names × names), for the edge means; None otherwise
    pairs: np.ndarray | None = None


@contextmanager
def _small_pages():
    """numpy asks the kernel for transparent huge pages for large arrays; in a process
    with a big, fragmented heap (a worker that has read millions of rows) the kernel then
    compacts memory on the first touch, which doubled the fold's time in the benchmark.
    The fold's arrays live for a second: ordinary pages, then numpy's setting back."""
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # another numpy: nothing to switch
        yield
        return
    before = _set_madvise_hugepage(False)
    try:
        yield
    finally:
        _set_madvise_hugepage(before)


MAX_PARTS = 8  # each part keeps an offset per case: parts × cases words


def fold(log: Log, parts: int | None = None) -> Folded:
    """All cases of the log at once: the same facts as `engine.fold_all`. The log is split
    into `parts` (by default one per thread, at most MAX_PARTS) that are grouped and folded
    side by side; the facts do not depend on it."""
    with _small_pages():
        return _fold(log, parts or min(numba.get_num_threads(), MAX_PARTS))


def _fold(log: Log, parts: int) -> Folded:
    n = len(log.subjects)
    names = log.names
    kind_act = np.array(
        [names.codes[k.split(".", 1)[-1]] if k else 0 for k in log.kinds.names], dtype=np.int64
    )
    roles = {
        event_kinds.CASE_TRANSITION: R_STEP,
        event_kinds.CASE_ASSIGNED: R_STEP,
        event_kinds.CASE_RECEIVED: R_RECEIVED,
        event_kinds.CASE_DECIDED: R_DECIDED,
        event_kinds.CASE_REOPENED: R_REOPENED,
        event_kinds.CASE_DOCUMENTS_REQUESTED: R_REQUESTED,
    }
    kind_role = np.array([roles.get(k, R_OTHER) for k in log.kinds.names], dtype=np.int64)
    state_kinds = np.array(
        [names.codes.get(k, -1) for k in ("queue", "work", "applicant", "done")], dtype=np.int64
    )
    out = _kernel.fold_cases(
        np.ascontiguousarray(log.case, dtype=np.int64),
        np.ascontiguousarray(log.at, dtype=np.float64).view(np.int64),
        np.ascontiguousarray(log.id, dtype=np.int64),
        np.ascontiguousarray(log.kind, dtype=np.int64),
        np.ascontiguousarray(log.profile, dtype=np.int64),
        n,
        np.ascontiguousarray(log.profiles, dtype=np.float64),
        kind_act,
        kind_role,
        state_kinds,
        parts,
        len(names.names) if len(names.names) ** 2 <= SHARED_PAIRS else 0,
        # bits of a profile's and a kind's code (the ids' are counted by the fold)
        np.array([max(len(log.profiles) - 1, 1).bit_length(), len(log.kinds.names).bit_length()]),
    )
    pairs, ints, floats, steps, step_seconds, edges, edge_seconds = out
    cols = dict(zip(INT_COLS, ints, strict=True))  # rows of a C array: contiguous
    cols.update(zip(FLOAT_COLS, floats, strict=True))
    cols["has_received"] = cols["has_received"].astype(bool)
    return Folded(
        log.subjects,
        names.names,
        cols,
        (steps[0], steps[1], steps[2], step_seconds, steps[3]),
        (edges[0], edges[1], edges[2], edges[3], edge_seconds),
        pairs if len(names.names) ** 2 <= SHARED_PAIRS else None,
    )


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
    s_case, s_state, s_kind, s_sec, s_vis = (a.tolist() for a in folded.steps)
    for case, state, kind, sec, vis in zip(s_case, s_state, s_kind, s_sec, s_vis, strict=True):
        facts[folded.subjects[case]].steps[names[state]] = [names[kind], sec, vis]
    e_case, e_src, e_dst, e_cnt, e_sec = (a.tolist() for a in folded.edges)
    for case, src, dst, cnt, sec in zip(e_case, e_src, e_dst, e_cnt, e_sec, strict=True):
        facts[folded.subjects[case]].edges[names[src] + ">" + names[dst]] = [cnt, sec]
    return facts


# -- KPIs over the columns -----------------------------------------------------------------------
def _percentiles(values: np.ndarray, starts, groups, qs) -> tuple[list[list], list[float]]:
    """engine.percentile's qs of each group of values, and each group's sum (compiled, the
    groups side by side; `values` is reordered within the groups)."""
    out, totals = _kernel.group_percentiles(
        values, np.asarray(starts, np.int64), np.asarray(groups, np.int64), np.asarray(qs, float)
    )
    return [[None if x != x else float(x) for x in row] for row in out.tolist()], totals.tolist()


def edge_means(folded: Folded) -> dict[str, float]:
    """The mean seconds of each (from, to) pair of activities over all edges."""
    _case, src, dst, cnt, sec = folded.edges
    width = len(folded.names)
    names = folded.names
    if folded.pairs is not None:  # added up by the fold (for the names it had then)
        counts, seconds = folded.pairs
        width = math.isqrt(counts.size)
    elif width * width <= DENSE_PAIRS:  # a few thousand names: count in place
        counts, seconds = _kernel.pair_sums(src, dst, cnt, sec, width)
    else:
        pair = src.astype(np.int64) * width + dst
        uniq, inverse = np.unique(pair, return_inverse=True)
        counts = np.bincount(inverse, weights=cnt, minlength=uniq.size)
        seconds = np.bincount(inverse, weights=sec, minlength=uniq.size)
        return {
            names[int(p // width)] + ">" + names[int(p % width)]: float(s / n)
            for p, s, n in zip(uniq, seconds, counts, strict=True)
        }
    return {
        names[int(p // width)] + ">" + names[int(p % width)]: float(seconds[p] / counts[p])
        for p in np.flatnonzero(counts)
    }


DENSE_PAIRS = 4_000_000
SHARED_PAIRS = 65_536  # up to this many pairs (256 names) the fold adds up the edges per pair


def bottlenecks(folded: Folded, lead: np.ndarray | None = None) -> tuple[list[dict], list]:
    """As engine.bottlenecks: waiting states by median seconds per case × cases; and the
    median and p90 of `lead` (taken side by side with the states' medians)."""
    _case, state, kind, sec, _vis = folded.steps
    names = folded.names
    lead = np.zeros(0) if lead is None else lead
    waiting = np.array([names.index(k) for k in ("queue", "applicant") if k in names], np.int64)
    width = len(names)
    starts, grouped, last_kind, keep = _kernel.waiting_groups(
        state, kind, sec, width, waiting, numba.get_num_threads(), lead
    )
    codes = np.flatnonzero(keep) if waiting.size else np.zeros(0, np.int64)
    figures, totals = _percentiles(grouped, starts, [*codes, width], (0.5, 0.9))
    *medians, lead_figures = figures
    rows = []
    for code, (med, _p90), total in zip(codes, medians, totals, strict=False):
        cases = int(starts[code + 1] - starts[code])
        rows.append(
            {
                "state": names[int(code)],
                "kind": names[int(last_kind[code])],
                "cases": cases,
                "median": med,
                "total": total,
                "score": (med or 0) * cases,
            }
        )
    rows.sort(key=lambda r: (-r["score"], r["state"]))
    return rows, lead_figures


def kpis(folded: Folded) -> dict:
    """The benchmark's figures (bench/cockpit.py `kpis`), from the columns: counts and sums
    in one compiled pass over the cases (each thread adds up a range of cases in their order,
    the ranges' sums are then added in order: equal to the engine's to the last bits or
    so), percentiles by selection (exactly the engine's)."""
    with _small_pages():
        return _kpis(folded)


def _kpis(folded: Folded) -> dict:
    c = folded.cols
    counts, sums, lead = _kernel.case_figures(
        c["decided_at"],
        c["received_at"],
        c["target_at"],
        c["complete"],
        c["requests"],
        c["reopened"],
        c["waiting_seconds"],
        c["applicant_seconds"],
        c["processing_seconds"],
        numba.get_num_threads(),
    )
    decided, n_target, on_time, n_known, ftr, incomplete, with_req, repeated, reopened = (
        int(x) for x in counts
    )
    waiting, applicant, processing, lead_sum = (float(x) for x in sums)
    total = waiting + applicant + processing
    waits, (median, p90) = bottlenecks(folded, lead)
    mean = lead_sum / decided if decided else None
    return {
        "cases": len(folded.subjects),
        "decided": decided,
        "lead": {"n": decided, "mean": mean, "median": median, "p90": p90},
        "edge_mean": edge_means(folded),
        "deadline": {"n": n_target, "on_time": on_time, "rate": engine.share(on_time, n_target)},
        "quality": {
            "n": len(folded.subjects),
            "known": n_known,
            "first_time_right": ftr,
            "first_time_right_rate": engine.share(ftr, n_known),
            "incomplete_on_receipt": incomplete,
            "with_requests": with_req,
            "repeated_requests": repeated,
            "reopened": reopened,
        },
        "bottlenecks": waits[:3],
        "split": {
            "n": decided,
            "waiting": waiting,
            "applicant": applicant,
            "processing": processing,
            "waiting_share": (waiting + applicant) / total if total else None,
        },
    }
