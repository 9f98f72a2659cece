"""Harz-Kompass and Bildung & Arbeit in the cockpit (cockpit/directory.py, /cockpit/kompass/):
figures from the directory.* and jobs.* events only — place views per category, searches per
week with the share without result, route views, job views/searches/submissions per kind,
moderation decisions; small counts hidden (k-anonymity with secondary suppression);
managers only."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.cockpit import directory
from openkreis.cockpit.tests.factories import login_as
from openkreis.core import event_kinds
from openkreis.core.services import record_event

pytestmark = pytest.mark.django_db
BERLIN = timezone.get_default_timezone()
MONDAY = dt.date(2026, 6, 8)


def ev(event_kind, day, n=1, hh=10, **data):
    for _ in range(n):
        record_event(
            event_kind, data=data, occurred_at=dt.datetime.combine(day, dt.time(hh), BERLIN)
        )


@pytest.fixture
def events(harz):
    ev(event_kinds.DIRECTORY_PLACE_VIEWED, MONDAY, 12, category="freibad", municipality="")
    ev(event_kinds.DIRECTORY_PLACE_VIEWED, MONDAY, 2, category="museum", municipality="")
    ev(event_kinds.DIRECTORY_PLACE_VIEWED, MONDAY, 9, category="schule", municipality="")
    # week of 8 June: 20 searches, 5 without result; week of 15 June: 10 and 0
    ev(event_kinds.DIRECTORY_SEARCHED, MONDAY, 15, category="", near="", open_now=False, results=3)
    ev(
        event_kinds.DIRECTORY_SEARCHED,
        MONDAY + dt.timedelta(days=6),
        5,
        category="",
        near="",
        open_now=False,
        results=0,
    )
    ev(
        event_kinds.DIRECTORY_SEARCHED,
        MONDAY + dt.timedelta(days=7),
        10,
        category="",
        near="position",
        open_now=True,
        results=8,
    )
    ev(event_kinds.DIRECTORY_ROUTE_VIEWED, MONDAY, 6, route="hexenstieg")
    ev(event_kinds.JOBS_JOB_VIEWED, MONDAY, 7, kind="ausbildung", field="", municipality="")
    ev(event_kinds.JOBS_SEARCHED, MONDAY, 8, kind="ausbildung", hours="", near=False, results=2)
    ev(event_kinds.JOBS_SEARCHED, MONDAY, 6, kind="job", hours="full", near=True, results=0)
    ev(event_kinds.JOBS_JOB_SUBMITTED, MONDAY, 5, kind="ausbildung", municipality="")
    ev(event_kinds.JOBS_JOB_MODERATED, MONDAY, 5, decision="published")
    ev(event_kinds.JOBS_JOB_MODERATED, MONDAY, 1, decision="rejected")
    # outside the period and another kind: not counted
    ev(event_kinds.DIRECTORY_PLACE_VIEWED, MONDAY - dt.timedelta(days=30), 50, category="freibad")
    ev(event_kinds.PORTAL_SEARCH, MONDAY, 40)


def row(table, key):
    return next(r for r in table["rows"] if r["key"] == key)


def test_place_views_per_category_with_small_counts_hidden(events):
    f = directory.figures(MONDAY, MONDAY + dt.timedelta(days=13))
    assert row(f["places"], "freibad")["cells"] == [12]
    assert row(f["places"], "museum")["cells"] == [None]  # 2 < 5
    total = f["places"]["rows"][0]
    assert total["total_row"] and total["cells"] == [23]


def test_searches_per_week_and_share_without_result(events):
    f = directory.figures(MONDAY, MONDAY + dt.timedelta(days=13))
    first = row(f["searches"], MONDAY.isoformat())
    assert first["cells"] == [20, 5]
    assert first["share"] == 25.0
    assert "08.06.2026" in first["name"]
    second = row(f["searches"], (MONDAY + dt.timedelta(days=7)).isoformat())
    assert second["cells"] == [10, 0]
    assert second["share"] == 0.0
    total = f["searches"]["rows"][0]
    assert total["cells"] == [30, 5]
    assert round(total["share"], 1) == 16.7


def test_routes_jobs_and_moderation(events):
    f = directory.figures(MONDAY, MONDAY + dt.timedelta(days=13))
    assert row(f["routes"], "hexenstieg")["cells"] == [6]
    assert row(f["jobs"], "ausbildung")["cells"] == [7, 8, 5]
    assert row(f["jobs"], "job")["cells"][1] == 6
    assert row(f["job_searches"], MONDAY.isoformat())["cells"] == [14, 6]
    # 1 rejected is below k; the shown total (6) would give it away from the 5 published,
    # so the 5 is hidden too (secondary suppression), the total stays
    assert row(f["moderation"], "rejected")["cells"] == [None]
    assert row(f["moderation"], "published")["cells"] == [None]
    assert f["moderation"]["rows"][0]["cells"] == [6]


def test_nothing_outside_the_period(events):
    f = directory.figures(MONDAY - dt.timedelta(days=31), MONDAY - dt.timedelta(days=29))
    assert row(f["places"], "freibad")["cells"] == [50]
    assert f["searches"]["rows"] == []


def test_the_page_for_managers(client, events):
    login_as(client, "manager")
    response = client.get("/cockpit/kompass/", {"von": "2026-06-08", "bis": "2026-06-21"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "freibad" in body and "hexenstieg" in body
    assert "25,0 %" in body or "25.0 %" in body
    assert 'href="/cockpit/kompass/"' in body  # the navigation links the page
    bad = client.get("/cockpit/kompass/", {"von": "2026-06-21", "bis": "2026-06-08"})
    assert bad.status_code == 400


@pytest.mark.parametrize("role", ["anonymous", "caseworker"])
def test_the_page_is_closed_to_others(client, harz, role):
    login_as(client, role)
    response = client.get("/cockpit/kompass/")
    assert response.status_code in (302, 403)
    if role == "caseworker":
        assert response.status_code == 403
