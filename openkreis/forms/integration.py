"""The forms app's seams to the apps below it — the eAkte (`cases`: status, documents) and
its registration backend (`registration.py`: intake by default) — and to the prefill sources
(`prefill.py`, which the accounts app fills). Everything another app offers is reached
through its `services.py` or a registry here, in one place, so the rest of the app never
imports their internals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import magic
from django.utils.translation import gettext as _

from openkreis.cases import services as cases

from . import engine, registration
from .models import Application, Payment
from .prefill import prefill_values

# What the eAkte raises when it refuses a case; submit turns it into the citizen's message.
CaseError = cases.CaseError
# What the eAkte raises when it refuses an uploaded file (its message is for the citizen).
UploadRejected = cases.UploadRejected


def profile_data(user) -> dict[str, Any]:
    """Prefill values by prefill key from the registered prefill sources (see prefill.py)."""
    return prefill_values(user)


# --- uploads --------------------------------------------------------------------------------

MIME_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG"}


def check_upload(upload, accept: list[str], max_size_mb: int) -> tuple[str, bytes]:
    """(the content type sniffed from the bytes, the bytes to keep) if allowed; FormError
    (from services) otherwise. The bytes to keep are what the eAkte would store: a PDF
    without active content, an image without anything appended after its end."""
    from .services import FormError

    if upload.size > max_size_mb * 1024 * 1024:
        raise FormError(_("The file is larger than %(n)s MB.") % {"n": max_size_mb})
    if upload.size == 0:
        raise FormError(_("The file is empty."))
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    content_type = magic.from_buffer(head, mime=True)
    if content_type not in accept:
        allowed = ", ".join(MIME_NAMES.get(a, a) for a in accept)
        raise FormError(
            _("The file must be one of: %(types)s. This file is not.") % {"types": allowed}
        )
    # The eAkte's own check (damaged or password-protected PDFs, active content that cannot
    # be removed, images that are not images or decompress to absurd sizes): a draft keeps
    # only what the case file will accept at submission (issue 16 F5).
    data = upload.read()
    upload.seek(0)
    try:
        validated = cases.validate_upload(upload.name or "upload", data)
    except cases.UploadRejected as exc:
        raise FormError(str(exc)) from exc
    return content_type, validated.data


def case_file_refusal(name: str, data: bytes) -> str:
    """Why the eAkte would refuse this file (its message for the citizen), or ''."""
    try:
        cases.validate_upload(name, data)
    except cases.UploadRejected as exc:
        return str(exc)
    return ""


# --- cases and intake ---------------------------------------------------------------------------


def applicant_from(application: Application, data: dict) -> dict[str, Any]:
    """The applicant's identity as the case needs it: from the fields marked with an
    applicant role (FIM import) or a prefill key, also inside field groups; the account's
    name and e-mail address where the form has none."""
    values: dict[str, Any] = {}
    for path, f in engine.single_fields(application.definition):
        role = f.get("applicant") or f.get("prefill")
        value = engine.answer_at(data, path)
        if role and role not in values and value not in (None, "", {}):
            values[role] = value
    address = values.pop("address", None) or {}
    street = values.get("street", "") or address.get("street", "")
    if values.get("house_number"):
        street = f"{street} {values['house_number']}".strip()
    user = application.user
    first = values.get("first_name", "")
    last = values.get("last_name", "")
    if not (first or last or values.get("company_name")):
        first, last = getattr(user, "first_name", ""), getattr(user, "last_name", "")
    result = {
        "first_name": first,
        "last_name": last,
        "birth_date": values.get("birth_date", ""),
        "email": values.get("email", "") or getattr(user, "email", ""),
        "phone": values.get("phone", ""),
        "street": street,
        "postcode": values.get("postcode", "") or address.get("postcode", ""),
        "city": values.get("city", "") or address.get("city", ""),
    }
    if values.get("company_name"):
        result["name"] = str(values["company_name"])[:200]
    return result


def applicant_name(application: Application, data: dict) -> str:
    applicant = applicant_from(application, data)
    return (
        applicant.get("name")
        or " ".join(p for p in (applicant["first_name"], applicant["last_name"]) if p)
    ).strip()


def case_files(application: Application, data: dict) -> list[Any]:
    """The uploads handed to intake, each with the document type from the form definition."""
    from .services import field_spec

    result = []
    for stored in application.files.all():
        spec = field_spec(application, stored.field) or {}
        result.append(
            {
                "name": stored.name,
                "content": stored.file,
                "content_type": stored.content_type,
                "document_type": spec.get("document_type", "anlage"),
                "sha256": stored.sha256,
            }
        )
    return result


def create_case(application: Application, data: dict):
    """Hand the checked application to the registration backend (one transaction with
    ours; the eAkte by default); the case."""
    return registration.backend().register(
        application,
        applicant=applicant_from(application, data),
        data=readable_answers(application, data),
        files=case_files(application, data),
    )


def readable_answers(application: Application, data: dict) -> dict[str, Any]:
    """The answers as the caseworker reads them: raw values plus labelled summary."""
    names = {str(f.public_id): f.name for f in application.files.all()}
    return {
        "answers": data,
        "summary": engine.summary(application.definition, data, names),
        "form": application.form.key,
        "form_version": (
            application.form_version.version
            if application.form_version_id
            else application.form.version
        ),
        "form_version_number": (
            application.form_version.number if application.form_version_id else None
        ),
        "started_at": application.started_at.isoformat(),
    }


def file_number(case) -> str:
    return str(getattr(case, "file_number", "") or getattr(case, "reference", "") or case.pk)


def case_of(application: Application):
    return cases.get_case(application.case_id)


def case_org_unit_key(application: Application) -> str:
    case = case_of(application)
    unit = getattr(case, "org_unit", None) if case else None
    return getattr(unit, "key", "") or ""


# --- fees -----------------------------------------------------------------------------------


def fee_amount(application: Application) -> Decimal | None:
    """The fee paid online: the service's minimum fee, if there is one above zero."""
    fee = application.service.fee_min
    return fee if fee and fee > 0 else None


def fee_due(application: Application) -> bool:
    return fee_amount(application) is not None


def is_paid(application: Application) -> bool:
    return application.payments.filter(status=Payment.Status.PAID).exists()
