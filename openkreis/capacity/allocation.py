"""Child-proposing deferred acceptance (Gale–Shapley) for Kita places — pure Python, no Django.

The model (docs/capacity.md):

- A **pool** is what has a capacity: one age group of one Kita for one start month. The caller
  decides what a pool is; here it is any hashable id.
- Each **child** ranks up to N pools (its parents' wishes, best first).
- Each pool ranks the children by **priority**: points from the municipality's rules (residence,
  sibling at this Kita, hardship, single parent, working parents …) — more points first — then the
  earlier application date, then a seeded lottery number. The order is strict, so the result is
  unique and reproducible for the stored seed.

Deferred acceptance with children proposing gives the stable matching that every child likes at
least as well as any other stable matching (child-optimal), and no family can get a better place by
ranking its wishes differently than it really prefers them (strategy-proof for the proposing side;
Dubins–Freedman, Roth 1982; Abdulkadiroğlu & Sönmez 2003 for school choice). Tests check both
properties on random instances (`capacity/tests/test_allocation.py`).

The algorithm is the queue form (McVitie–Wilson): a free child proposes to its next wish; the pool
keeps its best `capacity` proposals in a heap and rejects the worst. Every child proposes at most
once per wish, so the work is O(total wishes · log capacity).
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import chain

Pool = Hashable
Child = Hashable
MAX_POINTS = 1_000_000  # points of one child at one Kita stay far below (checked by the loader)


@dataclass(frozen=True)
class Outcome:
    """The result of one run: the pool of each placed child (unplaced children are absent), and
    for each pool the priority key of the last child it admitted (its cut-off) when it is full."""

    placement: dict[Child, Pool]
    cutoff: dict[Pool, int]
    last_admitted: dict[Pool, Child]
    proposals: int

    def children_of(self, pool: Pool) -> list[Child]:
        return [c for c, p in self.placement.items() if p == pool]


def deferred_acceptance(
    capacity: Mapping[Pool, int],
    wishes: Mapping[Child, Sequence[Pool]],
    priority: Callable[[Pool, Child], int],
) -> Outcome:
    """Child-proposing deferred acceptance.

    `priority(pool, child)` returns the child's key at that pool as an integer: a smaller key is
    a higher priority (`Instance.key` packs points, date and lottery into one). If two children
    with the same key compete for the last place, ValueError is raised, because the result would
    then depend on the order of the input. Wishes for pools without capacity or listed twice are
    skipped (the first counts).
    """
    ids = list(wishes)
    prefs_of = [wishes[c] for c in ids]
    next_wish = [0] * len(ids)
    free = list(range(len(ids) - 1, -1, -1))  # pop() takes the children in input order
    held: dict[Pool, list] = {}
    proposals = 0
    push, replace = heapq.heappush, heapq.heapreplace
    while free:
        ci = free.pop()
        prefs = prefs_of[ci]
        i = next_wish[ci]
        n_prefs = len(prefs)
        while i < n_prefs:
            pool = prefs[i]
            i += 1
            cap = capacity.get(pool, 0)
            if cap <= 0 or (i > 1 and pool in prefs[: i - 1]):
                continue
            proposals += 1
            key = priority(pool, ids[ci])
            heap = held.get(pool)
            if heap is None:
                heap = held[pool] = []
            # a max-heap by key (keys negated): the worst held child is heap[0]
            if len(heap) < cap:
                push(heap, (-key, ci))
                break
            worst = -heap[0][0]
            if key < worst:
                rejected = replace(heap, (-key, ci))[1]
                if -heap[0][0] == worst:
                    raise ValueError(f"two children have the same priority at {pool!r}: {worst}")
                free.append(rejected)
                break
            if key == worst:
                raise ValueError(f"two children have the same priority at {pool!r}: {key}")
        next_wish[ci] = i
    placement = {ids[ci]: pool for pool, heap in held.items() for _, ci in heap}
    full = {pool: heap[0] for pool, heap in held.items() if len(heap) >= capacity[pool]}
    return Outcome(
        placement=placement,
        cutoff={pool: -worst[0] for pool, worst in full.items()},
        last_admitted={pool: ids[worst[1]] for pool, worst in full.items()},
        proposals=proposals,
    )


# --- priorities from county data --------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """Points per criterion for the Kitas of one municipality (county data, e.g.
    {"residence": 10, "sibling": 6, "hardship": 8, "single_parent": 3, "working_parents": 2})."""

    points: Mapping[str, int]

    def score(self, criteria: Iterable[str]) -> int:
        return sum(self.points.get(c, 0) for c in criteria)


@dataclass(frozen=True)
class Applicant:
    """What the allocation needs to know of one child's application, no more (no name)."""

    id: Hashable
    wishes: tuple  # pools, best first
    municipality: str  # where the child lives (ARS or key)
    applied_on: date
    flags: frozenset = frozenset()  # hardship, single_parent, working_parents … (county data)
    siblings_at: frozenset = frozenset()  # Kitas a sibling attends


def criteria_at(applicant: Applicant, kita: Hashable, kita_municipality: str) -> list[str]:
    """The criteria the child meets at one Kita, in a fixed order (for explanations)."""
    met = []
    if applicant.municipality == kita_municipality:
        met.append("residence")
    if kita in applicant.siblings_at:
        met.append("sibling")
    met.extend(sorted(applicant.flags))
    return met


def lottery(ids: Iterable[Hashable], seed: int) -> dict[Hashable, int]:
    """A lottery number per child: a permutation drawn from `seed` (stored with the round, so
    the draw can be repeated by an auditor). Independent of the input order."""
    ordered = sorted(ids, key=repr)
    numbers = list(range(1, len(ordered) + 1))
    random.Random(seed).shuffle(numbers)
    return dict(zip(ordered, numbers, strict=True))


@dataclass
class Instance:
    """One round's input: pools with their capacity, the Kita and municipality of each pool,
    the rules per municipality (a `None` key for the county's default) and the applicants."""

    capacity: dict[Pool, int]
    kita_of: dict[Pool, Hashable]
    municipality_of: dict[Hashable, str]  # Kita → municipality
    rules: dict[str | None, Rules]
    applicants: list[Applicant]
    seed: int
    lottery_numbers: dict[Hashable, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.lottery_numbers:
            self.lottery_numbers = lottery((a.id for a in self.applicants), self.seed)
        self._by_id = {a.id: a for a in self.applicants}
        # one integer key per (pool, child): points first, then the date, then the lottery
        days = [a.applied_on.toordinal() for a in self.applicants] or [0]
        self._first_day = min(days)
        self._slots = max(self.lottery_numbers.values(), default=0) + 1
        self._span = (max(days) - self._first_day + 1) * self._slots
        self._base = {
            a.id: (a.applied_on.toordinal() - self._first_day) * self._slots
            + self.lottery_numbers[a.id]
            for a in self.applicants
        }
        self._flag_points: dict[tuple[str, frozenset], int] = {}
        self._pool_info: dict[Pool, tuple] = {}

    def rules_for(self, municipality: str) -> Rules:
        return self.rules.get(municipality) or self.rules.get(None) or Rules({})

    def points(self, pool: Pool, child: Hashable) -> tuple[int, list[str]]:
        """The child's points at the pool's Kita and the criteria behind them."""
        a = self._by_id[child]
        kita = self.kita_of[pool]
        municipality = self.municipality_of[kita]
        met = criteria_at(a, kita, municipality)
        return self.rules_for(municipality).score(met), met

    def key(self, pool: Pool, child: Hashable) -> int:
        """Smaller is better: more points, then the earlier application, then the lottery —
        packed into one integer (the hot path of the allocation; `points` is the readable form
        and gives the same points, see the tests)."""
        a = self._by_id[child]
        info = self._pool_info.get(pool)
        if info is None:
            kita = self.kita_of[pool]
            municipality = self.municipality_of[kita]
            points = self.rules_for(municipality).points
            info = self._pool_info[pool] = (
                kita,
                municipality,
                points.get("residence", 0),
                points.get("sibling", 0),
            )
        kita, municipality, residence, sibling = info
        cached = (municipality, a.flags)
        pts = self._flag_points.get(cached)
        if pts is None:
            pts = self._flag_points[cached] = self.rules_for(municipality).score(a.flags)
        if a.municipality == municipality:
            pts += residence
        if kita in a.siblings_at:
            pts += sibling
        return (MAX_POINTS - pts) * self._span + self._base[child]

    def unpack(self, key: int) -> tuple[int, date, int]:
        """(points, application date, lottery number) of a key."""
        rank, rest = divmod(key, self._span)
        day, number = divmod(rest, self._slots)
        return MAX_POINTS - rank, date.fromordinal(self._first_day + day), number

    def run_reference(self) -> Outcome:
        """The readable algorithm (`deferred_acceptance` with `key`); `run` must agree."""
        wishes = {a.id: a.wishes for a in self.applicants}
        return deferred_acceptance(self.capacity, wishes, self.key)

    def run(self) -> Outcome:
        """The allocation: the same keys computed for all wishes at once (numpy) and the
        compiled deferred acceptance (`_kernel`)."""
        import numpy as np

        from . import _kernel

        pools = list(self.capacity)
        pool_index = {p: i for i, p in enumerate(pools)}
        kitas = list(dict.fromkeys(self.kita_of[p] for p in pools))
        kita_index = {k: i for i, k in enumerate(kitas)}
        municipalities = list(dict.fromkeys(self.municipality_of[k] for k in kitas))
        m_index = {m: i for i, m in enumerate(municipalities)}
        apps = self.applicants
        n = len(apps)

        capacity = np.array([self.capacity[p] for p in pools], np.int64)
        pool_kita = np.array([kita_index[self.kita_of[p]] for p in pools], np.int64)
        kita_m = np.array([m_index[self.municipality_of[k]] for k in kitas], np.int64)
        res_pts = np.array(
            [self.rules_for(m).points.get("residence", 0) for m in municipalities], np.int64
        )
        sib_pts = np.array(
            [self.rules_for(m).points.get("sibling", 0) for m in municipalities], np.int64
        )
        flag_sets = list(dict.fromkeys(a.flags for a in apps))
        fs_index = {f: i for i, f in enumerate(flag_sets)}
        flag_pts = np.array(
            [[self.rules_for(m).score(f) for f in flag_sets] for m in municipalities], np.int64
        ).reshape(len(municipalities), len(flag_sets))

        wishes = [a.wishes for a in apps]
        lengths = np.fromiter(map(len, wishes), np.int64, n)
        offsets = np.zeros(n + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        # unknown pools count as pools without places (-1); map/chain keep the loop in C
        index = pool_index.get
        wish_pool = np.array(list(map(index, chain.from_iterable(wishes))), dtype=object)
        wish_pool = np.where(wish_pool == None, -1, wish_pool).astype(np.int64)  # noqa: E711
        child = np.repeat(np.arange(n, dtype=np.int64), lengths)
        child_m = np.array([m_index.get(a.municipality, -1) for a in apps], np.int64)
        child_fs = np.array([fs_index[a.flags] for a in apps], np.int64)
        base = np.array([self._base[a.id] for a in apps], np.int64)
        sibling_codes = np.fromiter(
            (
                c * len(kitas) + kita_index[k]
                for c, a in enumerate(apps)
                for k in a.siblings_at
                if k in kita_index
            ),
            np.int64,
        )

        known = wish_pool >= 0
        wp = np.where(known, wish_pool, 0)
        kita = pool_kita[wp]
        m = kita_m[kita]
        pts = flag_pts[m, child_fs[child]]
        pts += np.where(child_m[child] == m, res_pts[m], 0)
        pts += np.where(np.isin(child * len(kitas) + kita, sibling_codes), sib_pts[m], 0)
        wish_key = (MAX_POINTS - pts) * self._span + base[child]

        assigned, proposals, tie, start, heap_key, heap_child, size = _kernel.deferred_acceptance(
            offsets, wish_pool, wish_key, capacity
        )
        if tie >= 0:
            raise ValueError(f"two children have the same priority at {pools[tie]!r}")
        ids = [a.id for a in apps]
        placement = {ids[c]: pools[p] for c, p in enumerate(assigned.tolist()) if p >= 0}
        full = np.nonzero((size >= capacity) & (capacity > 0))[0].tolist()
        return Outcome(
            placement=placement,
            cutoff={pools[p]: int(heap_key[start[p]]) for p in full},
            last_admitted={pools[p]: ids[int(heap_child[start[p]])] for p in full},
            proposals=int(proposals),
        )


# --- why a wish was not met -------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """Why a child did not get one of its wishes (ranked above the place it got)."""

    pool: Pool
    code: str  # no_places | priority | date | lottery
    your_points: int = 0
    cutoff_points: int = 0
    missing: tuple[str, ...] = ()  # criteria the last admitted child met and this one did not


def explain(instance: Instance, outcome: Outcome, child: Hashable) -> list[Reason]:
    """For each wish better than the child's placement (all wishes if unplaced): why not.

    Deferred acceptance guarantees that each such pool is full of children with a higher
    priority there; the reason compares the child with the pool's cut-off (the last child
    admitted) — its points and the criteria behind them, never who that child is.
    """
    a = instance._by_id[child]
    got = outcome.placement.get(child)
    reasons = []
    seen = set()
    for pool in a.wishes:
        if pool == got:
            break
        if pool in seen:
            continue
        seen.add(pool)
        cutoff = outcome.cutoff.get(pool)
        if instance.capacity.get(pool, 0) <= 0 or cutoff is None:
            reasons.append(Reason(pool, "no_places"))
            continue
        _, my_day, _ = instance.unpack(instance.key(pool, child))
        pts, met = instance.points(pool, child)
        last_pts, last_met = instance.points(pool, outcome.last_admitted[pool])
        _, last_day, _ = instance.unpack(cutoff)
        if last_pts > pts:
            missing = tuple(c for c in last_met if c not in met)
            reasons.append(Reason(pool, "priority", pts, last_pts, missing))
        elif last_day < my_day:
            reasons.append(Reason(pool, "date", pts, last_pts))
        else:
            reasons.append(Reason(pool, "lottery", pts, last_pts))
    return reasons
