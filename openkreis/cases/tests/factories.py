"""Test data of the eAkte: sample files, the applicant Erika Mustermann, `open_demo_case`
(a case opened through `services.open_case`, as every channel does) and factory-boy
factories for the eAkte's models.

The factories write rows only — no history, no cockpit event, no audit entry, no file
number from the counter. Use them for a case in a given state when the test is about
something else (a query, a letter, a page); tests of opening a case or of a workflow step
go through `open_demo_case` and the services.

Every test database has Landkreis Harz loaded, with its file plan and procedures: a case
is filed for a Harz service, under the procedure and plan item the county configured for
it, in the unit responsible for it (`CaseFactory(slug="fahrerlaubnis-ersterteilung")`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from openkreis.cases import services, workflow
from openkreis.cases.models import (
    Case,
    Delivery,
    Document,
    DocumentRequest,
    DocumentVersion,
    FilePlanItem,
    Procedure,
)
from openkreis.catalog.models import Competence, Service
from openkreis.core import testing


# -- sample files -----------------------------------------------------------------------------
def pdf_bytes(text: str = "Hallo", javascript: bool = False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if javascript:  # an OpenAction running JavaScript when the file is opened
        action = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('x');"),
            }
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bytes(width=20, height=20) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, "PNG")
    return buffer.getvalue()


# -- cases through the services ---------------------------------------------------------------
def applicant(**extra):
    return services.Applicant(
        name="Erika Mustermann",
        email="erika@example.org",
        street="Markt 1",
        postcode="38855",
        city="Wernigerode",
        **extra,
    )


def open_demo_case(slug="fahrerlaubnis-ersterteilung", **kwargs):
    return services.open_case(
        service=Service.objects.get(slug=slug),
        channel="online",
        applicant=kwargs.pop("applicant", applicant()),
        documents=kwargs.pop("documents", [("antrag.pdf", pdf_bytes())]),
        **kwargs,
    )


# -- factories --------------------------------------------------------------------------------
class FilePlanItemFactory(DjangoModelFactory):
    """A subject group of its own in the file plan (codes 99.xx.yy are not Harz's)."""

    class Meta:
        model = FilePlanItem
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"99.{n // 100:02d}.{n % 100:02d}")
    title = factory.Sequence(lambda n: f"Testgruppe {n}")
    retention_years = 10

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)


class ProcedureFactory(DjangoModelFactory):
    """A procedure with the states and steps of Harz's generic procedure."""

    class Meta:
        model = Procedure
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"test-verfahren-{n}")
    name = factory.Sequence(lambda n: f"Testverfahren {n}")
    definition = factory.LazyAttribute(
        lambda o: {**Procedure.objects.get(key="generic").definition, "key": o.key}
    )

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)


def _competent_unit(service: Service):
    return Competence.objects.filter(service=service).select_related("org_unit").first().org_unit


class CaseFactory(DjangoModelFactory):
    """A case of the Harz service `slug` (Kfz-Zulassung, generic procedure, by default) in
    the initial state of its procedure; pass `state="in_progress"` and the state kind
    follows. The `decided` trait gives a granted decision with its retention date."""

    class Meta:
        model = Case

    class Params:
        slug = "kfz-zulassung"
        decided = factory.Trait(
            state="decided",
            decided_at=factory.LazyFunction(timezone.now),
            outcome="granted",
            retain_until=factory.LazyFunction(
                lambda: timezone.localdate() + dt.timedelta(days=365 * 10)
            ),
        )

    service = factory.LazyAttribute(lambda o: Service.objects.get(tenant__slug="harz", slug=o.slug))
    procedure = factory.LazyAttribute(lambda o: services.procedure_for(o.service))
    plan_item = factory.LazyAttribute(lambda o: services.plan_item_for(o.service))
    org_unit = factory.LazyAttribute(lambda o: _competent_unit(o.service))
    file_number = factory.LazyAttributeSequence(lambda o, n: f"{o.plan_item.code}-TEST-{n:06d}")
    channel = Case.Channel.ONLINE
    state = factory.LazyAttribute(lambda o: o.procedure.definition["initial"])
    state_kind = factory.LazyAttribute(
        lambda o: workflow.state_info(o.procedure.definition, o.state)["kind"]
    )
    received_at = factory.LazyFunction(timezone.now)
    applicant_name = "Erika Mustermann"
    applicant_email = "erika@example.org"
    applicant_address = "Markt 1, 38855 Wernigerode"


class DocumentFactory(DjangoModelFactory):
    """A document of a case (without a stored file: add a DocumentVersionFactory)."""

    class Meta:
        model = Document

    case = factory.SubFactory(CaseFactory)
    title = "antrag.pdf"
    channel = factory.SelfAttribute("case.channel")
    sender = factory.SelfAttribute("case.applicant_name")
    received_at = factory.LazyFunction(timezone.now)


class DocumentVersionFactory(DjangoModelFactory):
    """A stored PDF of a new document (pass `data=…` for other bytes)."""

    class Meta:
        model = DocumentVersion

    class Params:
        data = factory.LazyFunction(pdf_bytes)

    document = factory.SubFactory(DocumentFactory)
    number = 1
    filename = factory.SelfAttribute("document.title")
    mime = "application/pdf"
    size = factory.LazyAttribute(lambda o: len(o.data))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.data).hexdigest())
    file = factory.LazyAttribute(lambda o: ContentFile(o.data, name=o.filename))


class DocumentRequestFactory(DjangoModelFactory):
    """An open request for documents, due in two weeks, of a case waiting for them."""

    class Meta:
        model = DocumentRequest

    case = factory.SubFactory(CaseFactory, state="waiting")
    items = factory.LazyFunction(lambda: ["Sehtest"])
    deadline = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))
    created_at = factory.LazyFunction(timezone.now)


class DeliveryFactory(DjangoModelFactory):
    """A letter waiting to be sent (a request for documents, with its request)."""

    class Meta:
        model = Delivery

    case = factory.SubFactory(CaseFactory, state="waiting")
    what = Delivery.What.REQUEST
    request = factory.SubFactory(DocumentRequestFactory, case=factory.SelfAttribute("..case"))
    status = Delivery.Status.PENDING
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.SelfAttribute("created_at")
    next_attempt_at = factory.SelfAttribute("created_at")


# -- people -----------------------------------------------------------------------------------
ROLES = {
    "citizen": ("pressestelle", ()),
    "other-unit": ("sozialamt", ("caseworker",)),
    "mail-room": ("fahrerlaubnisbehoerde", ("mail_room",)),
    "auditor": ("fachbereich-landrat", ("auditor",)),
    "own-unit": ("fahrerlaubnisbehoerde", ("caseworker",)),
    "lead-above": ("ordnungsamt-kreis", ("team_lead",)),
    "lead-other": ("sozialamt", ("team_lead",)),
}


def login_as(client, role):
    """Log `client` in (password and TOTP) as a new staff member with `role` from ROLES."""
    return testing.login_as(client, role, ROLES, prefix="t")
