"""Data and invariants of the accounts app: the profile (stored once, prefilled into forms),
companies with members, and the secure mailbox (Postfach) with attachments."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """What a citizen tells us once: name, address, date of birth, contact."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="citizen_profile"
    )
    first_name = models.CharField(_("first name(s)"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    city = models.CharField(_("town"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"profile of user {self.user_id}"


class Company(models.Model):
    """An Unternehmenskonto: a company acting through several member accounts."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("company name"), max_length=200)
    register_number = models.CharField(_("commercial register number"), max_length=60, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    city = models.CharField(_("town"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name


class CompanyMembership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MEMBER = "member", _("Member")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="one_membership_per_company")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.company_id} ({self.role})"


class CompanyInvitation(models.Model):
    """An administrator's invitation to an e-mail address. Nobody becomes a member without
    consent: the invitation turns into a membership only when the invitee opens the link
    while logged in with an account that has this verified address, and accepts. The
    inviter learns nothing about the address (whether it has an account, whose it is) until
    then; only the hash of the link's token is stored. Accepting, declining or withdrawing
    deletes the row, and expired rows are deleted with the next invitation."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        max_length=10, choices=CompanyMembership.Role.choices, default=CompanyMembership.Role.MEMBER
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"invitation {self.pk} to company {self.company_id}"


class CompanyCase(models.Model):
    """A case a member filed for the company: its messages go to the company's mailbox and
    every member sees the application."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="cases")
    case_id = models.BigIntegerField(unique=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"case {self.case_id} for company {self.company_id}"


class Message(models.Model):
    """One message in the Postfach: from the authority (decision, request, notice) or a reply
    from the account holder. Messages about a case form a thread (same `case_id`)."""

    class Kind(models.TextChoices):
        DECISION = "decision", _("Decision")
        REQUEST = "request", _("Request for documents")
        NOTICE = "notice", _("Notice")
        REPLY = "reply", _("Your reply")

    class Direction(models.TextChoices):
        FROM_AUTHORITY = "in", _("from the authority")
        FROM_USER = "out", _("from you")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mailbox_messages"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    file_number = models.CharField(max_length=80, blank=True)
    sender_name = models.CharField(max_length=200, blank=True)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "read_at"]),
            models.Index(fields=["company", "read_at"]),
            models.Index(fields=["owner", "case_id", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def unread(self) -> bool:
        return self.direction == self.Direction.FROM_AUTHORITY and self.read_at is None


def attachment_path(instance: Attachment, filename: str) -> str:
    # A random name: the original name is kept in the row, never used as a path.
    return f"mailbox/{instance.public_id.hex[:2]}/{instance.public_id.hex}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    file = models.FileField(upload_to=attachment_path)
    mime = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
