"""EfA lists as CSV (FIT-Store or OZG-Dashboard exports, or a list the state sends): upload,
map the columns, import, report.

Files as people have them: ";" or "," or tab as delimiter, UTF-8 (with or without BOM) or
Windows-1252 (Excel on a German Windows), column names in German or English (recognised for
the first guess of the mapping; the person can change it). Every row is checked first; a row
with a problem is rejected with its line and reason and writes nothing; the good rows are
then written together in one transaction, so an import never stops half way. The service of
a row is found by its slug, its LeiKa key or its exact name."""

from __future__ import annotations

import csv
import io
import re

from django.db import transaction
from django.utils.translation import gettext as _

from openkreis.catalog.models import Service
from openkreis.core import event_kinds
from openkreis.core.services import record_event

from .models import EfaImport, EfaOffer

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_REPORTED = 200
FIELDS = ("service", "name", "state", "platform", "conditions", "status", "url")
REQUIRED = ("service", "name", "state", "status")
LIMITS = {"name": 200, "state": 80, "platform": 120, "conditions": 2000, "url": 200}
HEADERS = {
    "service": ("leistung", "service", "leika", "leikaschluessel", "leistungsschluessel", "slug"),
    "name": ("name", "onlinedienst", "onlineservice", "efaleistung", "angebot", "titel"),
    "state": ("land", "bundesland", "state", "anbieter", "bereitstellendesland", "provider"),
    "platform": ("plattform", "platform", "portal"),
    "conditions": ("bedingungen", "kosten", "konditionen", "conditions", "costs"),
    "status": ("status", "stand", "verfuegbarkeit"),
    "url": ("link", "url", "webseite", "adresse"),
}
STATUS_WORDS = {
    "available": "available", "verfuegbar": "available", "verfügbar": "available",
    "live": "available", "online": "available", "pilot": "pilot", "pilotierung": "pilot",
    "planned": "planned", "geplant": "planned", "inplanung": "planned",
}  # fmt: skip


class ImportFileError(ValueError):
    """The file as a whole cannot be read."""


def decode(data: bytes) -> str:
    """The file's text: UTF-16 with BOM (Excel's "Unicode text"), UTF-8 (BOM or not), else
    Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportFileError(_("The file could not be read as CSV.")) from exc
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("This is not a CSV file. Save the list as CSV."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _key(text: str) -> str:
    text = text.strip().lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    return re.sub(r"[\s\-_./()]", "", text)


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _rows(text: str, delimiter: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportFileError(_("The file could not be read as CSV.")) from exc


def receive(user, filename: str, data: bytes) -> EfaImport:
    """Keep an uploaded file for the mapping step (nothing is imported yet)."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 2 MB."))
    text = decode(data)
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    delimiter = _delimiter(text.split("\n", 1)[0])
    rows = _rows(text, delimiter)
    header = [cell.strip() for cell in rows[0]] if rows else []
    if not any(header):
        raise ImportFileError(_("The first line must name the columns."))
    if len(rows) - 1 > MAX_ROWS:
        raise ImportFileError(_("The file has more than 5000 rows."))
    return EfaImport.objects.create(
        created_by=user,
        filename=(filename or "")[:200],
        text=text,
        delimiter=delimiter,
        columns=header,
        mapping=guess_mapping(header),
    )


def guess_mapping(header: list[str]) -> dict[str, int]:
    """field → column index for the columns whose names are known (else the field is left
    out)."""
    names = {name: field for field, names in HEADERS.items() for name in names}
    mapping: dict[str, int] = {}
    for index, cell in enumerate(header):
        field = names.get(_key(cell))
        if field and field not in mapping:
            mapping[field] = index
    return mapping


def _find_service(services: dict, value: str) -> Service | None:
    value = value.strip()
    return (
        services["slug"].get(value)
        or services["leika"].get(value)
        or services["name"].get(value.casefold())
    )


def check_mapping(mapping: dict[str, int], columns: list[str]) -> list[str]:
    """Problems with a mapping (a required field unmapped, a column used twice)."""
    problems = []
    for field in REQUIRED:
        if field not in mapping:
            problems.append(field)
    used = [i for i in mapping.values()]
    if len(used) != len(set(used)) or any(not 0 <= i < len(columns) for i in used):
        problems.append("columns")
    return problems


def run(imp: EfaImport, tenant, mapping: dict[str, int]) -> dict:
    """Check every row, then write the good ones in one transaction; the report lists the
    counts and each rejected row with its line and reason. Event `radar.imported`."""
    if imp.status == EfaImport.Status.DONE:
        return imp.report
    rows = _rows(imp.text, imp.delimiter)[1:]
    qs = Service.objects.filter(tenant=tenant)
    services = {
        "slug": {s.slug: s for s in qs},
        "leika": {s.leika_key: s for s in qs if s.leika_key},
        "name": {s.name.casefold(): s for s in qs},
    }
    existing = {
        (o.service_id, o.name.casefold(), o.providing_state.casefold()): o
        for o in EfaOffer.objects.filter(service__tenant=tenant)
    }
    good: list[tuple[int, dict]] = []
    rejected: list[dict] = []
    seen: set[tuple] = set()
    for line, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        values = {f: (cells[i].strip() if i < len(cells) else "") for f, i in mapping.items()}
        reason = None
        service = None
        for f in REQUIRED:
            if not values.get(f):
                reason = _("The field %(field)s is empty.") % {"field": f}
                break
        if reason is None:
            service = _find_service(services, values["service"])
            if service is None:
                reason = _("No service of the catalogue has this key or name: %(value)s") % {
                    "value": values["service"][:80]
                }
        if reason is None:
            status = STATUS_WORDS.get(_key(values["status"]))
            if status is None:
                reason = _("Unknown status %(value)s (available, pilot or planned).") % {
                    "value": values["status"][:40]
                }
            else:
                values["status"] = status
        if reason is None:
            for f, limit in LIMITS.items():
                if len(values.get(f, "")) > limit:
                    reason = _("The field %(field)s is longer than %(n)s characters.") % {
                        "field": f,
                        "n": limit,
                    }
                    break
        url = values.get("url", "")
        if reason is None and url and not re.match(r"^https?://[^\s]+$", url):
            reason = _("The link must start with https:// or http://.")
        if reason is None:
            key = (service.pk, values["name"].casefold(), values["state"].casefold())
            if key in seen:
                reason = _("The same offer appears twice in the file.")
            else:
                seen.add(key)
        if reason is not None:
            rejected.append({"line": line, "reason": reason})
            continue
        good.append((line, {**values, "service_obj": service}))
    created = updated = unchanged = 0
    with transaction.atomic():
        for _line, v in good:
            service = v["service_obj"]
            key = (service.pk, v["name"].casefold(), v["state"].casefold())
            fields = {
                "platform": v.get("platform", ""),
                "conditions": v.get("conditions", ""),
                "status": v["status"],
                "url": v.get("url", ""),
            }
            offer = existing.get(key)
            if offer is None:
                EfaOffer.objects.create(
                    service=service,
                    name=v["name"],
                    providing_state=v["state"],
                    source="import",
                    **fields,
                )
                created += 1
            elif any(getattr(offer, f) != value for f, value in fields.items()):
                for f, value in fields.items():
                    setattr(offer, f, value)
                offer.save()
                updated += 1
            else:
                unchanged += 1
        report = {
            "rows": len(good) + len(rejected),
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
            "rejected_count": len(rejected),
            "rejected": rejected[:MAX_REPORTED],
        }
        imp.mapping = mapping
        imp.report = report
        imp.status = EfaImport.Status.DONE
        imp.text = ""  # the offers are in the database now; the file is not kept
        imp.save()
        record_event(
            event_kinds.RADAR_IMPORTED,
            data={
                "import": imp.pk,
                "created": created,
                "updated": updated,
                "rejected": len(rejected),
            },
        )
    return report
