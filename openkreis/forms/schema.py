"""The form definition format: check and normalise a definition (from YAML or a FIM import).

A definition is a dict:

    key, title {de, en}, service (slug or empty), version, intro {de, en}
    pages: [ {key, title, intro, show_if, fields: [field, …]} ]
    rules: [ {kind: compare, left, op, right, field, message} ]

A field: {key, type, label, help, required, prefill, show_if, …type options}. Types:
text, textarea, number, date, choice, boolean, address, iban, email, phone, file, group
(a field group; `repeat: {min, max}` makes it repeatable). Texts are {de: …, en: …} or a
plain string (used for both). `show_if` is {field, equals | not_equals | in | filled} or
{all: [...]} / {any: [...]}.

Errors name the path of the offending entry, so a county editing YAML finds it.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

FIELD_TYPES = {
    "text",
    "textarea",
    "number",
    "date",
    "choice",
    "boolean",
    "address",
    "iban",
    "email",
    "phone",
    "file",
    "group",
}
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
PAGE_KEY_RE = re.compile(r"^[a-z][a-z0-9-]{0,59}$")
COMPARE_OPS = {"lt", "le", "gt", "ge", "eq", "ne"}
RELATIVE_DATE_RE = re.compile(r"^today(?:([+-])(\d{1,3})([dmy]))?$")
PREFILL_KEYS = {
    "first_name",
    "last_name",
    "birth_date",
    "street",
    "postcode",
    "city",
    "address",
    "email",
    "phone",
    "company_name",
}
# What a field says about the applicant the case is opened for (FIM import, or by hand):
# the prefill keys and the house number FIM keeps apart from the street.
APPLICANT_ROLES = (PREFILL_KEYS - {"address"}) | {"house_number"}
DEFAULT_ACCEPT = ["application/pdf", "image/jpeg", "image/png"]
# The most characters any text answer may have, also where a field sets no limit itself.
HARD_MAX_LENGTH = 10_000


class DefinitionError(ValueError):
    """The definition is not valid; the message names the entry."""


def text(value: Any, where: str, required: bool = False) -> dict[str, str]:
    """A translatable text: {de, en}; a plain string is used for both languages."""
    if value in (None, ""):
        if required:
            raise DefinitionError(f"{where}: text missing")
        return {}
    if isinstance(value, str):
        return {"de": value.strip(), "en": value.strip()}
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        result = {lang: str(v).strip() for lang, v in value.items() if lang in ("de", "en")}
        if "de" not in result:
            raise DefinitionError(f"{where}: German text (de) missing")
        return result
    raise DefinitionError(f"{where}: expected a text or {{de, en}}")


def _condition(value: Any, where: str) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise DefinitionError(f"{where}: show_if must be a mapping")
    if "all" in value or "any" in value:
        kind = "all" if "all" in value else "any"
        items = value[kind]
        if not isinstance(items, list) or not items:
            raise DefinitionError(f"{where}: show_if.{kind} must be a non-empty list")
        return {kind: [_condition(item, f"{where}.{kind}") for item in items]}
    if "field" not in value:
        raise DefinitionError(f"{where}: show_if needs 'field'")
    tests = [k for k in ("equals", "not_equals", "in", "filled") if k in value]
    if len(tests) != 1:
        raise DefinitionError(f"{where}: show_if needs one of equals, not_equals, in, filled")
    result = {"field": str(value["field"]), tests[0]: value[tests[0]]}
    if tests[0] == "in" and not isinstance(value["in"], list):
        raise DefinitionError(f"{where}: show_if.in must be a list")
    return result


def relative_date(value: Any, where: str) -> str | None:
    """'today', 'today-18y', 'today+30d' or an ISO date; returned unchanged after checking."""
    if value in (None, ""):
        return None
    value = str(value)
    if RELATIVE_DATE_RE.match(value):
        return value
    if re.match(r"^\d{4}-\d{2}-\d{2}$", value):
        return value
    raise DefinitionError(f"{where}: date bound {value!r} must be ISO or today±N[dmy]")


def _number(value: Any, where: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DefinitionError(f"{where}: {value!r} is not a number") from None


def _int(value: Any, where: str, default: int | None = None) -> int | None:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DefinitionError(f"{where}: {value!r} is not a whole number") from None


def _field(spec: Any, where: str, keys: set[str], nested: bool = False) -> dict:
    if not isinstance(spec, dict):
        raise DefinitionError(f"{where}: a field must be a mapping")
    key = str(spec.get("key", ""))
    where = f"{where} ({key or '?'})"
    if not KEY_RE.match(key):
        raise DefinitionError(f"{where}: key must be lowercase letters, digits, underscores")
    if key in keys:
        raise DefinitionError(f"{where}: key {key!r} used twice")
    keys.add(key)
    kind = spec.get("type", "text")
    if kind not in FIELD_TYPES:
        raise DefinitionError(f"{where}: unknown type {kind!r}")
    field: dict[str, Any] = {
        "key": key,
        "type": kind,
        "label": text(spec.get("label"), f"{where}.label", required=True),
        "help": text(spec.get("help"), f"{where}.help"),
        "required": bool(spec.get("required", False)),
    }
    if spec.get("show_if") is not None:
        field["show_if"] = _condition(spec["show_if"], f"{where}.show_if")
    if spec.get("prefill"):
        if spec["prefill"] not in PREFILL_KEYS:
            raise DefinitionError(f"{where}: unknown prefill key {spec['prefill']!r}")
        field["prefill"] = spec["prefill"]
    if spec.get("applicant"):
        if spec["applicant"] not in APPLICANT_ROLES:
            raise DefinitionError(f"{where}: unknown applicant role {spec['applicant']!r}")
        field["applicant"] = spec["applicant"]
    if kind in ("text", "textarea", "phone", "email"):
        field["min_length"] = _int(spec.get("min_length"), f"{where}.min_length")
        # max_length 0: no limit of its own (a FIM field whose schema sets none); the engine
        # still refuses more than HARD_MAX_LENGTH characters
        field["max_length"] = _int(
            spec.get("max_length"), f"{where}.max_length", 2000 if kind == "textarea" else 200
        )
        if field["max_length"] is not None and not 0 <= field["max_length"] <= HARD_MAX_LENGTH:
            raise DefinitionError(f"{where}: max_length must be 0 to {HARD_MAX_LENGTH}")
        if spec.get("pattern"):
            try:
                re.compile(spec["pattern"])
            except re.error as exc:
                raise DefinitionError(f"{where}: pattern does not compile: {exc}") from None
            field["pattern"] = spec["pattern"]
            field["pattern_message"] = text(spec.get("pattern_message"), f"{where}.message")
            # the same pattern as the browser's `pattern` attribute understands it (FIM
            # import; empty when only the server can check it)
            if spec.get("browser_pattern"):
                field["browser_pattern"] = str(spec["browser_pattern"])
    if kind == "number":
        field["min"] = _number(spec.get("min"), f"{where}.min")
        field["max"] = _number(spec.get("max"), f"{where}.max")
        field["decimals"] = _int(spec.get("decimals"), f"{where}.decimals", 0)
        field["unit"] = text(spec.get("unit"), f"{where}.unit")
    if kind == "date":
        field["min"] = relative_date(spec.get("min"), f"{where}.min")
        field["max"] = relative_date(spec.get("max"), f"{where}.max")
    if kind == "choice":
        options = spec.get("options")
        if not isinstance(options, list) or not options:
            raise DefinitionError(f"{where}: a choice needs options")
        field["options"] = []
        seen = set()
        for i, option in enumerate(options):
            if isinstance(option, str):
                option = {"value": option, "label": option}
            if not isinstance(option, dict) or "value" not in option:
                raise DefinitionError(f"{where}.options[{i}]: needs value and label")
            value = str(option["value"])
            if value in seen:
                raise DefinitionError(f"{where}.options[{i}]: value {value!r} twice")
            seen.add(value)
            field["options"].append(
                {
                    "value": value,
                    "label": text(option.get("label", value), f"{where}.options[{i}]", True),
                }
            )
        field["multiple"] = bool(spec.get("multiple", False))
        field["widget"] = spec.get("widget") or ("radio" if len(options) <= 6 else "select")
        if field["widget"] not in ("radio", "select"):
            raise DefinitionError(f"{where}: widget must be radio or select")
    if kind == "file":
        field["accept"] = list(spec.get("accept") or DEFAULT_ACCEPT)
        field["max_size_mb"] = _int(spec.get("max_size_mb"), f"{where}.max_size_mb", 10)
        field["max_files"] = _int(spec.get("max_files"), f"{where}.max_files", 1)
        field["document_type"] = str(spec.get("document_type") or key)
    if kind == "group":
        if nested:
            raise DefinitionError(f"{where}: groups inside groups are not supported")
        sub = spec.get("fields")
        if not isinstance(sub, list) or not sub:
            raise DefinitionError(f"{where}: a group needs fields")
        sub_keys: set[str] = set()
        field["fields"] = [
            _field(item, f"{where}.fields[{i}]", sub_keys, nested=True)
            for i, item in enumerate(sub)
        ]
        repeat = spec.get("repeat")
        if repeat is not None:
            if not isinstance(repeat, dict):
                repeat = {}
            low = _int(repeat.get("min"), f"{where}.repeat.min", 0)
            high = _int(repeat.get("max"), f"{where}.repeat.max", 10)
            if low < 0 or high < 1 or low > high or high > 50:
                raise DefinitionError(f"{where}: repeat needs 0 ≤ min ≤ max ≤ 50")
            field["repeat"] = {"min": low, "max": high}
            field["item_label"] = text(spec.get("item_label") or spec.get("label"), where)
    return field


def _rule(spec: Any, where: str, keys: set[str]) -> dict:
    if not isinstance(spec, dict):
        raise DefinitionError(f"{where}: a rule must be a mapping")
    kind = spec.get("kind", "compare")
    if kind != "compare":
        raise DefinitionError(f"{where}: unknown rule kind {kind!r}")
    left, op, right = spec.get("left"), spec.get("op"), spec.get("right")
    if left not in keys:
        raise DefinitionError(f"{where}: left {left!r} is not a field of this form")
    if op not in COMPARE_OPS:
        raise DefinitionError(f"{where}: op must be one of {sorted(COMPARE_OPS)}")
    if right not in keys and not isinstance(right, int | float):
        relative_date(right, f"{where}.right")
    return {
        "kind": "compare",
        "left": left,
        "op": op,
        "right": right,
        "field": spec.get("field") or left,
        "message": text(spec.get("message"), f"{where}.message", required=True),
    }


def _check_conditions(node: Any, keys: set[str], where: str) -> None:
    if not node:
        return
    for kind in ("all", "any"):
        if kind in node:
            for item in node[kind]:
                _check_conditions(item, keys, where)
            return
    if node["field"] not in keys:
        raise DefinitionError(f"{where}: show_if refers to unknown field {node['field']!r}")


def normalise(spec: Any, where: str = "form") -> dict:
    """Check a definition and return it in normal form; raise DefinitionError otherwise."""
    if not isinstance(spec, dict):
        raise DefinitionError(f"{where}: a form definition must be a mapping")
    key = str(spec.get("key", ""))
    if not PAGE_KEY_RE.match(key):
        raise DefinitionError(f"{where}: key {key!r} must be lowercase-with-hyphens")
    where = f"{where} {key}"
    pages = spec.get("pages")
    if not isinstance(pages, list) or not pages:
        raise DefinitionError(f"{where}: pages missing")
    keys: set[str] = set()
    page_keys: set[str] = set()
    result_pages = []
    for i, page in enumerate(pages):
        pwhere = f"{where}.pages[{i}]"
        if not isinstance(page, dict):
            raise DefinitionError(f"{pwhere}: a page must be a mapping")
        pkey = str(page.get("key", ""))
        if not PAGE_KEY_RE.match(pkey) or pkey in page_keys or pkey in ("pruefen", "absenden"):
            raise DefinitionError(f"{pwhere}: page key {pkey!r} missing, invalid or twice")
        page_keys.add(pkey)
        fields = page.get("fields")
        if not isinstance(fields, list) or not fields:
            raise DefinitionError(f"{pwhere}: a page needs fields")
        result_pages.append(
            {
                "key": pkey,
                "title": text(page.get("title"), f"{pwhere}.title", required=True),
                "intro": text(page.get("intro"), f"{pwhere}.intro"),
                "show_if": _condition(page.get("show_if"), f"{pwhere}.show_if"),
                "fields": [_field(f, f"{pwhere}.fields[{j}]", keys) for j, f in enumerate(fields)],
            }
        )
        # `guidance: service` shows the service's own notes (what it is, which documents it
        # needs) on the page: the generic form serves many services and knows none of them.
        if page.get("guidance") is not None:
            if page["guidance"] != "service":
                raise DefinitionError(f"{pwhere}: guidance can only be 'service'")
            result_pages[-1]["guidance"] = "service"
    for page in result_pages:
        _check_conditions(page["show_if"], keys, f"{where}.{page['key']}")
        for field in page["fields"]:
            _check_conditions(field.get("show_if"), keys, f"{where}.{field['key']}")
            for sub in field.get("fields", []):
                sub_keys = keys | {s["key"] for s in field["fields"]}
                _check_conditions(sub.get("show_if"), sub_keys, f"{where}.{sub['key']}")
    rules = [_rule(r, f"{where}.rules[{i}]", keys) for i, r in enumerate(spec.get("rules") or [])]
    return {
        "key": key,
        "title": text(spec.get("title"), f"{where}.title", required=True),
        "intro": text(spec.get("intro"), f"{where}.intro"),
        "service": str(spec.get("service") or ""),
        "version": str(spec.get("version") or "1"),
        "what_next": text(spec.get("what_next"), f"{where}.what_next"),
        "pages": result_pages,
        "rules": rules,
    }


def checksum(definition: dict) -> str:
    """SHA-256 of the normal form: a reload with an unchanged file changes nothing."""
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
