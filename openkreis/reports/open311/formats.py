"""GeoReport v2's two formats. XML is the reference (root element, one child element per
item, one element per field; the declaration with encoding utf-8); JSON maps it by the Spark
convention: a list of objects, the item element's name dropped."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

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


def _fill(parent: ET.Element, fields: dict, lists: dict) -> None:
    for name, value in fields.items():
        if isinstance(value, list):
            holder = ET.SubElement(parent, name)
            item_name = lists[name]
            for item in value:
                _fill(ET.SubElement(holder, item_name), item, lists)
        else:
            ET.SubElement(parent, name).text = _text(value)


def to_xml(root: str, item: str | None, data, lists: dict | None = None) -> bytes:
    """`data` is a list of dicts (root → item per dict) or one dict (item None)."""
    lists = lists or {}
    top = ET.Element(root)
    if item is None:
        _fill(top, data, lists)
    else:
        for row in data:
            _fill(ET.SubElement(top, item), row, lists)
    ET.indent(top)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        top, encoding="utf-8", xml_declaration=False
    )


def respond(
    fmt: str, data, *, root: str, item: str | None, lists: dict | None = None, status: int = 200
) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(_clean(data), ensure_ascii=False).encode("utf-8")
    else:
        body = to_xml(root, item, data, lists)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, *messages: str, code: int | None = None) -> HttpResponse:
    """The spec's error list: HTTP status + [{code, description}, …] / <errors><error>."""
    rows = [{"code": code or status, "description": str(m)} for m in messages]
    return respond(fmt, rows, root="errors", item="error", status=status)
