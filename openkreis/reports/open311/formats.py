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


def _maybe_not_xml(body: str) -> bool:
    """_MAYBE_NOT_XML.search(body), answered by substring tests first: every match contains
    a backslash and `u00`, `b` or `f` after it, or U+FFFE/U+FFFF, and `in` finds those in a
    600 KB answer in a fraction of the time the expression takes to walk it (5.5 of the
    9 ms of a 1000-row answer, bench/reports.py); the expression runs only after a hit."""
    suspect = "\\" in body and ("\\u00" in body or "\\b" in body or "\\f" in body)
    if suspect and _MAYBE_NOT_XML.search(body):
        return True
    return "\ufffe" in body or "\uffff" in body


def _json(data) -> bytes:
    """The JSON answer without the characters XML cannot carry (both formats say the same).
    Nearly every answer has none: it is written once and searched once instead of cleaning
    each of its ~17,000 values first; only when the search finds one is it cleaned and
    written again (same result, tested)."""
    body = json.dumps(data, ensure_ascii=False)
    if _maybe_not_xml(body):
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
    if item is not None and isinstance(data, list):
        flat = _flat_xml(root, item, data)
        if flat is not None:
            return _DECLARATION + flat
    lists = lists or {}
    out: list[str] = []
    if item is None:
        _write(out, root, data, lists, 0)
    else:
        _write_list(out, root, item, data, lists, 0)
    return _DECLARATION + "".join(out).encode("utf-8")


_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
# the bytes of the characters _NOT_XML removes: the control characters are single bytes in
# UTF-8 (every byte of a longer sequence is 0x80 or above), U+FFFE and U+FFFF three
_XML_BYTES = bytes(b for b in range(256) if not _NOT_XML.match(chr(b)))
_NOT_XML_FFFE, _NOT_XML_FFFF = "\ufffe".encode(), "\uffff".encode()


class _NotFlat(Exception):
    pass


def _flat_text(value) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise _NotFlat
    return str(value)


def _flat_xml(root: str, item: str, rows: list) -> bytes | None:
    """What _write_list writes for a list of flat rows (no list or dict among the values),
    in one pass: a 1000-row answer has 17,000 values, and a call per value to clean, escape
    and write it was most of its XML time (bench/reports.py). Whether a value carries a
    character _NOT_XML removes is asked once, of the written bytes; then (rarely) None: the
    general writer cleans each value. Same bytes either way (tested)."""
    if not rows:
        return f"<{root} />".encode()
    tags: dict[str, tuple[str, str, str]] = {}
    opened, closed, empty = f"\n  <{item}>", f"\n  </{item}>", f"\n  <{item} />"
    out = [f"<{root}>"]
    add = out.append
    try:
        for row in rows:
            if not row:
                add(empty)
                continue
            add(opened)
            for key, value in row.items():
                tag = tags.get(key)
                if tag is None:
                    tag = tags[key] = (f"\n    <{key}>", f"</{key}>", f"\n    <{key} />")
                if value is None:
                    add(tag[2])
                    continue
                text = value if value.__class__ is str else _flat_text(value)
                if not text:
                    add(tag[2])
                elif "&" in text or "<" in text or ">" in text:
                    add(tag[0] + _escape(text) + tag[1])
                else:
                    add(tag[0] + text + tag[1])
            add(closed)
    except (_NotFlat, AttributeError):  # AttributeError: a row that is not a dict
        return None
    add(f"\n</{root}>")
    body = "".join(out).encode("utf-8")
    return None if _carries_not_xml(body) else body


def _carries_not_xml(data: bytes) -> bool:
    """Whether the written answer has a character _NOT_XML removes (half a millisecond for
    750 KB, where the expression took five)."""
    if data.translate(None, _XML_BYTES):
        return True
    return b"\xef\xbf" in data and (_NOT_XML_FFFE in data or _NOT_XML_FFFF in data)


def respond(
    fmt: str, data, *, root: str, item: str | None, lists: dict | None = None, status: int = 200
) -> HttpResponse:
    body = _json(data) if fmt == "json" else to_xml(root, item, data, lists)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, *messages: str, code: int | None = None) -> HttpResponse:
    """The spec's error list: HTTP status + [{code, description}, …] / <errors><error>."""
    rows = [{"code": code or status, "description": str(m)} for m in messages]
    return respond(fmt, rows, root="errors", item="error", status=status)


# -- the service request rows ----------------------------------------------------------------
# A 1000-row answer of GET requests is 17,000 values; written by json.dumps from dicts or by
# _flat_xml it was the largest part of the answer's time after the queries. The rows come as
# tuples in REQUEST_FIELDS' order less the four fields that are always empty, and each row is
# written by one f-string; when a value carries a character _NOT_XML removes, the answer is
# written by the general writers from dicts instead (the same bytes either way, tested).
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)
_ALWAYS_EMPTY = {"service_notice", "expected_datetime", "address_id", "zipcode"}
ROW_FIELDS = tuple(f for f in REQUEST_FIELDS if f not in _ALWAYS_EMPTY)


def request_dicts(rows: list[tuple]) -> list[dict]:
    return [dict.fromkeys(REQUEST_FIELDS) | dict(zip(ROW_FIELDS, row, strict=True)) for row in rows]


_json_text = json.encoder.encode_basestring  # what json.dumps(…, ensure_ascii=False) uses


def _json_float(value) -> str:
    if value - value == 0:  # finite: json.dumps writes float.__repr__ (TypeError if no float)
        return float.__repr__(value)
    return json.dumps(value)  # NaN, Infinity


def _requests_json(rows: list[tuple]) -> str:
    """Calls only where a value can be None or needs quoting; a value of another type than
    the row's raises TypeError (then the general writer)."""
    text, number = _json_text, _json_float
    out = [
        f'{{"service_request_id": {text(request_id)}, "status": "{status}", '
        f'"status_notes": {"null" if notes is None else text(notes)}, '
        f'"service_name": {text(name)}, "service_code": {text(code)}, '
        f'"description": {text(description)}, "agency_responsible": {text(agency)}, '
        f'"service_notice": null, "requested_datetime": "{requested}", '
        f'"updated_datetime": "{updated}", "expected_datetime": null, '
        f'"address": {"null" if address is None else text(address)}, "address_id": null, '
        f'"zipcode": null, "lat": {"null" if lat is None else number(lat)}, '
        f'"long": {"null" if lon is None else number(lon)}, '
        f'"media_url": {"null" if media is None else text(media)}}}'
        for (
            request_id,
            status,
            notes,
            name,
            code,
            description,
            agency,
            requested,
            updated,
            address,
            lat,
            lon,
            media,
        ) in rows
    ]
    return "[" + ", ".join(out) + "]"


def _xml_texts(values: tuple) -> list:
    """The strings of a row as element text (escaped; None stays None): one call per row.
    A value of another type than the row's raises TypeError (then the general writer)."""
    return [
        None if v is None else _escape(v) if ("&" in v or "<" in v or ">" in v) else v
        for v in values
    ]


def _element(tag: str, text: str | None) -> str:
    return f"<{tag}>{text}</{tag}>" if text else f"<{tag} />"


def _requests_xml(rows: list[tuple]) -> str:
    """Without _NOT_XML's cleaning: the written answer is checked once."""
    if not rows:
        return "<service_requests />"
    texts, number = _xml_texts, float.__repr__
    n = "\n    "
    out = []
    add = out.append
    for (
        request_id,
        status,
        notes,
        name,
        code,
        description,
        agency,
        requested,
        updated,
        *rest,
    ) in rows:
        address, lat, lon, media = rest
        request_id, notes, name, code, description, agency, address, media = texts(
            (request_id, notes, name, code, description, agency, address, media)
        )
        add(
            f"\n  <request>{n}"
            f"{_element('service_request_id', request_id)}"
            f"{n}<status>{status}</status>{n}"
            f"{f'<status_notes>{notes}</status_notes>' if notes else '<status_notes />'}{n}"
            f"{f'<service_name>{name}</service_name>' if name else '<service_name />'}{n}"
            f"{f'<service_code>{code}</service_code>' if code else '<service_code />'}{n}"
            f"{_element('description', description)}{n}"
            f"{_element('agency_responsible', agency)}"
            f"{n}<service_notice />{n}<requested_datetime>{requested}</requested_datetime>"
            f"{n}<updated_datetime>{updated}</updated_datetime>{n}<expected_datetime />{n}"
            f"{f'<address>{address}</address>' if address else '<address />'}"
            f"{n}<address_id />{n}<zipcode />{n}"
            f"{'<lat />' if lat is None else f'<lat>{number(lat)}</lat>'}{n}"
            f"{'<long />' if lon is None else f'<long>{number(lon)}</long>'}{n}"
            f"{f'<media_url>{media}</media_url>' if media else '<media_url />'}"
            "\n  </request>"
        )
    return "<service_requests>" + "".join(out) + "\n</service_requests>"


def respond_requests(fmt: str, rows: list[tuple]) -> HttpResponse:
    """The answer of GET requests for rows in ROW_FIELDS' order."""
    try:
        if fmt == "json":
            body = _requests_json(rows)
            if not _maybe_not_xml(body):
                return HttpResponse(body.encode("utf-8"), content_type=CONTENT_TYPES[fmt])
        else:
            data = _requests_xml(rows).encode("utf-8")
            if not _carries_not_xml(data):
                return HttpResponse(_DECLARATION + data, content_type=CONTENT_TYPES[fmt])
    except (TypeError, AttributeError, _NotFlat):  # a value of another type: the general writers
        pass
    return respond(fmt, request_dicts(rows), root="service_requests", item="request")
