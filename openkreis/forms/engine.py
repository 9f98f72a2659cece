"""Running a form definition: visibility, parsing posted input, validation, answer summary.

The same checks run when a page is posted and again, on the stored answers, when the
application is submitted: the server never trusts what an earlier page accepted, and
answers to questions that are hidden by a condition are dropped, not submitted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .schema import HARD_MAX_LENGTH, RELATIVE_DATE_RE

POSTCODE_RE = re.compile(r"^\d{5}$")
IBAN_RE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
IBAN_LENGTHS = {"DE": 22, "AT": 20, "CH": 21, "NL": 18, "BE": 16, "FR": 27, "PL": 28, "IT": 27}
PHONE_RE = re.compile(r"^\+?[0-9 ()/\-]{6,25}$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ADDRESS_PARTS = ("street", "postcode", "city")


def tr(value: Mapping[str, str] | None) -> str:
    """The text in the active language, German as the fallback."""
    if not value:
        return ""
    return value.get(translation.get_language() or "de") or value.get("de") or ""


def today() -> dt.date:
    return timezone.localdate()


def resolve_date(bound: str | None, base: dt.date | None = None) -> dt.date | None:
    """'today', 'today-18y', 'today+30d' or an ISO date → a date."""
    if not bound:
        return None
    base = base or today()
    match = RELATIVE_DATE_RE.match(bound)
    if not match:
        return dt.date.fromisoformat(bound)
    sign, amount, unit = match.groups()
    if not sign:
        return base
    n = int(amount) * (1 if sign == "+" else -1)
    if unit == "d":
        return base + dt.timedelta(days=n)
    months = n * (12 if unit == "y" else 1)
    year, month = divmod(base.month - 1 + months, 12)
    year += base.year
    day = min(base.day, 28 if month + 1 == 2 else 30 if month + 1 in (4, 6, 9, 11) else 31)
    return dt.date(year, month + 1, day)


# --- visibility -------------------------------------------------------------------------


def _lookup(key: str, data: Mapping, item: Mapping | None) -> Any:
    if item is not None and key in item:
        return item[key]
    return data.get(key)


def condition_holds(cond: Mapping | None, data: Mapping, item: Mapping | None = None) -> bool:
    if not cond:
        return True
    if "all" in cond:
        return all(condition_holds(c, data, item) for c in cond["all"])
    if "any" in cond:
        return any(condition_holds(c, data, item) for c in cond["any"])
    value = _lookup(cond["field"], data, item)
    if "equals" in cond:
        return _same(value, cond["equals"])
    if "not_equals" in cond:
        return not _same(value, cond["not_equals"])
    if "in" in cond:
        return any(_same(value, option) for option in cond["in"])
    return _filled(value) == bool(cond["filled"])


def _same(value: Any, expected: Any) -> bool:
    if isinstance(value, list):
        return str(expected) in [str(v) for v in value]
    if isinstance(expected, bool) or isinstance(value, bool):
        return bool(value) == bool(expected) and value is not None
    return value is not None and str(value) == str(expected)


def _filled(value: Any) -> bool:
    if value is None or value == "" or value == [] or value == {}:
        return False
    if isinstance(value, dict):
        return any(_filled(v) for v in value.values())
    return True


def visible_pages(definition: Mapping, data: Mapping) -> list[dict]:
    return [p for p in definition["pages"] if condition_holds(p.get("show_if"), data)]


def visible_fields(fields: list[dict], data: Mapping, item: Mapping | None = None) -> list[dict]:
    return [f for f in fields if condition_holds(f.get("show_if"), data, item)]


def all_fields(definition: Mapping) -> dict[str, dict]:
    return {f["key"]: f for p in definition["pages"] for f in p["fields"]}


def single_fields(definition: Mapping) -> list[tuple[tuple[str, ...], dict]]:
    """Every field with one value and where it lives in the answers: top-level fields as
    (key,), fields of a group that is not repeated as (group key, field key)."""
    result: list[tuple[tuple[str, ...], dict]] = []
    for page in definition["pages"]:
        for f in page["fields"]:
            if f["type"] != "group":
                result.append(((f["key"],), f))
            elif not f.get("repeat"):
                result.extend(((f["key"], sub["key"]), sub) for sub in f["fields"])
    return result


def answer_at(data: Mapping, path: tuple[str, ...]) -> Any:
    value: Any = data
    for part in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


# --- parsing posted input -----------------------------------------------------------------


@dataclass
class PageResult:
    values: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # html id → message
    anchors: list[tuple[str, str]] = field(default_factory=list)  # (html id, message) in order

    def error(self, html_id: str, message: str, label: str = "") -> None:
        """The message at the field; in the error summary "<label>: <message>", so it reads
        for any label (FIM labels are often whole sentences)."""
        if html_id not in self.errors:
            self.errors[html_id] = message
            self.anchors.append((html_id, labelled(label, message)))


def labelled(label: str, message: str) -> str:
    """'<label>: <message>' for the error summary and the check page ('' label: message)."""
    label = (label or "").strip().rstrip(":")
    return f"{label}: {message}" if label else message


def html_id(*parts: Any) -> str:
    return "f-" + "-".join(str(p) for p in parts)


def first_input_id(f: Mapping, prefix: str) -> str:
    """The id the error summary links to: the first input of the field."""
    if f["type"] == "address":
        return f"{prefix}-street"
    if f["type"] == "choice" and f["widget"] == "radio":
        return f"{prefix}-0"
    if f["type"] == "group":
        return (
            f"{prefix}-0-{f['fields'][0]['key']}"
            if f.get("repeat")
            else f"{prefix}-{f['fields'][0]['key']}"
        )
    return prefix


def parse_number(raw: str) -> Decimal | None:
    text = raw.replace(" ", "").replace("\u00a0", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    if not re.match(r"^[+-]?\d+(\.\d+)?$", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_date(raw: str) -> dt.date | None:
    raw = raw.strip()
    match = re.match(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", raw)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if re.match(r"^\d{4}-\d{2}-\d{2}$", raw):
            return dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return None


def iban_valid(iban: str) -> bool:
    """ISO 13616 check: country length where known, then mod 97 of the rearranged number."""
    if not IBAN_RE.match(iban):
        return False
    length = IBAN_LENGTHS.get(iban[:2])
    if length and len(iban) != length:
        return False
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


def _raw(post: Mapping, name: str) -> str:
    value = post.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value)


def read_field(
    f: Mapping,
    post: Any,
    prefix: str,
    data: Mapping,
    item: Mapping | None,
    result: PageResult,
    files: Mapping[str, list[str]],
) -> Any:
    """Read one field from the POST data into a typed value; record errors in `result`."""
    kind = f["type"]
    if kind == "group":
        return _read_group(f, post, prefix, data, result, files)
    if kind == "address":
        value = {
            part: CONTROL_RE.sub("", _raw(post, f"{prefix}-{part}")).strip()
            for part in ADDRESS_PARTS
        }
        result.raw.update({f"{prefix}-{part}": value[part] for part in ADDRESS_PARTS})
        value = value if _filled(value) else None
    elif kind == "choice" and f["multiple"]:
        getlist = getattr(post, "getlist", None)
        chosen = getlist(prefix) if getlist else post.get(prefix, [])
        value = [str(v) for v in chosen] or None
        result.raw[prefix] = value or []
    elif kind == "boolean":
        value = True if _raw(post, prefix) in ("1", "on", "yes", "true") else None
        result.raw[prefix] = bool(value)
    elif kind == "file":
        value = list(files.get(prefix, [])) or None
    else:
        raw = CONTROL_RE.sub("", _raw(post, prefix)).strip()
        result.raw[prefix] = raw
        value = raw or None
        if value is not None:
            value, message = _convert(f, raw)
            if message:
                result.error(first_input_id(f, prefix), message, tr(f["label"]))
                return None
    for message in check_value(f, value):
        result.error(first_input_id(f, prefix), message, tr(f["label"]))
        return None
    return value


def _convert(f: Mapping, raw: str) -> tuple[Any, str]:
    """Text → the stored representation of the type, or an error message."""
    kind = f["type"]
    if kind == "number":
        number = parse_number(raw)
        if number is None:
            if not f.get("decimals"):  # a count or a year: no "12,50" as the example
                return None, pgettext("form field", "Enter a whole number, like 12.")
            return None, pgettext("form field", "Enter a number, like 12 or 12,50.")
        return str(number), ""
    if kind == "date":
        date = parse_date(raw)
        if date is None:
            return None, pgettext("form field", "Enter a real date, like 31.01.2000.")
        return date.isoformat(), ""
    if kind == "iban":
        return re.sub(r"\s+", "", raw).upper(), ""
    if kind == "email":
        return raw.lower() if "@" in raw else raw, ""
    return raw, ""


def _read_group(f, post, prefix, data, result, files):
    if not f.get("repeat"):
        item: dict[str, Any] = {}
        for sub in f["fields"]:
            item[sub["key"]] = None
        for sub in visible_fields(f["fields"], data, _peek_item(f, post, prefix)):
            item[sub["key"]] = read_field(
                sub, post, f"{prefix}-{sub['key']}", data, None, result, files
            )
        item = {k: v for k, v in item.items() if v is not None}
        for message in check_value(f, item or None):
            result.error(first_input_id(f, prefix), message, tr(f["label"]))
        return item or None
    count = _count(post, prefix, f["repeat"])
    items = []
    for i in range(count):
        peek = _peek_item(f, post, f"{prefix}-{i}")
        item = {}
        for sub in visible_fields(f["fields"], data, peek):
            value = read_field(sub, post, f"{prefix}-{i}-{sub['key']}", data, peek, result, files)
            if value is not None:
                item[sub["key"]] = value
        items.append(item)
    result.raw[f"{prefix}-count"] = count
    for message in check_value(f, items):
        result.error(first_input_id(f, prefix), message, tr(f["label"]))
    return items


def _peek_item(f, post, prefix) -> dict:
    """Raw values of a group item, so conditions inside the item can see its siblings."""
    return {sub["key"]: _raw(post, f"{prefix}-{sub['key']}") or None for sub in f["fields"]}


def _count(post, prefix, repeat) -> int:
    try:
        count = int(_raw(post, f"{prefix}-count") or repeat["min"] or 1)
    except ValueError:
        count = 1
    return max(repeat["min"], min(count, repeat["max"]))


# --- checking typed values (page post and final submit) ------------------------------------


def check_value(f: Mapping, value: Any, base: dt.date | None = None) -> list[str]:
    """Every constraint of one field on its typed value; the list of messages (may be empty)."""
    kind = f["type"]
    if kind == "group" and f.get("repeat"):
        items = value or []
        low, high = f["repeat"]["min"], f["repeat"]["max"]
        if len(items) < low:
            return [pgettext("form field", "Add at least %(n)s entries.") % {"n": low}]
        if len(items) > high:
            return [pgettext("form field", "Enter at most %(n)s entries.") % {"n": high}]
        return []
    if not _filled(value):
        if not f["required"]:
            return []
        if kind in ("choice", "boolean") or kind == "group":
            if kind == "boolean":
                return [pgettext("form field", "Please confirm this.")]
            return [pgettext("form field", "Please select an answer.")]
        if kind == "file":
            return [pgettext("form field", "Please upload a file.")]
        return [pgettext("form field", "Please fill in this field.")]
    try:
        return _check_filled(f, value, base)
    except (TypeError, ValueError, InvalidOperation, AttributeError, KeyError):
        return [pgettext("form field", "This value is not valid.")]


def _check_filled(f, value, base) -> list[str]:
    kind = f["type"]
    if kind in ("text", "textarea", "phone", "email"):
        if not isinstance(value, str):
            raise TypeError
        limit = f.get("max_length") or HARD_MAX_LENGTH
        if len(value) > limit:
            return [pgettext("form field", "Enter at most %(n)s characters.") % {"n": limit}]
        if f.get("min_length") and len(value) < f["min_length"]:
            return [
                pgettext("form field", "Enter at least %(n)s characters.") % {"n": f["min_length"]}
            ]
        if kind == "email":
            try:
                validate_email(value)
            except ValidationError:
                return [_("Enter an e-mail address in the right format, like name@example.org.")]
        if kind == "phone" and (not PHONE_RE.match(value) or sum(c.isdigit() for c in value) < 6):
            return [_("Enter a telephone number, like 03941 5970 or +49 3941 5970.")]
        if f.get("pattern") and not re.fullmatch(f["pattern"], value):
            return [
                tr(f.get("pattern_message"))
                or pgettext("form field", "The entry is not in the expected format.")
            ]
        return []
    if kind == "number":
        number = Decimal(str(value))
        if (
            -number.as_tuple().exponent > (f.get("decimals") or 0)
            and number != number.to_integral()
        ):
            if not f.get("decimals"):
                return [pgettext("form field", "Enter a whole number.")]
            return [
                pgettext("form field", "Enter at most %(n)s decimal places.") % {"n": f["decimals"]}
            ]
        if f.get("min") is not None and number < Decimal(str(f["min"])):
            return [pgettext("form field", "Enter %(n)s or more.") % {"n": _num(f["min"])}]
        if f.get("max") is not None and number > Decimal(str(f["max"])):
            return [pgettext("form field", "Enter %(n)s or less.") % {"n": _num(f["max"])}]
        return []
    if kind == "date":
        date = dt.date.fromisoformat(value)
        low, high = resolve_date(f.get("min"), base), resolve_date(f.get("max"), base)
        if low and date < low:
            return [
                pgettext("form field", "Enter a date on or after %(date)s.")
                % {"date": formats.date_format(low, "d.m.Y")}
            ]
        if high and date > high:
            return [
                pgettext("form field", "Enter a date on or before %(date)s.")
                % {"date": formats.date_format(high, "d.m.Y")}
            ]
        return []
    if kind == "choice":
        allowed = {o["value"] for o in f["options"]}
        values = value if isinstance(value, list) else [value]
        if not f["multiple"] and isinstance(value, list):
            raise TypeError
        if any(str(v) not in allowed for v in values):
            return [pgettext("form field", "Please select one of the options offered.")]
        return []
    if kind == "boolean":
        return [] if value is True else [pgettext("form field", "This value is not valid.")]
    if kind == "iban":
        if not iban_valid(value):
            return [_("Enter a valid IBAN, like DE02 1203 0000 0000 2020 51. Check the digits.")]
        return []
    if kind == "address":
        if not isinstance(value, dict) or set(value) - set(ADDRESS_PARTS):
            raise TypeError
        if not value.get("street") or not value.get("city"):
            return [pgettext("form field", "Enter street, house number and town.")]
        if any(len(str(v)) > 200 for v in value.values()):
            return [pgettext("form field", "Enter at most %(n)s characters.") % {"n": 200}]
        if not POSTCODE_RE.match(value.get("postcode") or ""):
            return [_("Enter a postcode with 5 digits, like 38820.")]
        return []
    if kind == "file":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise TypeError
        if len(value) > f["max_files"]:
            return [pgettext("form field", "Upload at most %(n)s files.") % {"n": f["max_files"]}]
        return []
    if kind == "group":
        if not isinstance(value, dict):
            raise TypeError
        return []
    return []


def _num(value: float) -> str:
    return formats.number_format(Decimal(str(value)).normalize(), use_l10n=True)


# --- cross-field rules ----------------------------------------------------------------------


def _operand(ref: Any, data: Mapping, fields: Mapping, base: dt.date) -> Any:
    if isinstance(ref, int | float):
        return Decimal(str(ref))
    if ref in fields:
        value = data.get(ref)
        if value in (None, ""):
            return None
        kind = fields[ref]["type"]
        if kind == "date":
            return dt.date.fromisoformat(value)
        if kind == "number":
            return Decimal(str(value))
        return value
    return resolve_date(str(ref), base)


def rule_errors(
    definition: Mapping, data: Mapping, keys: set[str] | None = None, base: dt.date | None = None
) -> list[tuple[str, str]]:
    """(field key, message) for every broken cross-field rule whose operands are answered.

    `keys` limits the check to rules touching those fields (a page post)."""
    fields = all_fields(definition)
    base = base or today()
    broken = []
    for rule in definition.get("rules", []):
        if keys is not None and rule["left"] not in keys and rule["right"] not in keys:
            continue
        try:
            left = _operand(rule["left"], data, fields, base)
            right = _operand(rule["right"], data, fields, base)
        except (ValueError, InvalidOperation):
            continue  # the field's own check reports a malformed value
        if left is None or right is None:
            continue
        try:
            ok = {
                "lt": left < right,
                "le": left <= right,
                "gt": left > right,
                "ge": left >= right,
                "eq": left == right,
                "ne": left != right,
            }[rule["op"]]
        except TypeError:
            ok = False
        if not ok:
            broken.append((rule["field"], tr(rule["message"])))
    return broken


# --- the whole application -------------------------------------------------------------------


def clean_answers(definition: Mapping, data: Mapping) -> dict[str, Any]:
    """Only the answers to questions that are visible given the other answers.

    Visibility can depend on later answers being removed, so repeat until stable."""
    current = dict(data)
    for _round in range(5):
        cleaned: dict[str, Any] = {}
        for page in visible_pages(definition, current):
            for f in visible_fields(page["fields"], current):
                if f["key"] not in current:
                    continue
                cleaned[f["key"]] = _clean_group(f, current[f["key"]], current)
        if cleaned == current:
            break
        current = cleaned
    return {k: v for k, v in current.items() if v is not None}


def _clean_group(f, value, data):
    if f["type"] != "group" or not isinstance(value, dict | list):
        return value
    if isinstance(value, dict):
        return {
            s["key"]: value[s["key"]]
            for s in visible_fields(f["fields"], data, value)
            if s["key"] in value
        }
    return [
        {
            s["key"]: item[s["key"]]
            for s in visible_fields(f["fields"], data, item)
            if s["key"] in item
        }
        for item in value
        if isinstance(item, dict)
    ]


def validate_all(
    definition: Mapping, data: Mapping, base: dt.date | None = None
) -> list[tuple[str, str, str]]:
    """Check every visible answer and every rule again: (page key, field key, message)."""
    problems = []
    page_of = {}
    for page in visible_pages(definition, data):
        for f in visible_fields(page["fields"], data):
            page_of[f["key"]] = page["key"]
            value = data.get(f["key"])
            for message in check_value(f, value, base):
                problems.append((page["key"], f["key"], labelled(tr(f["label"]), message)))
            if f["type"] == "group":
                items = (
                    value if isinstance(value, list) else [value] if isinstance(value, dict) else []
                )
                for item in items:
                    for sub in visible_fields(f["fields"], data, item):
                        for message in check_value(sub, item.get(sub["key"]), base):
                            problems.append(
                                (page["key"], f["key"], labelled(tr(sub["label"]), message))
                            )
    for key, message in rule_errors(definition, data, base=base):
        if key in page_of:
            problems.append((page_of[key], key, message))
    return problems


def display_value(f: Mapping, value: Any, file_names: Mapping[str, str] | None = None) -> str:
    """How an answer reads on the check-answers page, the receipt and the case."""
    if not _filled(value):
        return ""
    kind = f["type"]
    if kind == "date":
        return formats.date_format(dt.date.fromisoformat(value), "d.m.Y")
    if kind == "number":
        text = formats.number_format(Decimal(value), use_l10n=True)
        return f"{text} {tr(f.get('unit'))}".strip()
    if kind == "choice":
        labels = {o["value"]: tr(o["label"]) for o in f["options"]}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, v) for v in values)
    if kind == "boolean":
        return _("Yes")
    if kind == "address":
        return (
            f"{value.get('street', '')}, {value.get('postcode', '')} {value.get('city', '')}".strip(
                ", "
            )
        )
    if kind == "iban":
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    if kind == "file":
        names = file_names or {}
        return ", ".join(names.get(v, "?") for v in value)
    if kind == "group":
        items = value if isinstance(value, list) else [value]
        parts = []
        for item in items:
            parts.append(
                "; ".join(
                    f"{tr(s['label'])}: {display_value(s, item.get(s['key']), file_names)}"
                    for s in f["fields"]
                    if _filled(item.get(s["key"]))
                )
            )
        return " | ".join(parts)
    return str(value)


def summary(
    definition: Mapping, data: Mapping, file_names: Mapping[str, str] | None = None
) -> list[dict]:
    """Pages with their answered questions, for the check-answers page and the receipt."""
    rows = []
    for page in visible_pages(definition, data):
        answers = []
        for f in visible_fields(page["fields"], data):
            answers.append(
                {
                    "key": f["key"],
                    "label": tr(f["label"]),
                    "value": display_value(f, data.get(f["key"]), file_names),
                    "anchor": first_input_id(f, html_id(f["key"])),
                }
            )
        rows.append({"key": page["key"], "title": tr(page["title"]), "answers": answers})
    return rows
