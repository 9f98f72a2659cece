"""Who may open which page of the cockpit: authorisation table (URL × role → status) over
the management pages (the gate of views/_common.py) and the public ones."""

import pytest

from ..factories import SERVICE, login_as

pytestmark = pytest.mark.django_db


def urls():
    return {
        "dashboard": "/cockpit/",
        "export": "/cockpit/export/intake.csv",
        "process": f"/cockpit/prozess/{SERVICE}/",
        "factsheet": f"/cockpit/steckbrief/{SERVICE}.pdf",
        "alerts": "/cockpit/warnungen/",
        "imports": "/cockpit/import/",
        "help": "/cockpit/hilfe/",
        "transparency": "/cockpit/transparenz/",
        "open-json": "/api/v1/cockpit/open-data.json",
        "dcat": "/api/v1/cockpit/dcat.jsonld",
    }


PUBLIC = {"help": 200, "transparency": 200, "open-json": 200, "dcat": 200}
STAFF = ["dashboard", "export", "process", "factsheet", "alerts", "imports"]
TABLE = {
    "anonymous": {**{k: 302 for k in STAFF}, **PUBLIC},
    "caseworker": {**{k: 403 for k in STAFF}, **PUBLIC},
    "team-lead": {**{k: 403 for k in STAFF}, **PUBLIC},
    "manager": {**{k: 200 for k in STAFF}, **PUBLIC},
}


@pytest.mark.parametrize("role", list(TABLE))
def test_authorisation_table(client, log, role):
    login_as(client, role)
    for name, url in urls().items():
        response = client.get(url)
        assert response.status_code == TABLE[role][name], (role, name, url)


def test_manager_without_second_factor_is_sent_away(client, log):
    from openkreis.core.models import OrgUnit
    from openkreis.core.staff import add_staff

    user = add_staff(
        "m-no-totp",
        "m@example.org",
        "dienst-passwort-2026!",
        OrgUnit.objects.get(key="landrat"),
        ["manager"],
    )
    client.force_login(user)
    assert client.get("/cockpit/").status_code == 302
