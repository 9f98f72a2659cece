"""Staff get a workplace (issue 14.4): after login they land on their area, the header shows
their areas instead of the citizen's mailbox, and a page their role does not open explains why
in German instead of a bare "403 Forbidden"."""

import pytest
from django.core.cache import cache

from openkreis.core.testing import STAFF_PASSWORD, login_staff, make_staff, totp_code

pytestmark = pytest.mark.django_db


def _log_in(client, user, secret):
    cache.clear()
    client.post("/konto/login/", {"login": user.username, "password": STAFF_PASSWORD})
    return client.post("/konto/2fa/authenticate/", {"code": totp_code(secret)})


@pytest.mark.parametrize(
    "unit,role,landing",
    [
        ("fahrerlaubnisbehoerde", "caseworker", "/sachbearbeitung/"),
        ("dezernat-1", "mail_room", "/eingang/poststelle/"),
        ("fachbereich-landrat", "manager", "/cockpit/"),
        ("fachbereich-landrat", "auditor", "/sachbearbeitung/protokoll/"),
    ],
)
def test_staff_land_on_their_area_after_login(client, harz, unit, role, landing):
    user, secret = make_staff(f"land-{role}", unit, role)
    response = _log_in(client, user, secret)
    assert response.status_code == 302
    assert response["Location"] == landing


def test_citizens_still_land_on_the_portal(client, harz):
    from openkreis.accounts.tests.factories import PASSWORD, CitizenFactory

    user = CitizenFactory(username="buergerin-land")
    cache.clear()
    response = client.post("/konto/login/", {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_header_shows_the_workplace_not_the_citizen_mailbox(client, harz):
    user, secret = make_staff("nav-sb", "fahrerlaubnisbehoerde", "caseworker", "team_lead")
    login_staff(client, user, secret)
    html = client.get("/sachbearbeitung/").content.decode()
    header = html.split("<main")[0]
    assert 'aria-label="Ihr Arbeitsplatz"' in header
    assert 'href="/sachbearbeitung/" aria-current="page">Posteingang' in header
    assert "Postfach" not in header and "Mein Konto" not in header
    assert 'class="staff"' in html  # the wide layout for desks and lists


def test_a_closed_page_says_why_in_german(client, harz):
    user, secret = make_staff("nope-sb", "fahrerlaubnisbehoerde", "caseworker")
    login_staff(client, user, secret)
    response = client.get("/cockpit/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Sie haben keinen Zugriff auf diese Seite" in html
    assert "Management (Cockpit)" in html  # the role the page is for
    assert 'href="/sachbearbeitung/"' in html  # where this person can work
    assert "Forbidden" not in html


def test_a_page_outside_the_workplace_names_the_areas_in_one_query(
    client, harz, django_assert_num_queries
):
    """Every page a logged-in user sees asks for their roles (the header); pages outside the
    staff gate ask in one query, each role once however many units hold it."""
    from openkreis.accounts.tests.factories import CitizenFactory
    from openkreis.core import staff
    from openkreis.core.models import OrgUnit, StaffMembership

    user, secret = make_staff("nav-two", "fahrerlaubnisbehoerde", "caseworker", "team_lead")
    StaffMembership.objects.create(
        user=user, org_unit=OrgUnit.objects.get(key="sozialamt"), role="caseworker"
    )
    held = {"caseworker", "team_lead"}
    expected = [key for key, area in staff.staff_areas.items() if held & set(area.roles)]
    with django_assert_num_queries(1):
        assert [key for key, _area in staff.areas_for(user)] == expected
    citizen = CitizenFactory(username="nav-citizen")
    with django_assert_num_queries(1):
        assert staff.areas_for(citizen) == []
    login_staff(client, user, secret)
    header = client.get("/leistungen/").content.decode().split("<main")[0]
    assert 'aria-label="Ihr Arbeitsplatz"' in header
    assert 'href="/sachbearbeitung/">Posteingang' in header
