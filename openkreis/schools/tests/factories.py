"""Test data for the driving schools' channel: accounts, a school with a member, a pupil,
small valid certificates (a PDF and a PNG) and a submitted application."""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from openkreis.accounts import services as accounts
from openkreis.catalog.models import Service
from openkreis.schools import demo, services
from openkreis.schools.models import DrivingSchool, PendingUpload, SchoolApplication


def make_user(username: str, email: str | None = None, first="Sabine", last="Lehmann"):
    """A citizen account with a verified e-mail address."""
    email = email or f"{username}@example.org"
    user = get_user_model().objects.create_user(
        username, email, "pw-not-used-1!", first_name=first, last_name=last
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def school_with_member(key: str, username: str) -> tuple[DrivingSchool, object]:
    """A school of the county data with a company account and its first member."""
    school = DrivingSchool.objects.get(key=key)
    member = make_user(username)
    company = accounts.create_company(member, name=school.name)
    services.link_company(school, company)
    school.refresh_from_db()
    return school, member


def make_pupil(**overrides) -> services.Pupil:
    values = {
        "first_name": "Lena",
        "last_name": "Vogel",
        "birth_date": dt.date(2008, 3, 14),
        "street": "Domplatz 7",
        "postcode": "38820",
        "city": "Halberstadt",
        "email": "lena@example.org",
    }
    values.update(overrides)
    return services.Pupil(**values)


FILES = [
    (PendingUpload.Kind.EYE_TEST, "sehtest.pdf", demo.demo_pdf()),
    (PendingUpload.Kind.FIRST_AID, "erste-hilfe.png", demo.demo_png()),
]


def submit(school, member, consent="signed", **pupil) -> SchoolApplication:
    return services.submit_for_pupil(
        member,
        school,
        service=Service.objects.get(slug="fahrerlaubnis-ersterteilung"),
        classes=["B"],
        pupil=make_pupil(**pupil),
        eye_test_date=dt.date.today() - dt.timedelta(days=10),
        files=FILES,
        consent=consent,
    )
