"""Import of FIM XDatenfelder form definitions (Stammdatenschema, versions 2.0 and 3.0).

What is mapped:
- the Stammdatenschema → one form; each top-level Datenfeldgruppe → a page (a repeated one
  → a page with a repeatable group), fields outside any group → one page "Weitere Angaben"
  (or titled after its only field); a page of more than PAGE_INPUTS inputs is split into
  "<title> (Teil n)" pages (a group is never cut); a group inside a page's group → a
  fieldset (deeper nesting is merged into that fieldset, and reported; fields that would
  then read alike get their sub-group's name; an optional [0:1] group merged that way gives
  optional fields);
- `anzahl`: "0:1" / "1:1" → optional / required; a field with an upper bound above 1
  ([1:2], [2:5], [0:*]) → a repeatable group of that field (at most 50 entries), files →
  several uploads; an optional group [0:1] is asked for first ("Möchten Sie Angaben machen
  zu …?") unless a rule or its own single required choice asks for it, and only then its
  required fields are required;
- the applicant: the FIM Baukasten fields (F60000227 Familienname, F60000228 Vornamen,
  F60000319 Organisationsname, F60000243/244/246/247 Straße, Hausnummer, PLZ, Ort,
  F60000242 E-Mail, F60000240 Telefon; by name when a schema uses its own ids) are marked
  `applicant` (the case) and `prefill` (the profile); the applicant's own group wins over a
  representative's. A schema without a name field is refused: it could never become a case;
- Feldart input/select; Datentyp text, text_latin, date, bool, num, num_int,
  num_currency, file, obj; Praezisierung (2.0: JSON text, 3.0: attributes) → lengths,
  ranges, pattern (XSD \\p{L} etc. translated for Python); code lists: values in the file
  (3.0 `werte`) or genericode files (beside the schema, or the county's folder
  `tenants/<slug>/codelisten/`, by canonical URI and version) → options, checked on the
  server;
- Regeln of the Baukasten form "Wenn das Feld F… = 002 … ODER = 004 …, dann muss die
  Datenfeldgruppe G… befüllt sein" (or "Wenn im Datenfeld F… der Wert 001 angegeben wurde,
  dann soll F… zum Pflichtfeld werden") → a condition (`show_if … in`) on the target, which
  is then required; every other rule is listed in `ImportReport.rules_open`;
- 3.0: ids of twelve characters (F60000000227 is the Baukasten's F60000227), the schema's
  `bezeichnung`/`hilfetext`, Präzisierung as attributes, `werte` in the file;
- bezeichnungEingabe → label, hilfetextEingabe → help (German; the English text is
  the German one until a county translates it).

What is reported instead of imported (the import never crashes on it): labels, hidden
and locked fields, code lists that are not found, time/datetime types (imported as text),
every rule that could not be translated (by id, name and text), and any element this
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

from .schema import PREFILL_KEYS, DefinitionError, normalise

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
    "freigabedatum",
}
GROUP_CHILDREN = FIELD_CHILDREN | {"struktur", "art"}
SCHEMA_CHILDREN = GROUP_CHILDREN | {
    "dokumentsteckbrief",
    "ableitungsmodifikationenStruktur",
    "hilfetext",  # 3.0: the schema's help text (2.0: hilfetextEingabe)
}
# XDatenfelder 3.0 elements of fields and groups that carry nothing for the form.
FIELD_CHILDREN |= {"codeKey", "nameKey", "helpKey", "hilfetext", "typ"}
GROUP_CHILDREN |= {"codeKey", "nameKey", "helpKey", "hilfetext", "typ"}


class XDatenfelderError(ValueError):
    """The file cannot be imported at all (not XML, not a Stammdatenschema)."""


GENERICODE_NS = "http://docs.oasis-open.org/codelist/ns/genericode/1.0/"


@dataclass
class CodeList:
    """One genericode code list: canonical URI, version and (code, name) rows."""

    uri: str
    version: str
    rows: list[tuple[str, str]]
    name: str = ""

    def options(self) -> list[dict]:
        return [{"value": code, "label": label or code} for code, label in self.rows]


class CodeLists:
    """Code lists by canonical URI and version: the files beside a schema and the county's
    own folder of code lists (`tenants/<slug>/codelisten/`). A reference to a version that is
    not there is answered with another version of the same list, and the report says so."""

    def __init__(self, lists: list[CodeList] | None = None) -> None:
        self.by_uri: dict[str, dict[str, CodeList]] = {}
        self.notes: list[str] = []
        for code_list in lists or []:
            self.add(code_list)

    def add(self, code_list: CodeList) -> None:
        self.by_uri.setdefault(code_list.uri, {})[code_list.version] = code_list

    def add_file(self, content: bytes, name: str = "") -> CodeList | None:
        code_list = read_genericode(content)
        if code_list is None:
            self.notes.append(f"{name or 'Datei'}: keine genericode-Codeliste")
        else:
            self.add(code_list)
        return code_list

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_uri.values())

    def lookup(self, uri: str, version: str = "") -> tuple[CodeList | None, str]:
        """(code list, note): the exact version, else the newest one of that URI."""
        versions = self.by_uri.get(uri)
        if not versions:
            return None, ""
        if version and version in versions:
            return versions[version], ""
        newest = versions[max(versions)]
        if version:
            return (
                newest,
                f"Codeliste {uri} in Version {version} fehlt; Version {newest.version} verwendet",
            )
        return newest, ""

    def find(self, reference: Element) -> CodeList | None:
        ident = _child(reference, "genericodeIdentification")
        uri = _text(ident, "canonicalIdentification") if ident is not None else ""
        version = _text(ident, "version") if ident is not None else ""
        if not uri:  # XDatenfelder 3.0: <codelisteReferenz><canonicalUri/><version/>
            uri = _text(reference, "canonicalUri") or _text(reference, "canonicalIdentification")
            version = version or _text(reference, "version")
        code_list, note = self.lookup(uri, version)
        if note:
            self.notes.append(note)
        return code_list


def read_genericode(content: bytes) -> CodeList | None:
    """An OASIS genericode 1.0 code list (as XRepository serves FIM code lists), or None.

    The code column is the one the key `codeKey` names (else the first column), the label
    the one `codenameKey` names (else the second column)."""
    try:
        root = SafeET.fromstring(content)
    except (SafeET.ParseError, DefusedXmlException, ValueError):
        return None
    if _local(root.tag) != "CodeList":
        return None
    ident = _child(root, "Identification")
    uri = _text(ident, "CanonicalUri") if ident is not None else ""
    if not uri:
        return None
    columns = [c.get("Id", "") for c in root.iter() if _local(c.tag) == "Column"]
    keys = {
        k.get("Id", ""): (next((r.get("Ref", "") for r in k if _local(r.tag) == "ColumnRef"), ""))
        for k in root.iter()
        if _local(k.tag) == "Key"
    }
    code_column = keys.get("codeKey") or (columns[0] if columns else "")
    name_column = keys.get("codenameKey") or (columns[1] if len(columns) > 1 else code_column)
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for row in root.iter():
        if _local(row.tag) != "Row":
            continue
        values = {
            v.get("ColumnRef", ""): _text(v, "SimpleValue") for v in row if _local(v.tag) == "Value"
        }
        code = values.get(code_column, "")
        if code and code not in seen:
            seen.add(code)
            rows.append((code, values.get(name_column, "") or code))
    if not rows:
        return None
    return CodeList(
        uri=uri,
        version=_text(ident, "Version"),
        rows=rows,
        name=_text(ident, "ShortName"),
    )


def _reference_text(reference: Element | None) -> str:
    if reference is None:
        return ""
    ident = _child(reference, "genericodeIdentification")
    uri = _text(ident, "canonicalIdentification") if ident is not None else ""
    uri = uri or _text(reference, "canonicalUri")
    version = (_text(ident, "version") if ident is not None else "") or _text(reference, "version")
    return " ".join(p for p in (_ident(reference), uri, version) if p)


# The applicant's base data in the FIM Baukasten (ids as used by the published
# Stammdatenschemata, e.g. S00000094 and S00000246): the case applicant and profile prefill.
# F60000230 is "Geburtsname", not a first name; the first names are F60000228 "Vornamen".
ID_ROLES = {
    "F60000227": "last_name",
    "F60000228": "first_name",
    "F60000319": "company_name",
    "F60000243": "street",
    "F60000244": "house_number",
    "F60000246": "postcode",
    "F60000247": "city",
    "F60000242": "email",
    "F60000240": "phone",
}
# When a schema uses its own fields: by their name (folded, lowercase).
NAME_ROLES = [
    ("last_name", re.compile(r"^(familienname|nachname)\b")),
    ("first_name", re.compile(r"^vorname")),
    (
        "company_name",
        re.compile(
            r"organisationsname|firmenname|betriebsname"
            r"|name (der|des) (firma|organisation|betriebs|unternehmens)"
        ),
    ),
    # "Geburtsdatum" itself, never "Geburtsdatum des Hundes / des Kindes"
    ("birth_date", re.compile(r"^geburtsdatum$")),
    ("email", re.compile(r"^e-?mail")),
    ("phone", re.compile(r"^telefon")),
    ("street", re.compile(r"^strasse")),
    ("house_number", re.compile(r"^hausnummer$")),
    ("postcode", re.compile(r"^(postleitzahl|plz)\b")),
    ("city", re.compile(r"^(ort|wohnort)$")),
]
TEXT_TYPES = {"text", "textarea"}
ONE_LINE_RE = re.compile(r"name|nummer|titel|bezeichnung|strasse|\bort\b|kennzeichen|adresse")
# A text field named for an e-mail address ("E-Mail", "E-Mail-Adresse der Firma"): type email.
EMAIL_NAME_RE = re.compile(r"^e-?mail(?!.*(einverstaendnis|zustimmung|bestaetigung))")
ROLE_TYPES = {
    "birth_date": {"date"},
    "email": TEXT_TYPES | {"email"},
    "phone": TEXT_TYPES | {"phone"},
}
APPLICANT_GROUP_RE = re.compile(r"antragsteller|antragstellende", re.I)
REPRESENTATIVE_RE = re.compile(r"vertreter|vertretung|bevollmaechtig", re.I)
# Parts that belong together come from the same group as the part that leads them.
ROLE_LEADERS = {
    "first_name": "last_name",
    "birth_date": "last_name",
    "house_number": "street",
    "postcode": "street",
    "city": "street",
}


@dataclass
class _Candidate:
    role: str
    rank: tuple
    spec: dict
    group: tuple = ()


@dataclass
class ImportReport:
    version: str = ""
    schema_id: str = ""
    fields: int = 0
    groups: int = 0
    notes: list[str] = field(default_factory=list)
    code_lists: CodeLists = field(default_factory=CodeLists)
    code_lists_used: set[str] = field(default_factory=set)
    code_lists_missing: set[str] = field(default_factory=set)
    rules_translated: int = 0
    rules_not_translated: int = 0
    rules_seen: set[str] = field(default_factory=set, repr=False)
    # (where, id, name, text) of every rule that was not translated, for an editor
    rules_open: list[tuple[str, str, str, str]] = field(default_factory=list)
    applicant: dict[str, str] = field(default_factory=dict)  # role → label of the field
    form_version: int | None = None  # the stored version's number (set by the import)
    candidates: list[_Candidate] = field(default_factory=list, repr=False)

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def summary(self) -> str:
        """One line with the counts (the command prints it above the notes)."""
        return (
            f"XDatenfelder {self.version or '?'} {self.schema_id}: {self.fields} fields, "
            f"{self.groups} groups, code lists {len(self.code_lists_used)} imported / "
            f"{len(self.code_lists_missing)} missing, rules {self.rules_translated} translated / "
            f"{self.rules_not_translated} not translated"
        )


def _candidate(spec: dict, name: str, ident: str, context: tuple, report: ImportReport) -> None:
    """Remember a field that may hold the applicant's name, birth date, address or e-mail.

    Fields inside repeatable groups never count (they are lists). A field on a required path
    beats one inside an optional group (a representative), a group named for the applicant
    beats others, a Baukasten id beats a name match, then the order in the file."""
    if any(repeat for _n, _r, repeat in context):
        return
    role, by_id = ID_ROLES.get(baukasten_id(ident)), True
    if role is None or spec["type"] not in ROLE_TYPES.get(role, TEXT_TYPES):
        folded = _fold(name).lower().strip()
        role = next((r for r, pattern in NAME_ROLES if pattern.search(folded)), None)
        by_id = False
    if role is None or spec["type"] not in ROLE_TYPES.get(role, TEXT_TYPES):
        return
    names = [_fold(n) for n, _r, _rep in context]
    if any(REPRESENTATIVE_RE.search(n) for n in names):
        return  # a representative's data never becomes the applicant's
    required_path = spec["required"] and all(req for _n, req, _r in context)
    for_applicant = any(APPLICANT_GROUP_RE.search(n) for n in names)
    rank = (
        not required_path,
        not for_applicant,
        not by_id,
        len(report.candidates),
    )
    report.candidates.append(_Candidate(role, rank, spec, tuple(names)))


def _assign_roles(report: ImportReport) -> None:
    """The best candidate per role; a first name, birth date and the parts of an address
    come from the group of the last name or street chosen (never a mix of two people)."""
    best: dict[str, _Candidate] = {}

    def rank(candidate: _Candidate) -> tuple:
        leader = best.get(ROLE_LEADERS.get(candidate.role, ""))
        return (leader is not None and leader.group != candidate.group, *candidate.rank)

    for phase in (False, True):  # leaders first, then the parts that follow them
        for candidate in report.candidates:
            if (candidate.role in ROLE_LEADERS) != phase:
                continue
            if candidate.role not in best or rank(candidate) < rank(best[candidate.role]):
                best[candidate.role] = candidate
    for role, candidate in best.items():
        if role == "email" and candidate.spec["type"] in TEXT_TYPES:
            candidate.spec["type"] = "email"  # validated as an address, one line
        candidate.spec["applicant"] = role
        if role in PREFILL_KEYS:
            candidate.spec["prefill"] = role
        report.applicant[role] = candidate.spec["label"]


def baukasten_id(ident: str) -> str:
    """An XDatenfelder 3.0 id (F + 2-digit namespace + 9 digits, F60000000227) in the
    2.0 form (F + 2 + 6 digits, F60000227) the Baukasten tables here use; others unchanged."""
    match = re.fullmatch(r"([FGS])(\d{2})(\d{9})", ident)
    if match and int(match[3]) < 1_000_000:
        return f"{match[1]}{match[2]}{int(match[3]):06d}"
    return ident


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
            pattern = xsd_pattern(str(raw["pattern"]))
            re.compile(pattern)
        except (PatternError, re.error):
            report.note(
                f"{where}: Muster {raw['pattern']!r} kann nicht übersetzt werden und wird "
                "nicht geprüft"
            )
        else:
            result["pattern"] = pattern
            browser = browser_pattern(str(raw["pattern"]))
            if browser:
                result["browser_pattern"] = browser
    return result


# Unicode categories of XSD patterns that Python's `re` does not know. Outside a character
# class a letter is "a word character that is no digit and no underscore"; inside one the
# Latin letters (FIM's String.Latin) stand for it. \P{…} (not in the category) the same
# way, negated.
_CLASS_LETTERS = "A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ"
_CATEGORIES = {
    "L": ("[^\\W\\d_]", _CLASS_LETTERS),
    "Lu": ("[A-ZÀ-ÖØ-Þ]", "A-ZÀ-ÖØ-Þ"),
    "Ll": ("[a-zß-öø-ÿ]", "a-zß-öø-ÿ"),
    "N": ("\\d", "0-9"),
    "Nd": ("\\d", "0-9"),
}
_NEGATED = {
    "L": ("[\\W\\d_]", None),
    "Lu": ("[^A-ZÀ-ÖØ-Þ]", None),
    "Ll": ("[^a-zß-öø-ÿ]", None),
    "N": ("\\D", "\\D"),
    "Nd": ("\\D", "\\D"),
}
# XSD escapes with no counterpart (name characters): the pattern stays unchecked, reported.
_XSD_ONLY = re.compile(r"\\[iIcC]|\\[pP]\{Is|-\[")
# Characters that need a backslash inside a character class for the browser's `v` flag
# (HTML `pattern` is compiled with it): syntax characters and the reserved punctuators.
_CLASS_ESCAPE = set("()[]{}/-|\\^$.*+?&!#%,:;<=>@`~")
_SYNTAX = set("^$\\.*+?()[]{}|/")


class PatternError(ValueError):
    """An XSD pattern this importer cannot translate faithfully."""


def _strip_anchors(pattern: str) -> str:
    """XSD patterns are always anchored; FIM authors still write ^…$: drop them."""
    if pattern.startswith("^"):
        pattern = pattern[1:]
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1]
    return pattern


def xsd_pattern(pattern: str) -> str:
    """An XSD (XML Schema) regular expression as Python's `re` reads it: \\p{L}, \\p{Lu},
    \\p{N} (and \\P{…}) become classes; the pattern is anchored by the engine (fullmatch), as
    in XSD. PatternError for what has no faithful translation (\\i, \\c, Unicode blocks,
    class subtraction)."""
    if _XSD_ONLY.search(pattern):
        raise PatternError(pattern)
    pattern = _strip_anchors(pattern)
    result, in_class, i = [], False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            match = re.match(r"\\([pP])\{(\w+)\}", pattern[i:])
            if match:
                table = _CATEGORIES if match[1] == "p" else _NEGATED
                if match[2] not in table:
                    raise PatternError(pattern)
                outside, inside = table[match[2]]
                if in_class and inside is None:
                    raise PatternError(pattern)
                result.append(inside if in_class else outside)
                i += len(match[0])
                continue
            result.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        result.append(ch)
        i += 1
    return "".join(result)


def browser_pattern(pattern: str) -> str:
    """The XSD pattern for the HTML `pattern` attribute (compiled by browsers with the `v`
    flag, implicitly anchored), or '' when it cannot be written so that every browser with
    `v` accepts it: then only the server checks it. \\p{…} stays (JavaScript knows the
    Unicode categories); inside classes every punctuation character gets a backslash."""
    if _XSD_ONLY.search(pattern):
        return ""
    pattern = _strip_anchors(pattern)
    out, i, in_class, class_start = [], 0, False, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= len(pattern):
                return ""
            nxt = pattern[i + 1]
            match = re.match(r"\\[pP]\{[A-Za-z_]+\}", pattern[i:])
            if match:
                out.append(match[0])
                i += len(match[0])
            elif nxt in "dDwWsSnrt" or nxt in _SYNTAX or (in_class and nxt in _CLASS_ESCAPE):
                out.append(pattern[i : i + 2])
                i += 2
            elif nxt == "-" and not in_class:
                out.append("-")  # `\-` outside a class is an error with u/v
                i += 2
            else:
                return ""
            class_start = False
            continue
        if in_class:
            if ch == "]":
                in_class = False
                out.append(ch)
            elif ch == "^" and class_start:
                out.append(ch)
            elif ch == "[":
                return ""  # nested class or subtraction
            elif ch == "-" and not class_start and i + 1 < len(pattern) and pattern[i + 1] != "]":
                out.append("-")  # a range a-z
            elif ch in _CLASS_ESCAPE:
                out.append("\\" + ch)
            else:
                out.append(ch)
            class_start = False
            i += 1
            continue
        if ch == "[":
            in_class, class_start = True, True
            out.append(ch)
            i += 1
            continue
        if ch in "{}":
            match = re.match(r"\{\d+(,\d*)?\}", pattern[i:])
            if ch == "}" or not match or not out:
                return ""
            out.append(match[0])
            i += len(match[0])
            continue
        out.append(ch)
        i += 1
    if in_class:
        return ""
    result = "".join(out)
    try:  # a rough check of the nesting; the browser compiles it
        re.compile(result.replace("\\p{", "\\\\p{").replace("\\P{", "\\\\P{"))
    except re.error:
        return ""
    return result


def _field(
    node: Element,
    required: bool,
    version: str,
    keys: _Keys,
    report: ImportReport,
    context: tuple = (),
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
        reference = _child(node, "codelisteReferenz")
        code_list = report.code_lists.find(reference) if reference is not None else None
        if code_list is not None:
            spec.update(type="choice", options=code_list.options())
            if len(code_list.rows) > 6:
                spec["widget"] = "select"
            report.code_lists_used.add(code_list.uri)
            report.fields += 1
            _candidate(spec, name, ident, context, report)
            return spec
        described = _reference_text(reference)
        report.code_lists_missing.add(described or "(ohne Angabe)")
        report.note(
            f"{where}: Codeliste {described or '(ohne Angabe)'} liegt weder neben dem Schema "
            "noch im Codelisten-Verzeichnis des Kreises; als Textfeld übernommen"
        )
        spec.update(type="text", max_length=0)
        report.fields += 1
        _candidate(spec, name, ident, context, report)
        return spec
    if feldart != "input":
        report.note(f"{where}: unbekannte Feldart {feldart!r}, als Textfeld übernommen")
    if datentyp in ("text", "text_latin"):
        # several lines for long free text; a name, number or place stays one line even
        # where the schema allows 1000 characters ("Eingetragener Name" in S00000094)
        long = (constraints.get("max_length") or 0) > 200 and not ONE_LINE_RE.search(
            _fold(name).lower()
        )
        if EMAIL_NAME_RE.search(_fold(name).lower()):
            spec.update(type="email")  # one line, checked as an address
        else:
            spec.update(type="textarea" if long else "text")
        # no limit of its own where the schema sets none (0; the engine's hard cap applies)
        spec["max_length"] = 0
        for k in ("min_length", "max_length", "pattern", "browser_pattern"):
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
        spec.update(type="text", max_length=0)
        report.note(f"{where}: unbekannter Datentyp {datentyp!r}, als Textfeld übernommen")
    report.fields += 1
    _candidate(spec, name, ident, context, report)
    return spec


def _report_rule(rule: Element, where: str, report: ImportReport) -> None:
    ident = _ident(rule) or "?"
    name = _text(rule, "name")
    description = _rule_text(rule)
    key = f"{ident}|{name}"
    if key not in report.rules_seen:
        report.rules_seen.add(key)
        report.rules_not_translated += 1
        report.rules_open.append((where, ident, name, description))
    report.note(
        f"{where}: Regel {ident} „{name}“ nicht automatisch übernommen (Skripte werden nicht "
        f"ausgeführt){': ' + description[:300] if description else ''}"
    )


def _members(
    node: Element,
    version: str,
    keys: _Keys,
    report: ImportReport,
    where: str,
    depth: int,
    context: tuple = (),
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
                spec = _field(element, low >= 1, version, keys, report, context)
                if spec is None:
                    continue
                inside_group = depth > 1 or bool(context and context[-1][2])
                if (high is None or high > 1) and spec["type"] != "file" and inside_group:
                    # a group inside a group cannot repeat a single field
                    report.note(
                        f"{where}: {spec['label']} darf {low}- bis {high or 'beliebig'}-mal "
                        "vorkommen; in einer Untergruppe nur einmal übernommen"
                    )
                else:
                    spec = _repeat_field(spec, low, high, where, report)
                result.append(spec)
            elif kind == "datenfeldgruppe":
                result.extend(_group(element, low, high, version, keys, report, depth + 1, context))
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
    context: tuple = (),
) -> list[dict]:
    ident = _ident(node) or "?"
    name = _text(node, "name") or ident
    where = f"Datenfeldgruppe {ident} ({name})"
    report.groups += 1
    for child in node:
        if _local(child.tag) not in GROUP_CHILDREN:
            report.note(f"{where}: unbekanntes Element <{_local(child.tag)}> ignoriert")
    repeat = high is None or high > 1
    context = (*context, (name, low >= 1, repeat))
    members = _members(node, version, keys, report, where, depth, context)
    _apply_rules(_children(node, "regel"), members, where, report)
    if depth > 2:
        if low == 0:
            # an optional group inside a group that is flattened: its fields cannot be
            # asked for as a whole any more, so none of them is required
            for m in members:
                m["required"] = False
        label = _text(node, "bezeichnungEingabe") or name
        for m in members:
            m.setdefault("_from", label)  # for labels that would read twice (see _distinct)
        report.note(
            f"{where}: tiefer verschachtelt, Felder in die übergeordnete Gruppe übernommen"
            + (" (als freiwillige Angaben)" if low == 0 else "")
        )
        return members
    if not members:
        report.note(f"{where}: keine übernehmbaren Felder")
        return []
    if (depth == 2 or repeat) and any(m["type"] == "group" for m in members):
        report.note(f"{where}: Untergruppen in die Gruppe übernommen (eine Ebene)")
        members = _flatten(members)
    members = _distinct(members)
    if depth == 1 and not repeat:
        members = _ask_optional(members, keys)
    group = {
        "key": keys.make(name, ident),
        "type": "group",
        "label": _text(node, "bezeichnungEingabe") or name,
        "fields": _rekey(members),
        "required": low >= 1,
        "xdf_id": ident,
    }
    if low == 0 and not repeat:
        group["optional"] = True
    if repeat:
        if high is None or high > 50:
            report.note(f"{where}: höchstens 50 Einträge übernommen (Schema: {low}:{high or '*'})")
        group["repeat"] = {"min": low, "max": min(high or 50, 50)}
    return [group]


# "Wenn das Feld F60000352 "…" = 002 "…" ODER = 004 "…", dann muss die Datenfeldgruppe
# G60000224 "…" befüllt sein." — the way the FIM Baukasten writes required-if rules.
_QUOTED = r'(?:\s*["„“][^"„“”]*["“”])?'
RULE_RE = re.compile(
    r"Wenn das (?:Daten)?[Ff]eld (?P<source>F\d{8,11})" + _QUOTED + r"\s*"
    r"(?P<values>=\s*\d+" + _QUOTED + r"(?:\s*ODER\s*=\s*\d+" + _QUOTED + r")*)"
    r"\s*[.,]?\s*dann muss (?:die |das )?(?:Datenfeldgruppe|Feldgruppe|Datenfeld|Feld)\s+"
    r"(?P<target>[FG]\d{8,11})\b"
    + _QUOTED
    + r"\s*(?:befüllt|ausgefüllt|angegeben) (?:sein|werden)",
    re.S,
)


# "Wenn im Datenfeld F00000462 der Wert 001 angegeben wurde, dann soll F00000467 zum
# Pflichtfeld werden." — the same rule as older schemas (S00000094) write it. Rules about an
# empty value (der Wert "") or "nicht der Wert" are "at least one of" rules: not matched.
RULE_RE_WERT = re.compile(
    r"Wenn im (?:Daten)?[Ff]eld (?P<source>F\d{8,11}) der Wert "
    r"(?P<values>\d+(?:\s*(?:oder|ODER|,)\s*\d+)*) angegeben wurde,?\s*dann soll "
    r"(?:die (?:Daten)?[Ff]eldgruppe |das (?:Daten)?[Ff]eld )?(?P<target>[FG]\d{8,11})\b"
    r"\s*zum Pflichtfeld werden"
)


def _rule_text(rule: Element) -> str:
    return " ".join(
        part
        for part in (
            _text(rule, "definition"),
            _text(rule, "beschreibung"),
            _text(rule, "freitextRegel"),
        )
        if part
    )


def _find(members: list[dict], ident: str) -> tuple[dict | None, dict | None]:
    """(spec, the group it sits in or None) of the first member with this FIM id."""
    for m in members:
        if m.get("xdf_id") == ident:
            return m, None
        for sub in m.get("fields", []):
            if sub.get("xdf_id") == ident:
                return sub, m
    return None, None


def _apply_rules(
    rules: list[Element], members: list[dict], where: str, report: ImportReport
) -> None:
    """Required-if rules become a condition of the engine: the target is shown (and then
    required) only for the listed codes; hidden answers are never submitted, which is the
    rule's second half ("… darf nicht befüllt sein"). Every other rule is reported."""
    for rule in rules:
        text = _rule_text(rule)
        match = RULE_RE.search(text)
        codes: list[str] = []
        if match:
            codes = re.findall(r"=\s*(\d+)", match["values"])
        else:
            match = RULE_RE_WERT.search(text)
            if match:
                codes = re.findall(r"\d+", match["values"])
        source = target = None
        if match:
            source, source_group = _find(members, match["source"])
            target, target_group = _find(members, match["target"])
            same_scope = source_group is None or source_group is target_group
            if (
                source is not None
                and target is not None
                and source is not target
                and source["type"] == "choice"
                and same_scope
                and not target.get("repeat")
                and set(codes) <= {o["value"] for o in source["options"]}
            ):
                target["show_if"] = {"field": source["key"], "in": codes}
                target["required"] = True
                target.pop("optional", None)
                report.rules_translated += 1
                report.note(
                    f"{where}: Regel {_ident(rule)} „{_text(rule, 'name')}“ als Bedingung "
                    f"übernommen: {target['label']} nur bei {source['label']} = "
                    + " oder ".join(codes)
                )
                continue
        _report_rule(rule, where, report)


def _ask_optional(members: list[dict], keys: _Keys) -> list[dict]:
    """An optional group [0:1] with no condition from a rule is asked for first ("Möchten
    Sie Angaben machen zu …?"); only when answered yes are its required fields required."""
    result = []
    for m in members:
        if m.get("optional") and not m.get("show_if"):
            question = _yes_no_question(m["label"], keys)
            result.append(question)
            m["show_if"] = {"field": question["key"], "equals": "ja"}
            m["required"] = True
        m.pop("optional", None)
        result.append(m)
    return result


def _yes_no_question(label: str, keys: _Keys) -> dict:
    return {
        "key": keys.make(f"angaben {label}", "angaben"),
        "type": "choice",
        "label": f"Möchten Sie Angaben machen zu: {label}?",
        "required": True,
        "widget": "radio",
        "options": [
            {"value": "ja", "label": {"de": "Ja", "en": "Yes"}},
            {"value": "nein", "label": {"de": "Nein", "en": "No"}},
        ],
    }


def _rekey(members: list[dict]) -> list[dict]:
    """Keys inside a group only need to be unique there; keep them short."""
    return members


def _distinct(members: list[dict]) -> list[dict]:
    """Fields merged from sub-groups that would read alike ("Postleitzahl" of the street
    address and of the P.O. box address) get their sub-group's name: "Postleitzahl
    (Postfachanschrift)"."""
    counts: dict[str, int] = {}
    for m in members:
        counts[m["label"]] = counts.get(m["label"], 0) + 1
    for m in members:
        origin = m.pop("_from", "")
        if counts[m["label"]] > 1 and origin and origin != m["label"]:
            m["label"] = f"{m['label']} ({origin})"
    return members


def _flatten(members: list[dict]) -> list[dict]:
    result = []
    for m in members:
        result.extend(m["fields"] if m["type"] == "group" else [m])
    return result


def parse(
    xml: bytes | str,
    key: str | None = None,
    service: str = "",
    code_lists: CodeLists | None = None,
) -> tuple[dict | None, ImportReport]:
    """XDatenfelder XML → (form definition in normal form or None, report). Never raises on
    content: problems go into the report; a file that is not a Stammdatenschema at all
    gives (None, report with the reason), and so does a form that could never become a case
    (no field for the applicant's name)."""
    report = ImportReport(code_lists=code_lists or CodeLists())
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
    keys = _Keys()
    top: list[dict] = []
    for struktur in _children(schema, "struktur"):
        low, high = _bounds(_text(struktur, "anzahl"))
        enthaelt = _child(struktur, "enthaelt")
        for element in enthaelt if enthaelt is not None else []:
            kind = _local(element.tag)
            if kind == "datenfeldgruppe":
                top.extend(_group(element, low, high, report.version, keys, report, 1))
            elif kind == "datenfeld":
                spec = _field(element, low >= 1, report.version, keys, report, ())
                if spec:
                    top.append(_repeat_field(spec, low, high, "Stammdatenschema", report))
            else:
                report.note(f"Stammdatenschema: unbekanntes Element <{kind}> ignoriert")
    _apply_rules(_children(schema, "regel"), top, "Stammdatenschema", report)
    pages = _split_pages(_pages(top, keys))
    if not pages:
        report.note("Keine übernehmbaren Felder gefunden")
        return None, report
    for message in report.code_lists.notes:
        report.note(message)
    _assign_roles(report)
    if not {"last_name", "company_name"} & set(report.applicant):
        report.note(
            "Das Formular kann nicht als Antrag eingehen: kein Feld für den Namen der "
            "antragstellenden Person (FIM F60000227 Familienname oder F60000319 "
            "Organisationsname, oder ein Feld „Familienname“, „Nachname“, „Firmenname“)"
        )
        return None, report
    _strip_ids(pages)
    name = (
        _text(schema, "bezeichnungEingabe")  # 2.0
        or _text(schema, "bezeichnung")  # 3.0
        or _text(schema, "name")
        or report.schema_id
    )
    spec = {
        "key": key or _page_key(f"fim-{report.schema_id or name}", 0),
        "title": name,
        "intro": _text(schema, "hilfetextEingabe")
        or _text(schema, "hilfetext")
        or _text(schema, "beschreibung"),
        "service": service,
        "version": _text(_child(schema, "identifikation"), "version") or "1",
        "pages": pages,
    }
    try:
        return normalise(spec, where="XDatenfelder"), report
    except DefinitionError as exc:
        report.note(f"Das übernommene Formular ist nicht gültig: {exc}")
        return None, report


def _pages(top: list[dict], keys: _Keys) -> list[dict]:
    """A page per top-level group (its fields on the page, a repeated group as one field);
    fields outside any group share a page. An optional group [0:1] asks first whether the
    citizen wants to give it; a group with a condition from a rule is a conditional page."""
    pages: list[dict] = []
    for member in top:
        if member["type"] == "group" and not member.get("repeat"):
            fields = member["fields"]
            page = {"key": _page_key(member["label"], len(pages)), "title": member["label"]}
            if member.get("show_if"):
                page["show_if"] = member["show_if"]
            elif member.get("optional") and not _asks_itself(fields):
                question = _yes_no_question(member["label"], keys)
                condition = {"field": question["key"], "equals": "ja"}
                for f in fields:
                    f["show_if"] = (
                        {"all": [condition, f["show_if"]]} if f.get("show_if") else condition
                    )
                fields = [question, *fields]
            page["fields"] = fields
            pages.append(page)
            continue
        member.pop("optional", None)
        if member["type"] == "group":  # repeated: the list of entries is the page
            page = {"key": _page_key(member["label"], len(pages)), "title": member["label"]}
            if member.get("show_if"):
                page["show_if"] = member.pop("show_if")
            pages.append({**page, "fields": [member]})
            continue
        if not pages or not pages[-1].get("loose"):
            pages.append({"key": "angaben", "title": "", "fields": [], "loose": True})
        pages[-1]["fields"].append(member)
    for page in pages:
        if page.get("loose"):
            only = page["fields"][0]
            page["title"] = only["label"] if len(page["fields"]) == 1 else "Weitere Angaben"
            page["key"] = _page_key(page["title"], pages.index(page))
    return pages


# A page holds at most this many inputs (a group counts with all its inputs); a longer
# top-level group is split into "<title> (Teil 2)", … at field and sub-group boundaries.
PAGE_INPUTS = 12


def _inputs(f: dict) -> int:
    if f["type"] == "group":
        return sum(_inputs(sub) for sub in f["fields"])
    return 3 if f["type"] == "address" else 1


def _refers(cond: dict | None) -> set[str]:
    if not cond:
        return set()
    if "all" in cond or "any" in cond:
        return set().union(*(_refers(c) for c in cond.get("all") or cond.get("any")))
    return {cond["field"]}


def _split_pages(pages: list[dict]) -> list[dict]:
    """Long pages (the published schemas have 30–57 inputs on one group's page) become
    several pages of at most PAGE_INPUTS inputs, "<title> (Teil n)". A group is never cut;
    a yes/no question stays with the first question that depends on it. A part whose every
    field has a condition gets the page condition "any of them", so no empty page appears.
    Titles used twice get a number, never three pages called the same."""
    result: list[dict] = []
    for page in pages:
        units: list[list[dict]] = []
        for f in page["fields"]:
            if (
                units
                and _refers(f.get("show_if")) & {g["key"] for g in units[-1]}
                and len(units[-1]) == 1
            ):
                units[-1].append(f)
            else:
                units.append([f])
        parts: list[list[dict]] = [[]]
        for unit in units:
            size = sum(_inputs(f) for f in unit)
            if parts[-1] and sum(_inputs(f) for f in parts[-1]) + size > PAGE_INPUTS:
                parts.append([])
            parts[-1].extend(unit)
        for n, fields in enumerate(parts, start=1):
            part = dict(page, fields=fields)
            if len(parts) > 1:
                part["title"] = f"{page['title']} (Teil {n})"
                part["key"] = f"{page['key'][:50]}-{n}"
            if all(f.get("show_if") for f in fields):
                conds = [f["show_if"] for f in fields]
                own = conds[0] if all(c == conds[0] for c in conds) else {"any": conds}
                part["show_if"] = {"all": [page["show_if"], own]} if page.get("show_if") else own
            result.append(part)
    seen: dict[str, int] = {}
    for page in result:
        title = page["title"]
        seen[title] = seen.get(title, 0) + 1
        if seen[title] > 1:
            page["title"] = f"{title} ({seen[title]})"
    return result


def _asks_itself(fields: list[dict]) -> bool:
    """An optional group whose only unconditional required field is a choice ("Wird die
    antragstellende Person vertreten?") already asks for itself: no extra question."""
    required = [f for f in fields if f["required"] and not f.get("show_if")]
    return len(required) == 1 and required[0]["type"] == "choice"


def _repeat_field(spec: dict, low: int, high: int | None, where: str, report: ImportReport) -> dict:
    """A field that may occur more than once ([1:2], [2:5], [0:*]): files take several
    uploads, any other field becomes a repeatable group of that one field."""
    if high is not None and high <= 1:
        return spec
    if spec["type"] == "file":
        spec["max_files"] = min(high or 10, 10)
        return spec
    item = dict(spec, required=True)
    item.pop("xdf_id", None)
    item.pop("applicant", None)
    item.pop("prefill", None)
    if high is None or high > 50:
        report.note(f"{where}: {spec['label']} höchstens 50-mal übernommen")
    return {
        "key": spec["key"],
        "type": "group",
        "label": spec["label"],
        "required": low >= 1,
        "xdf_id": spec.get("xdf_id", ""),
        "fields": [dict(item, key="wert")],
        "repeat": {"min": low, "max": min(high or 50, 50)},
    }


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
            f.pop("optional", None)
            f.pop("_from", None)
            for sub in f.get("fields", []):
                sub.pop("xdf_id", None)
                sub.pop("_from", None)
