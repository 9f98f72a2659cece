"""The accounts app's public functions: the only way other apps change its data.

The apps below reach this one only through ports they own, which this app fills in
`AppConfig.ready()` (see plugins.py): the eAkte's delivery channels (`mailbox`, which calls
`deliver_message`), the forms' prefill sources (`profile`), and core's personal-data registry.
Replies to a message about a case are filed through `cases.services.file_reply`, which owns
the case rule and its lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import connections, router, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from weasyprint import HTML

from openkreis.cases import services as cases
from openkreis.core import event_kinds, personal_data
from openkreis.core.services import record_event
from openkreis.core.staff import memberships
from openkreis.forms import services as forms_services

from .models import (
    Attachment,
    Company,
    CompanyCase,
    CompanyInvitation,
    CompanyMembership,
    Message,
    Profile,
)

log = logging.getLogger(__name__)

PROFILE_FIELDS = ("first_name", "last_name", "birth_date", "street", "postcode", "city", "phone")
MAX_REPLY_FILES = 10


def _staff_no_company() -> str:
    """One message for both refusals, translated when raised."""
    return _(
        "Staff accounts of the administration cannot act for a company. Use a private account."
    )


class AccountError(Exception):
    """A change that is not allowed; the message is for the user (already translated)."""


# -- profile ----------------------------------------------------------------------------------
def profile_for(user) -> Profile | None:
    """The stored profile of a logged-in user (None for anonymous users or none stored)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Profile.objects.filter(user=user).first()


def get_or_create_profile(user) -> Profile:
    """The user's profile, created empty (with the account's name) on first use."""
    profile, _created = Profile.objects.get_or_create(
        user=user,
        defaults={"first_name": user.first_name or "", "last_name": user.last_name or ""},
    )
    return profile


@transaction.atomic
def update_profile(user, **values: Any) -> Profile:
    """Store the profile once; the name is mirrored onto the user record."""
    profile = get_or_create_profile(user)
    for name in PROFILE_FIELDS:
        if name in values:
            setattr(profile, name, values[name] if values[name] is not None else "")
    if profile.birth_date == "":
        profile.birth_date = None
    if profile.birth_date and profile.birth_date >= timezone.localdate():
        raise AccountError(_("The date of birth must be in the past."))
    profile.save()
    user.first_name = profile.first_name[:150]
    user.last_name = profile.last_name[:150]
    user.save(update_fields=["first_name", "last_name"])
    return profile


def account_created(user, sociallogin=None) -> None:
    """Called when someone registers (allauth's signal): a profile, one event. After an
    OpenID Connect login the provider's claims (name, birthdate, address) fill the profile."""
    profile = get_or_create_profile(user)
    method = "password"
    if sociallogin is not None:
        method = "oidc"
        claims = _claims(sociallogin)
        profile.first_name = (claims.get("given_name") or profile.first_name)[:100]
        profile.last_name = (claims.get("family_name") or profile.last_name)[:100]
        birth = claims.get("birthdate")
        if birth:
            with contextlib.suppress(ValueError):
                profile.birth_date = dt.date.fromisoformat(str(birth))
        address = claims.get("address") or {}
        if isinstance(address, dict):
            profile.street = (address.get("street_address") or profile.street)[:200]
            profile.postcode = (address.get("postal_code") or profile.postcode)[:5]
            profile.city = (address.get("locality") or profile.city)[:100]
        profile.save()
    record_event(event_kinds.ACCOUNT_CREATED, subject=f"account:{user.pk}", data={"method": method})


def _claims(sociallogin) -> dict:
    data = getattr(getattr(sociallogin, "account", None), "extra_data", None) or {}
    if isinstance(data.get("userinfo"), dict):  # allauth keeps userinfo and id_token apart
        return {**(data.get("id_token") or {}), **data["userinfo"]}
    return data


# -- companies --------------------------------------------------------------------------------
def companies_of(user) -> QuerySet[Company]:
    if not getattr(user, "is_authenticated", False):
        return Company.objects.none()
    return Company.objects.filter(memberships__user=user).distinct().order_by("name")


def membership(user, company: Company) -> CompanyMembership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return CompanyMembership.objects.filter(user=user, company=company).first()


def company_for(user, public_id) -> Company:
    """A company the user is a member of; Company.DoesNotExist for any other."""
    return companies_of(user).get(public_id=public_id)


@transaction.atomic
def create_company(user, *, name: str, register_number: str = "", **address: str) -> Company:
    """A new company account; its creator is its first administrator."""
    if _is_staff_account(user):
        raise AccountError(_staff_no_company())
    name = (name or "").strip()
    if not name:
        raise AccountError(_("Enter the company's name."))
    company = Company.objects.create(
        name=name[:200],
        register_number=(register_number or "").strip()[:60],
        street=address.get("street", "")[:200],
        postcode=address.get("postcode", "")[:5],
        city=address.get("city", "")[:100],
    )
    CompanyMembership.objects.create(company=company, user=user, role=CompanyMembership.Role.ADMIN)
    record_event(event_kinds.COMPANY_CREATED, subject=f"company:{company.pk}", data={})
    return company


def _require_admin(actor, company: Company) -> None:
    member = membership(actor, company)
    if member is None or member.role != CompanyMembership.Role.ADMIN:
        raise AccountError(_("Only an administrator of the company can do this."))


INVITATION_DAYS = 14


def _token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


@transaction.atomic
def invite_member(
    company: Company, *, actor, email: str, role: str = "member"
) -> tuple[CompanyInvitation, str]:
    """An administrator invites a person by e-mail address; returns the invitation and the
    link's token (sent only in the e-mail). The answer is the same whether or not the address
    has an account, so the form cannot be used to find out who is registered or their name."""
    _require_admin(actor, company)
    if role not in CompanyMembership.Role.values:
        raise AccountError(_("Choose a role."))
    email = (email or "").strip().lower()
    if not email or "@" not in email:
        raise AccountError(_("Enter a valid e-mail address."))
    # a second invitation to the same address replaces the first (only one link works);
    # expired invitations (an address and nothing else) are not kept
    company.invitations.filter(email__iexact=email).delete()
    CompanyInvitation.objects.filter(expires_at__lte=timezone.now()).delete()
    token = secrets.token_urlsafe(32)
    invitation = CompanyInvitation.objects.create(
        company=company,
        email=email[:254],
        role=role,
        token_hash=_token_hash(token),
        invited_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=INVITATION_DAYS),
    )
    transaction.on_commit(lambda: _send_invitation(invitation, token))
    return invitation, token


def _send_invitation(invitation: CompanyInvitation, token: str) -> None:
    base = str(getattr(settings, "WAGTAILADMIN_BASE_URL", "")).rstrip("/")
    with translation.override("de"):
        text = render_to_string(
            "accounts/email/company_invitation.txt",
            {
                "company": invitation.company.name,
                "url": base + reverse("accounts:invitation", args=[token]),
                "expires_at": invitation.expires_at,
                "days": INVITATION_DAYS,
            },
        )
        subject = _("Invitation to act for a company in the service portal")
    try:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    except Exception:  # SMTP down: the administrator can invite again
        log.exception("invitation %s could not be e-mailed", invitation.pk)


def pending_invitations(company: Company) -> QuerySet[CompanyInvitation]:
    """Invitations not yet accepted and not expired, for the administrators' list."""
    return company.invitations.filter(expires_at__gt=timezone.now()).order_by("created_at")


def invitation_for_token(token: str) -> CompanyInvitation | None:
    """The open invitation behind a link, or None (unknown, used or expired)."""
    if not token or len(token) > 100:
        return None
    return (
        CompanyInvitation.objects.filter(
            token_hash=_token_hash(token), expires_at__gt=timezone.now()
        )
        .select_related("company")
        .first()
    )


def _check_may_join(user, invitation: CompanyInvitation) -> None:
    if _is_staff_account(user):
        raise AccountError(_staff_no_company())
    _check_invited_address(user, invitation)


def _check_invited_address(user, invitation: CompanyInvitation) -> None:
    verified = EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists()
    if not verified:
        raise AccountError(
            _(
                "This invitation was sent to another e-mail address. Log in with the account "
                "of that address (it must be confirmed) to accept it."
            )
        )


@transaction.atomic
def accept_invitation(user, token: str) -> CompanyMembership:
    """The invitee accepts: only while logged in with the invited, verified address, and never
    with a staff account. The membership starts now."""
    invitation = invitation_for_token(token)
    if invitation is None:
        raise AccountError(_("This invitation is no longer valid. Ask the company for a new one."))
    _check_may_join(user, invitation)
    # deleting the row is the lock: of two requests with the same link only one deletes it
    deleted, _rows = CompanyInvitation.objects.filter(pk=invitation.pk).delete()
    if not deleted:
        raise AccountError(_("This invitation is no longer valid. Ask the company for a new one."))
    member, created = CompanyMembership.objects.get_or_create(
        company=invitation.company, user=user, defaults={"role": invitation.role}
    )
    if created:
        record_event(
            event_kinds.COMPANY_MEMBER_JOINED,
            subject=f"company:{invitation.company_id}",
            data={"role": member.role},
        )
    return member


@transaction.atomic
def decline_invitation(user, token: str) -> None:
    """The invitee (logged in with the invited address) declines; the link stops working.
    Nothing is recorded about the person."""
    invitation = invitation_for_token(token)
    if invitation is None:
        raise AccountError(_("This invitation is no longer valid. Ask the company for a new one."))
    _check_invited_address(user, invitation)
    invitation.delete()


@transaction.atomic
def withdraw_invitation(company: Company, *, actor, invitation_id) -> None:
    """An administrator withdraws an invitation that was not accepted yet."""
    _require_admin(actor, company)
    deleted, _rows = company.invitations.filter(public_id=invitation_id).delete()
    if not deleted:
        raise AccountError(_("No such invitation."))


@transaction.atomic
def remove_member(company: Company, *, actor, member_id: int) -> None:
    """An administrator removes a member; the last administrator cannot be removed."""
    _require_admin(actor, company)
    member = CompanyMembership.objects.filter(company=company, pk=member_id).first()
    if member is None:
        raise AccountError(_("No such member."))
    admins = company.memberships.filter(role=CompanyMembership.Role.ADMIN)
    if member.role == CompanyMembership.Role.ADMIN and admins.count() == 1:
        raise AccountError(_("The company needs at least one administrator."))
    member.delete()


@transaction.atomic
def leave_company(user, company: Company) -> None:
    """A member withdraws their consent and leaves; the last administrator hands over first."""
    member = membership(user, company)
    if member is None:
        raise AccountError(_("You are not a member of this company."))
    admins = company.memberships.filter(role=CompanyMembership.Role.ADMIN)
    if member.role == CompanyMembership.Role.ADMIN and admins.count() == 1:
        raise AccountError(_("The company needs at least one administrator."))
    member.delete()


def cases_of_account(user):
    """The cases this account applied for (the eAkte's answer), newest first."""
    return cases.cases_for_applicant(user)


def _case_of_applicant(user, case_id: int):
    return cases_of_account(user).filter(pk=case_id).first()


@transaction.atomic
def file_for_company(user, company: Company, case_id: int) -> CompanyCase:
    """A member declares one of their own applications (its case) as made for the company:
    from now on every member sees it and its messages go to the company's mailbox."""
    if membership(user, company) is None:
        raise AccountError(_("You are not a member of this company."))
    case = _case_of_applicant(user, case_id)
    if case is None:
        raise AccountError(_("This application is not yours."))
    link, _created = CompanyCase.objects.get_or_create(
        case_id=case.pk, defaults={"company": company, "filed_by": user}
    )
    if link.company_id != company.pk:
        raise AccountError(_("This application already belongs to another company."))
    Message.objects.filter(owner=user, case_id=case.pk, company__isnull=True).update(
        company=company
    )
    return link


def company_case_ids(company: Company) -> list[int]:
    return list(company.cases.values_list("case_id", flat=True))


def company_applications(user, company: Company) -> list:
    """The applications of the company (made by any member), for members only."""
    if membership(user, company) is None:
        return []
    return list(forms_services.applications_for_cases(company_case_ids(company)))


def may_see_case(user, case_id: int) -> bool:
    """The applicant, or a member of the company the case was filed for."""
    if not getattr(user, "is_authenticated", False) or not case_id:
        return False
    if _case_of_applicant(user, case_id) is not None:
        return True
    return CompanyCase.objects.filter(case_id=case_id, company__memberships__user=user).exists()


# -- mailbox ----------------------------------------------------------------------------------
def visible_messages(user) -> QuerySet[Message]:
    """Messages of this account and of the companies it is a member of (nobody else's)."""
    if not getattr(user, "is_authenticated", False):
        return Message.objects.none()
    company_ids = list(
        CompanyMembership.objects.filter(user=user).values_list("company_id", flat=True)
    )
    mine = Q(owner=user, company__isnull=True)
    if company_ids:
        mine |= Q(company_id__in=company_ids)
    return Message.objects.filter(mine).select_related("company")


def unread_count(user) -> int:
    """Unread messages from the authority (the header, on every page of a logged-in user), in
    one query. The account's own messages and its companies' are disjoint (a company's have a
    company), so the count is the sum of two counts, each served by its index (the companies
    as a subquery inside an OR made PostgreSQL scan the whole table). Written as SQL: the
    ORM's compiling of such a query cost more CPU than the round trip it saves."""
    if not getattr(user, "is_authenticated", False):
        return 0
    database = connections[router.db_for_read(Message)]  # the replica where a page reads it
    with database.cursor() as cursor:
        cursor.execute(_unread_sql(database), [user.pk, Message.Direction.FROM_AUTHORITY] * 2)
        return cursor.fetchone()[0]


def _unread_sql(database) -> str:
    messages = database.ops.quote_name(Message._meta.db_table)
    members = database.ops.quote_name(CompanyMembership._meta.db_table)
    return (  # the models' tables; every value is a parameter
        f"SELECT (SELECT COUNT(*) FROM {messages} WHERE owner_id = %s AND company_id IS NULL "  # noqa: S608
        "AND direction = %s AND read_at IS NULL) + "
        f"(SELECT COUNT(*) FROM {messages} WHERE company_id IN "
        f"(SELECT company_id FROM {members} WHERE user_id = %s) "
        "AND direction = %s AND read_at IS NULL)"
    )


def get_message(user, public_id) -> Message:
    """One visible message; Message.DoesNotExist for anyone else's."""
    return visible_messages(user).get(public_id=public_id)


def thread_of(user, message: Message) -> list[Message]:
    """All visible messages of the same case (or the message alone), oldest first."""
    if not message.case_id:
        return [message]
    return list(
        visible_messages(user)
        .filter(case_id=message.case_id)
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def threads(user) -> list[dict]:
    """The mailbox overview: one row per case (newest message first), loose messages alone."""
    rows: dict[Any, dict] = {}
    for message in visible_messages(user).order_by("-created_at", "-id")[:1000]:
        key = ("case", message.case_id) if message.case_id else ("message", message.pk)
        row = rows.get(key)
        if row is None:
            row = rows[key] = {"latest": message, "count": 0, "unread": 0}
        row["count"] += 1
        row["unread"] += int(message.unread)
    return list(rows.values())


def thread_entry(user, case_id: int) -> Message | None:
    """The message to open for a case's thread: the newest open request for documents from
    the authority, else the newest message; None when the account sees none about it."""
    thread = visible_messages(user).filter(case_id=case_id).order_by("-created_at", "-id")
    case = cases.get_case(case_id)
    if case is not None and case.state_kind == "applicant":
        request = thread.filter(kind=Message.Kind.REQUEST).first()
        if request is not None:
            return request
    return thread.first()


def mark_read(user, message: Message) -> None:
    """Opening a thread marks the authority's messages in it as read."""
    now = timezone.now()
    qs = visible_messages(user).filter(
        direction=Message.Direction.FROM_AUTHORITY, read_at__isnull=True
    )
    qs = qs.filter(case_id=message.case_id) if message.case_id else qs.filter(pk=message.pk)
    qs.update(read_at=now)


def attachment_for(user, public_id) -> Attachment:
    """An attachment of a visible message; Attachment.DoesNotExist for anyone else's."""
    return Attachment.objects.select_related("message").get(
        public_id=public_id, message__in=visible_messages(user)
    )


def _kind_for(case_id: int | None, attachments: list) -> str:
    """What a message from the eAkte is, read from the state of its case."""
    case = cases.get_case(case_id)
    if case is None:
        return Message.Kind.NOTICE
    if case.decided_at and attachments:
        return Message.Kind.DECISION
    if case.state_kind == "applicant":
        return Message.Kind.REQUEST
    return Message.Kind.NOTICE


def _store_attachment(message: Message, name: str, data: bytes, mime: str) -> Attachment:
    attachment = Attachment(
        message=message,
        name=(name or "anlage")[:200],
        mime=mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    attachment.file.save(attachment.name, ContentFile(data), save=False)
    attachment.save()
    return attachment


def deliver_message(
    user,
    *,
    subject: str,
    body: str,
    attachments: Iterable[tuple[str, bytes, str]] = (),
    case_id: int | None = None,
    sender_unit=None,
    kind: str | None = None,
) -> Message:
    """Put a message from the authority into the user's mailbox (the company's, when the case
    was filed for a company) and tell the recipients by e-mail that something arrived — the
    e-mail never carries the content. A failing mail server does not undo the delivery."""
    attachments = list(attachments)
    case = cases.get_case(case_id)
    file_number = case.file_number if case else ""
    link = CompanyCase.objects.filter(case_id=case_id).first() if case_id else None
    with transaction.atomic():
        message = Message.objects.create(
            owner=user,
            company=link.company if link else None,
            direction=Message.Direction.FROM_AUTHORITY,
            kind=kind or _kind_for(case_id, attachments),
            subject=subject[:200],
            body=body,
            case_id=case_id,
            file_number=file_number or "",
            sender_name=str(getattr(sender_unit, "name", "") or "")[:200],
            created_at=timezone.now(),
        )
        for name, data, mime in attachments:
            _store_attachment(message, name, data, mime)
        record_event(
            event_kinds.MESSAGE_DELIVERED,
            subject=f"message:{message.pk}",
            data={
                "kind": message.kind,
                "org_unit": getattr(sender_unit, "key", "") or "",
                "case": f"case:{case_id}" if case_id else "",
                "attachments": len(attachments),
            },
        )
    recipients = [user]
    if link is not None:
        recipients = [m.user for m in link.company.memberships.select_related("user")]
    transaction.on_commit(lambda: notify_arrival(message, recipients))
    return message


def notify_arrival(message: Message, recipients) -> int:
    """The e-mail that says a message arrived — never its subject or content. Returns the
    number sent; failures are logged (the message is safe in the mailbox)."""
    base = str(getattr(settings, "WAGTAILADMIN_BASE_URL", "")).rstrip("/")
    sent = 0
    for recipient in recipients:
        if not recipient.email:
            continue
        with translation.override("de"):
            text = render_to_string(
                "accounts/email/new_message.txt",
                {
                    "url": base + reverse("accounts:message", args=[message.public_id]),
                    "mailbox_url": base + reverse("accounts:mailbox"),
                },
            )
            subject = _("New message in your mailbox")
        try:
            send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [recipient.email])
            sent += 1
        except Exception:  # SMTP down: the message waits in the mailbox all the same
            log.exception("notice of message %s could not be e-mailed", message.pk)
    return sent


def _reply_pdf(case, user, subject: str, body: str, when: dt.datetime) -> bytes:
    """The reply's text as a PDF, so the caseworker reads it in the case file."""
    html = render_to_string(
        "accounts/reply_pdf.html",
        {"case": case, "subject": subject, "body": body, "when": when, "sender": user},
    )
    return HTML(string=html).write_pdf()


def reply(user, message: Message, *, body: str, files=(), acting_for: Company | None = None):
    """The account holder answers a message. Attachments are checked by their content with
    the eAkte's validation; for a case, the reply (as PDF) and its attachments are filed in the
    case — answering an open request for documents returns the case to the caseworker's inbox.
    Nothing is stored when anything is refused."""
    body = (body or "").strip()
    files = list(files)
    if not body and not files:
        raise AccountError(_("Write a message or attach a file."))
    if len(body) > 10_000:
        raise AccountError(_("The message is too long (at most 10,000 characters)."))
    if len(files) > MAX_REPLY_FILES:
        raise AccountError(_("Attach at most %(n)s files.") % {"n": MAX_REPLY_FILES})
    validated = []
    for upload in files:
        data = upload.read() if hasattr(upload, "read") else upload[1]
        name = getattr(upload, "name", None) or upload[0]
        try:
            validated.append(cases.validate_upload(name, data))
        except cases.UploadRejected as exc:
            raise AccountError(str(exc)) from None
    if message.company_id and acting_for is None:
        acting_for = message.company
    subject = message.subject if message.subject.startswith("AW:") else f"AW: {message.subject}"
    now = timezone.now()
    with transaction.atomic():
        if message.case_id and not may_see_case(user, message.case_id):
            raise AccountError(_("This case is not yours."))
        answer = Message.objects.create(
            owner=message.owner if message.company_id else user,
            company=message.company if message.company_id else None,
            direction=Message.Direction.FROM_USER,
            kind=Message.Kind.REPLY,
            subject=subject[:200],
            body=body,
            case_id=message.case_id,
            file_number=message.file_number,
            sender_name=(acting_for.name if acting_for else user.get_full_name() or user.username)[
                :200
            ],
            reply_to=message,
            created_at=now,
        )
        for item in validated:
            _store_attachment(answer, item.name, item.data, item.mime)
        if message.case_id:
            _file_reply_in_case(message.case_id, user, answer, validated)
        record_event(
            event_kinds.MESSAGE_REPLIED,
            subject=f"message:{answer.pk}",
            data={
                "case": f"case:{message.case_id}" if message.case_id else "",
                "attachments": len(validated),
            },
        )
    return answer


def _file_reply_in_case(case_id: int, user, answer: Message, validated: list) -> None:
    """File the reply in its case through the eAkte (one transaction with ours): the text as a
    PDF, the attachments as they are. Which case rule applies is the eAkte's decision."""
    message_pdf = None
    if answer.body:
        case = cases.get_case(case_id)
        pdf = _reply_pdf(case, user, answer.subject, answer.body, answer.created_at)
        message_pdf = cases.ValidatedFile(
            name=f"Nachricht-{timezone.localtime(answer.created_at):%Y%m%d-%H%M}.pdf",
            data=pdf,
            mime="application/pdf",
            sha256=hashlib.sha256(pdf).hexdigest(),
            size=len(pdf),
            doc_type="nachricht",
        )
    cases.file_reply(case_id, attachments=validated, message_pdf=message_pdf)


# -- GDPR -------------------------------------------------------------------------------------
def export_data(user) -> dict[str, Any]:
    """Everything stored about the account (GDPR Art. 15), as JSON-ready data."""
    profile = profile_for(user)
    emails = [
        {"email": e.email, "verified": e.verified, "primary": e.primary}
        for e in user.emailaddress_set.all()
    ]
    messages = [
        {
            "id": str(m.public_id),
            "direction": m.direction,
            "kind": m.kind,
            "subject": m.subject,
            "file_number": m.file_number,
            "sender": m.sender_name,
            "company": m.company.name if m.company else None,
            "created_at": m.created_at.isoformat(),
            "read_at": m.read_at.isoformat() if m.read_at else None,
            "attachments": [
                {"name": a.name, "size": a.size, "sha256": a.sha256, "mime": a.mime}
                for a in m.attachments.all()
            ],
        }
        for m in visible_messages(user).prefetch_related("attachments")
    ]
    companies = [
        {"name": m.company.name, "role": m.role, "since": m.created_at.isoformat()}
        for m in CompanyMembership.objects.filter(user=user).select_related("company")
    ]
    invitations = [
        {"company": i.company.name, "role": i.role, "expires_at": i.expires_at.isoformat()}
        for i in CompanyInvitation.objects.filter(
            email__in=[e["email"].lower() for e in emails], expires_at__gt=timezone.now()
        ).select_related("company")
    ]
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "username": user.username,
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "email_addresses": emails,
            "second_factor": _has_totp(user),
        },
        "profile": {
            name: (
                getattr(profile, name).isoformat()
                if name == "birth_date" and getattr(profile, name)
                else getattr(profile, name)
            )
            for name in PROFILE_FIELDS
        }
        if profile
        else None,
        **personal_data.export_all(user),  # applications, cases, … (every app that registered)
        "messages": messages,
        "companies": companies,
        "company_invitations": invitations,
    }


def _has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def delete_account(user) -> None:
    """Delete the account (GDPR Art. 17). Drafts are deleted with their uploads; messages and
    their attachments go; cases stay with the authority (the law requires it) and only lose
    their link to the account (they keep the applicant's address for letters)."""
    if _is_staff_account(user):
        raise AccountError(_("Staff accounts are removed by the administration."))
    for company in companies_of(user):
        member = membership(user, company)
        others = company.memberships.exclude(user=user)
        lone_admin = not others.filter(role=CompanyMembership.Role.ADMIN).exists()
        if member.role == CompanyMembership.Role.ADMIN and others.exists() and lone_admin:
            raise AccountError(
                _("Make another member an administrator of %(company)s first.")
                % {"company": company.name}
            )
    pk = user.pk
    files = []
    with transaction.atomic():
        personal_data.erase_all(user)  # drafts and their uploads (forms), … every app's part
        for company in companies_of(user):
            if not company.memberships.exclude(user=user).exists():
                files += [a.file for a in Attachment.objects.filter(message__company=company)]
                company.delete()
        files += [
            a.file
            for a in Attachment.objects.filter(message__owner=user, message__company__isnull=True)
        ]
        # Company messages stay with the company: hand them to a remaining member.
        for message in Message.objects.filter(owner=user, company__isnull=False):
            heir = message.company.memberships.exclude(user=user).first()
            message.owner = heir.user
            message.save(update_fields=["owner"])
        user.delete()  # cases: applicant_user SET_NULL; applications: user SET_NULL
        record_event(event_kinds.ACCOUNT_DELETED, subject=f"account:{pk}", data={})
    for stored in files:
        transaction.on_commit(lambda stored=stored: stored.delete(save=False))


def _is_staff_account(user) -> bool:
    return bool(user.is_staff or user.is_superuser or memberships(user).exists())
