"""Issue 15: the dashboard shows the mean next to median and p90, durations below two
days in hours, and a period longer than three years for an imported log."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.cockpit import aggregates, engine, importer, read

from .. import eventlogs
from ..factories import SERVICE, ImportBatchFactory, case_event, login_as

pytestmark = pytest.mark.django_db
LEADS_H = [15.5, 17.25, 19.44, 19.44, 21.0, 23.9]  # median 19.44 h = 0.81 days


@pytest.fixture
def quick_cases(harz):
    now = timezone.now() - dt.timedelta(days=3)
    for n, hours in enumerate(LEADS_H):
        received = now - dt.timedelta(days=n)
        case_event(300 + n, "received", received, "new", "queue")
        case_event(300 + n, "decided", received + dt.timedelta(hours=hours), "decided", "done")
    aggregates.refresh()


def shown(x: float) -> str:
    """As the tiles show a number (templatetags num): one decimal unless whole."""
    return f"{int(x)}" if float(x).is_integer() else f"{x:.1f}".replace(".", ",")


def tile(page: str, key: str) -> str:
    part = page.split(f'data-kpi="{key}"', 1)[1]
    return part.split('class="tile-value">', 1)[1].split("</span>", 1)[0]


def test_lead_times_below_two_days_are_shown_in_hours_with_the_mean(client, quick_cases):
    login_as(client, "manager")
    page = client.get(f"/cockpit/?service={SERVICE}").content.decode()
    median = engine.median([int(h * 3600) // 3600 for h in LEADS_H])  # to the hour
    assert tile(page, "median_lead_days") == f"{shown(median)}&nbsp;Stunden"
    mean = sum(LEADS_H) / len(LEADS_H)
    assert tile(page, "mean_lead_days") == f"{shown(round(mean, 1))}&nbsp;Stunden"
    p90 = engine.percentile([int(h * 3600) // 3600 for h in LEADS_H], 0.9)
    assert tile(page, "p90_lead_days") == f"{shown(p90)}&nbsp;Stunden"
    assert "Durchlaufzeit, Mittelwert" in page


def test_the_factsheet_says_hours_below_two_days(client, quick_cases):
    from openkreis.cockpit import presenters

    f = read.default_filters(presenters.today())
    context = presenters.factsheet_context(SERVICE, {SERVICE: "Bau"}, f)
    assert context["durations"]["median"] == "19,0 Stunden"
    assert context["durations"]["mean"] == "19,4 Stunden"


def test_a_period_of_more_than_three_years_for_an_imported_log(client, harz):
    """The permit log spans 2011–2012 and more; a county service keeps the 3-year limit."""
    mapping = {
        "case_id": "case:concept:name",
        "activity": "concept:name",
        "timestamp": "time:timestamp",
        "roles": {"start": "__first__", "end": [eventlogs.PERMIT_END]},
    }
    batch = ImportBatchFactory(
        content=eventlogs.permit_csv(), name="p.csv", format="csv", mapping=mapping,
        service="omgevingsvergunning",
    )  # fmt: skip
    importer.run(batch.pk)
    aggregates.refresh()
    case_event(1, "received", timezone.now() - dt.timedelta(days=2), "new", "queue")
    aggregates.refresh()
    login_as(client, "manager")
    r = client.get("/cockpit/?service=omgevingsvergunning&von=2010-01-01&bis=2016-12-31")
    assert r.status_code == 200
    assert tile(r.content.decode(), "decided") != "–"
    r = client.get(f"/cockpit/?service={SERVICE}&von=2010-01-01&bis=2016-12-31")
    assert r.status_code == 400 and "höchstens drei Jahren" in r.content.decode()
