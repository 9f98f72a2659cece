"""Staff login to the editorial admin: argon2 hashes and rate limiting."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import override_settings

pytestmark = pytest.mark.django_db


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_hashed_with_argon2(harz):
    user = User.objects.create_user("hash", password="ein-langes-passwort-2026")
    assert user.password.startswith("argon2$")


def test_login_is_locked_after_five_failures(client, harz):
    User.objects.create_user("redakteurin", password="richtiges-passwort-2026", is_staff=True)
    for _ in range(4):
        response = client.post("/admin/login/", {"username": "redakteurin", "password": "falsch"})
        assert response.status_code == 200  # the form again, with an error
    fifth = client.post("/admin/login/", {"username": "redakteurin", "password": "falsch"})
    assert fifth.status_code == 429
    locked = client.post(
        "/admin/login/", {"username": "redakteurin", "password": "richtiges-passwort-2026"}
    )
    assert locked.status_code == 429
    assert "Zu viele Anmeldeversuche" in locked.content.decode()
    # Another user from the same address is not locked out.
    User.objects.create_user("kollege", password="anderes-passwort-2026", is_staff=True)
    ok = client.post("/admin/login/", {"username": "kollege", "password": "anderes-passwort-2026"})
    assert ok.status_code == 302


def test_successful_login_reaches_the_admin(client, harz):
    chef = User.objects.create_user("chef", password="gutes-passwort-2026", is_staff=True)
    chef.groups.add(Group.objects.get(name="Editors"))  # Wagtail's "access admin" right
    response = client.post("/admin/login/", {"username": "chef", "password": "gutes-passwort-2026"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
