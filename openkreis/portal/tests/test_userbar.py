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
