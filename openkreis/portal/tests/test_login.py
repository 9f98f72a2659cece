"""Staff login to the editorial admin: argon2 hashes, one login page with a second factor,
and rate limiting."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import override_settings

from openkreis.core.staff import add_staff
from openkreis.core.testing import login_staff, make_staff

pytestmark = pytest.mark.django_db


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_hashed_with_argon2(harz):
    user = User.objects.create_user("hash", password="ein-langes-passwort-2026")
    assert user.password.startswith("argon2$")


def test_login_is_locked_after_five_failures(client, harz):
    add_staff("redakteurin", "redakteurin@example.org", "richtiges-passwort-2026")
    for _ in range(4):
        response = client.post("/konto/login/", {"login": "redakteurin", "password": "falsch"})
        assert response.status_code == 200  # the form again, with an error
    fifth = client.post("/konto/login/", {"login": "redakteurin", "password": "falsch"})
    assert fifth.status_code == 429
    locked = client.post(
        "/konto/login/", {"login": "redakteurin", "password": "richtiges-passwort-2026"}
    )
    # Two locks guard the door: django-axes (429 page) and allauth's own failed-login limit,
    # which answers first here with the form and its message. Either way: no login.
    assert locked.status_code in (200, 429)
    assert "Zu viele" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked out.
    add_staff("kollege", "kollege@example.org", "anderes-passwort-2026")
    ok = client.post("/konto/login/", {"login": "kollege", "password": "anderes-passwort-2026"})
    assert ok.status_code == 302


def test_the_admins_own_login_forms_lead_to_the_one_login(client, harz):
    for url in ("/admin/login/?next=/admin/pages/", "/django-admin/login/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/konto/login/?next=")
    posted = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert posted.status_code == 302 and posted["Location"].startswith("/konto/login/")


def test_password_and_second_factor_reach_the_admin(client, harz):
    chef, secret = make_staff("chef", "pressestelle")
    chef.is_staff = True
    chef.save()
    chef.groups.add(Group.objects.get(name="Editors"))  # Wagtail's "access admin" right
    login_staff(client, chef, secret)
    assert client.get("/admin/").status_code == 200


def test_password_alone_does_not_open_the_admin(client, harz):
    chef, _secret = make_staff("chef2", "pressestelle")
    chef.is_staff = True
    chef.save()
    chef.groups.add(Group.objects.get(name="Editors"))
    client.force_login(chef)  # as if a password-only login had happened
    response = client.get("/admin/pages/")
    assert response.status_code == 302 and response["Location"].startswith("/konto/login/")
    assert "_auth_user_id" not in client.session  # that session is over


def test_staff_without_second_factor_must_set_one_up_first(client, harz):
    new = add_staff("neu", "neu@example.org", "neues-passwort-2026")
    new.is_staff = True
    new.save()
    new.groups.add(Group.objects.get(name="Editors"))
    client.post("/konto/login/", {"login": "neu", "password": "neues-passwort-2026"})
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/2fa/totp/activate/")
