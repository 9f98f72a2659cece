""" "Meine Meldungen": a logged-in resident sees the reports they made or follow, never
another's; without login the page asks to log in."""

import pytest

from openkreis.reports.tests.factories import FollowerFactory, ReportFactory

URL = "/maengelmelder/meine/"


@pytest.mark.django_db
def test_login_required(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert (
        "/login/" in response["Location"] and "next=/maengelmelder/meine/" in response["Location"]
    )


@pytest.mark.django_db
def test_own_and_followed_reports_only(client, django_user_model):
    erika = django_user_model.objects.create_user("erika", "erika@example.org", "pw-123456!x")
    max_ = django_user_model.objects.create_user("max", "max@example.org", "pw-123456!x")
    made = ReportFactory(user=erika, email="", street="Breiter Weg 1")
    followed = ReportFactory(email="jemand@example.org", street="Fischmarkt 2")
    FollowerFactory(report=followed, user=erika, email="")
    others = ReportFactory(user=max_, email="", street="Hoher Weg 9")
    by_address = ReportFactory(email="erika@example.org", street="Domplatz 4")
    FollowerFactory(report=others, user=max_, email="")

    client.force_login(erika)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    assert made.public_id in html and followed.public_id in html
    assert others.public_id not in html and "Hoher Weg" not in html
    # an address typed into the form is no proof of who is logged in
    assert by_address.public_id not in html
    FollowerFactory(report=made, user=erika, email="")  # she follows her own one, too
    html = client.get(URL).content.decode()
    assert html.count(f'href="/maengelmelder/meldung/{made.public_id}/"') == 1

    client.force_login(max_)
    html = client.get(URL).content.decode()
    assert others.public_id in html
    assert made.public_id not in html and followed.public_id not in html


@pytest.mark.django_db
def test_empty_and_bad_page_numbers(client, django_user_model):
    user = django_user_model.objects.create_user("leer", "leer@example.org", "pw-123456!x")
    client.force_login(user)
    for query in ("", "?seite=²", "?seite=99999999999999999999"):
        response = client.get(URL + query)
        assert response.status_code == 200


@pytest.mark.django_db
def test_list_links_my_reports_when_logged_in(client, django_user_model):
    assert 'href="/maengelmelder/meine/"' not in client.get("/maengelmelder/").content.decode()
    user = django_user_model.objects.create_user("erika", "erika@example.org", "pw-123456!x")
    client.force_login(user)
    assert 'href="/maengelmelder/meine/"' in client.get("/maengelmelder/").content.decode()
