"""Authorisation table: every URL × role → expected status."""

import pytest
from django.contrib.auth.models import Group

from openkreis.core.testing import login_staff, make_staff

pytestmark = pytest.mark.django_db

PUBLIC = [
    "/",
    "/suche/?q=Pass",
    "/leistungen/",
    "/leistungen/kfz-zulassung/",
    "/api/v1/services/",
    "/api/schema/",
    "/impressum/",
]
STAFF_ONLY = ["/admin/", "/admin/pages/"]
SUPERUSER_ONLY = ["/django-admin/", "/admin/users/"]


def login(client, role):
    if role == "anonymous":
        return
    user, secret = make_staff(role, "pressestelle")
    user.is_staff, user.is_superuser = role != "citizen", role == "admin"
    user.save()
    if role == "editor":
        user.groups.add(Group.objects.get(name="Editors"))
    login_staff(client, user, secret)


@pytest.mark.parametrize("role", ["anonymous", "citizen", "editor", "admin"])
def test_access_table(client, harz, role):
    login(client, role)
    for url in PUBLIC:
        assert client.get(url).status_code == 200, (role, url)
    for url in STAFF_ONLY:
        status = client.get(url).status_code
        if role in ("editor", "admin"):
            assert status == 200, (role, url)
        else:
            assert status == 302, (role, url)  # to the login page
    for url in SUPERUSER_ONLY:
        status = client.get(url).status_code
        if role == "admin":
            assert status == 200, (role, url)
        else:
            assert status in (302, 403), (role, url)
