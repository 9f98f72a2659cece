"""A manager sees the figures of their own org units (with sub-units) only; managers of the
units listed in tenants/<slug>/cockpit/access.yaml see the whole county."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from openkreis.cockpit import aggregates, scope
from openkreis.core.testing import login_staff, make_staff

from .factories import AlertFactory, case_event

pytestmark = pytest.mark.django_db
BAU = "baugenehmigung-vereinfacht"
FS = "fahrerlaubnis-ersterteilung"


@pytest.fixture
def log(harz):
    """9 Bauanträge (Bauordnungsamt) and 6 driving licences (Fahrerlaubnisbehörde, a unit
    of Dezernat II), all decided, received in the last 30 days."""
    now = timezone.now()
    for n in range(15):
        service, unit = (BAU, "bauordnungsamt") if n < 9 else (FS, "fahrerlaubnisbehoerde")
        received = now - dt.timedelta(days=30 - n)
        common = {"service": service, "org_unit": unit}
        case_event(500 + n, "received", received, "new", "queue", **common)
        case_event(500 + n, "assigned", received + dt.timedelta(days=1), "work", "work", **common)
        case_event(500 + n, "decided", received + dt.timedelta(days=3), "decided", "done", **common)
    aggregates.refresh()


def received_tile(page: str) -> int:
    """The 'received' headline figure of the dashboard."""
    match = re.search(r'data-kpi="received".*?class="tile-value">\s*([\d.]+)', page, re.S)
    assert match, "no received tile"
    return int(match.group(1).replace(".", ""))


def test_units_for(log):
    landrat, _ = make_staff("s-landrat", "landrat", "manager")
    dezernent, _ = make_staff("s-dez2", "dezernat-2", "manager")
    caseworker, _ = make_staff("s-cw", "dezernat-2", "caseworker")
    assert scope.units_for(landrat) is scope.COUNTY
    units = scope.units_for(dezernent)
    assert "dezernat-2" in units and "fahrerlaubnisbehoerde" in units  # with sub-units
    assert "bauordnungsamt" not in units and "landrat" not in units
    assert scope.units_for(caseworker) == ()  # no manager role: nothing


def test_dezernent_sees_only_his_units(client, log):
    from django.test import Client

    landrat, secret = make_staff("s-landrat", "landrat", "manager")
    county_client = Client()
    login_staff(county_client, landrat, secret)
    dezernent, secret = make_staff("s-dez2", "dezernat-2", "manager")
    login_staff(client, dezernent, secret)  # (logging in empties the cache: both first)
    county = county_client.get("/cockpit/?period=week").content.decode()
    assert received_tile(county) == 15
    # the same URL right after the Landrat's: a cached page must not leak across scopes
    page = client.get("/cockpit/?period=week").content.decode()
    assert received_tile(page) == 6
    assert "Sie sehen die Zahlen von:" in page and "Dezernat II" in page
    assert "Bauordnungsamt" not in page  # not offered as a filter either
    # a unit or service outside the scope cannot be asked for
    assert client.get("/cockpit/?org_unit=bauordnungsamt").status_code == 400
    assert client.get(f"/cockpit/?service={BAU}").status_code == 400
    assert client.get(f"/cockpit/prozess/{BAU}/").status_code == 404
    assert client.get(f"/cockpit/steckbrief/{BAU}.pdf").status_code == 404
    assert client.get(f"/cockpit/prozess/{FS}/").status_code == 200
    assert client.get(f"/cockpit/steckbrief/{FS}.pdf").status_code == 200
    export = client.get("/cockpit/export/services.csv").content.decode("utf-8-sig")
    assert "Fahrerlaubnis" in export and "Baugenehmigung" not in export
    # importing logs acts for the whole county
    assert client.get("/cockpit/import/").status_code == 403
    assert "/cockpit/import/" not in page


def test_alerts_of_other_units_are_not_listed(client, log):
    AlertFactory(rule__name="Bau-Regel", rule__value=0, rule__org_unit="bauordnungsamt")
    AlertFactory(rule__name="FS-Regel", rule__value=0, rule__org_unit="fahrerlaubnisbehoerde")
    dezernent, secret = make_staff("s-dez2", "dezernat-2", "manager")
    login_staff(client, dezernent, secret)
    page = client.get("/cockpit/warnungen/").content.decode()
    assert "FS-Regel" in page and "Bau-Regel" not in page
