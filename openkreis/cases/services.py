"""The eAkte's public functions: the only way other apps (intake, forms, accounts) and the
staff views change cases. Every change runs in one transaction, checks the workflow and the
actor's right, writes the history, the audit trail and the cockpit event (docs/events.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from openkreis.catalog import services as catalog
from openkreis.catalog.models import Competence, Service
from openkreis.core import services as core
from openkreis.core import staff
from openkreis.core.loader import LoadReport, TenantDataError, read_yaml
from openkreis.core.models import OrgUnit, Region

from . import workflow
from .models import (
    AuditEntry,
    Case,
    CaseStatus,
    Document,
    DocumentRequest,
    DocumentVersion,
    FileNumberCounter,
    FilePlanItem,
    Procedure,
)

Role = staff.Role
WORKING_ROLES = (Role.CASEWORKER, Role.TEAM_LEAD)
ALL_CASE_ROLES = (Role.CASEWORKER, Role.TEAM_LEAD, Role.MAIL_ROOM, Role.FRONT_DESK)
OUTCOMES = ("granted", "partly", "refused", "withdrawn")
GENESIS = "0" * 64


class CaseError(Exception):
    """A change that is not allowed; the message is for the user (already translated)."""


class UploadRejected(Exception):
    """An upload that is refused; the message says why, in the user's language."""


@dataclass
class Applicant:
    name: str
    email: str = ""
    phone: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    date_of_birth: dt.date | None = None
    user: Any = None

    @classmethod
    def from_dict(cls, data: dict, user=None) -> Applicant:
        """From the keys the forms app uses (first_name, last_name, birth_date, …)."""
        name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        birth = data.get("date_of_birth") or data.get("birth_date") or None
        if isinstance(birth, str):
            try:
                birth = dt.date.fromisoformat(birth)
            except ValueError:
                birth = None
        return cls(
            name=(name or "").strip(),
            email=data.get("email", "") or "",
            phone=data.get("phone", "") or "",
            street=data.get("street", "") or "",
            postcode=data.get("postcode", "") or "",
            city=data.get("city", "") or "",
            date_of_birth=birth,
            user=user,
        )

    @property
    def address(self) -> str:
        town = " ".join(p for p in (self.postcode, self.city) if p)
        return ", ".join(p for p in (self.street, town) if p)


@dataclass
class ValidatedFile:
    name: str
    data: bytes
    mime: str
    sha256: str
    size: int
    doc_type: str = ""
    extra: dict = field(default_factory=dict)


# -- upload validation ----------------------------------------------------------------------
SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
]
MAX_PIXELS = 60_000_000  # an A3 page at 600 dpi is ~70 MP; a bomb is far more


def sniff_mime(data: bytes) -> str | None:
    head = data[:1024]
    for magic, mime in SIGNATURES:
        if head.startswith(magic) or (mime == "application/pdf" and magic in head):
            return mime
    return None


def _pdf_has_active_content(reader) -> bool:
    root = reader.trailer["/Root"]
    if "/OpenAction" in root or "/AA" in root:
        return True
    names = root.get("/Names")
    if names is not None and ("/JavaScript" in names.get_object() or "/EmbeddedFiles" in names):
        return True
    for page in reader.pages:
        if "/AA" in page:
            return True
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and action.get_object().get("/S") in ("/JavaScript", "/Launch"):
                return True
    return False


def validate_upload(name: str, data: bytes) -> ValidatedFile:
    """Check a file by its content (not its name) and return it with type and checksum.

    Accepts PDF, PNG, JPEG and TIFF. Refuses empty and oversized files, anything else
    (renamed programs, archives, office files), PDFs that are broken or carry JavaScript,
    launch actions or embedded files, and images that would decompress to absurd sizes.
    """
    limit = getattr(settings, "OPENKREIS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
    if not data:
        raise UploadRejected(_("The file %(name)s is empty.") % {"name": name})
    if len(data) > limit:
        from django.template.defaultfilters import filesizeformat

        raise UploadRejected(
            _("The file %(name)s is larger than %(limit)s.")
            % {"name": name, "limit": filesizeformat(limit)}
        )
    mime = sniff_mime(data)
    if mime is None:
        raise UploadRejected(
            _("The file %(name)s is not a PDF, PNG, JPEG or TIFF file. Please upload a scan.")
            % {"name": name}
        )
    if mime == "application/pdf":
        _check_pdf(name, data)
    else:
        _check_image(name, data)
    return ValidatedFile(
        name=Path(name).name[:200] or "dokument",
        data=data,
        mime=mime,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )


def _check_pdf(name: str, data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise UploadRejected(
                _("The PDF %(name)s is password-protected. Please upload it without a password.")
                % {"name": name}
            )
        if len(reader.pages) == 0:
            raise PdfReadError("no pages")
        active = _pdf_has_active_content(reader)
    except UploadRejected:
        raise
    except Exception as exc:  # pypdf raises many kinds for damaged files
        raise UploadRejected(
            _("The PDF %(name)s is damaged and cannot be read.") % {"name": name}
        ) from exc
    if active:
        raise UploadRejected(
            _("The PDF %(name)s contains scripts or actions. Please print it to a plain PDF.")
            % {"name": name}
        )


def _check_image(name: str, data: bytes) -> None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise UploadRejected(
                    _("The image %(name)s is too large (too many pixels).") % {"name": name}
                )
            image.verify()
    except UploadRejected:
        raise
    except Exception as exc:  # Pillow: damaged data, decompression bombs
        raise UploadRejected(
            _("The image %(name)s is damaged and cannot be read.") % {"name": name}
        ) from exc


def _as_validated(item: Any) -> ValidatedFile:
    """Accept a ValidatedFile, a (name, bytes) pair or a dict with name/content."""
    if isinstance(item, ValidatedFile):
        return item
    if isinstance(item, tuple):
        name, data = item[-2], item[-1]
        return validate_upload(name, data)
    content = item["content"]
    if hasattr(content, "open"):
        content.open("rb")
    if hasattr(content, "seek"):
        content.seek(0)
    data = content.read() if hasattr(content, "read") else bytes(content)
    validated = validate_upload(item["name"], data)
    validated.doc_type = item.get("document_type", "") or ""
    return validated


# -- configuration (file plan, procedures) --------------------------------------------------
def load_configuration(folder: Path) -> LoadReport:
    """Load tenants/<slug>/cases/: the file plan and the procedures. Idempotent."""
    report = LoadReport()
    base = folder / "cases"
    if not base.is_dir():
        return report
    plan = read_yaml(base / "file_plan.yaml") or {}
    for item in plan.get("items", []):
        obj, created = FilePlanItem.objects.update_or_create(
            code=item["code"],
            defaults={
                "title": item["title"],
                "retention_years": item.get("retention_years", 10),
                "is_default": bool(item.get("default")),
            },
        )
        report.created += created
        obj.services.set(Service.objects.filter(slug__in=item.get("services", [])))
    for path in sorted((base / "procedures").glob("*.yaml")):
        definition = read_yaml(path)
        try:
            workflow.check_definition(definition, path.name)
        except workflow.WorkflowError as exc:
            raise TenantDataError(str(exc)) from exc
        proc, created = Procedure.objects.update_or_create(
            key=definition["key"], defaults={"name": definition["name"], "definition": definition}
        )
        report.created += created
        proc.services.set(Service.objects.filter(slug__in=definition.get("services", [])))
    return report


def procedure_for(service: Service) -> Procedure:
    return service.procedures.first() or Procedure.objects.get(key="generic")


def plan_item_for(service: Service) -> FilePlanItem:
    return service.file_plan_items.first() or FilePlanItem.objects.get(is_default=True)


def next_file_number(plan_item: FilePlanItem, year: int) -> str:
    """The next gap-free file number for the plan item and year (call inside a transaction)."""
    FileNumberCounter.objects.get_or_create(plan_item=plan_item, year=year)
    counter = FileNumberCounter.objects.select_for_update().get(plan_item=plan_item, year=year)
    FileNumberCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"{plan_item.code}-{year}-{counter.last:06d}"


# -- audit trail ----------------------------------------------------------------------------
def _entry_hash(prev_hash: str, at: dt.datetime, actor: str, action: str, ref: str, detail) -> str:
    payload = json.dumps(
        [prev_hash, at.isoformat(), actor, action, ref, detail], sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def audit(action: str, *, actor=None, case: Case | None = None, detail: dict | None = None):
    """Append one entry to the hash-chained audit trail (retries if another writer won)."""
    name = getattr(actor, "username", "") or ("system" if actor is None else str(actor))
    ref = case.file_number if case is not None else ""
    detail = detail or {}
    for _attempt in range(5):
        last = AuditEntry.objects.order_by("-id").first()
        prev = last.hash if last else GENESIS
        at = timezone.now()
        try:
            with transaction.atomic():
                return AuditEntry.objects.create(
                    at=at,
                    actor=name,
                    action=action,
                    case_ref=ref,
                    detail=detail,
                    prev_hash=prev,
                    hash=_entry_hash(prev, at, name, action, ref, detail),
                )
        except IntegrityError:
            continue
    raise CaseError(_("The audit trail is busy. Please try again."))


def verify_audit_chain(*, from_checkpoint: bool = False) -> tuple[int, AuditEntry | None]:
    """(entries checked, first broken entry or None). With `from_checkpoint`, only the
    entries after the last checkpoint are walked, after making sure the checkpoint's entry
    still carries the hash it had; a whole walk that finds the chain intact, and every
    intact partial one, moves the checkpoint to the last entry."""
    from .models import AuditCheckpoint

    prev, count, after = GENESIS, 0, 0
    point = AuditCheckpoint.objects.order_by("-id").first() if from_checkpoint else None
    if point is not None:
        anchor = AuditEntry.objects.filter(pk=point.entry_id).first()
        if anchor is None or anchor.hash != point.hash:
            AuditCheckpoint.objects.all().delete()
            return verify_audit_chain()  # the whole walk names the first broken entry
        prev, count, after = point.hash, point.count, point.entry_id
    last = None
    for entry in AuditEntry.objects.filter(pk__gt=after).order_by("id").iterator(2000):
        expected = _entry_hash(
            prev, entry.at, entry.actor, entry.action, entry.case_ref, entry.detail
        )
        if entry.prev_hash != prev or entry.hash != expected:
            AuditCheckpoint.objects.all().delete()  # from now on every check starts at 1
            return count, entry
        prev = entry.hash
        count += 1
        last = entry
    if last is not None:
        AuditCheckpoint.objects.all().delete()
        AuditCheckpoint.objects.create(
            entry_id=last.pk, hash=last.hash, count=count, checked_at=timezone.now()
        )
    return count, None


AUDIT_STATUS_CACHE_SECONDS = 60


def audit_chain_status(*, fresh: bool = False) -> dict:
    """The result of `verify_audit_chain` for the auditor's page: entries checked, the first
    broken entry (id and what it says) or None, and when it was checked. The walk over the
    chain since the last intact checkpoint is cached for a minute; `fresh` (the auditor's
    "check now") walks the whole chain from its first entry."""
    from django.core.cache import cache

    key = "cases:audit-chain-status"
    status = None if fresh else cache.get(key)
    if status is None:
        count, broken = verify_audit_chain(from_checkpoint=not fresh)
        status = {
            "checked": count,
            "intact": broken is None,
            "broken_id": broken.pk if broken else None,
            "broken": str(broken) if broken else "",
            "at": timezone.now(),
            "whole": fresh,
        }
        cache.set(key, status, AUDIT_STATUS_CACHE_SECONDS)
    return status


def audit_trail(
    *,
    case_ref: str = "",
    actor: str = "",
    action: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """The audit trail for auditors, newest first, filtered by file number (exact or its
    beginning), actor (user name), action (exact or a prefix such as `case.`) and period
    (dates inclusive, in local time)."""
    qs = AuditEntry.objects.order_by("-id")
    if case_ref:
        qs = qs.filter(case_ref__startswith=case_ref.strip())
    if actor:
        qs = qs.filter(actor=actor.strip())
    if action:
        action = action.strip()
        qs = (
            qs.filter(action__startswith=action)
            if action.endswith(".")
            else qs.filter(action=action)
        )
    zone = timezone.get_current_timezone()
    if since:
        qs = qs.filter(at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=zone))
    if until:
        qs = qs.filter(
            at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        )
    return qs


def audit_actions() -> list[str]:
    """The actions that occur in the trail (for the auditor's filter)."""
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())


# -- events ---------------------------------------------------------------------------------
def _event(case: Case, activity: str, at: dt.datetime, **extra) -> None:
    info = workflow.state_info(case.procedure.definition, case.state)
    core.record_event(
        f"case.{activity}",
        subject=case.subject,
        occurred_at=at,
        data={
            "activity": activity,
            "service": case.service.slug,
            "procedure": case.procedure.key,
            "org_unit": case.org_unit.key,
            "channel": case.channel,
            "state": case.state,
            "state_kind": info["kind"],
            **extra,
        },
    )


def _history(case, activity, from_state, at, actor, note="") -> None:
    CaseStatus.objects.create(
        case=case,
        at=at,
        activity=activity,
        from_state=from_state,
        state=case.state,
        org_unit=case.org_unit,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note,
    )


# -- opening cases --------------------------------------------------------------------------
def _competent_unit(service: Service, region: Region | None) -> OrgUnit:
    if region is not None:
        answer = catalog.resolve_competence(service, region)
        if answer is not None:
            return answer.org_unit
    row = Competence.objects.filter(service=service).select_related("org_unit").first()
    if row is None:
        raise CaseError(_("No office is responsible for this service."))
    return row.org_unit


def _region_for(applicant: Applicant) -> Region | None:
    if applicant.postcode:
        regions = core.regions_for_postcode(applicant.postcode)
        if len(regions) == 1:
            return regions[0]
    return None


def open_case(
    *,
    service: Service,
    channel: str,
    applicant: Applicant | dict,
    region: Region | None = None,
    org_unit: OrgUnit | None = None,
    data: dict | None = None,
    documents=(),
    actor=None,
    received_at: dt.datetime | None = None,
    idempotency_key: str | None = None,
    complete: bool | None = None,
) -> Case:
    """Create a case with its documents: file number, competent unit, procedure, target
    date, retention; writes `case.received`. All documents are validated first, so a bad
    file stores nothing."""
    if channel not in Case.Channel.values:
        raise CaseError(_("Unknown channel."))
    if isinstance(applicant, dict):
        applicant = Applicant.from_dict(applicant)
    if not applicant.name:
        raise CaseError(_("The applicant's name is missing."))
    files = [_as_validated(item) for item in documents]
    at = received_at or timezone.now()
    with transaction.atomic():
        region = region or _region_for(applicant)
        unit = org_unit or _competent_unit(service, region)
        procedure = procedure_for(service)
        plan_item = plan_item_for(service)
        definition = procedure.definition
        target = (
            at + dt.timedelta(days=service.processing_days) if service.processing_days else None
        )
        case = Case.objects.create(
            file_number=next_file_number(plan_item, timezone.localtime(at).year),
            service=service,
            procedure=procedure,
            plan_item=plan_item,
            org_unit=unit,
            region=region,
            channel=channel,
            state=definition["initial"],
            state_kind=workflow.state_info(definition, definition["initial"])["kind"],
            received_at=at,
            target_at=target,
            applicant_user=applicant.user,
            applicant_name=applicant.name[:200],
            applicant_email=applicant.email,
            applicant_phone=applicant.phone,
            applicant_address=applicant.address[:300],
            applicant_birth_date=applicant.date_of_birth,
            data=data or {},
            idempotency_key=idempotency_key,
        )
        _history(case, "received", "", at, actor)
        for item in files:
            _store_document(case, item, channel=channel, sender=applicant.name, at=at)
        _event(
            case,
            "received",
            at,
            target_at=target.isoformat() if target else None,
            complete=bool(files) if complete is None else complete,
        )
        audit("case.opened", actor=actor, case=case, detail={"channel": channel})
    return case


def _store_document(case, item: ValidatedFile, *, channel, sender="", at=None, doc_type=""):
    document = Document.objects.create(
        case=case,
        title=item.name,
        doc_type=doc_type or item.doc_type,
        channel=channel,
        sender=sender[:200],
        received_at=at or timezone.now(),
    )
    return _add_version(document, item)


def _add_version(document: Document, item: ValidatedFile, text: str = "") -> DocumentVersion:
    number = (
        document.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    version = DocumentVersion(
        document=document,
        number=number,
        filename=item.name,
        mime=item.mime,
        size=item.size,
        sha256=item.sha256,
        text=text or _pdf_text(item),
        text_source="pdf" if item.mime == "application/pdf" else "",
    )
    version.file.save(item.name, ContentFile(item.data), save=False)
    version.save()
    return version


def _pdf_text(item: ValidatedFile) -> str:
    if item.mime != "application/pdf":
        return ""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(item.data))
        return "\n".join((page.extract_text() or "") for page in reader.pages[:50])[:200_000]
    except Exception:  # a text layer is a bonus; the file itself was validated
        return ""


def attach_document(
    case: Case,
    file: ValidatedFile,
    *,
    channel: str,
    doc_type: str = "",
    sender: str = "",
    actor=None,
    text: str = "",
    document: Document | None = None,
) -> Document:
    """File a document in the case (or a new version of `document`); logged in the audit."""
    file = _as_validated(file)
    with transaction.atomic():
        if document is not None:
            if document.case_id != case.pk:
                raise CaseError(_("The document belongs to another case."))
            _add_version(document, file, text=text)
        else:
            version = _store_document(case, file, channel=channel, sender=sender, doc_type=doc_type)
            if text:
                version.text = text
                version.save(update_fields=["text"])
            document = version.document
        audit("document.attached", actor=actor, case=case, detail={"sha256": file.sha256})
    return document


def set_document_text(version: DocumentVersion, text: str, *, source: str = "ocr") -> None:
    """Store the full text of a version (from OCR or a PDF text layer) for the search."""
    DocumentVersion.objects.filter(pk=version.pk).update(text=text[:500_000], text_source=source)


# -- workflow -------------------------------------------------------------------------------
def roles_in_unit(user, unit: OrgUnit) -> set[str]:
    """The roles `user` holds for `unit` (memberships in the unit or one above it)."""
    if user is None:
        return set()
    roles = set()
    for role in ALL_CASE_ROLES + (Role.AUDITOR,):
        if unit.pk in staff.unit_ids_for(user, [role]):
            roles.add(role)
    return roles


def transition(case: Case, name: str, *, actor, note: str = "", **extra) -> Case:
    """Take the workflow step `name` if the procedure allows it now and `actor` may."""
    with transaction.atomic():
        case = (
            Case.objects.select_for_update().select_related("procedure", "org_unit").get(pk=case.pk)
        )
        definition = case.procedure.definition
        try:
            step = workflow.find(definition, name, case.state)
        except workflow.WorkflowError as exc:
            raise CaseError(_("This step is not possible now.")) from exc
        if step.roles and not roles_in_unit(actor, case.org_unit).intersection(step.roles):
            raise CaseError(_("You may not take this step."))
        at = extra.pop("at", None) or timezone.now()
        from_state = case.state
        case.state = step.target
        case.state_kind = workflow.state_info(definition, step.target)["kind"]
        if name == "claim" and actor is not None and getattr(actor, "pk", None):
            case.assignee = actor
        if name == "decide":
            case.decided_at = at
            case.outcome = extra.get("outcome", "")
            years = case.plan_item.retention_years
            case.retain_until = (timezone.localtime(at) + dt.timedelta(days=365 * years)).date()
        if name == "reopen":
            case.decided_at, case.outcome = None, ""
        case.save()
        _history(
            case,
            step.activity if step.activity != "transition" else name,
            from_state,
            at,
            actor,
            note,
        )
        event_extra = dict(extra)
        if step.activity == "transition":
            event_extra.update(from_state=from_state, step=name)
        _event(case, step.activity, at, **event_extra)
        audit(f"case.{name}", actor=actor, case=case, detail={"from": from_state, "to": case.state})
    return case


def assign(case: Case, assignee, *, actor) -> Case:
    """A team lead gives the case to a caseworker of the unit."""
    if Role.TEAM_LEAD not in roles_in_unit(actor, case.org_unit):
        raise CaseError(_("Only a team lead may assign cases."))
    if not roles_in_unit(assignee, case.org_unit).intersection(WORKING_ROLES):
        raise CaseError(_("This person does not work in the case's unit."))
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(assignee=assignee)
        case.refresh_from_db()
        _history(case, "assigned", case.state, timezone.now(), actor, note=assignee.username)
        _event(case, "assigned", timezone.now())
        audit("case.assign", actor=actor, case=case, detail={"to": assignee.username})
    return case


def _unit_and_ancestors(unit: OrgUnit) -> set[int]:
    ids, node = set(), unit
    while node is not None and node.pk not in ids:
        ids.add(node.pk)
        node = node.parent
    return ids


def assignable_staff(lead, case: Case | None = None):
    """The caseworkers (and leads) a team lead may give cases to: members with a working role
    in the lead's units — for one `case`, only those who work in the case's unit."""
    from django.contrib.auth import get_user_model

    from openkreis.core.models import StaffMembership

    units = staff.unit_ids_for(lead, [Role.TEAM_LEAD])
    if case is not None:
        if case.org_unit_id not in units:
            return get_user_model().objects.none()
        units = units & _unit_and_ancestors(case.org_unit)
    members = StaffMembership.objects.filter(org_unit_id__in=units, role__in=WORKING_ROLES).values(
        "user_id"
    )
    return get_user_model().objects.filter(pk__in=members).order_by("last_name", "username")


def assign_many(case_ids, assignee, *, actor) -> tuple[list[Case], list[tuple[str, str]]]:
    """Assign several cases of the lead's units to `assignee` (each through `assign`).
    Returns (assigned cases, [(file number, why not)]). Cases outside the lead's units are
    not found (as if they did not exist)."""
    ids = {int(i) for i in case_ids if str(i).isdigit()}
    cases = visible_cases(actor, [Role.TEAM_LEAD]).filter(pk__in=ids).order_by("file_number")
    done, refused = [], []
    for case in cases:
        if case.state_kind == "done":
            refused.append((case.file_number, _("The case is already decided.")))
            continue
        try:
            done.append(assign(case, assignee, actor=actor))
        except CaseError as exc:
            refused.append((case.file_number, str(exc)))
    return done, refused


def hand_over(case: Case, unit: OrgUnit, *, actor, reason: str) -> Case:
    """Move the case to another unit's inbox (with the reason in the history)."""
    if not roles_in_unit(actor, case.org_unit).intersection(WORKING_ROLES):
        raise CaseError(_("You may not hand over this case."))
    if not reason.strip():
        raise CaseError(_("Please give a reason for the handover."))
    if unit.pk == case.org_unit_id:
        raise CaseError(_("The case is already in this unit."))
    with transaction.atomic():
        old = case.org_unit.key
        definition = case.procedure.definition
        case.org_unit = unit
        case.assignee = None
        case.state = definition["initial"] if case.state_kind != "done" else case.state
        case.state_kind = workflow.state_info(definition, case.state)["kind"]
        case.save()
        at = timezone.now()
        _history(case, "handed_over", case.state, at, actor, note=reason)
        _event(case, "handed_over", at, from_org_unit=old)
        audit("case.hand_over", actor=actor, case=case, detail={"from": old, "to": unit.key})
    return case


def request_documents(
    case: Case, items: list[str], deadline: dt.date, *, actor, message: str = ""
) -> DocumentRequest:
    """Nachforderung: ask the applicant for documents by a deadline; the case waits."""
    items = [i.strip() for i in items if i and i.strip()]
    if not items:
        raise CaseError(_("Name at least one missing document."))
    if deadline <= timezone.localdate():
        raise CaseError(_("The deadline must be in the future."))
    with transaction.atomic():
        req = DocumentRequest.objects.create(
            case=case, items=items, message=message, deadline=deadline, created_at=timezone.now()
        )
        case = transition(
            case, "request_documents", actor=actor, deadline=deadline.isoformat(), count=len(items)
        )
        from .delivery import deliver_safely

        transaction.on_commit(lambda: deliver_safely("request", case, req))
    return req


def deliver_documents(
    case: Case,
    files,
    *,
    channel: str = "online",
    actor=None,
    request_id=None,
    account=None,
) -> list[Document]:
    """The applicant's answer to a request: files go into the case, the request is fulfilled,
    and the case returns to its unit's inbox."""
    if account is not None and case.applicant_user_id != getattr(account, "pk", None):
        raise LookupError(_("This case is not yours."))
    validated = [_as_validated(item) for item in files]
    if not validated:
        raise ValueError(_("Choose at least one file to upload."))
    with transaction.atomic():
        open_requests = case.requests.filter(fulfilled_at__isnull=True)
        if request_id:
            open_requests = open_requests.filter(pk=request_id)
        if not open_requests.exists():
            raise LookupError(_("There is no open request for documents."))
        documents = [
            _store_document(case, item, channel=channel, sender=case.applicant_name).document
            for item in validated
        ]
        open_requests.update(fulfilled_at=timezone.now())
        if case.state_kind == "applicant":
            transition(case, "documents_received", actor=actor, count=len(documents))
    return documents


def decide(case: Case, *, actor, outcome: str, text: str, notify: bool = True) -> Document:
    """Issue the decision (Bescheid): PDF/A from the procedure's template, filed in the case,
    delivered to the applicant; the case is decided."""
    if outcome not in OUTCOMES:
        raise CaseError(_("Choose the outcome of the decision."))
    if not text.strip():
        raise CaseError(_("The decision needs a reasoning."))
    from .decision import render_decision
    from .delivery import deliver_safely

    with transaction.atomic():
        case = transition(case, "decide", actor=actor, outcome=outcome)
        pdf = render_decision(case, outcome=outcome, text=text)
        document = _store_document(
            case,
            ValidatedFile(
                name=f"Bescheid-{case.file_number}.pdf",
                data=pdf,
                mime="application/pdf",
                sha256=hashlib.sha256(pdf).hexdigest(),
                size=len(pdf),
            ),
            channel=case.channel,
            sender=case.org_unit.name,
            doc_type="bescheid",
        ).document
        if notify:
            transaction.on_commit(lambda: deliver_safely("decision", case, document))
    return document


def export_court_file(case: Case, document_ids, *, actor) -> bytes:
    """The court file of the chosen documents as a ZIP (paginated PDF with cover, contents
    and checksums; the originals; manifest.json). The export is audited."""
    from .court import build_court_file

    ids = {int(i) for i in document_ids if str(i).isdigit()}
    documents = list(case.documents.filter(pk__in=ids).order_by("received_at", "id"))
    if not documents or len(documents) != len(ids):
        raise CaseError(_("Choose the documents for the court file."))
    _pdf, archive = build_court_file(case, documents)
    audit(
        "case.court_export",
        actor=actor,
        case=case,
        detail={
            "documents": [d.pk for d in documents],
            "sha256": hashlib.sha256(archive).hexdigest(),
        },
    )
    return archive


def send_reminders(today: dt.date | None = None) -> int:
    """Remind applicants once whose requested documents are past the deadline; the case's
    unit sees the overdue request on the case page. Returns how many were reminded."""
    from .delivery import deliver_safely

    today = today or timezone.localdate()
    due = DocumentRequest.objects.filter(
        fulfilled_at__isnull=True, reminded_at__isnull=True, deadline__lt=today
    ).select_related("case__service", "case__org_unit", "case__procedure")
    count = 0
    for req in due:
        with transaction.atomic():
            updated = DocumentRequest.objects.filter(pk=req.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            )
            if not updated:
                continue  # another worker sent it
            audit("case.reminder", case=req.case, detail={"request": req.pk})
            transaction.on_commit(lambda r=req: deliver_safely("reminder", r.case, r))
        count += 1
    return count


# -- reading --------------------------------------------------------------------------------
def visible_cases(user, roles=ALL_CASE_ROLES) -> QuerySet[Case]:
    """Cases of the units where `user` holds one of `roles` (and their sub-units)."""
    units = staff.unit_ids_for(user, roles)
    return Case.objects.filter(org_unit_id__in=units).select_related(
        "service", "org_unit", "assignee", "procedure"
    )


def get_case_for_staff(user, pk: int, *, log_read: bool = True) -> Case:
    """The case if it is in one of the user's units (Case.DoesNotExist otherwise); the read
    is written to the audit trail."""
    case = visible_cases(user).get(pk=pk)
    if log_read:
        audit("case.read", actor=user, case=case)
    return case


def inbox(user, tab: str = "new", unit_id: int | None = None) -> QuerySet[Case]:
    qs = visible_cases(user, WORKING_ROLES)
    if unit_id:
        qs = qs.filter(org_unit_id=unit_id)
    if tab == "mine":
        return qs.filter(assignee=user).exclude(state_kind="done")
    if tab == "waiting":
        return qs.filter(state_kind="applicant")
    if tab == "overdue":
        return qs.exclude(state_kind="done").filter(target_at__lt=timezone.now())
    if tab == "done":
        return qs.filter(state_kind="done")
    return qs.filter(state_kind="queue")


def find_cases(user, query: str) -> QuerySet[Case]:
    """Staff search: file number, applicant name, or a word in the documents' full text."""
    query = (query or "").strip()[:100]
    qs = visible_cases(user)
    if not query:
        return qs.none()
    # A union of three id lists, one per condition, instead of OR over a join: on PostgreSQL
    # each `icontains` then uses its own trigram index (migration 0003), and there is no
    # DISTINCT over case × document × version rows (figures: README, bench/cases.py).
    by_number = Case.objects.filter(file_number__icontains=query).order_by().values("pk")
    by_name = Case.objects.filter(applicant_name__icontains=query).order_by().values("pk")
    in_text = (
        DocumentVersion.objects.filter(text__icontains=query).order_by().values("document__case_id")
    )
    return qs.filter(pk__in=by_number.union(by_name, in_text))


def find_cases_for_filing(query: str, limit: int = 10) -> list[Case]:
    """The mail room's lookup when a letter names no file number: cases by (part of) the file
    number or the applicant's name, open cases first. The mail room files for every unit, so
    this is not scoped to units; it returns only what is needed to choose."""
    query = (query or "").strip()[:100]
    if len(query) < 3:
        return []
    qs = Case.objects.filter(
        Q(file_number__icontains=query) | Q(applicant_name__icontains=query)
    ).select_related("service", "org_unit")
    return list(qs.order_by(F("decided_at").desc(nulls_first=True), "-received_at")[:limit])


def cases_for_applicant(user) -> QuerySet[Case]:
    """The cases a citizen applied for (newest first)."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return Case.objects.filter(applicant_user=user).select_related("service", "org_unit")


def citizen_status(case: Case) -> dict:
    """What the applicant sees: status in plain language, timeline, office, what to do."""
    definition = case.procedure.definition
    info = workflow.state_info(definition, case.state)
    timeline = [
        {
            "at": entry.at,
            "label": workflow.state_info(definition, entry.state).get("label", entry.state),
        }
        for entry in case.history.all()
    ]
    requests = [
        {
            "id": req.pk,
            "items": req.items,
            "deadline": req.deadline,
            "message": req.message,
        }
        for req in case.requests.filter(fulfilled_at__isnull=True)
    ]
    return {
        "file_number": case.file_number,
        "label": info.get("label", case.state),
        "explanation": info.get("citizen", ""),
        "timeline": timeline,
        "requests": requests,
        "decided": case.decided_at is not None,
        "outcome": case.outcome,
        "expected": timezone.localtime(case.target_at).date() if case.target_at else None,
        "office": case.org_unit,
    }


def decision_document(case: Case) -> Document | None:
    return case.documents.filter(doc_type="bescheid").order_by("-id").first()


# -- retention ------------------------------------------------------------------------------
def due_for_deletion(today: dt.date | None = None) -> QuerySet[Case]:
    today = today or timezone.localdate()
    return Case.objects.filter(retain_until__lt=today, state_kind="done")


def delete_expired(*, dry_run: bool = True, today: dt.date | None = None) -> list[str]:
    """Delete cases past retention (documents, personal data); events stay. Returns file numbers."""
    numbers = []
    for case in due_for_deletion(today).select_related("procedure", "org_unit", "service"):
        numbers.append(case.file_number)
        if dry_run:
            continue
        with transaction.atomic():
            for version in DocumentVersion.objects.filter(document__case=case):
                version.file.delete(save=False)
            _event(case, "deleted", timezone.now())
            audit("case.deleted", case=case, detail={"retention": str(case.retain_until)})
            case.delete()
    return numbers
