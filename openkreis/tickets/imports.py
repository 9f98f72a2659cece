"""Reading a host's CSV export (property-management software) into stay rows.

The file (docs/tickets.md "CSV import"):

    Buchungsnummer;Anreise;Abreise;Erwachsene;Kinder;Ermäßigt;Bezahlt;Namen
    B-1001;03.08.2026;07.08.2026;2;1;0;ja;Anna Muster | Ben Muster

- separator `;` or `,` (taken from the header line), UTF-8 (with or without BOM) or
  Windows-1252 (what spreadsheet programs write on German Windows);
- header names are case-insensitive; English names work too (reference, arrival,
  departure, the levy category keys adult/child/reduced, paid, names); a category column
  matches its key, its label or the label's first word ("Kinder (6–17 Jahre)" → "Kinder");
- dates as `31.12.2026` or `2026-12-31`; counts are whole numbers (empty = 0);
- Bezahlt: ja/nein (also j/n, x, 1/0, yes/no; empty = nein);
- Namen (optional): the guests' names separated by `|`, "Vorname Nachname" each.

Every row is checked on its own; its errors carry the line number of the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
COLUMNS = {
    "reference": (
        "buchungsnummer",
        "buchungsnr",
        "buchungsnr.",
        "buchung",
        "reservierungsnummer",
        "reservierung",
        "reference",
        "booking reference",
    ),
    "arrival": ("anreise", "ankunft", "arrival", "check-in"),
    "departure": ("abreise", "departure", "check-out"),
    "paid": ("bezahlt", "kurtaxe bezahlt", "gästebeitrag bezahlt", "paid"),
    "names": ("namen", "gäste", "gaeste", "names", "guests"),
}
YES = {"ja", "j", "x", "1", "yes", "y", "true", "bezahlt", "paid"}
NO = {"", "nein", "n", "0", "no", "false", "offen", "unbezahlt"}


@dataclass
class ImportRow:
    line: int
    reference: str = ""
    arrival: dt.date | None = None
    departure: dt.date | None = None
    counts: dict[str, int] = field(default_factory=dict)
    paid: bool = False
    names: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    action: str = ""  # new, update, pay, unchanged (services.import_stays)

    @property
    def guests(self) -> int:
        return sum(self.counts.values())


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) or else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _header_map(header: list[str], categories: dict[str, str]) -> tuple[dict[str, int], list]:
    aliases = {alias: name for name, names in COLUMNS.items() for alias in names}
    for key, label in categories.items():
        for alias in (key, label, label.split(" ")[0]):
            aliases.setdefault(alias.strip().lower(), f"cat:{key}")
    found: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = aliases.get(raw.strip().lower())
        if name is None:  # other columns of the export are ignored
            continue
        if name in found:
            return {}, [_("The column %(c)s appears twice.") % {"c": raw.strip()}]
        found[name] = index
    problems = []
    for required, label in (
        ("reference", "Buchungsnummer"),
        ("arrival", "Anreise"),
        ("departure", "Abreise"),
    ):
        if required not in found:
            problems.append(_("The column %(c)s is missing.") % {"c": label})
    if not any(name.startswith("cat:") for name in found):
        problems.append(
            _("No column with the number of guests (%(c)s).")
            % {"c": ", ".join(label.split(" ")[0] for label in categories.values())}
        )
    return found, problems


def _date(value: str) -> dt.date:
    value = value.strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"):
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError(value)


def _names(value: str) -> list[tuple[str, str]]:
    names = []
    for part in value.split("|"):
        part = " ".join(part.split())
        if not part:
            continue
        first, _sep, last = part.rpartition(" ")
        names.append((first, last) if first else ("", last))
    return names


def parse_csv(data: bytes, categories: dict[str, str]) -> tuple[list[ImportRow], list[str]]:
    """The file's rows, each with its own errors; and problems of the whole file."""
    if len(data) > MAX_BYTES:
        return [], [_("The file is larger than 2 MB.")]
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return [], [_("The file is empty.")]
    columns, problems = _header_map(header, categories)
    if problems:
        return [], problems
    rows: list[ImportRow] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                return [], [_("At most %(n)d rows per file.") % {"n": MAX_ROWS}]
            rows.append(_row(reader.line_num, values, columns))
    except csv.Error as exc:
        return [], [_("The file is not a readable CSV file (%(e)s).") % {"e": exc}]
    if not rows:
        return [], [_("The file has no stays.")]
    seen: dict[str, int] = {}
    for row in rows:
        if row.reference and row.reference in seen:
            row.errors.append(
                _("Booking reference %(ref)s is also in line %(line)d.")
                % {"ref": row.reference, "line": seen[row.reference]}
            )
        seen.setdefault(row.reference, row.line)
    return rows, []


def _row(line: int, values: list[str], columns: dict[str, int]) -> ImportRow:
    row = ImportRow(line=line)

    def cell(name: str) -> str:
        index = columns.get(name)
        return values[index].strip() if index is not None and index < len(values) else ""

    row.reference = cell("reference")[:60]
    if not row.reference:
        row.errors.append(_("The booking reference is missing."))
    for name, label in (("arrival", _("arrival")), ("departure", _("departure"))):
        raw = cell(name)
        try:
            setattr(row, name, _date(raw))
        except ValueError:
            row.errors.append(
                _("The %(field)s %(value)s is not a date (31.12.2026 or 2026-12-31).")
                % {"field": label, "value": repr(raw)}
            )
    for name in columns:
        if not name.startswith("cat:"):
            continue
        raw = cell(name)
        if raw == "":
            continue
        if not raw.isdigit() or int(raw) > 999:
            row.errors.append(
                _("The number of guests %(value)s is not a whole number.") % {"value": repr(raw)}
            )
            continue
        if int(raw):
            row.counts[name[4:]] = int(raw)
    paid = cell("paid").lower()
    if paid in YES:
        row.paid = True
    elif paid not in NO:
        row.errors.append(_("Paid must be ja or nein, not %(value)s.") % {"value": repr(paid)})
    row.names = _names(cell("names"))
    return row
