"""Neutralising PDFs (issue 16 F1): every PDF that enters the eAkte loses whatever a viewer
could run or open — JavaScript, launch and form-submit actions, embedded files, XFA, rich
media, additional actions — as archives do it, and keeps its pages as they were.

`neutralise(data)` walks the whole object graph once (from the trailer, every object a
viewer can reach — not a list of known places) and removes:

* the keys `/OpenAction`, `/AA` (additional actions of catalog, pages, annotations, form
  fields), `/JS`, `/JavaScript` (name tree), `/EmbeddedFiles`, `/EF` (file specifications
  keep their name, lose their content), `/XFA`, `/NeedsRendering`, `/RichMediaContent`,
  `/RichMediaSettings`, `/3DD`, `/Collection`, `/AlternatePresentations`, and `/Next` of
  the actions that stay (chained actions; an outline item's `/Next` is its sibling);
* every action (`/A`, `/PA` of links, form fields, outline items) that is not a `/GoTo`
  within the document or a `/URI` with http, https or mailto — the action dictionary itself
  is emptied wherever else it is referenced;
* annotations that carry files or players (`/FileAttachment`, `/RichMedia`, `/3D`,
  `/Screen`, `/Movie`, `/Sound`): taken out of the page and emptied;
* embedded file streams: emptied.

Page content streams, fonts and images are not touched, so the text stays extractable and
the pages look the same. A file in which nothing was found is returned byte for byte (its
checksum does not change). Otherwise the result is written anew by qpdf (which also drops
objects that nothing references, such as earlier revisions).

`scan(data)` is the independent check afterwards: it parses the result with pypdf (another
parser than the one that cleaned it) and lists every marker that is left. `neutralise`
raises `UnsafePdf` when that list is not empty; the caller refuses the file.

Keys of name maps (`/Font`, `/XObject`, … of resources, `/CharProcs`, `/RoleMap`) are names
the author chose; a font called `/JS` is a font, so they are not judged as keys.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import pikepdf
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

# Action types that run code, open or send files, change the document or reach outside it.
# Only /GoTo (within the file) and /URI (http, https, mailto) are kept.
BAD_ACTIONS = frozenset(
    "/" + name
    for name in (
        "JavaScript ECMAScript Launch SubmitForm ImportData ResetForm GoToE GoToR GoToDp "
        "Rendition Sound Movie Hide SetOCGState Trans GoTo3DView RichMediaExecute Named Thread"
    ).split()
)
SAFE_ACTIONS = frozenset({"/GoTo", "/URI"})
BAD_ANNOTATIONS = frozenset({"/FileAttachment", "/RichMedia", "/3D", "/Screen", "/Movie", "/Sound"})
DROP_KEYS = frozenset(
    {
        "/OpenAction",
        "/AA",
        "/JS",
        "/JavaScript",
        "/EmbeddedFiles",
        "/EF",
        "/XFA",
        "/NeedsRendering",
        "/RichMediaContent",
        "/RichMediaSettings",
        "/3DD",
        "/Collection",
        "/AlternatePresentations",
    }
)
ACTION_KEYS = ("/A", "/PA")
# Dictionaries whose keys are the author's names, not PDF keys.
NAME_MAP_KEYS = frozenset(
    {
        "/Font",
        "/XObject",
        "/ExtGState",
        "/ColorSpace",
        "/Pattern",
        "/Shading",
        "/Properties",
        "/CharProcs",
        "/RoleMap",
        "/ClassMap",
    }
)
SAFE_URI = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)
# Byte patterns a plain search (as in the finding: "4× /JavaScript") would report. A file
# without active content that still contains one (in an earlier revision nothing refers to
# any more, say) is written anew, which drops such objects; its removed list says "rewritten".
RAW_MARKERS = re.compile(
    rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|XFA|RichMedia\w*|OpenAction|AA)"
    rb"(?=[\s/<>\[\]()%{}]|$)"
)


def _has_raw_marker(data: bytes) -> bool:
    # Two searches: a case-insensitive alternation has no fast path (0.6 s for 22 MB).
    return bool(RAW_MARKERS.search(data)) or b"javascript:" in data.lower()


class UnsafePdf(Exception):
    """Active content is still found after neutralising; `findings` says what."""

    def __init__(self, findings: list[str]):
        super().__init__(", ".join(findings))
        self.findings = findings


@dataclass
class Neutralised:
    data: bytes
    removed: list[str] = field(default_factory=list)
    pages: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.removed)


def _uri_is_safe(value) -> bool:
    text = str(value).strip() if value is not None else ""
    return bool(SAFE_URI.match(text)) and not any(ord(c) < 32 for c in text)


def _uri_label(value) -> str:
    text = str(value).strip().lower()
    return "/URI " + (text.split(":", 1)[0] + ":" if ":" in text else "(relative)")


class _Cleaner:
    def __init__(self) -> None:
        self.removed: set[str] = set()
        # An object is judged once per role: one that is both a font map and something
        # else is cleaned as the something else.
        self.seen: set[tuple[int, int, bool]] = set()

    def run(self, pdf: pikepdf.Pdf) -> None:
        stack: list[tuple[pikepdf.Object, bool]] = [(pdf.trailer, False)]
        while stack:
            obj, name_map = stack.pop()
            if obj.is_indirect:
                if (*obj.objgen, name_map) in self.seen:
                    continue
                self.seen.add((*obj.objgen, name_map))
            if isinstance(obj, pikepdf.Array):
                stack.extend((item, False) for item in obj if _is_container(item))
            elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                if not name_map:
                    self.clean(obj)
                for key in list(obj.keys()):
                    value = obj[key]
                    if _is_container(value):
                        child_map = key in NAME_MAP_KEYS and isinstance(value, pikepdf.Dictionary)
                        stack.append((value, child_map))

    def clean(self, d) -> None:
        kind = _name(d.get("/S"))
        if kind in BAD_ACTIONS or (kind == "/URI" and not _uri_is_safe(d.get("/URI"))):
            self.removed.add(kind if kind != "/URI" else _uri_label(d.get("/URI")))
            _clear(d)
            return
        if _name(d.get("/Type")) == "/EmbeddedFile":
            self.removed.add("/EmbeddedFile")
            _clear(d)
            return
        subtype = _name(d.get("/Subtype"))
        if subtype in BAD_ANNOTATIONS and _name(d.get("/Type")) in ("", "/Annot"):
            self.removed.add(subtype)
            _clear(d)
            return
        for key in DROP_KEYS.intersection(d.keys()):
            self.removed.add(key)
            self.removed.update(_describe(d[key]))
            del d[key]
        # Chained actions; an outline item's /Next (its sibling) stays.
        if "/Next" in d and (kind or _name(d.get("/Type")) == "/Action"):
            self.removed.add("/Next")
            self.removed.update(_describe(d["/Next"]))
            del d["/Next"]
        for key in ACTION_KEYS:
            action = d.get(key)
            if isinstance(action, pikepdf.Dictionary) and "/S" in action:
                kind = _name(action.get("/S"))
                if kind not in SAFE_ACTIONS or (
                    kind == "/URI" and not _uri_is_safe(action.get("/URI"))
                ):
                    label = _uri_label(action.get("/URI")) if kind == "/URI" else kind
                    self.removed.add(label or f"{key} (unknown action)")
                    self.removed.update(_describe(action))
                    del d[key]
        annots = d.get("/Annots")
        if isinstance(annots, pikepdf.Array):
            keep = [a for a in annots if not _is_bad_annotation(a)]
            if len(keep) != len(annots):
                for annot in annots:
                    if _is_bad_annotation(annot):
                        self.removed.add(_name(annot.get("/Subtype")))
                        self.removed.update(_describe(annot))
                d.Annots = pikepdf.Array(keep)


def _describe(obj, limit: int = 500) -> set[str]:
    """What a removed part held (action types, embedded files, annotations), for the record."""
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack = [obj] if _is_container(obj) else []
    while stack and limit > 0:
        limit -= 1
        item = stack.pop()
        if item.is_indirect:
            if item.objgen in seen:
                continue
            seen.add(item.objgen)
        if isinstance(item, pikepdf.Array):
            stack.extend(x for x in item if _is_container(x))
        elif isinstance(item, (pikepdf.Dictionary, pikepdf.Stream)):
            kind = _name(item.get("/S"))
            if kind in BAD_ACTIONS:
                found.add(kind)
            elif kind == "/URI" and not _uri_is_safe(item.get("/URI")):
                found.add(_uri_label(item.get("/URI")))
            if _name(item.get("/Type")) == "/EmbeddedFile":
                found.add("/EmbeddedFile")
            if _name(item.get("/Subtype")) in BAD_ANNOTATIONS:
                found.add(_name(item.get("/Subtype")))
            stack.extend(v for k in list(item.keys()) if _is_container(v := item[k]))
    return found


def _is_container(obj) -> bool:
    return isinstance(obj, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream))


def _name(value) -> str:
    return str(value) if isinstance(value, pikepdf.Name) else ""


def _is_bad_annotation(annot) -> bool:
    return isinstance(annot, pikepdf.Dictionary) and (
        _name(annot.get("/Subtype")) in BAD_ANNOTATIONS or len(annot.keys()) == 0
    )


def _clear(d) -> None:
    if isinstance(d, pikepdf.Stream):
        d.write(b"")
    for key in list(d.keys()):
        if key != "/Length":
            del d[key]


ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x01\x02")


def _has_foreign_bytes(data: bytes) -> bool:
    """Bytes that belong to no PDF revision: anything but whitespace before `%PDF-` or after
    the last `%%EOF`, or a ZIP's signature anywhere (a ZIP can end in a fake `%%EOF`)."""
    if data[: data.find(b"%PDF-")].strip():
        return True
    end = data.rfind(b"%%EOF")
    if end < 0 or data[end + 5 :].strip(b" \t\r\n\x00\x0c"):
        return True
    return any(signature in data for signature in ZIP_SIGNATURES)


def neutralise(data: bytes) -> Neutralised:
    """The PDF without anything active (see the module's docstring). Raises `UnsafePdf` when
    the independent scan still finds a marker, and pikepdf's errors for damaged files."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        cleaner = _Cleaner()
        cleaner.run(pdf)
        pages = len(pdf.pages)
        if not cleaner.removed and _has_raw_marker(data):
            cleaner.removed.add("rewritten")
        if _has_foreign_bytes(data):
            # a polyglot: another file before the header or after the last revision (a ZIP
            # with a program appended to a PDF); writing the PDF anew drops it
            cleaner.removed.add("foreign data")
        if not cleaner.removed:
            result = data
        else:
            out = io.BytesIO()
            pdf.save(
                out,
                deterministic_id=True,
                object_stream_mode=pikepdf.ObjectStreamMode.preserve,
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
                recompress_flate=False,
                fix_metadata_version=False,
            )
            result = out.getvalue()
    findings = scan(result)
    if findings:
        raise UnsafePdf(findings)
    return Neutralised(data=result, removed=sorted(cleaner.removed), pages=pages)


def scan(data: bytes) -> list[str]:
    """Every marker of active content left in `data`, found with pypdf (a second parser):
    keys (`/JavaScript`, `/JS`, `/AA`, `/OpenAction`, `/EF`, `/EmbeddedFiles`, `/XFA`,
    `/RichMedia…`, `/Next`), action types, embedded file streams, annotations with files or
    players, `/URI`s that are not http(s)/mailto, and strings starting with `javascript:`.
    Empty for a clean file."""
    reader = PdfReader(io.BytesIO(data))
    findings: list[str] = []
    seen: set[tuple[int, int, bool]] = set()
    stack: list[tuple[object, bool]] = [(reader.trailer, False)]
    while stack:
        obj, name_map = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation, name_map)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, ArrayObject):
            stack.extend((item, False) for item in obj)
        elif isinstance(obj, DictionaryObject):
            if not name_map:
                findings.extend(_findings(obj))
            for key, value in obj.items():
                child = value.get_object() if isinstance(value, IndirectObject) else value
                stack.append((value, key in NAME_MAP_KEYS and isinstance(child, DictionaryObject)))
        elif isinstance(obj, str | bytes):
            text = obj if isinstance(obj, str) else obj.decode("latin-1")
            if text.strip().lower().startswith("javascript:"):
                findings.append("javascript:")
    return sorted(set(findings))


def _findings(d: DictionaryObject) -> list[str]:
    found = [str(key) for key in d if key in DROP_KEYS or str(key).startswith("/RichMedia")]
    kind, subtype = d.get("/S"), d.get("/Subtype")
    if "/Next" in d and (kind is not None or d.get("/Type") == "/Action"):
        found.append("/Next")
    if kind in BAD_ACTIONS:
        found.append(str(kind))
    if kind == "/URI" and not _uri_is_safe(d.get("/URI")):
        found.append(_uri_label(d.get("/URI")))
    if d.get("/Type") == "/EmbeddedFile":
        found.append("/EmbeddedFile")
    if subtype in BAD_ANNOTATIONS and d.get("/Type") in (None, "/Annot"):
        found.append(str(subtype))
    return found
