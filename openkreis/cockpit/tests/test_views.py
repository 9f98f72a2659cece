"""The cockpit over HTTP: authorisation table (URL × role → status), dashboard figures from
the aggregates, exports, process view, fact sheet, public transparency page, open data."""

import csv
import datetime as dt
import io
import json

import pytest
from django.utils import timezone

from openkreis.cockpit import aggregates
from openkreis.core.testing import login_staff, make_staff

from .factories import case_event, other_events

pytestmark = pytest.mark.django_db
SERVICE = "baugenehmigung-vereinfacht"


@pytest.fixture
def log(harz):
    """12 decided Bauanträge (lead 2..13 days) and 3 open ones (one overdue), received in
    the last 60 days, plus portal and feedback events."""
    now = timezone.now()
    for n in range(12):
        received = now - dt.timedelta(days=40 - n)
        target = (received + dt.timedelta(days=10)).isoformat()
        case_event(
            100 + n, "received", received, "new", "queue", target_at=target, complete=n % 3 != 0
        )
        case_event(100 + n, "assigned", received + dt.timedelta(days=1), "work", "work")
        case_event(
            100 + n,
            "decided",
            received + dt.timedelta(days=2 + n),
            "decided",
            "done",
            outcome="granted",
        )
    for n in range(3):
        received = now - dt.timedelta(days=20 - n)
        case_event(
            200 + n,
            "received",
            received,
            "new",
            "queue",
            channel="paper",
            target_at=(received + dt.timedelta(days=5 + 20 * n)).isoformat(),
        )
    for _ in range(5):
        other_events(now - dt.timedelta(days=3))
    aggregates.refresh()


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


def login_as(client, role):
    if role == "anonymous":
        return None
    unit, roles = {
        "caseworker": ("bauordnungsamt", ("caseworker",)),
        "team-lead": ("ordnungsamt-kreis", ("team_lead",)),
        "manager": ("landrat", ("manager",)),
    }[role]
    user, secret = make_staff(f"u-{role}", unit, *roles)
    login_staff(client, user, secret)
    return user


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


def test_dashboard_shows_the_figures(client, log):
    login_as(client, "manager")
    page = client.get(f"/cockpit/?service={SERVICE}&period=week").content.decode()
    assert "Steuerungs-Cockpit" in page
    assert "<svg" in page and "<title" in page  # accessible charts
    assert "Datentabelle" in page and "CSV herunterladen" in page
    assert 'style="' not in page and "<script>" not in page  # CSP: no inline style/script
    # 15 received; 12 decided; median lead = 7.5 -> bucket median of (2..13) = 7 (days floor)
    assert ">15<" in page and ">12<" in page


def test_headline_figures(log):
    from openkreis.cockpit import read

    f = read.default_filters(timezone.now().date())
    f.service = SERVICE
    h = read.headline(f)
    assert h["received"] == 15 and h["decided"] == 12
    assert h["median_lead_days"] == pytest.approx(7.5)  # lead 2..13 days, whole days
    # target: 10 days after receipt; on time when lead <= 10 -> n = 0..8 (lead 2..10) = 9
    assert h["deadline_rate"] == pytest.approx(9 / 12)
    # complete known for the 12 first cases, 8 of them complete (n % 3 != 0), no requests
    assert h["first_time_right_rate"] == pytest.approx(8 / 12)
    b = read.backlog_now(f)
    assert b["open"] == 3 and b["overdue"] == 1


def test_bad_filters_give_400_with_a_message(client, log):
    login_as(client, "manager")
    r = client.get("/cockpit/?von=2026-05-01&bis=2026-01-01")
    assert r.status_code == 400
    assert "Das Anfangsdatum darf nicht nach dem Enddatum liegen" in r.content.decode()
    r = client.get("/cockpit/?von=kein-datum")
    assert r.status_code == 400
    r = client.get("/cockpit/?service=gibt-es-nicht")
    assert r.status_code == 400


def test_exports_csv_and_xlsx(client, log):
    from openpyxl import load_workbook

    login_as(client, "manager")
    r = client.get(f"/cockpit/export/channels.csv?service={SERVICE}")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Monat", "Online", "Papier", "Schalter"]
    assert sum(int(row[1]) for row in rows[1:]) == 12 and sum(int(row[2]) for row in rows[1:]) == 3
    r = client.get(f"/cockpit/export/lead.xlsx?service={SERVICE}")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    values = list(book.active.values)
    assert values[0] == ("Durchlaufzeit in Tagen", "Vorgänge")  # project-wide term
    assert sum(v[1] for v in values[1:]) == 12
    assert client.get("/cockpit/export/nothing.csv").status_code == 404
    assert client.get("/cockpit/export/lead.pdf").status_code == 404


def test_services_table_suppresses_small_cells(client, log):
    from openkreis.cockpit import read

    f = read.default_filters(timezone.now().date())
    t = read.per_service_table(f, {})
    row = next(r for r in t["rows"] if r["service"] == SERVICE)
    visible = [c for c in row["cells"] if c is not None]
    assert all(c >= 5 or c == 0 for c in visible)


def test_process_view_and_factsheet(client, log):
    login_as(client, "manager")
    page = client.get(f"/cockpit/prozess/{SERVICE}/").content.decode()
    assert "Eingegangen" in page and "Übernommen" in page and "<svg" in page
    assert client.get("/cockpit/prozess/gibt-es-nicht/").status_code == 404
    pdf = client.get(f"/cockpit/steckbrief/{SERVICE}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/cockpit/steckbrief/gibt-es-nicht.pdf").status_code == 404


def test_transparency_and_open_data(client, log):
    page = client.get("/cockpit/transparenz/").content.decode()
    assert "Baugenehmigung" in page
    data = json.loads(client.get("/api/v1/cockpit/open-data.json").content)
    row = next(r for r in data["services"] if r["service"] == SERVICE)
    assert row["received"] == 15 and row["decided"] == 12
    r = client.get("/api/v1/cockpit/open-data.csv")
    assert r.status_code == 200 and SERVICE in r.content.decode()
    doc = json.loads(client.get("/api/v1/cockpit/dcat.jsonld").content)
    assert doc["@type"] == "dcat:Dataset"
    assert {d["@type"] for d in doc["dcat:distribution"]} == {"dcat:Distribution"}
    assert any(
        d["dcat:downloadURL"]["@id"].endswith("open-data.csv") for d in doc["dcat:distribution"]
    )
    assert client.get("/api/v1/cockpit/open-data.xml").status_code == 404


def test_small_service_is_suppressed_publicly(client, harz):
    now = timezone.now()
    for n in range(3):
        case_event(
            300 + n, "received", now - dt.timedelta(days=5), "new", "queue", service="jagdschein"
        )
        case_event(
            300 + n, "decided", now - dt.timedelta(days=1), "decided", "done", service="jagdschein"
        )
    aggregates.refresh()
    data = json.loads(client.get("/api/v1/cockpit/open-data.json").content)
    row = next(r for r in data["services"] if r["service"] == "jagdschein")
    assert row["received"] is None and row["median_lead_days"] is None


def test_english_pages(client, log):
    page = client.get("/en/cockpit/hilfe/").content.decode()
    assert "How is this computed?" in page
    assert "Wie wird das berechnet?" in client.get("/cockpit/hilfe/").content.decode()


def test_dashboard_cache_is_invalidated_by_new_events(client, log):
    """The dashboard's figures come from the cache until a new event is folded."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login_as(client, "manager")
    url = f"/cockpit/?service={SERVICE}&period=week"
    with CaptureQueriesContext(connection) as first:
        page = client.get(url).content.decode()
    assert ">15<" in page
    with CaptureQueriesContext(connection) as second:
        again = client.get(url).content.decode()
    daily = [q for q in second.captured_queries if "cockpit_dailycasestat" in q["sql"]]
    assert not daily  # read from the cache
    assert len(second.captured_queries) < len(first.captured_queries)
    assert ">15<" in again
    now = timezone.now()
    for n in range(5):
        case_event(300 + n, "received", now - dt.timedelta(days=2), "new", "queue")
    aggregates.refresh()
    assert ">20<" in client.get(url).content.decode()
