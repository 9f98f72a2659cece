"""The names of the steps the cockpit counts, as a manager reads them.

Events name a workflow state by its key (`review`, `in_progress`; docs/events.md: keys,
never display names). The names are county data: the `states` of the county's procedures
(tenants/<slug>/cases/procedures/*.yaml, `label` in German and `label_en` in English), the
same words the caseworkers see in the eAkte. The cockpit's county-data step copies them into
`ProcedureLabels` (load_labels): the cockpit reads the county's files, it does not import
the eAkte (.importlinter). A page asks `state_names(procedures)` for the names in its
language, and `name_of(key, names)` for one node or step of a process.

The activities every case goes through (received, claimed, documents requested …) have
the cockpit's own translated names (ACTIVITY_LABELS); a workflow step that is not one of
them (`case.transition`) is named by the state it leads to (`state:<key>`, engine.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from openkreis.core.loader import TenantDataError, read_yaml

from .models import ProcedureLabels

ACTIVITY_LABELS = {
    "received": gettext_lazy("Received"),
    "assigned": gettext_lazy("Claimed"),
    "handed_over": gettext_lazy("Handed over"),
    "documents_requested": gettext_lazy("Documents requested"),
    "documents_received": gettext_lazy("Documents received"),
    "decided": gettext_lazy("Decided"),
    "closed": gettext_lazy("Closed"),
    "reopened": gettext_lazy("Reopened"),
}
STATE_PREFIX = "state:"  # a process node named by the state a workflow step leads to


def load_labels(folder: Path, report) -> None:
    """tenants/<slug>/cases/procedures/*.yaml -> ProcedureLabels (the state names only).
    Idempotent: a procedure whose names did not change is not written."""
    base = folder / "cases" / "procedures"
    if not base.is_dir():
        return
    for path in sorted(base.glob("*.yaml")):
        data = read_yaml(path)
        key = data.get("key")
        states = data.get("states")
        if not key or not isinstance(states, dict):
            raise TenantDataError(f"{path}: a procedure needs a key and its states")
        names = {
            state: {
                "de": str((info or {}).get("label") or state),
                "en": str((info or {}).get("label_en") or (info or {}).get("label") or state),
            }
            for state, info in states.items()
        }
        services = list(data.get("services") or [])
        row = ProcedureLabels.objects.filter(key=key).first()
        if row is None:
            ProcedureLabels.objects.create(key=key, services=services, states=names)
            report.created += 1
        elif row.services != services or row.states != names:
            row.services, row.states = services, names
            row.save(update_fields=["services", "states"])
            report.updated += 1


def _language() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


def state_names(procedures: Iterable[str] | None = None, language: str | None = None) -> dict:
    """{state key: name} for the states of `procedures` (None: every procedure) in
    `language` (default: the page's). Where procedures name one state differently (the
    county's `in_progress` is "In Bearbeitung" in most, "Antragsprüfung" for the driving
    licence), all names are given, the most used first: "In Bearbeitung / Antragsprüfung"."""
    language = language or _language()
    rows = ProcedureLabels.objects.all()
    if procedures is not None:
        rows = rows.filter(key__in=[p for p in procedures if p])
    seen: dict[str, Counter] = {}
    for states in rows.values_list("states", flat=True):
        for state, names in states.items():
            seen.setdefault(state, Counter())[names.get(language) or names.get("de") or state] += 1
    return {
        state: " / ".join(name for name, _n in sorted(c.items(), key=lambda x: (-x[1], x[0])))
        for state, c in seen.items()
    }


def name_of(key: str, names: dict) -> str:
    """The name of a node of the process graph: an activity every case has (its
    translated name), a workflow step (`state:<key>`: the name of the state it leads to),
    or a state. A key nobody named (an imported log's own activity) is shown as it is: it
    is the word the specialist procedure used."""
    if key.startswith(STATE_PREFIX):
        key = key[len(STATE_PREFIX) :]
        return names.get(key, key)
    if key in ACTIVITY_LABELS:
        return str(ACTIVITY_LABELS[key])
    if key == "transition":  # folded before steps were named by their state
        return _("Further step")
    return names.get(key, key)


def state_name(state: str, names: dict) -> str:
    """The name of a state (a step of the waiting-time table): the procedure's name for
    it, else as a graph node is named (imported logs count steps by their activity)."""
    return names.get(state) or name_of(state, names)
