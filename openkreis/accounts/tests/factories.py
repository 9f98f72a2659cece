"""factory-boy factories for the accounts app: citizens (user with a verified e-mail
address), profiles, companies with members, mailbox messages and their attachments.

A message made here is a row only: no `message.delivered` event and no notice e-mail (that
is `services.deliver_message`, tested in test_mailbox.py). Use it for tests about who may
see, read or answer a message, not about how one arrives.
"""

from __future__ import annotations

import hashlib
import io

import factory
from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from openkreis.accounts.models import Attachment, Company, CompanyMembership, Message, Profile
from openkreis.cases import services as cases
from openkreis.cases.models import Case
from openkreis.catalog.models import Service
from openkreis.core.tests.factories import UserFactory

PASSWORD = "Sicheres-Passwort-2026"


def pdf_bytes() -> bytes:
    """A small, well-formed one-page PDF (the eAkte refuses damaged ones)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


class CitizenFactory(UserFactory):
    """A citizen who has confirmed their e-mail address (so they can log in), with the
    password PASSWORD."""

    username = factory.Sequence(lambda n: f"buerger{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create and self.email:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class ProfileFactory(DjangoModelFactory):
    class Meta:
        model = Profile
        django_get_or_create = ("user",)

    user = factory.SubFactory(CitizenFactory)
    first_name = "Anna"
    last_name = "Berg"
    street = "Markt 1"
    postcode = "38855"
    city = "Wernigerode"


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Harzer Testbetrieb {n} GmbH")
    city = "Halberstadt"


class CompanyMembershipFactory(DjangoModelFactory):
    """A member (pass role=CompanyMembership.Role.ADMIN for an administrator)."""

    class Meta:
        model = CompanyMembership

    company = factory.SubFactory(CompanyFactory)
    user = factory.SubFactory(CitizenFactory)
    role = CompanyMembership.Role.MEMBER


class MessageFactory(DjangoModelFactory):
    """An unread notice from the authority in a new citizen's mailbox; with `case_id` it
    carries the case's file number (and belongs to the case's thread)."""

    class Meta:
        model = Message

    owner = factory.SubFactory(CitizenFactory)
    direction = Message.Direction.FROM_AUTHORITY
    kind = Message.Kind.NOTICE
    subject = factory.Sequence(lambda n: f"Hinweis {n}")
    body = "Bitte beachten Sie den Hinweis."
    case_id = None
    file_number = factory.LazyAttribute(
        lambda o: (
            Case.objects.filter(pk=o.case_id).values_list("file_number", flat=True).first() or ""
        )
    )
    created_at = factory.LazyFunction(timezone.now)


class AttachmentFactory(DjangoModelFactory):
    """A PDF attached to a message, stored like an upload (random path)."""

    class Meta:
        model = Attachment

    class Params:
        data = factory.LazyFunction(pdf_bytes)

    message = factory.SubFactory(MessageFactory)
    name = "anlage.pdf"
    mime = "application/pdf"
    size = factory.LazyAttribute(lambda o: len(o.data))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.data).hexdigest())
    file = factory.LazyAttribute(lambda o: ContentFile(o.data, name=o.name))


def open_case_for(user, slug="aufenthaltskarte-eu"):
    """A case of `user`'s online application (through the eAkte's services), with a PDF."""
    return cases.open_case(
        service=Service.objects.get(slug=slug),
        channel="online",
        applicant=cases.Applicant(
            name=user.get_full_name() or user.username,
            email=user.email,
            street="Markt 1",
            postcode="38855",
            city="Wernigerode",
            user=user,
        ),
        documents=[("antrag.pdf", pdf_bytes())],
    )


def join_company(company, *, admin, user, role="member"):
    """`admin` invites `user` and `user` accepts (the only way into a company)."""
    from openkreis.accounts import services

    _invitation, token = services.invite_member(company, actor=admin, email=user.email, role=role)
    return services.accept_invitation(user, token)
