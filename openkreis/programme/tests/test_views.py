"""Programme office and circles through their pages: authorisation, validation (4xx with a
message, never 500), history, the status report PDF, circle visibility, before/after on the
real cockpit aggregates."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import clear_url_caches
from pypdf import PdfReader

from openkreis.cockpit import aggregates
from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.core.services import record_event
from openkreis.core.testing import login_staff, make_staff
from openkreis.programme import services
from openkreis.programme.models import (
    Measure,
    Milestone,
    Project,
    Risk,
    StatusChange,
)

from . import factories as f
from .factories import citizen

pytestmark = pytest.mark.django_db
UNIT = "fachbereich-landrat"
SERVICE = "baugenehmigung-vereinfacht"


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"
    clear_url_caches()
    yield
    clear_url_caches()


@pytest.fixture
def office():
    user, secret = make_staff("t-programm", UNIT, "programme_office")
    client = Client()
    login_staff(client, user, secret)
    return client


@pytest.fixture
def circles():
    member_one = citizen("mitglied-eins")
    member_two = citizen("mitglied-zwei")
    one = f.circle("kreis-eins", SERVICE, member_one, company=f.company("Bau GmbH"))
    two = f.circle("kreis-zwei", "jagdschein", member_two)
    return one, two, member_one, member_two


def test_the_county_portfolio_is_loaded():
    assert Project.objects.filter(kind="administration").count() == 9
    assert Project.objects.filter(kind="lighthouse").count() == 7
    eakte = Project.objects.get(key="online-antraege")
    assert set(eakte.depends_on.values_list("key", flat=True)) == {"serviceportal", "eakte"}
    assert StatusChange.objects.filter(project=eakte).count() == 1


# -- authorisation --------------------------------------------------------------------------
OFFICE_URLS = [
    "/programm/",
    "/programm/projekt/eakte/",
    "/programm/projekt/eakte/bearbeiten/",
    "/programm/projekt/neu/",
    "/programm/statusbericht.pdf",
]


@pytest.mark.parametrize("url", OFFICE_URLS)
def test_office_pages_by_role(url, office, circles):
    anonymous = Client()
    response = anonymous.get(url)
    assert response.status_code == 302 and "/konto/login/" in response["Location"]
    c = Client()
    c.force_login(citizen("buergerin-" + str(abs(hash(url)) % 10**6)))
    assert c.get(url).status_code == 403
    member = Client()
    member.force_login(circles[2])  # a circle member is no programme office
    assert member.get(url).status_code == 403
    user, secret = make_staff("t-sb-" + str(abs(hash(url)) % 10**6), "bauordnungsamt", "caseworker")
    caseworker = Client()
    login_staff(caseworker, user, secret)
    assert caseworker.get(url).status_code == 403
    assert office.get(url).status_code == 200


def test_office_without_second_factor_goes_to_the_login():
    user, _secret = make_staff("t-programm-pw", UNIT, "programme_office")
    client = Client()
    client.force_login(user)
    response = client.get("/programm/")
    assert response.status_code == 302 and "/konto/login/" in response["Location"]


def test_members_see_their_circle_only(circles, office):
    one, two, member_one, member_two = circles
    c = Client()
    c.force_login(member_one)
    assert c.get("/programm/kreise/kreis-eins/").status_code == 200
    assert c.get("/programm/kreise/kreis-zwei/").status_code == 404
    listing = c.get("/programm/kreise/").content.decode()
    assert "Kreis eins" in listing and "Kreis zwei" not in listing
    assert c.post("/programm/kreise/kreis-zwei/massnahme/", {}).status_code == 404
    # a citizen in no circle sees none; anonymous must log in
    other = Client()
    other.force_login(citizen("niemand"))
    assert other.get("/programm/kreise/kreis-eins/").status_code == 404
    assert "Kreis eins" not in other.get("/programm/kreise/").content.decode()
    assert Client().get("/programm/kreise/kreis-eins/").status_code == 302
    # the office sees every circle; members cannot add meetings
    assert office.get("/programm/kreise/kreis-zwei/").status_code == 200
    assert "Kreis zwei" in office.get("/programm/kreise/").content.decode()
    assert c.post("/programm/kreise/kreis-eins/sitzung/", {}).status_code == 403


# -- validation and history -----------------------------------------------------------------
def _project_data(**changes):
    data = {
        "title": "Neues Projekt",
        "kind": "administration",
        "number": "12",
        "goal": "Ein Ziel.",
        "owner": "Programmbüro",
        "budget_planned": "1000",
        "budget_spent": "0",
        "status": "green",
        "status_reason": "",
        "phase": "idea",
        "start": "01.01.2027",
        "end": "31.12.2027",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end": "01.01.2026"}, "end", "The planned end must not be before the start."),
        ({"status": "red"}, "status_reason", "Say why the project is at risk or off track."),
        ({"budget_planned": "-5"}, "budget_planned", "greater than or equal to 0"),
        ({"start": "32.13.2027"}, "start", "Enter a valid date."),
        ({"number": "²"}, "number", "Enter a whole number."),
        ({"key": "Mit Leerzeichen"}, "key", "letters, numbers, underscores or hyphens"),
        ({"kind": "x"}, "kind", "Select a valid choice."),
    ],
)
def test_project_form_answers_400_with_the_message(office, english, changes, field, message):
    data = {"key": "neues-projekt", **_project_data(**changes)}
    response = office.post("/programm/projekt/neu/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert b'class="error-summary"' in response.content
    assert not Project.objects.filter(key="neues-projekt").exists()


def test_new_project_edit_writes_the_history(office):
    response = office.post("/programm/projekt/neu/", _project_data(key="neues-projekt"))
    assert response.status_code == 302
    project = Project.objects.get(key="neues-projekt")
    assert project.history.count() == 1
    data = _project_data(status="amber", status_reason="Lieferung verspätet", phase="build")
    data["depends_on"] = [Project.objects.get(key="eakte").pk]
    response = office.post("/programm/projekt/neues-projekt/bearbeiten/", data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.status, project.phase) == ("amber", "build")
    latest = project.history.first()
    assert (latest.status, latest.reason, latest.changed_by.username) == (
        "amber",
        "Lieferung verspätet",
        "t-programm",
    )
    assert project.history.count() == 2
    # saving again without a change of status or phase adds no row
    office.post("/programm/projekt/neues-projekt/bearbeiten/", data)
    assert project.history.count() == 2


def test_a_dependency_cycle_is_refused(office, english):
    eakte = Project.objects.get(key="eakte")
    data = _project_data(title=eakte.title, goal=eakte.goal, owner=eakte.owner)
    # online-antraege depends on eakte: eakte must not depend on online-antraege
    data["depends_on"] = [Project.objects.get(key="online-antraege").pk]
    response = office.post("/programm/projekt/eakte/bearbeiten/", data)
    assert response.status_code == 400
    assert "depend on itself" in " ".join(response.context["form"].errors["depends_on"])


def test_milestones_and_risks(office, english):
    url = "/programm/projekt/ozg-radar/"
    response = office.post(url + "meilenstein/", {"m-title": "", "m-due": "morgen"})
    assert response.status_code == 400
    assert set(response.context["milestone_form"].errors) == {"title", "due"}
    response = office.post(url + "meilenstein/", {"m-title": "Beschluss", "m-due": "2027-01-31"})
    assert response.status_code == 302
    milestone = Milestone.objects.get(project__key="ozg-radar", title="Beschluss")
    office.post(f"{url}meilenstein/{milestone.pk}/", {"done": "1"})
    milestone.refresh_from_db()
    assert milestone.done_on == services.today()
    other = Milestone.objects.filter(project__key="eakte").first()
    assert office.post(f"{url}meilenstein/{other.pk}/", {"done": "1"}).status_code == 404
    response = office.post(url + "risiko/", {"r-title": "X", "r-probability": "4"})
    assert response.status_code == 400
    assert "probability" in response.context["risk_form"].errors
    office.post(url + "risiko/", {"r-title": "Y", "r-probability": "2", "r-impact": "3"})
    assert Risk.objects.get(project__key="ozg-radar", title="Y").score == 6
    assert office.get("/programm/projekt/gibt-es-nicht/").status_code == 404


def test_portfolio_filters(office):
    page = office.get("/programm/?status=red").content.decode()
    assert "OZG-Radar" in page and "Serviceportal und Leistungskatalog" not in page
    assert office.get("/programm/?status=lila").status_code == 400
    page = office.get("/programm/?kind=lighthouse").content.decode()
    assert "HATIX und HarzCard" in page and "Elektronische Akte" not in page.split("<table")[1]
    assert "<svg" in page and "<caption>" in page


# -- the status report ------------------------------------------------------------------------
def test_status_report_pdf(office):
    Milestone.objects.create(
        project=Project.objects.get(key="eakte"),
        title="Überfälliger Test-Meilenstein",
        due=services.today() - dt.timedelta(days=3),
    )
    Milestone.objects.create(
        project=Project.objects.get(key="cockpit"),
        title="Bald fälliger Test-Meilenstein",
        due=services.today() + dt.timedelta(days=5),
    )
    before = Event.objects.filter(kind=event_kinds.PROGRAMME_STATUS_REPORTED).count()
    response = office.get("/programm/statusbericht.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Statusbericht für den Lenkungsausschuss" in text
    assert "Projekte: 16" in text
    red = Project.objects.filter(status="red").count()
    assert f"kritisch: {red}" in text
    overdue = text.split("Überfällige Meilensteine")[1].split("Meilensteine der nächsten")[0]
    assert "Überfälliger Test-Meilenstein" in overdue
    assert "Bald fälliger Test-Meilenstein" not in overdue
    assert "Bald fälliger Test-Meilenstein" in text.split("Meilensteine der nächsten")[1]
    risks = text.split("Die größten Risiken")[1]
    assert risks.index("Unklare Kosten") < risks.index("Akzeptanz in den")
    assert "Personal für die Bewertung" in text.split("Entscheidungsbedarf")[1]
    events = Event.objects.filter(kind=event_kinds.PROGRAMME_STATUS_REPORTED)
    assert events.count() == before + 1
    assert events.last().data == {"projects": 16, "red": red, "amber": 4}


# -- measures, the event and before/after on the cockpit's aggregates --------------------------
def _case(n: int, received: dt.datetime, lead_days: float):
    subject = f"case:programme-test-{n}"
    common = {"service": SERVICE, "org_unit": "bauordnungsamt", "channel": "online"}
    record_event(
        event_kinds.CASE_RECEIVED,
        subject=subject,
        data={**common, "state": "new", "state_kind": "queue", "complete": True},
        occurred_at=received,
    )
    record_event(
        event_kinds.CASE_DECIDED,
        subject=subject,
        data={**common, "state": "done", "state_kind": "done", "outcome": "granted"},
        occurred_at=received + dt.timedelta(days=lead_days),
    )


def test_measure_in_effect_shows_before_and_after(circles, english):
    one, _two, member_one, _ = circles
    today = services.today()
    effective = today - dt.timedelta(days=40)
    noon = dt.datetime.combine(effective, dt.time(12), tzinfo=dt.UTC)
    # before: 5 cases decided 20..16 days before, leads 2, 4, 6, 8, 10 -> median 6
    for n, lead in enumerate([2, 4, 6, 8, 10]):
        _case(n, noon - dt.timedelta(days=20 + lead), lead)
    # after: 4 cases (too few to show)
    for n, lead in enumerate([1, 1, 2, 3], start=10):
        _case(n, noon + dt.timedelta(days=2), lead)
    aggregates.refresh()

    client = Client()
    client.force_login(member_one)
    events = Event.objects.filter(kind=event_kinds.CIRCLE_MEASURE_EFFECTIVE)
    before = events.count()
    response = client.post(
        "/programm/kreise/kreis-eins/massnahme/",
        {
            "n-title": "Checkliste",
            "n-owner": "Bauamt",
            "n-due": effective.isoformat(),
            "n-status": "done",
            "n-effective_on": effective.strftime("%d.%m.%Y"),
            "n-window_days": "30",
        },
    )
    assert response.status_code == 302
    assert events.count() == before + 1
    assert events.last().data == {"service": SERVICE}
    assert events.last().subject == f"circle:{one.pk}"
    page = client.get("/programm/kreise/kreis-eins/")
    measure = next(m for m in page.context["measures"] if m["measure"].title == "Checkliste")
    lead = next(r for r in measure["comparison"]["rows"] if r["kpi"] == "lead_time")
    assert (lead["before"], lead["before_n"]) == ("6.0", 5)
    assert (lead["after"], lead["after_n"]) == ("too few cases", 4)
    assert lead["change"] == "–"
    html = page.content.decode()
    assert "too few cases" in html and 'data-kpi="lead_time"' in html

    # invalid input: 400 with the message, and no event
    m = Measure.objects.get(title="Checkliste")
    response = client.post(
        f"/programm/kreise/kreis-eins/massnahme/{m.pk}/",
        {"title": "", "owner": "x", "due": "gestern", "status": "done", "window_days": "0"},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"title", "due", "window_days"}
    # moving the date records the event again; keeping it does not
    data = {
        "title": "Checkliste",
        "owner": "Bauamt",
        "due": effective.isoformat(),
        "status": "done",
        "effective_on": (effective + dt.timedelta(days=1)).isoformat(),
        "window_days": "30",
    }
    assert client.post(f"/programm/kreise/kreis-eins/massnahme/{m.pk}/", data).status_code == 302
    assert events.count() == before + 2
    client.post(f"/programm/kreise/kreis-eins/massnahme/{m.pk}/", data)
    assert events.count() == before + 2


def test_meeting_agenda_validation_and_fact_sheet(office, circles, english):
    response = office.post(
        "/programm/kreise/kreis-eins/sitzung/",
        {"t-title": "Sitzung", "t-date": "2026-11-01", "t-agenda": "Zahlen | gibt-es-nicht"},
    )
    assert response.status_code == 400
    assert "agenda" in response.context["meeting_form"].errors
    response = office.post(
        "/programm/kreise/kreis-eins/sitzung/",
        {
            "t-title": "Sitzung",
            "t-date": "2026-11-01",
            "t-agenda": f"Zahlen | {SERVICE}\n\nWeiteres",
        },
    )
    assert response.status_code == 302
    page = office.get("/programm/kreise/kreis-eins/")
    agenda = page.context["meetings"][0]["agenda"]
    assert [a["item"].title for a in agenda] == ["Zahlen", "Weiteres"]
    assert agenda[0]["facts"] is not None and agenda[1]["facts"] is None
    assert "Cockpit fact sheet" in page.content.decode()
