"""How the applicant hears from the authority: the secure mailbox when they have an
account (openkreis.accounts, when installed), otherwise e-mail. One place, so a new channel
(De-Mail, BundID-Postfach) is added here and nowhere else."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage

log = logging.getLogger(__name__)


def _mailbox():
    try:
        from openkreis.accounts.services import deliver_message
    except ImportError:
        return None
    return deliver_message


def _send(case, subject: str, body: str, attachments=()) -> str:
    deliver_message = _mailbox()
    if deliver_message is not None and case.applicant_user_id:
        deliver_message(
            case.applicant_user,
            subject=subject,
            body=body,
            attachments=list(attachments),
            case_id=case.pk,
            sender_unit=case.org_unit,
        )
        return "mailbox"
    if not case.applicant_email:
        log.warning("case %s: applicant has neither account nor e-mail; post needed", case.pk)
        return "post"
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [case.applicant_email])
    for name, data, mime in attachments:
        message.attach(name, data, mime)
    message.send()
    return "email"


def deliver_decision(case, document) -> str:
    version = document.current()
    with version.file.open("rb") as handle:
        data = handle.read()
    body = (
        f"Guten Tag,\n\nüber Ihren Antrag „{case.service.name}“ (Aktenzeichen {case.file_number}) "
        f"ist entschieden. Den Bescheid finden Sie im Anhang.\n\n"
        f"Mit freundlichen Grüßen\n{case.org_unit.name}"
    )
    return _send(
        case,
        f"Bescheid zu Ihrem Antrag {case.file_number}",
        body,
        [(version.filename, data, "application/pdf")],
    )


def notify_request(case, request) -> str:
    items = "\n".join(f"- {item}" for item in request.items)
    body = (
        f"Guten Tag,\n\nfür Ihren Antrag „{case.service.name}“ (Aktenzeichen {case.file_number}) "
        f"brauchen wir noch folgende Unterlagen:\n\n{items}\n\n"
        f"Bitte reichen Sie sie bis zum {request.deadline:%d.%m.%Y} nach"
        f"{' – online unter „Meine Anträge“' if case.applicant_user_id else ''}.\n"
        f"{request.message}\n\nMit freundlichen Grüßen\n{case.org_unit.name}"
    )
    return _send(case, f"Unterlagen für Ihren Antrag {case.file_number}", body)


def remind(case, request) -> str:
    items = "\n".join(f"- {item}" for item in request.items)
    body = (
        f"Guten Tag,\n\ndie Frist für die Unterlagen zu Ihrem Antrag „{case.service.name}“ "
        f"(Aktenzeichen {case.file_number}) ist am {request.deadline:%d.%m.%Y} abgelaufen. "
        f"Es fehlen noch:\n\n{items}\n\nBitte reichen Sie sie bald nach oder melden Sie sich, "
        f"wenn Sie mehr Zeit brauchen.\n\nMit freundlichen Grüßen\n{case.org_unit.name}"
    )
    return _send(case, f"Erinnerung: Unterlagen für Ihren Antrag {case.file_number}", body)


def deliver_safely(kind: str, case, *args) -> str:
    """Run a delivery after the case change has committed. A failing mail server must not
    undo or hide the change: the failure is written to the case's audit trail, where the
    case page shows it, so staff can send the letter another way."""
    from .services import audit

    send = {"decision": deliver_decision, "request": notify_request, "reminder": remind}[kind]
    try:
        channel = send(case, *args)
    except Exception as exc:  # any transport error (SMTP down, mailbox unavailable)
        log.exception("delivery of %s for case %s failed", kind, case.pk)
        audit("delivery.failed", case=case, detail={"what": kind, "error": str(exc)[:200]})
        return "failed"
    audit("delivery.sent", case=case, detail={"what": kind, "channel": channel})
    return channel
