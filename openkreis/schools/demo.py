"""Demo: the driving school "Fahrschule Brocken" with a member login and three pupils'
applications in different states, made through the real paths (the school submits, the
pupil consents, the caseworker claims and decides)."""

from __future__ import annotations

import datetime as dt
import io

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from openkreis.accounts import services as accounts
from openkreis.cases import services as cases
from openkreis.cases.models import Case
from openkreis.catalog.models import Service

from . import services
from .models import DrivingSchool, PendingUpload, SchoolApplication

USERNAME = "fahrschule"
EMAIL = "fahrschule@example.org"
PASSWORD = "harz-fahrschule-demo-2026"  # noqa: S105 (printed demo login)
SCHOOL_KEY = "fahrschule-brocken"


def demo_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def demo_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (240, 240, 240)).save(buffer, format="PNG")
    return buffer.getvalue()


PUPILS = [
    # name, birth date, street, e-mail, classes, consent, then: claim / decide
    (
        "Lena",
        "Vogel",
        dt.date(2008, 3, 14),
        "Domplatz 7",
        "lena.vogel@example.org",
        ["B"],
        "signed",
        "decide",
    ),
    (
        "Jonas",
        "Krüger",
        dt.date(2008, 9, 2),
        "Hoher Weg 21",
        "jonas.krueger@example.org",
        ["A1", "B"],
        "signed",
        "claim",
    ),
    (
        "Mia",
        "Schulze",
        dt.date(2009, 1, 23),
        "Kühlinger Straße 5",
        "mia.schulze@example.org",
        ["B"],
        "link",
        "",
    ),
]


def load_demo(tenant, folder, report) -> None:
    school = DrivingSchool.objects.filter(key=SCHOOL_KEY).first()
    service = Service.objects.filter(slug="fahrerlaubnis-ersterteilung").first()
    if school is None or service is None:
        return
    user, created = get_user_model().objects.get_or_create(
        username=USERNAME,
        defaults={"email": EMAIL, "first_name": "Sabine", "last_name": "Lehmann"},
    )
    if created:
        user.set_password(PASSWORD)
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=EMAIL, defaults={"verified": True, "primary": True}
    )
    if school.company is None:
        company = accounts.create_company(
            user,
            name=school.name,
            street=school.street,
            postcode=school.postcode,
            city=school.city,
        )
        services.link_company(school, company)
    report.write(f"\nFahrschule (/fahrschule/): {USERNAME} / {PASSWORD}")
    if SchoolApplication.objects.filter(school=school).exists():
        return
    workers = {u.username: u for u in get_user_model().objects.filter(username__startswith="sb-")}
    worker = workers.get("sb-fahrerlaubnis")
    today = timezone.localdate()
    made = []
    for first, last, birth, street, email, classes, consent, step in PUPILS:
        application = services.submit_for_pupil(
            user,
            school,
            service=service,
            classes=classes,
            pupil=services.Pupil(
                first_name=first,
                last_name=last,
                birth_date=birth,
                street=street,
                postcode="38820",
                city="Halberstadt",
                email=email,
            ),
            eye_test_date=today - dt.timedelta(days=30),
            files=[
                (PendingUpload.Kind.EYE_TEST, "sehtest.pdf", demo_pdf()),
                (PendingUpload.Kind.FIRST_AID, "erste-hilfe.png", demo_png()),
            ],
            consent=consent,
        )
        if application.case_id and worker is not None and step:
            case = Case.objects.get(pk=application.case_id)
            case = cases.transition(case, "claim", actor=worker)
            if step == "decide":
                cases.decide(
                    case,
                    actor=worker,
                    outcome="granted",
                    text="Alle Voraussetzungen liegen vor. Der Prüfauftrag geht an die Prüfstelle.",
                )
        made.append(f"{first} {last}")
    report.write(f"  {school.name}: applications for {', '.join(made)}")
