"""Event kinds live in one place (core/event_kinds.py) and are all described in docs/events.md."""

import ast
import re
from pathlib import Path

from openkreis.core import event_kinds

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT.parent / "docs" / "events.md"


def _record_event_calls():
    for path in sorted(ROOT.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name == "record_event":
                    yield path, node


def test_code_names_event_kinds_by_their_constant():
    literal = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.args[0].value!r}"
        for path, node in _record_event_calls()
        if isinstance(node.args[0], ast.Constant)
    ]
    assert literal == [], "use openkreis.core.event_kinds constants"


def test_every_constant_used_exists_and_every_kind_is_documented():
    used = {
        node.args[0].attr
        for _path, node in _record_event_calls()
        if isinstance(node.args[0], ast.Attribute)
    }
    assert used <= set(vars(event_kinds))
    documented = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", DOCS.read_text(encoding="utf-8")))
    assert sorted(event_kinds.ALL - documented) == []


def test_case_kind_refuses_an_unknown_activity():
    assert event_kinds.case_kind("received") == "case.received"
    try:
        event_kinds.case_kind("teleported")
    except ValueError as exc:
        assert "event_kinds" in str(exc)
    else:
        raise AssertionError("an unknown activity must not become an event kind")
