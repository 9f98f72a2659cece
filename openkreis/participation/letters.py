"""Code letters (owner: P3): a municipality's resident list → one participation code per
resident, a PDF of letters and a CSV for mail merge (docs/participation.md "Code letters").

The resident list (CSV, `;` or `,`, UTF-8 or Windows-1252, German or English headers) is
read in memory and never stored: only the codes' hashes (ParticipationCode, inserted in a
shuffled order so the table's order says nothing about the list's) and the two generated
files (LetterBatch.pdf/csv in private media). The files hold the plain codes, so they go
after the first download plus a grace period, and after MAX_AGE at the latest
(`purge_files`, run daily by Celery beat).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import secrets
import threading
from dataclasses import dataclass, field
from urllib.parse import quote

from django import db
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from weasyprint import HTML

from openkreis.core import event_kinds, qr
from openkreis.core.models import Organisation, Region
from openkreis.core.services import current_tenant, record_event

from . import config, voting
from .models import LetterBatch, ParticipationCode, Survey

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_FIELD = 100  # characters of one address field (a window envelope has room for ~ 40)
GRACE = dt.timedelta(hours=24)  # the files stay this long after their first download
MAX_AGE = dt.timedelta(days=7)  # and never longer than this
DOWNLOADED_MARK = "downloaded-at"
MAKING_AT_MOST = dt.timedelta(hours=1)
logger = logging.getLogger(__name__)

COLUMNS = {
    "salutation": ("anrede", "salutation", "title", "titel"),
    "first_name": ("vorname", "vornamen", "first name", "firstname", "given name", "forename"),
    "last_name": (
        "nachname",
        "name",
        "familienname",
        "last name",
        "lastname",
        "surname",
        "family name",
    ),
    "street": ("straße", "strasse", "str.", "street", "adresse", "anschrift", "address"),
    "number": (
        "hausnummer",
        "hausnr",
        "hausnr.",
        "nr",
        "nr.",
        "house number",
        "housenumber",
        "number",
        "no.",
    ),
    "extra": ("adresszusatz", "zusatz", "c/o", "address line 2", "addition"),
    "postcode": ("plz", "postleitzahl", "postcode", "post code", "zip", "zip code", "postal code"),
    "town": ("ort", "wohnort", "stadt", "gemeinde", "town", "city", "place"),
}
REQUIRED = (("last_name", "Nachname"), ("street", "Straße"), ("postcode", "PLZ"), ("town", "Ort"))
POSTCODE = re.compile(r"^\d{5}$")
CSV_FIELDS = ["salutation", "first_name", "last_name", "street", "number", "extra", "postcode"]


class LetterError(Exception):
    """A user-facing reason why no letters were made."""


@dataclass
class Resident:
    line: int
    salutation: str = ""
    first_name: str = ""
    last_name: str = ""
    street: str = ""
    number: str = ""
    extra: str = ""
    postcode: str = ""
    town: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def name_line(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def street_line(self) -> str:
        return " ".join(p for p in (self.street, self.number) if p)

    @property
    def town_line(self) -> str:
        return f"{self.postcode} {self.town}".strip()

    def key(self) -> tuple:
        return tuple(
            getattr(self, n).casefold()
            for n in ("first_name", "last_name", "street", "number", "postcode")
        )


@dataclass
class ParsedList:
    rows: list[Resident] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the whole file cannot be read

    @property
    def valid(self) -> list[Resident]:
        return [r for r in self.rows if not r.errors]

    @property
    def invalid(self) -> list[Resident]:
        return [r for r in self.rows if r.errors]


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) or else Windows-1252 (German spreadsheet programs)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _header_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    aliases = {alias: name for name, names in COLUMNS.items() for alias in names}
    found: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = aliases.get(" ".join(raw.strip().lower().split()))
        if name is None:  # other columns of the register's export are ignored
            continue
        if name in found:
            return {}, [_("The column %(c)s appears twice.") % {"c": raw.strip()}]
        found[name] = index
    problems = [
        _("The column %(c)s is missing.") % {"c": label}
        for name, label in REQUIRED
        if name not in found
    ]
    return found, problems


def parse_residents(data: bytes) -> ParsedList:
    """The resident list's rows, each with its own errors (with the file's line number), and
    problems of the whole file (too large, no header, missing columns)."""
    result = ParsedList()
    if len(data) > MAX_BYTES:
        result.problems.append(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
        return result
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        result.problems.append(_("The file is empty."))
        return result
    columns, problems = _header_map(header)
    if problems:
        result.problems.extend(problems)
        return result
    seen: dict[tuple, int] = {}
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(result.rows) >= MAX_ROWS:
                result.rows = []
                result.problems.append(too_many())
                return result
            row = _row(reader.line_num, values, columns)
            if not row.errors:
                earlier = seen.setdefault(row.key(), row.line)
                if earlier != row.line:
                    row.errors.append(
                        _("The same person is also in line %(line)d.") % {"line": earlier}
                    )
            result.rows.append(row)
    except csv.Error as exc:
        result.rows = []
        result.problems.append(_("The file is not a readable CSV file (%(e)s).") % {"e": exc})
        return result
    if not result.rows:
        result.problems.append(_("The file has no residents."))
    return result


def _row(line: int, values: list[str], columns: dict[str, int]) -> Resident:
    row = Resident(line=line)

    def cell(name: str) -> str:
        index = columns.get(name)
        return " ".join(values[index].split()) if index is not None and index < len(values) else ""

    for name in COLUMNS:
        value = cell(name)
        if len(value) > MAX_FIELD:
            row.errors.append(
                _("%(field)s is longer than %(n)d characters.")
                % {"field": header_label(name), "n": MAX_FIELD}
            )
            value = value[:MAX_FIELD]
        setattr(row, name, value)
    for name, _label in REQUIRED:
        if not getattr(row, name):
            row.errors.append(_("%(field)s is missing.") % {"field": header_label(name)})
    if row.postcode and not POSTCODE.match(row.postcode):
        row.errors.append(
            _("The postcode %(value)s is not five digits.") % {"value": repr(row.postcode)}
        )
    return row


def too_many() -> str:
    return _("At most %(n)s residents per file.") % {
        "n": number_format(MAX_ROWS, force_grouping=True)
    }


def header_label(name: str) -> str:
    return {
        "salutation": _("Salutation"),
        "first_name": _("First name"),
        "last_name": _("Last name"),
        "street": _("Street"),
        "number": _("House number"),
        "extra": _("Address addition"),
        "postcode": _("Postcode"),
        "town": _("Town"),
    }[name]


def municipalities_for(survey: Survey):
    """The municipalities whose residents may get letters for `survey`: the survey's own
    municipality, or every municipality of the county."""
    if survey.region.kind == Region.Kind.MUNICIPALITY:
        return Region.objects.filter(pk=survey.region_id)
    return Region.objects.filter(kind=Region.Kind.MUNICIPALITY).order_by("name")


def check_survey(survey: Survey) -> None:
    """Letters only for a survey by code whose codes are not sealed away yet."""
    if survey.audience != Survey.Audience.CODES:
        raise LetterError(_("This survey is not answered with codes by letter."))
    if survey.status == Survey.Status.ARCHIVED or survey.sealed_at:
        raise LetterError(_("This survey is closed: no new codes can be made."))
    if survey.closes_at and survey.closes_at <= timezone.now():
        raise LetterError(_("This survey is closed: no new codes can be made."))


def survey_url(base: str, survey: Survey, code: str = "") -> str:
    """The survey's page (German, no language prefix), with the code when given."""
    url = f"{base.rstrip('/')}/beteiligung/umfragen/{quote(survey.key)}/"
    return f"{url}?code={quote(code)}" if code else url


def sender(survey: Survey) -> dict:
    """Who sends the letters: the county's sender from participation.yaml (config.py) for the
    county's surveys; a municipality's administration for its own surveys (its name and the
    survey's unit); without either, the unit's authority or the county's name."""
    unit = survey.unit
    organisation = getattr(unit, "organisation", None)
    municipal = organisation is not None and organisation.kind in (
        Organisation.Kind.MUNICIPAL_ADMINISTRATION,
        Organisation.Kind.VERBANDSGEMEINDE_ADMINISTRATION,
    )
    configured = config.settings_for_tenant().letter_sender
    if configured.name and not municipal:
        return {
            "name": configured.name,
            "unit": configured.unit,
            "address": list(configured.address),
            "contact": configured.contact,
            "signature": configured.signature,
        }
    tenant = current_tenant()
    name = organisation.name if organisation else (tenant.name if tenant else survey.region.name)
    return {
        "name": name,
        "unit": unit.name if unit else "",
        "address": [],
        "contact": "",
        "signature": "",
    }


def qr_data_uri(url: str) -> str:
    """A letter's QR code: correction level M leaves room for the address with its code."""
    return qr.qr_data_uri(url, error="m")


def render_pdf(survey: Survey, letters: list[tuple[Resident, str]], base: str) -> bytes:
    """The letters (one A4 page each, DIN 5008 form B with the window address field)."""
    with translation.override("de"):
        html = render_to_string(
            "participation/letters/letters.html",
            {
                "survey": survey,
                "sender": sender(survey),
                "start_url": survey_url(base, survey),
                "host": base.split("://", 1)[-1].rstrip("/"),
                "today": timezone.localdate(),
                "letters": [
                    {
                        "r": resident,
                        "code": code,
                        "qr": qr_data_uri(survey_url(base, survey, code)),
                    }
                    for resident, code in letters
                ],
            },
        )
        return HTML(string=html, base_url=base).write_pdf()


def _safe(value: str) -> str:
    """A spreadsheet must not read a cell as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def render_csv(survey: Survey, letters: list[tuple[Resident, str]], base: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        ["Anrede", "Vorname", "Nachname", "Straße", "Hausnummer", "Adresszusatz", "PLZ", "Ort"]
        + ["Code", "Link"]
    )
    for resident, code in letters:
        writer.writerow(
            [_safe(getattr(resident, name)) for name in CSV_FIELDS]
            + [_safe(resident.town), code, survey_url(base, survey, code)]
        )
    return out.getvalue().encode("utf-8-sig")  # the BOM: spreadsheets read it as UTF-8


def create_batch(
    survey: Survey, municipality: Region, residents: list[Resident], *, user, base: str
) -> LetterBatch:
    """One code per resident (only its hash is stored, in a shuffled order), the letters as
    PDF and the mail-merge CSV (private media). Raises LetterError."""
    check_survey(survey)
    if not residents:
        raise LetterError(_("The list has no residents without errors."))
    if len(residents) > MAX_ROWS:
        raise LetterError(too_many())
    if not municipalities_for(survey).filter(pk=municipality.pk).exists():
        raise LetterError(_("Please choose a municipality of this survey."))
    codes: list[str] = []
    hashes: set[str] = set()
    while len(codes) < len(residents):  # 60 bits: a collision is only theoretical
        code = voting.new_code()
        digest = voting.code_hash(code)
        if digest not in hashes:
            hashes.add(digest)
            codes.append(code)
    letters = list(zip(residents, codes, strict=True))
    # the code table's order must not follow the list: insert in a random order
    order = list(range(len(codes)))
    secrets.SystemRandom().shuffle(order)
    with transaction.atomic():
        batch = LetterBatch.objects.create(
            survey=survey, municipality=municipality, size=len(codes), created_by=user
        )
        ParticipationCode.objects.bulk_create(
            [
                ParticipationCode(
                    survey=survey,
                    batch=batch,
                    municipality=municipality,
                    code_hash=voting.code_hash(codes[i]),
                )
                for i in order
            ],
            batch_size=2000,
        )
        record_event(
            event_kinds.PARTICIPATION_LETTERS_CREATED,
            subject=f"survey:{survey.key}",
            data={"survey": survey.key, "municipality": municipality.ars, "letters": len(codes)},
        )
    # the PDF takes about 0.1 s a page: in a thread of its own, so that the request answers
    # at once (the plain codes live only in its memory until the files are written);
    # PARTICIPATION_LETTERS_THREAD = False keeps it in the request (the tests)
    if getattr(settings, "PARTICIPATION_LETTERS_THREAD", True):
        threading.Thread(
            target=_files_in_thread,
            args=(batch, letters, base),
            name=f"participation-letters-{batch.pk}",
            daemon=True,
        ).start()
    else:
        write_files(batch, letters, base)
    return batch


def write_files(batch: LetterBatch, letters: list[tuple[Resident, str]], base: str) -> None:
    """The batch's PDF and mail-merge CSV (private media)."""
    pdf = render_pdf(batch.survey, letters, base)
    mail_merge = render_csv(batch.survey, letters, base)
    batch.pdf.save("briefe.pdf", ContentFile(pdf), save=False)
    batch.csv.save("serienbrief.csv", ContentFile(mail_merge), save=False)
    batch.save(update_fields=["pdf", "csv"])


def _files_in_thread(batch: LetterBatch, letters, base: str) -> None:
    try:
        write_files(batch, letters, base)
    except Exception:  # a thread has no one to report to but the log (the page says "failed")
        logger.exception("participation letters %s failed", batch.pk)
    finally:
        db.connections.close_all()


def state(batch: LetterBatch, now: dt.datetime | None = None) -> str:
    """ready, deleted, making (the thread is writing the files) or failed (no files an hour
    after the codes were made: the codes stay unused; make new letters)."""
    if batch.files_deleted_at:
        return "deleted"
    if batch.pdf:
        return "ready"
    if (now or timezone.now()) - batch.created_at > MAKING_AT_MOST:
        return "failed"
    return "making"


def _mark_name(batch: LetterBatch) -> str:
    return batch.pdf.name.rsplit("/", 1)[0] + "/" + DOWNLOADED_MARK


def downloaded_at(batch: LetterBatch) -> dt.datetime | None:
    """When a file of the batch was first downloaded (a small mark next to the PDF)."""
    if not batch.pdf:
        return None
    name = _mark_name(batch)
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as fh:
        return dt.datetime.fromisoformat(fh.read().decode())


def note_download(batch: LetterBatch, now: dt.datetime | None = None) -> None:
    if batch.pdf and downloaded_at(batch) is None:
        stamp = (now or timezone.now()).isoformat()
        default_storage.save(_mark_name(batch), ContentFile(stamp.encode()))


def deletes_at(batch: LetterBatch) -> dt.datetime:
    """When purge_files removes the batch's files."""
    latest = batch.created_at + MAX_AGE
    first = downloaded_at(batch)
    return min(latest, first + GRACE) if first else latest


def purge_files(now: dt.datetime | None = None) -> int:
    """Delete the letters' files (they hold plain codes) GRACE after their first download,
    MAX_AGE after they were made at the latest. Returns how many batches were emptied."""
    now = now or timezone.now()
    done = 0
    for batch in LetterBatch.objects.filter(files_deleted_at__isnull=True).exclude(pdf=""):
        if deletes_at(batch) > now:
            continue
        mark = _mark_name(batch)
        for file in (batch.pdf, batch.csv):
            if file:
                file.delete(save=False)
        if default_storage.exists(mark):
            default_storage.delete(mark)
        batch.files_deleted_at = now
        batch.save(update_fields=["pdf", "csv", "files_deleted_at"])
        done += 1
    return done
