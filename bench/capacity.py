"""Kita allocation benchmark (issue 18): child-proposing deferred acceptance for 50,000 children
with 5 wishes each over 2,000 Kitas (two age groups each: 4,000 pools) — ceiling < 1 s — checked
against an independent implementation, the `matching` package from PyPI (HospitalResident,
resident-optimal), first on 200 small random instances, then on the full instance; its time is
printed beside ours.

Run by hand: `.venv/bin/pip install matching==1.4.3 && .venv/bin/python bench/capacity.py`
(`matching` is an outside oracle for this benchmark only, not a dependency of openkreis).
Options: --children N --kitas N --wishes N --seed N --no-oracle.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openkreis.capacity.allocation import Applicant, Instance, Rules  # noqa: E402

RULES = {
    None: Rules({"residence": 10, "sibling": 6, "hardship": 8, "single_parent": 3}),
    "m3": Rules({"residence": 10, "sibling": 12, "hardship": 8, "working_parents": 2}),
}
FLAGS = ("hardship", "single_parent", "working_parents")


def instance(children: int, kitas: int, wishes: int, seed: int) -> Instance:
    """A county-shaped market: 20 municipalities, Kitas spread over them, each child wishing
    Kitas mostly near home (its own and a neighbouring municipality), 10 % with a flag, 20 %
    with a sibling at one of its wished Kitas, applications over a year."""
    rng = random.Random(seed)
    municipalities = [f"m{i}" for i in range(20)]
    kita_ids = [f"k{i}" for i in range(kitas)]
    municipality_of = {k: municipalities[i % 20] for i, k in enumerate(kita_ids)}
    by_municipality: dict[str, list[str]] = {}
    for k, m in municipality_of.items():
        by_municipality.setdefault(m, []).append(k)
    capacity = {}
    for k in kita_ids:
        capacity[(k, "krippe")] = rng.randint(2, 14)
        capacity[(k, "kindergarten")] = rng.randint(5, 30)
    applicants = []
    for i in range(children):
        home = rng.choice(municipalities)
        neighbour = municipalities[(int(home[1:]) + 1) % 20]
        near = by_municipality.get(home, []) + by_municipality.get(neighbour, [])
        near = near or kita_ids
        group = "krippe" if rng.random() < 0.45 else "kindergarten"
        chosen = rng.sample(near, min(wishes, len(near)))
        sibling = frozenset({rng.choice(chosen)}) if chosen and rng.random() < 0.2 else frozenset()
        applicants.append(
            Applicant(
                id=i,
                wishes=tuple((k, group) for k in chosen),
                municipality=home,
                applied_on=date(2026, 1, 1).fromordinal(
                    date(2026, 1, 1).toordinal() + rng.randrange(365)
                ),
                flags=frozenset(f for f in FLAGS if rng.random() < 0.1),
                siblings_at=sibling,
            )
        )
    return Instance(
        capacity=capacity,
        kita_of={p: p[0] for p in capacity},
        municipality_of=municipality_of,
        rules=RULES,
        applicants=applicants,
        seed=seed,
    )


def oracle(inst: Instance) -> dict:
    """The same market solved by `matching` (resident-optimal hospital/resident)."""
    from matching.games import HospitalResident

    sys.setrecursionlimit(max(10_000, 4 * len(inst.applicants)))
    resident_prefs = {}
    wanted_by: dict = {}
    for a in inst.applicants:
        prefs = [p for p in dict.fromkeys(a.wishes) if inst.capacity.get(p, 0) > 0]
        if prefs:
            resident_prefs[a.id] = prefs
            for p in prefs:
                wanted_by.setdefault(p, []).append(a.id)
    hospital_prefs = {
        p: sorted(ids, key=lambda c, p=p: inst.key(p, c)) for p, ids in wanted_by.items()
    }
    capacities = {p: inst.capacity[p] for p in hospital_prefs}
    game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
    solution = game.solve(optimal="resident")
    return {r.name: h.name for h, residents in solution.items() for r in residents}


def timed(fn, repeat: int = 3):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=50_000)
    parser.add_argument("--kitas", type=int, default=2_000)
    parser.add_argument("--wishes", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-oracle", action="store_true")
    args = parser.parse_args()

    if not args.no_oracle:
        same = 0
        for seed in range(200):
            small = instance(random.Random(seed).randint(5, 300), 12, 3, seed)
            assert small.run().placement == oracle(small), f"differs from matching, seed {seed}"
            same += 1
        print(f"identical to matching on {same} random instances (5–300 children, 24 pools)")

    inst = instance(args.children, args.kitas, args.wishes, args.seed)
    start = time.perf_counter()
    inst.run()  # numba: compiles once per machine, then loads the cached machine code
    first = time.perf_counter() - start
    outcome, times = timed(inst.run, repeat=5)
    readable, readable_times = timed(inst.run_reference, repeat=1)
    assert readable.placement == outcome.placement
    seats = sum(inst.capacity.values())
    best = min(times)
    print(
        f"allocation: {args.children:,} children × {args.wishes} wishes, {len(inst.capacity):,} "
        f"pools ({seats:,} places): {outcome.proposals:,} proposals, {len(outcome.placement):,} "
        f"placed"
    )
    print(
        f"  ours: best {best:.3f} s, median {statistics.median(times):.3f} s of {len(times)}  "
        f"(ceiling < 1 s: {'met' if best < 1 else 'MISSED'}); first call in this process "
        f"{first:.2f} s"
    )
    print(
        f"  readable Python (run_reference): {readable_times[0]:.2f} s, identical; "
        f"{readable_times[0] / best:.1f}× the compiled run"
    )
    if not args.no_oracle:
        start = time.perf_counter()
        theirs = oracle(inst)
        took = time.perf_counter() - start
        verdict = "identical" if theirs == outcome.placement else "DIFFERENT"
        print(
            f"  matching 1.4 (HospitalResident): {took:.1f} s, {verdict}; {took / best:.0f}× ours"
        )
        assert theirs == outcome.placement


if __name__ == "__main__":
    main()
