"""Turn a field definition plus answers, posted input and errors into what a template renders."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from . import engine
from .engine import tr

AUTOCOMPLETE = {
    "first_name": "given-name",
    "last_name": "family-name",
    "birth_date": "bday",
    "email": "email",
    "phone": "tel",
}
# Dates are typed as text (31.01.1990): native date pickers differ by device and locale.
INPUT_TYPES = {"email": "email", "phone": "tel"}
# More options than this: the select becomes searchable (accessible-autocomplete).
SEARCHABLE_OPTIONS = 20


def _condition_note(f: dict, page_fields: dict[str, dict]) -> str:
    """Without JavaScript a dependent question stays on the page; say when it applies."""
    cond = f.get("show_if") or {}
    source = page_fields.get(cond.get("field", ""))
    if not source:
        return ""
    wanted = cond.get("equals", None)
    if wanted is None and cond.get("in"):
        wanted = cond["in"][0] if len(cond["in"]) == 1 else None
    if wanted is not None and source.get("options"):
        labels = {o["value"]: tr(o["label"]) for o in source["options"]}
        if str(wanted) in labels:
            return _("Only if you answered “%(answer)s” to “%(question)s”.") % {
                "answer": labels[str(wanted)],
                "question": tr(source["label"]),
            }
    return _("Only if it applies after your answer to “%(question)s”.") % {
        "question": tr(source["label"])
    }


def _show_rule(cond: dict | None) -> str:
    """The values that reveal a dependent question, for the progressive-enhancement script."""
    if not cond or "field" not in cond:
        return ""
    if "equals" in cond:
        return json.dumps([str(cond["equals"])])
    if "in" in cond:
        return json.dumps([str(v) for v in cond["in"]])
    return ""


def bind(
    f: dict,
    prefix: str,
    value: Any,
    raw: dict | None,
    errors: dict[str, str],
    files: dict[str, list],
    page_fields: dict[str, dict],
    single: bool = False,
) -> dict:
    """Everything the template needs for one field; `raw` (posted input) wins over `value`."""
    kind = f["type"]
    bound: dict[str, Any] = {
        "type": kind,
        "id": prefix,
        "label": tr(f["label"]),
        "help": tr(f.get("help")),
        "required": f["required"],
        # "(optional)" beside the label: a field that may stay empty (not a group the
        # citizen chose to fill, whose own fields are marked)
        "optional": not f["required"],
        "single": single,
        "error": errors.get(engine.first_input_id(f, prefix), ""),
        "conditional": _condition_note(f, page_fields) if f.get("show_if") else "",
        "show_if": f.get("show_if") or {},
        "show_rule": _show_rule(f.get("show_if")),
    }
    if kind == "group":
        bound = _bind_group(f, prefix, value, raw, errors, files, bound)
        # the group's first input shares its id: its message is shown there, not twice
        shown = {sub["error"] for item in bound["items"] for sub in item["fields"]}
        if bound["error"] in shown:
            bound["error"] = ""
        return bound
    if kind == "address":
        value = value if isinstance(value, dict) else {}
        bound["parts"] = [
            {
                "id": f"{prefix}-{part}",
                "label": label,
                "value": raw.get(f"{prefix}-{part}", "")
                if raw is not None
                else value.get(part, ""),
                "autocomplete": auto,
                "width": width,
            }
            for part, label, auto, width in (
                ("street", _("Street and house number"), "street-address", "wide"),
                ("postcode", _("Postcode"), "postal-code", "short"),
                ("city", _("Town"), "address-level2", "wide"),
            )
        ]
        return bound
    if kind == "choice":
        if raw is not None:
            chosen = raw.get(prefix, [] if f["multiple"] else "")
        else:
            chosen = value if value is not None else ([] if f["multiple"] else "")
        chosen_set = {str(c) for c in chosen} if isinstance(chosen, list) else {str(chosen)}
        bound["widget"] = "checkbox" if f["multiple"] else f["widget"]
        # a long code list (states, countries): a select that JavaScript makes searchable
        bound["searchable"] = bound["widget"] == "select" and len(f["options"]) > SEARCHABLE_OPTIONS
        bound["options"] = [
            {
                "id": f"{prefix}-{i}",
                "value": o["value"],
                "label": tr(o["label"]),
                "checked": o["value"] in chosen_set,
            }
            for i, o in enumerate(f["options"])
        ]
        return bound
    if kind == "boolean":
        bound["checked"] = bool(raw.get(prefix)) if raw is not None else value is True
        return bound
    if kind == "file":
        bound["files"] = files.get(prefix, [])
        bound["accept"] = ",".join(f["accept"])
        bound["can_add"] = len(bound["files"]) < f["max_files"]
        bound["max_files"] = f["max_files"]
        return bound
    if raw is not None:
        text = raw.get(prefix, "")
    elif value is None:
        text = ""
    elif kind == "iban":
        text = engine.display_value(f, value)
    elif kind == "number":
        text = str(value).replace(".", ",")
    elif kind == "date":
        text = engine.display_value(f, value)
    else:
        text = str(value)
    bound.update(
        {
            "value": text,
            "input_type": INPUT_TYPES.get(kind, "text"),
            "textarea": kind == "textarea",
            "inputmode": _inputmode(f),
            "unit": tr(f.get("unit")),
            "autocomplete": AUTOCOMPLETE.get(f.get("prefill", ""), "off" if kind == "iban" else ""),
            "maxlength": f.get("max_length") or (10 if kind == "date" else ""),
            "pattern": f.get("browser_pattern", ""),
            "short": kind in ("number", "date"),
            "spellcheck": kind in ("text", "textarea"),
        }
    )
    return bound


def _inputmode(f: dict) -> str:
    """Digits only on a phone keyboard for whole numbers, with a comma for decimals."""
    if f["type"] != "number":
        return ""
    return "decimal" if f.get("decimals") else "numeric"


def _bind_group(f, prefix, value, raw, errors, files, bound):
    sub_fields = {s["key"]: s for s in f["fields"]}
    if not f.get("repeat"):
        item = value if isinstance(value, dict) else {}
        bound["items"] = [
            {
                "fields": [
                    bind(
                        s,
                        f"{prefix}-{s['key']}",
                        item.get(s["key"]),
                        raw,
                        errors,
                        files,
                        sub_fields,
                    )
                    for s in f["fields"]
                ]
            }
        ]
        bound["repeat"] = False
        return bound
    items = value if isinstance(value, list) else []
    if raw is not None and f"{prefix}-count" in raw:
        count = raw[f"{prefix}-count"]
    else:
        count = max(len(items), f["repeat"]["min"], 1 if not items else 0)
    bound["repeat"] = True
    bound["count"] = count
    bound["can_add"] = count < f["repeat"]["max"]
    bound["can_remove"] = count > f["repeat"]["min"]
    bound["item_label"] = tr(f.get("item_label")) or bound["label"]
    bound["items"] = []
    for i in range(count):
        item = items[i] if i < len(items) and isinstance(items[i], dict) else {}
        bound["items"].append(
            {
                "index": i,
                "number": i + 1,
                "fields": [
                    bind(
                        s,
                        f"{prefix}-{i}-{s['key']}",
                        item.get(s["key"]),
                        raw,
                        errors,
                        files,
                        sub_fields,
                    )
                    for s in f["fields"]
                ],
            }
        )
    return bound
