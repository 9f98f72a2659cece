"""The Mängelmelder's own staff role ("Mängelmelder-Bearbeitung"): it opens the reports back
office and nothing else — road and waste staff do not see the eAkte desk. The demo staff
hold only this role."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import override

from openkreis.core.loader import LoadReport
from openkreis.core.models import StaffMembership
from openkreis.core.staff import areas_for, landing_url
from openkreis.core.testing import login_staff, make_staff
from openkreis.reports import demo

ROAD = "gem-halberstadt-bauamt"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.mark.django_db
def test_the_role_opens_the_reports_area_only(client):
    user, secret = make_staff("t-mm", ROAD, "report_officer")
    assert [area_id for area_id, _area in areas_for(user)] == ["reports"]
    with override("de"):  # another test on the same worker may leave English active
        assert landing_url(user) == "/maengelmelder/bearbeitung/"
    login_staff(client, user, secret)
    assert client.get("/maengelmelder/bearbeitung/").status_code == 200
    assert client.get("/sachbearbeitung/").status_code == 403  # the eAkte desk


@pytest.mark.django_db
def test_the_403_page_names_the_role(client):
    user, secret = make_staff("t-case", ROAD, "caseworker")
    login_staff(client, user, secret)
    response = client.get("/maengelmelder/bearbeitung/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Mängelmelder-Bearbeitung" in html and "Teamleitung" in html


@pytest.mark.django_db
def test_the_role_has_its_labels():
    from django.utils import translation

    role = StaffMembership.Role("report_officer")
    with translation.override("de"):
        assert str(role.label) == "Mängelmelder-Bearbeitung"
    with translation.override("en"):
        assert str(role.label) == "Defect reports"


@pytest.mark.django_db
def test_demo_staff_hold_only_the_reports_role(harz, client):
    folder = Path(settings.BASE_DIR) / "tenants" / "harz"
    demo.load_demo(harz, folder, LoadReport())
    # an older demo gave team lead: the loader takes it away again
    bauhof = StaffMembership.objects.get(user__username="mm-bauhof-hbs").user
    StaffMembership.objects.create(
        user=bauhof, org_unit=StaffMembership.objects.get(user=bauhof).org_unit, role="team_lead"
    )
    demo.load_demo(harz, folder, LoadReport())
    for username in ("mm-bauhof-hbs", "mm-strasse-hbs", "mm-abfall"):
        roles = set(
            StaffMembership.objects.filter(user__username=username).values_list("role", flat=True)
        )
        assert roles == {"report_officer"}, username
        user = StaffMembership.objects.filter(user__username=username).first().user
        assert [area_id for area_id, _area in areas_for(user)] == ["reports"]
