"""Process definitions as data: states (with their meaning for time accounting), allowed
transitions and the roles that may take them. One YAML file per procedure in
tenants/<slug>/cases/procedures/; this module reads and checks them, nothing else."""

from __future__ import annotations

from dataclasses import dataclass

STATE_KINDS = {"queue", "work", "applicant", "done"}
# Transitions with a meaning of their own get their own event kind (docs/events.md).
ACTIVITY_OF = {
    "claim": "assigned",
    "request_documents": "documents_requested",
    "documents_received": "documents_received",
    "decide": "decided",
    "close": "closed",
    "reopen": "reopened",
}
REQUIRED_TRANSITIONS = {"claim", "request_documents", "documents_received", "decide"}


class WorkflowError(Exception):
    """A transition that the procedure does not allow, or a bad procedure definition."""


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    label: str
    label_en: str

    @property
    def activity(self) -> str:
        return ACTIVITY_OF.get(self.name, "transition")


def check_definition(definition: dict, where: str) -> None:
    """Raise WorkflowError naming the problem if a procedure definition is inconsistent."""
    states = definition.get("states") or {}
    if not states:
        raise WorkflowError(f"{where}: no states")
    for name, state in states.items():
        if state.get("kind") not in STATE_KINDS:
            raise WorkflowError(f"{where}: state {name} has kind {state.get('kind')!r}")
    if definition.get("initial") not in states:
        raise WorkflowError(f"{where}: initial state {definition.get('initial')!r} unknown")
    names = set()
    for item in definition.get("transitions") or []:
        names.add(item.get("name"))
        for state in [*item.get("from", []), item.get("to")]:
            if state not in states:
                raise WorkflowError(f"{where}: transition {item.get('name')} names {state!r}")
    missing = REQUIRED_TRANSITIONS - names
    if missing:
        raise WorkflowError(f"{where}: missing transitions {sorted(missing)}")


def transitions(definition: dict) -> list[Transition]:
    return [
        Transition(
            name=item["name"],
            sources=tuple(item["from"]),
            target=item["to"],
            roles=tuple(item.get("roles") or ()),
            label=item.get("label", item["name"]),
            label_en=item.get("label_en", item["name"]),
        )
        for item in definition["transitions"]
    ]


def find(definition: dict, name: str, state: str) -> Transition:
    """The transition `name` from `state`, or WorkflowError."""
    for transition in transitions(definition):
        if transition.name == name and state in transition.sources:
            return transition
    raise WorkflowError(f"'{name}' is not possible in state '{state}'")


def available(definition: dict, state: str, roles: set[str]) -> list[Transition]:
    """Transitions a person with `roles` may take from `state` (system-only ones excluded)."""
    return [
        t
        for t in transitions(definition)
        if state in t.sources and t.roles and roles.intersection(t.roles)
    ]


def state_info(definition: dict, state: str) -> dict:
    return definition["states"].get(state, {"label": state, "kind": "queue"})
