"""factory-boy factories for the forms app: form definitions, applications (drafts and
sent ones), payments and feedback.

An application made here skips the pages (no prefill, no `application.started` event) and,
with `submitted=True`, intake too: it is simply marked as sent. Use that for tests about
who may open an application or what a page shows for it; the journey through the pages and
into the eAkte is tested with the views (test_views.py, test_with_intake.py).

Harz's forms are loaded in every test database: `ApplicationFactory(form_key=
"aufenthaltskarte-eu")` takes the county's form; without `form_key` a new one-page form for
a new online service is made.
"""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from openkreis.catalog.tests.factories import ServiceFactory
from openkreis.core.models import Tenant
from openkreis.core.tests.factories import UserFactory
from openkreis.forms.models import Application, Feedback, FormDefinition, Payment
from openkreis.forms.schema import checksum, normalise


def one_page_form(key: str, service: str = "") -> dict:
    """A valid definition in normal form: one page asking what the application is about."""
    return normalise(
        {
            "key": key,
            "title": {"de": "Testantrag", "en": "Test application"},
            "service": service,
            "pages": [
                {
                    "key": "anliegen",
                    "title": {"de": "Ihr Anliegen", "en": "Your request"},
                    "fields": [
                        {
                            "key": "request",
                            "type": "textarea",
                            "label": {"de": "Anliegen", "en": "Request"},
                            "required": True,
                        }
                    ],
                }
            ],
        }
    )


class FormDefinitionFactory(DjangoModelFactory):
    """A one-page form of a new Harz service that is offered online."""

    class Meta:
        model = FormDefinition

    tenant = factory.LazyFunction(lambda: Tenant.objects.get(slug="harz"))
    key = factory.Sequence(lambda n: f"test-formular-{n}")
    service = factory.SubFactory(
        ServiceFactory,
        online_url=factory.LazyAttribute(lambda o: f"/antrag/{o.slug}/"),
        maturity=3,
    )
    definition = factory.LazyAttribute(lambda o: one_page_form(o.key, o.service.slug))
    title = factory.LazyAttribute(lambda o: o.definition["title"]["de"])
    checksum = factory.LazyAttribute(lambda o: checksum(o.definition))


class ApplicationFactory(DjangoModelFactory):
    """A draft of a new citizen; `submitted=True` marks it as sent (with a file number)."""

    class Meta:
        model = Application

    class Params:
        form_key = None
        submitted = factory.Trait(
            status=Application.Status.SUBMITTED,
            submitted_at=factory.LazyFunction(timezone.now),
            file_number=factory.Sequence(lambda n: f"TEST-{n:06d}"),
        )

    user = factory.SubFactory(UserFactory)
    form = factory.Maybe(
        "form_key",
        yes_declaration=factory.LazyAttribute(
            lambda o: FormDefinition.objects.get(tenant__slug="harz", key=o.form_key)
        ),
        no_declaration=factory.SubFactory(FormDefinitionFactory),
    )
    service = factory.SelfAttribute("form.service")
    status = Application.Status.DRAFT


class PaymentFactory(DjangoModelFactory):
    """A paid fee through the recording provider (the one every test setup has)."""

    class Meta:
        model = Payment

    application = factory.SubFactory(ApplicationFactory)
    provider = "recording"
    amount = Decimal("22.80")
    status = Payment.Status.PAID
    reference = factory.Sequence(lambda n: f"REC-TEST-{n}")
    paid_at = factory.LazyFunction(timezone.now)


class FeedbackFactory(DjangoModelFactory):
    """One rating of a Harz service, stored (as always) without the person."""

    class Meta:
        model = Feedback

    tenant = "harz"
    service = "aufenthaltskarte-eu"
    org_unit = "auslaenderbehoerde"
    rating = 4
    comment = ""
