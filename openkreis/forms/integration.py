"""The forms app's seams to accounts (profile), cases/intake (case creation, status,
documents) and payments. Everything another app offers is reached through its
`services.py` here, in one place, so the rest of the app never imports their internals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from . import engine
from .models import Application, Payment


def _profile_value(profile: Any, *names: str) -> Any:
    for name in names:
        value = profile.get(name) if isinstance(profile, dict) else getattr(profile, name, None)
        if value not in (None, ""):
            return value
    return None


def profile_data(user) -> dict[str, Any]:
    """Prefill values by prefill key, from accounts' profile (fallback: the user record)."""
    data: dict[str, Any] = {
        "first_name": getattr(user, "first_name", "") or None,
        "last_name": getattr(user, "last_name", "") or None,
        "email": getattr(user, "email", "") or None,
    }
    try:
        from openkreis.accounts.services import profile_for
    except ImportError:
        profile_for = None
    profile = profile_for(user) if profile_for else None
    if profile is not None:
        for key, names in {
            "first_name": ("first_name", "given_names", "given_name"),
            "last_name": ("last_name", "family_name"),
            "birth_date": ("birth_date", "date_of_birth"),
            "street": ("street",),
            "postcode": ("postcode", "postal_code"),
            "city": ("city", "town"),
            "email": ("email",),
            "phone": ("phone", "telephone"),
        }.items():
            value = _profile_value(profile, *names)
            if value is not None:
                data[key] = value
    if isinstance(data.get("birth_date"), dt.date):
        data["birth_date"] = data["birth_date"].isoformat()
    if data.get("street") or data.get("city"):
        data["address"] = {
            "street": str(data.get("street") or ""),
            "postcode": str(data.get("postcode") or ""),
            "city": str(data.get("city") or ""),
        }
    return {k: v for k, v in data.items() if v is not None}


# --- uploads --------------------------------------------------------------------------------

MIME_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG"}


class UploadRejected(Exception):
    pass


def check_upload(upload, accept: list[str], max_size_mb: int) -> str:
    """The content type sniffed from the bytes if allowed; FormError (from services) otherwise."""
    from .services import FormError

    if upload.size > max_size_mb * 1024 * 1024:
        raise FormError(_("The file is larger than %(n)s MB.") % {"n": max_size_mb})
    if upload.size == 0:
        raise FormError(_("The file is empty."))
    import magic

    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    content_type = magic.from_buffer(head, mime=True)
    if content_type not in accept:
        allowed = ", ".join(MIME_NAMES.get(a, a) for a in accept)
        raise FormError(
            _("The file must be one of: %(types)s. This file is not.") % {"types": allowed}
        )
    return content_type


# --- cases and intake ---------------------------------------------------------------------------


def applicant_from(application: Application, data: dict) -> dict[str, Any]:
    """The applicant's identity as the case needs it, taken from the prefill-marked fields."""
    fields = engine.all_fields(application.form.definition)
    values: dict[str, Any] = {}
    for key, f in fields.items():
        if f.get("prefill") and data.get(key) not in (None, ""):
            values[f["prefill"]] = data[key]
    address = values.pop("address", None) or {}
    return {
        "first_name": values.get("first_name", ""),
        "last_name": values.get("last_name", ""),
        "birth_date": values.get("birth_date", ""),
        "email": values.get("email", "") or getattr(application.user, "email", ""),
        "phone": values.get("phone", ""),
        "street": address.get("street", ""),
        "postcode": address.get("postcode", ""),
        "city": address.get("city", ""),
    }


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
    """Hand the checked application to intake (one transaction with ours); the case."""
    from .services import FormError

    try:
        from openkreis.intake.services import submit_online
    except ImportError:  # an installation without the eAkte's intake: keep the draft
        raise FormError(
            _("Sending applications online is not available yet. Your draft is saved.")
        ) from None

    return submit_online(
        service=application.service,
        applicant=applicant_from(application, data),
        data=readable_answers(application, data),
        files=case_files(application, data),
        idempotency_key=str(application.idempotency_key),
        account=application.user,
        form_key=application.form.key,
    )


def readable_answers(application: Application, data: dict) -> dict[str, Any]:
    """The answers as the caseworker reads them: raw values plus labelled summary."""
    names = {str(f.public_id): f.name for f in application.files.all()}
    return {
        "answers": data,
        "summary": engine.summary(application.form.definition, data, names),
        "form": application.form.key,
        "form_version": application.form.version,
        "started_at": application.started_at.isoformat(),
    }


def file_number(case) -> str:
    return str(getattr(case, "file_number", "") or getattr(case, "reference", "") or case.pk)


def case_of(application: Application):
    if not application.case_id:
        return None
    try:
        from openkreis.cases.models import Case
    except ImportError:
        return None

    return Case.objects.filter(pk=application.case_id).first()


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
