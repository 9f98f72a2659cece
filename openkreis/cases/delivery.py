"""How the applicant hears from the authority — the eAkte's delivery *port*.

The eAkte writes letters (decision, request for documents, reminder); channels carry them.
A channel is a plugin of `channels` (core's registry pattern): the first enabled channel
in order that accepts the case sends the letter. This app ships `email`; `accounts`
registers the secure mailbox (`mailbox`, tried first) in its `AppConfig.ready()`, so the
eAkte never imports the accounts app. A new channel (De-Mail, BundID-Postfach) registers
here the same way. No channel → the letter must go by post (the case page says so).

When and how often a letter is sent (asynchronously, retried, visible) is
`services.delivery`; this module only composes letters and holds the channels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage

from openkreis.core.registry import Registry

from . import decision


@dataclass
class Letter:
    subject: str
    body: str
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)  # name, data, mime


class DeliveryChannel(Protocol):
    label: str
    # Optional: one sentence for letters that ask for documents, saying exactly where the
    # applicant sends them when the letter came through this channel (the mailbox: "here").
    # upload_hint: str

    def accepts(self, case) -> bool:
        """Whether this channel can reach the applicant of `case`."""

    def send(self, case, letter: Letter) -> None:
        """Deliver or raise; a raised error makes the eAkte try again later."""


channels: Registry[DeliveryChannel] = Registry("delivery channels")


class EmailChannel:
    """A plain e-mail to the address the applicant gave (no account needed)."""

    label = "E-Mail"

    def accepts(self, case) -> bool:
        return bool(case.applicant_email)

    def send(self, case, letter: Letter) -> None:
        message = EmailMessage(
            letter.subject, letter.body, settings.DEFAULT_FROM_EMAIL, [case.applicant_email]
        )
        for name, data, mime in letter.attachments:
            message.attach(name, data, mime)
        message.send()


channels.register("email", EmailChannel(), order=90)


def channel_for(case) -> tuple[str, DeliveryChannel] | None:
    """The first channel (in order) that accepts the case; None: post is needed."""
    for channel_id, channel in channels.items():
        if channel.accepts(case):
            return channel_id, channel
    return None


# -- the letters ------------------------------------------------------------------------------
def decision_letter(case, document) -> Letter:
    """The decision in the mailbox or by e-mail: the subject says the service and the outcome,
    so the citizen knows what was decided before opening the PDF."""
    version = document.current()
    with version.file.open("rb") as handle:
        data = handle.read()
    greeting = f"Guten Tag {case.applicant_name}," if case.applicant_name else "Guten Tag,"
    outcome = decision.OUTCOME_TEXT.get(case.outcome, "")
    body = (
        f"{greeting}\n\nüber Ihren Antrag „{case.service.name}“ (Aktenzeichen {case.file_number}) "
        f"ist entschieden: {outcome}\n\nDen Bescheid mit der Begründung und der "
        f"Rechtsbehelfsbelehrung finden Sie im Anhang.\n\n"
        f"Mit freundlichen Grüßen\n{case.org_unit.name}"
    )
    short = decision.OUTCOME_SHORT.get(case.outcome, "entschieden")
    return Letter(
        f"Bescheid zu „{case.service.name}“: {short} ({case.file_number})",
        body,
        [(version.filename, data, "application/pdf")],
    )


def _where(upload_hint: str) -> str:
    return f" {upload_hint}" if upload_hint else ""


def _note(request) -> str:
    return f"\n\n{request.message}" if request.message else ""


def request_letter(case, request, upload_hint: str = "") -> Letter:
    """The request for documents; `upload_hint` (from the channel that carries the letter)
    names the one place where the applicant sends them."""
    items = "\n".join(f"- {item}" for item in request.items)
    body = (
        f"Guten Tag,\n\nfür Ihren Antrag „{case.service.name}“ (Aktenzeichen {case.file_number}) "
        f"brauchen wir noch folgende Unterlagen:\n\n{items}\n\n"
        f"Bitte reichen Sie sie bis zum {request.deadline:%d.%m.%Y} nach.{_where(upload_hint)}"
        f"{_note(request)}\n\nMit freundlichen Grüßen\n{case.org_unit.name}"
    )
    return Letter(f"Unterlagen für Ihren Antrag {case.file_number}", body)


def reminder_letter(case, request, upload_hint: str = "") -> Letter:
    items = "\n".join(f"- {item}" for item in request.items)
    body = (
        f"Guten Tag,\n\ndie Frist für die Unterlagen zu Ihrem Antrag „{case.service.name}“ "
        f"(Aktenzeichen {case.file_number}) ist am {request.deadline:%d.%m.%Y} abgelaufen. "
        f"Es fehlen noch:\n\n{items}\n\nBitte reichen Sie sie bald nach oder melden Sie sich, "
        f"wenn Sie mehr Zeit brauchen.{_where(upload_hint)}\n\n"
        f"Mit freundlichen Grüßen\n{case.org_unit.name}"
    )
    return Letter(f"Erinnerung: Unterlagen für Ihren Antrag {case.file_number}", body)


LETTERS = {
    "decision": lambda delivery, hint: decision_letter(delivery.case, delivery.document),
    "request": lambda delivery, hint: request_letter(delivery.case, delivery.request, hint),
    "reminder": lambda delivery, hint: reminder_letter(delivery.case, delivery.request, hint),
}


def compose(delivery, channel: DeliveryChannel | None = None) -> Letter:
    """The letter of a `Delivery` row, written from the case as it is now, for the channel
    that carries it (which says where requested documents go)."""
    return LETTERS[delivery.what](delivery, str(getattr(channel, "upload_hint", "") or ""))
