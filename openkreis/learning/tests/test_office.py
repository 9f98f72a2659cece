"""The learning office (/digital/verwaltung/): role learning_office and a second factor;
approves and removes teachers; sees groups with counts only."""

from __future__ import annotations

import pytest
from django.test import Client

from openkreis.core.testing import login_staff, make_staff
from openkreis.learning import groups
from openkreis.learning.models import Teacher

from .factories import learner, teacher

pytestmark = pytest.mark.django_db
UNIT = "digitale-werkstatt"


def test_office_needs_the_role_and_a_second_factor(client):
    assert client.get("/digital/verwaltung/").status_code == 302  # to the login
    client.force_login(learner())
    assert client.get("/digital/verwaltung/").status_code == 403
    user, secret = make_staff("t-digital-buero", UNIT, "learning_office")
    client.force_login(user)  # a password-only session: logged out, to the MFA login
    response = client.get("/digital/verwaltung/")
    assert response.status_code == 302 and "/konto/login/" in response["Location"]
    login_staff(client, user, secret)
    assert client.get("/digital/verwaltung/").status_code == 200
    other, other_secret = make_staff("t-sachbearbeitung", UNIT, "caseworker")
    caseworker = Client()
    login_staff(caseworker, other, other_secret)
    assert caseworker.get("/digital/verwaltung/").status_code == 403


def test_office_approves_and_removes_teachers_and_sees_counts_only(client):
    user, secret = make_staff("t-digital-buero-2", UNIT, "learning_office")
    login_staff(client, user, secret)
    applicant = learner("bewerberin")
    groups.apply(applicant, "Seniorenbeirat Quedlinburg")
    owner = teacher("lehrerin-kurs")
    group = groups.create_group(owner, name="Gruppe mit Zahlen", kind="club")
    member = learner("geheimes-mitglied")
    groups.join(member, group.join_code)
    page = client.get("/digital/verwaltung/").content.decode()
    assert "Seniorenbeirat Quedlinburg" in page and "Gruppe mit Zahlen" in page
    assert "geheimes-mitglied" not in page
    pending = Teacher.objects.get(user=applicant)
    response = client.post(f"/digital/verwaltung/lehrkraefte/{pending.pk}/", {"action": "approve"})
    assert response.status_code == 302
    assert groups.is_teacher(applicant)
    assert (
        client.post(f"/digital/verwaltung/lehrkraefte/{pending.pk}/", {"action": "x"}).status_code
        == 400
    )
    response = client.post(f"/digital/verwaltung/lehrkraefte/{pending.pk}/", {"action": "remove"})
    assert response.status_code == 302 and not groups.is_teacher(applicant)
    assert (
        client.post(
            f"/digital/verwaltung/lehrkraefte/{pending.pk}/", {"action": "remove"}
        ).status_code
        == 404
    )
