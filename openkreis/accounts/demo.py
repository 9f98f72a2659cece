"""Demo: a citizen login with a filled profile and a few mailbox messages that came through
the real eAkte paths (a request for documents, a decision with its PDF, a notice)."""

from __future__ import annotations

import datetime as dt
import io

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from pypdf import PdfWriter

from openkreis.cases import services as cases
from openkreis.catalog.models import Service

from . import services
from .models import Message

USERNAME = "buerger"
EMAIL = "buerger@example.org"
PASSWORD = "harz-buerger-demo-2026"  # noqa: S105 (printed demo login)


def _pdf() -> bytes:

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _answers(*pages) -> dict:
    """What the demo citizen answered online, shaped like the check-answers summary the
    intake stores: the caseworker sees it grouped like the form (issue 14.1)."""
    return {
        "demo": True,
        "summary": [
            {
                "key": key,
                "title": title,
                "answers": [{"label": label, "value": value} for label, value in rows],
            }
            for key, title, rows in pages
        ],
    }


RESIDENCE_ANSWERS = _answers(
    (
        "herkunft",
        "Staatsangehörigkeit und Geburtsort",
        [("Staatsangehörigkeit", "ukrainisch"), ("Geburtsort und Geburtsland", "Lwiw, Ukraine")],
    ),
    (
        "eu_person",
        "Die Person aus der EU",
        [
            ("Name der Person", "Jan Beispiel"),
            ("Staatsangehörigkeit der Person", "Polen"),
            ("Wie sind Sie mit der Person verbunden?", "Ehegattin oder Ehegatte"),
            ("Warum lebt die Person in Deutschland?", "Arbeit"),
        ],
    ),
)


def _licence_answers() -> dict:
    eye_test = timezone.localdate() - dt.timedelta(days=30)
    return _answers(
        (
            "klassen",
            "Welche Fahrerlaubnis möchten Sie?",
            [
                ("Fahrerlaubnisklassen", "B – Auto"),
                ("Möchten Sie begleitet ab 17 fahren (BF17)?", "Nein"),
            ],
        ),
        (
            "fahrschule",
            "Ihre Fahrschule",
            [("Name der Fahrschule", "Fahrschule am Dom, Halberstadt")],
        ),
        (
            "nachweise",
            "Sehtest und Erste Hilfe",
            [("Datum des Sehtests", eye_test.strftime("%d.%m.%Y"))],
        ),
    )


def load_demo(tenant, folder, report) -> None:

    user, created = get_user_model().objects.get_or_create(
        username=USERNAME,
        defaults={"email": EMAIL, "first_name": "Erika", "last_name": "Beispiel"},
    )
    if created:
        user.set_password(PASSWORD)
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=EMAIL, defaults={"verified": True, "primary": True}
    )
    services.update_profile(
        user,
        first_name="Erika",
        last_name="Beispiel",
        birth_date=dt.date(1985, 6, 14),
        street="Markt 3",
        postcode="38820",
        city="Halberstadt",
        phone="03941 123456",
    )
    report.write(f"\nBürgerkonto (/mein-konto/): {USERNAME} / {PASSWORD}")
    if Message.objects.filter(owner=user).exists():
        return
    workers = {u.username: u for u in get_user_model().objects.filter(username__startswith="sb-")}
    applicant = cases.Applicant(
        name="Erika Beispiel",
        email=EMAIL,
        street="Markt 3",
        postcode="38820",
        city="Halberstadt",
        date_of_birth=dt.date(1985, 6, 14),
        user=user,
    )
    pending = []
    residence = Service.objects.filter(slug="aufenthaltskarte-eu").first()
    if residence is not None and "sb-auslaender" in workers:
        case = cases.open_case(
            service=residence,
            channel="online",
            applicant=applicant,
            data=RESIDENCE_ANSWERS,
            documents=[("reisepass.pdf", _pdf())],
        )
        worker = workers["sb-auslaender"]
        case = cases.transition(case, "claim", actor=worker)
        cases.request_documents(
            case,
            ["Meldebescheinigung", "Nachweis der Krankenversicherung"],
            timezone.localdate() + dt.timedelta(days=14),
            actor=worker,
            message="Den Nachweis der Krankenversicherung stellt Ihnen Ihre Krankenkasse aus.",
        )
        pending.append(case.file_number)
    licence = Service.objects.filter(slug="fahrerlaubnis-ersterteilung").first()
    if licence is not None and "sb-fahrerlaubnis" in workers:
        case = cases.open_case(
            service=licence,
            channel="online",
            applicant=applicant,
            data=_licence_answers(),
            documents=[("sehtest.pdf", _pdf())],
        )
        worker = workers["sb-fahrerlaubnis"]
        case = cases.transition(case, "claim", actor=worker)
        cases.decide(
            case,
            actor=worker,
            outcome="granted",
            text="Alle Voraussetzungen liegen vor. Der Führerschein kann abgeholt werden.",
        )
        pending.append(case.file_number)
    with transaction.atomic():
        services.deliver_message(
            user,
            subject="Willkommen im Postfach des Landkreises Harz",
            body=(
                "Guten Tag,\n\nin diesem Postfach erhalten Sie Bescheide, Nachforderungen und "
                "Hinweise der Verwaltung. Wir schreiben Ihnen eine E-Mail, wenn etwas ankommt.\n\n"
                "Mit freundlichen Grüßen\nLandkreis Harz"
            ),
        )
    report.write(f"  mailbox: a request, a decision (PDF) and a notice; cases {', '.join(pending)}")
