"""GeoReport v2's two formats. XML is the reference (root element, one child element per
item, one element per field; the declaration with encoding utf-8); JSON maps it by the Spark
convention: a list of objects, the item element's name dropped."""

from __future__ import annotations

import json
import re

from django.http import HttpResponse

CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# characters XML 1.0 cannot carry (control characters other than tab, newline, return)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _clean(value):
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _clean_rows(data):
    """_clean for the usual answer, a list of flat rows, without a call per value."""
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        return _clean(data)
    sub = _NOT_XML.sub
    out = []
    for row in data:
        cleaned = {}
        for k, v in row.items():
            if isinstance(v, str):
                cleaned[k] = sub("", v)
            elif isinstance(v, (dict, list)):
                cleaned[k] = _clean(v)
            else:
                cleaned[k] = v
        out.append(cleaned)
    return out


# what json.dumps writes for a character _NOT_XML removes (or, harmlessly, for a backslash
# written as text): an escaped control character other than \t \n \r, or U+FFFE/U+FFFF
_MAYBE_NOT_XML = re.compile(r"\\(?:u00[01][0-9a-fA-F]|b|f)|[\ufffe\uffff]")


def _json(data) -> bytes:
    """The JSON answer without the characters XML cannot carry (both formats say the same).
    Nearly every answer has none: it is written once and searched once instead of cleaning
    each of its ~17,000 values first; only when the search finds one is it cleaned and
    written again (same result, tested)."""
    body = json.dumps(data, ensure_ascii=False)
    if _MAYBE_NOT_XML.search(body):
        body = json.dumps(_clean_rows(data), ensure_ascii=False)
    return body.encode("utf-8")


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _write(out: list, name: str, fields: dict, lists: dict, level: int) -> None:
    """One element with a child element per field, as ElementTree writes it after
    ET.indent (two spaces a level, `<name />` when empty): building and serialising a tree
    of 18,000 elements was most of a 1000-row XML answer (bench/reports.py)."""
    if not fields:
        out.append(f"<{name} />")
        return
    inner = "\n" + "  " * (level + 1)
    out.append(f"<{name}>")
    for key, value in fields.items():
        out.append(inner)
        if isinstance(value, list):
            _write_list(out, key, lists[key], value, lists, level + 1)
            continue
        text = _text(value)
        if text:
            out.append(f"<{key}>{_escape(text)}</{key}>")
        else:
            out.append(f"<{key} />")
    out.append("\n" + "  " * level + f"</{name}>")


def _write_list(out: list, name: str, item: str, rows: list, lists: dict, level: int) -> None:
    if not rows:
        out.append(f"<{name} />")
        return
    inner = "\n" + "  " * (level + 1)
    out.append(f"<{name}>")
    for row in rows:
        out.append(inner)
        _write(out, item, row, lists, level + 1)
    out.append("\n" + "  " * level + f"</{name}>")


def to_xml(root: str, item: str | None, data, lists: dict | None = None) -> bytes:
    """`data` is a list of dicts (root → item per dict) or one dict (item None)."""
    lists = lists or {}
    out: list[str] = []
    if item is None:
        _write(out, root, data, lists, 0)
    else:
        _write_list(out, root, item, data, lists, 0)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + "".join(out).encode("utf-8")


def respond(
    fmt: str, data, *, root: str, item: str | None, lists: dict | None = None, status: int = 200
) -> HttpResponse:
    body = _json(data) if fmt == "json" else to_xml(root, item, data, lists)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, *messages: str, code: int | None = None) -> HttpResponse:
    """The spec's error list: HTTP status + [{code, description}, …] / <errors><error>."""
    rows = [{"code": code or status, "description": str(m)} for m in messages]
    return respond(fmt, rows, root="errors", item="error", status=status)
