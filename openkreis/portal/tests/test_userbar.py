"""Wagtail's user bar asks for the user's permissions (two queries): on the CMS's own pages
for everyone, elsewhere only for staff accounts — a citizen's pages never show it (the
receipt at the deadline peak, bench/submit.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def get(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    asked = any('"auth_permission"' in q["sql"] for q in captured.captured_queries)
    return html, asked


def test_a_citizen_page_asks_no_permissions_and_shows_no_user_bar(harz, client, django_user_model):
    citizen = django_user_model.objects.create_user("erika", "erika@example.org", "x")
    client.force_login(citizen)
    html, asked = get(client, "/antrag/meine/")
    assert "wagtail-userbar" not in html and not asked


def test_a_superuser_sees_the_user_bar_outside_the_cms_too(harz, client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(admin)
    html, _asked = get(client, "/antrag/meine/")
    assert "wagtail-userbar" in html


def test_the_user_bar_on_a_cms_page_follows_wagtails_permission(harz, client, django_user_model):
    """Not staff and no staff area, but allowed into Wagtail's admin (a group with
    `wagtailadmin.access_admin`): the bar shows on the CMS's pages, not on the others
    (a form's page, named `page` too: forms/tests/test_request_queries.py)."""
    from django.contrib.auth.models import Group, Permission

    editors = Group.objects.create(name="Nur Redaktion")
    editors.permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin")
    )
    author = django_user_model.objects.create_user("autorin", "autorin@example.org", "x")
    author.groups.add(editors)
    client.force_login(author)
    html, asked = get(client, "/impressum/")
    assert "wagtail-userbar" in html and asked
    html, asked = get(client, "/antrag/meine/")
    assert "wagtail-userbar" not in html and not asked
