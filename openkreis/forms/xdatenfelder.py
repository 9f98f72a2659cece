"""Import of FIM XDatenfelder form definitions (Stammdatenschema, versions 2.0 and 3.0).

What is mapped:
- the Stammdatenschema → one form; its top-level Datenfeldgruppen → pages, top-level
  Datenfelder → one page "Angaben"; a group inside a page's group → a field group
  (deeper nesting is flattened into that group, and reported);
- `anzahl` "0:1" / "1:1" → optional / required; a group with an upper bound above 1
  ("0:*", "1:5") → a repeatable group;
- Feldart input/select; Datentyp text, text_latin, date, bool, num, num_int,
  num_currency, file, obj; Praezisierung (2.0: JSON text, 3.0: attributes) → lengths,
  ranges, pattern; values of a code list given in the file (3.0 `werte`) → options;
- bezeichnungEingabe → label, hilfetextEingabe → help (German; the English text is
  the German one until a county translates it).

What is reported instead of imported (the import never crashes on it): labels, hidden
and locked fields, code lists that are only referenced (they live in XRepository),
time/datetime types (imported as text), Regeln (their scripts are not executed: they
become part of the report so an editor can write them as rules), and any element this
importer does not know.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element  # noqa: S405 - types only; parsing uses defusedxml

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from .schema import DefinitionError, normalise

NAMESPACES = {
    "urn:xoev-de:fim:standard:xdatenfelder_2": "2.0",
    "urn:xoev-de:fim:standard:xdatenfelder_3.0.0": "3.0",
}
FIELD_CHILDREN = {
    "identifikation",
    "name",
    "bezeichnungEingabe",
    "bezeichnungAusgabe",
    "beschreibung",
    "definition",
    "bezug",
    "status",
    "fachlicherErsteller",
    "schemaelementart",
    "hilfetextEingabe",
    "hilfetextAusgabe",
    "feldart",
    "datentyp",
    "praezisierung",
    "inhalt",
    "codelisteReferenz",
    "werte",
    "regel",
    "versionshinweis",
    "gueltigAb",
    "gueltigBis",
    "freigabestatus",
    "statusGesetztAm",
    "statusGesetztDurch",
    "letzteAenderung",
    "veroeffentlichungsdatum",
    "stichwort",
    "relation",
    "vorbefuellung",
    "maxSize",
    "mediaType",
    "ableitungsmodifikationenStruktur",
    "ableitungsmodifikationenRepraesentation",
    "dokumentsteckbrief",
    "bezeichnung",
}
GROUP_CHILDREN = FIELD_CHILDREN | {"struktur", "art"}
SCHEMA_CHILDREN = GROUP_CHILDREN | {"dokumentsteckbrief", "ableitungsmodifikationenStruktur"}


class XDatenfelderError(ValueError):
    """The file cannot be imported at all (not XML, not a Stammdatenschema)."""


@dataclass
class ImportReport:
    version: str = ""
    schema_id: str = ""
    fields: int = 0
    groups: int = 0
    notes: list[str] = field(default_factory=list)

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if "}" in tag else tag


def _ns(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _child(node: Element, name: str) -> Element | None:
    for child in node:
        if _local(child.tag) == name:
            return child
    return None


def _children(node: Element, name: str) -> list[Element]:
    return [child for child in node if _local(child.tag) == name]


def _text(node: Element | None, name: str | None = None) -> str:
    if node is not None and name is not None:
        node = _child(node, name)
    if node is None:
        return ""
    return " ".join("".join(node.itertext()).split())


def _code(node: Element, name: str) -> str:
    """XÖV code values: <feldart><code>input</code></feldart> or <feldart>input</feldart>."""
    element = _child(node, name)
    if element is None:
        return ""
    code = _child(element, "code")
    return _text(code) if code is not None else _text(element)


def _ident(node: Element) -> str:
    ident = _child(node, "identifikation")
    return _text(ident, "id") if ident is not None else ""


class _Keys:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, name: str, fallback: str) -> str:
        base = re.sub(r"[^a-z0-9]+", "_", _fold(name).lower()).strip("_")[:50] or fallback.lower()
        if not base[0].isalpha():
            base = "f_" + base
        key, n = base, 2
        while key in self.used:
            key, n = f"{base}_{n}", n + 1
        self.used.add(key)
        return key


def _fold(text: str) -> str:
    for a, b in (
        ("ä", "ae"),
        ("ö", "oe"),
        ("ü", "ue"),
        ("ß", "ss"),
        ("Ä", "Ae"),
        ("Ö", "Oe"),
        ("Ü", "Ue"),
    ):
        text = text.replace(a, b)
    return text


def _bounds(anzahl: str) -> tuple[int, int | None]:
    match = re.match(r"^\s*(\d+)\s*:\s*(\d+|\*|n)\s*$", anzahl or "")
    if not match:
        return 0, 1
    high = match.group(2)
    return int(match.group(1)), None if high in ("*", "n") else int(high)


def _constraints(node: Element, version: str, where: str, report: ImportReport) -> dict:
    element = _child(node, "praezisierung")
    if element is None:
        return {}
    if version == "3.0" or element.attrib:
        raw = dict(element.attrib)
    else:
        text = _text(element)
        if not text:
            return {}
        try:
            raw = json.loads(text)
        except ValueError:
            report.note(f"{where}: Präzisierung {text!r} ist kein JSON und wurde ignoriert")
            return {}
        if not isinstance(raw, dict):
            return {}
    result: dict[str, Any] = {}
    for source, target in (
        ("minLength", "min_length"),
        ("maxLength", "max_length"),
        ("minValue", "min"),
        ("maxValue", "max"),
    ):
        if raw.get(source) not in (None, ""):
            try:
                result[target] = (
                    float(raw[source]) if target in ("min", "max") else int(raw[source])
                )
            except (TypeError, ValueError):
                report.note(f"{where}: Präzisierung {source}={raw[source]!r} ist keine Zahl")
    if raw.get("pattern"):
        try:
            re.compile(raw["pattern"])
            result["pattern"] = raw["pattern"]
        except re.error:
            report.note(f"{where}: Muster {raw['pattern']!r} ist kein gültiger regulärer Ausdruck")
    return result


def _field(
    node: Element, required: bool, version: str, keys: _Keys, report: ImportReport
) -> dict | None:
    ident = _ident(node) or "?"
    name = _text(node, "name") or ident
    where = f"Datenfeld {ident} ({name})"
    for child in node:
        if _local(child.tag) not in FIELD_CHILDREN:
            report.note(f"{where}: unbekanntes Element <{_local(child.tag)}> ignoriert")
    for rule in _children(node, "regel"):
        _report_rule(rule, where, report)
    feldart = _code(node, "feldart") or "input"
    datentyp = _code(node, "datentyp") or "text"
    if feldart in ("label", "hidden", "locked"):
        report.note(f"{where}: Feldart {feldart!r} wird nicht als Eingabefeld übernommen")
        return None
    label = _text(node, "bezeichnungEingabe") or name
    spec: dict[str, Any] = {
        "key": keys.make(name, ident),
        "label": label,
        "required": required,
        "xdf_id": ident,
    }
    help_text = _text(node, "hilfetextEingabe")
    if help_text:
        spec["help"] = help_text
    constraints = _constraints(node, version, where, report)
    if feldart == "select":
        options = []
        werte = _child(node, "werte")
        for wert in _children(werte, "wert") if werte is not None else []:
            code, label_text = _text(wert, "code"), _text(wert, "name")
            if code and code not in {o["value"] for o in options}:
                options.append({"value": code, "label": label_text or code})
        if options:
            spec.update(type="choice", options=options)
            report.fields += 1
            return spec
        reference = _text(node, "codelisteReferenz")
        report.note(
            f"{where}: Codeliste {reference or '(ohne Angabe)'} liegt nicht in der Datei; "
            "als Textfeld übernommen"
        )
        spec.update(type="text", max_length=200)
        report.fields += 1
        return spec
    if feldart != "input":
        report.note(f"{where}: unbekannte Feldart {feldart!r}, als Textfeld übernommen")
    if datentyp in ("text", "text_latin"):
        long = (constraints.get("max_length") or 0) > 200
        spec.update(type="textarea" if long else "text")
        for k in ("min_length", "max_length", "pattern"):
            if k in constraints:
                spec[k] = constraints[k]
    elif datentyp == "date":
        spec.update(type="date")
    elif datentyp == "bool":
        spec.update(
            type="choice",
            options=[
                {"value": "true", "label": {"de": "Ja", "en": "Yes"}},
                {"value": "false", "label": {"de": "Nein", "en": "No"}},
            ],
        )
    elif datentyp in ("num", "num_int", "num_currency"):
        spec.update(type="number", decimals={"num": 6, "num_int": 0, "num_currency": 2}[datentyp])
        if datentyp == "num_currency":
            spec["unit"] = "€"
        for k in ("min", "max"):
            if k in constraints:
                spec[k] = constraints[k]
    elif datentyp in ("file", "obj"):
        spec.update(type="file")
    elif datentyp in ("time", "datetime"):
        spec.update(type="text", max_length=20)
        report.note(f"{where}: Datentyp {datentyp!r} als Textfeld übernommen")
    else:
        spec.update(type="text", max_length=200)
        report.note(f"{where}: unbekannter Datentyp {datentyp!r}, als Textfeld übernommen")
    report.fields += 1
    return spec


def _report_rule(rule: Element, where: str, report: ImportReport) -> None:
    ident = _ident(rule) or "?"
    name = _text(rule, "name")
    description = _text(rule, "beschreibung") or _text(rule, "freitextRegel")
    report.note(
        f"{where}: Regel {ident} „{name}“ nicht automatisch übernommen (Skripte werden nicht "
        f"ausgeführt){': ' + description[:200] if description else ''}"
    )


def _members(
    node: Element, version: str, keys: _Keys, report: ImportReport, where: str, depth: int
) -> list[dict]:
    """The fields of a group's `struktur` entries; nested groups below depth 1 are flattened."""
    result = []
    for struktur in _children(node, "struktur"):
        low, high = _bounds(_text(struktur, "anzahl"))
        enthaelt = _child(struktur, "enthaelt")
        if enthaelt is None:
            report.note(f"{where}: <struktur> ohne <enthaelt> ignoriert")
            continue
        for element in enthaelt:
            kind = _local(element.tag)
            if kind == "datenfeld":
                spec = _field(element, low >= 1, version, keys, report)
                if spec is None:
                    continue
                if high is None or (high and high > 1):
                    if spec["type"] == "file":
                        spec["max_files"] = min(high or 10, 10)
                    else:
                        report.note(
                            f"{where}: {spec['label']} darf mehrfach vorkommen; einmal übernommen"
                        )
                result.append(spec)
            elif kind == "datenfeldgruppe":
                result.extend(_group(element, low, high, version, keys, report, depth + 1))
            else:
                report.note(f"{where}: unbekanntes Element <{kind}> in <enthaelt> ignoriert")
    return result


def _group(
    node: Element,
    low: int,
    high: int | None,
    version: str,
    keys: _Keys,
    report: ImportReport,
    depth: int,
) -> list[dict]:
    ident = _ident(node) or "?"
    name = _text(node, "name") or ident
    where = f"Datenfeldgruppe {ident} ({name})"
    report.groups += 1
    for child in node:
        if _local(child.tag) not in GROUP_CHILDREN:
            report.note(f"{where}: unbekanntes Element <{_local(child.tag)}> ignoriert")
    for rule in _children(node, "regel"):
        _report_rule(rule, where, report)
    members = _members(node, version, keys, report, where, depth)
    if depth > 2:
        report.note(f"{where}: tiefer verschachtelt, Felder in die übergeordnete Gruppe übernommen")
        return members
    if not members:
        report.note(f"{where}: keine übernehmbaren Felder")
        return []
    repeat = high is None or high > 1
    if (depth == 2 or repeat) and any(m["type"] == "group" for m in members):
        report.note(f"{where}: Untergruppen in die Gruppe übernommen (eine Ebene)")
        members = _flatten(members)
    group = {
        "key": keys.make(name, ident),
        "type": "group",
        "label": _text(node, "bezeichnungEingabe") or name,
        "fields": _rekey(members),
        "required": low >= 1,
    }
    if repeat:
        group["repeat"] = {"min": low, "max": min(high or 10, 50)}
    return [group]


def _rekey(members: list[dict]) -> list[dict]:
    """Keys inside a group only need to be unique there; keep them short."""
    return members


def _flatten(members: list[dict]) -> list[dict]:
    result = []
    for m in members:
        result.extend(m["fields"] if m["type"] == "group" else [m])
    return result


def parse(
    xml: bytes | str, key: str | None = None, service: str = ""
) -> tuple[dict | None, ImportReport]:
    """XDatenfelder XML → (form definition in normal form or None, report). Never raises on
    content: problems go into the report; a file that is not a Stammdatenschema at all
    gives (None, report with the reason)."""
    report = ImportReport()
    try:
        root = SafeET.fromstring(xml)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        report.note(f"Die Datei ist kein gültiges XML: {exc}")
        return None, report
    report.version = NAMESPACES.get(_ns(root.tag), "")
    if not report.version:
        report.note(f"Unbekannter Namensraum {_ns(root.tag)!r}: weder XDatenfelder 2.0 noch 3.0")
        return None, report
    schema = root if _local(root.tag) == "stammdatenschema" else None
    if schema is None:
        schema = next((e for e in root.iter() if _local(e.tag) == "stammdatenschema"), None)
    if schema is None:
        report.note("Kein <stammdatenschema> in der Datei")
        return None, report
    report.schema_id = _ident(schema)
    for child in schema:
        if _local(child.tag) not in SCHEMA_CHILDREN:
            report.note(f"Stammdatenschema: unbekanntes Element <{_local(child.tag)}> ignoriert")
    for rule in _children(schema, "regel"):
        _report_rule(rule, "Stammdatenschema", report)
    keys = _Keys()
    pages: list[dict] = []
    for struktur in _children(schema, "struktur"):
        low, high = _bounds(_text(struktur, "anzahl"))
        enthaelt = _child(struktur, "enthaelt")
        for element in enthaelt if enthaelt is not None else []:
            kind = _local(element.tag)
            if kind == "datenfeldgruppe":
                members = _group(element, low, high, report.version, keys, report, 1)
                if not members:
                    continue
                group = members[0]
                title = group["label"]
                page_fields = [group] if group.get("repeat") else group["fields"]
                pages.append(
                    {"key": _page_key(title, len(pages)), "title": title, "fields": page_fields}
                )
            elif kind == "datenfeld":
                spec = _field(element, low >= 1, report.version, keys, report)
                if spec and high is not None and high > 1 and spec["type"] == "file":
                    spec["max_files"] = min(high, 10)
                if spec:
                    if not pages or not pages[-1].get("loose"):
                        pages.append(
                            {"key": "angaben", "title": "Angaben", "fields": [], "loose": True}
                        )
                    pages[-1]["fields"].append(spec)
            else:
                report.note(f"Stammdatenschema: unbekanntes Element <{kind}> ignoriert")
    if not pages:
        report.note("Keine übernehmbaren Felder gefunden")
        return None, report
    _strip_ids(pages)
    name = _text(schema, "bezeichnungEingabe") or _text(schema, "name") or report.schema_id
    spec = {
        "key": key or _page_key(f"fim-{report.schema_id or name}", 0),
        "title": name,
        "intro": _text(schema, "hilfetextEingabe") or _text(schema, "beschreibung"),
        "service": service,
        "version": _text(_child(schema, "identifikation"), "version") or "1",
        "pages": pages,
    }
    try:
        return normalise(spec, where="XDatenfelder"), report
    except DefinitionError as exc:
        report.note(f"Das übernommene Formular ist nicht gültig: {exc}")
        return None, report


def _page_key(title: str, index: int) -> str:
    key = re.sub(r"[^a-z0-9]+", "-", _fold(title).lower()).strip("-")[:50]
    return key if key and key[0].isalpha() else f"seite-{index + 1}"


def _strip_ids(pages: list[dict]) -> None:
    seen: set[str] = set()
    for page in pages:
        while page["key"] in seen or page["key"] in ("pruefen", "absenden"):
            page["key"] = f"{page['key']}-2"
        seen.add(page["key"])
        page.pop("loose", None)
        for f in page["fields"]:
            f.pop("xdf_id", None)
            for sub in f.get("fields", []):
                sub.pop("xdf_id", None)
