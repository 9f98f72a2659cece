"""The cockpit's Mängelmelder figures (reportfacts.py, views/reports.py): time to fix per
category × municipality from the `report.*` events, suppression below five reports, the
incremental update equal to the full recompute, the same median as the public list page,
and the page with its CSV for managers only."""

import csv
import datetime as dt
import io
import statistics

import numpy as np
import pytest
from django.core.cache import cache
from django.utils import timezone

from openkreis.cockpit import aggregates, reportfacts
from openkreis.cockpit.models import ReportFact
from openkreis.core import event_kinds
from openkreis.core.models import Event, Region
from openkreis.core.services import record_event

from .factories import login_as

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _no_cache():
    cache.clear()
    yield
    cache.clear()


def ars(name):
    return Region.objects.get(name=name, kind=Region.Kind.MUNICIPALITY).ars


def report(n, category, area, received, fixed=None, *, reopen=None, close=None):
    data = {"category": category, "area": area}
    subject = f"report:t{n}"
    record_event(event_kinds.REPORT_RECEIVED, subject=subject, data=data, occurred_at=received)
    if fixed is not None:
        record_event(event_kinds.REPORT_FIXED, subject=subject, data=data, occurred_at=fixed)
    if reopen is not None:
        record_event(event_kinds.REPORT_REOPENED, subject=subject, data=data, occurred_at=reopen)
    if close is not None:
        record_event(event_kinds.REPORT_CLOSED, subject=subject, data=data, occurred_at=close)


@pytest.fixture
def reports_log(harz):
    """strasse: Halberstadt 6 fixed after 1..6 days (the 6th reopened and fixed again after
    30 days: it keeps 6) + 2 open; Wernigerode 5 fixed after 10 days; Quedlinburg 2 fixed
    after 1 day. abfall: Halberstadt 5 fixed after 2 days, 1 closed."""
    now = timezone.now()
    hbs, wr, qlb = ars("Halberstadt"), ars("Wernigerode"), ars("Quedlinburg")
    n = 0
    for days in range(1, 7):
        received = now - dt.timedelta(days=60 - days)
        reopen = received + dt.timedelta(days=days + 1) if days == 6 else None
        report(n, "strasse", hbs, received, received + days * DAY, reopen=reopen)
        n += 1
    record_event(  # fixed again, after 30 days: does not change its time to fix
        event_kinds.REPORT_FIXED,
        subject="report:t5",
        data={"category": "strasse", "area": hbs},
        occurred_at=now - dt.timedelta(days=54) + 30 * DAY,
    )
    for _ in range(2):
        report(n, "strasse", hbs, now - 5 * DAY)
        n += 1
    for _ in range(5):
        report(n, "strasse", wr, now - 40 * DAY, now - 30 * DAY)
        n += 1
    for _ in range(2):
        report(n, "strasse", qlb, now - 20 * DAY, now - 19 * DAY)
        n += 1
    for _ in range(5):
        report(n, "abfall", hbs, now - 10 * DAY, now - 8 * DAY)
        n += 1
    report(n, "abfall", hbs, now - 10 * DAY, close=now - 9 * DAY)
    aggregates.refresh()
    return now


def _row(figures, category, area_name=None):
    """A municipality's row, or (without a name) the category's whole-county row."""
    for row in figures["rows"]:
        if row["category"] == category and (
            row["county"] if area_name is None else row["area_name"] == area_name
        ):
            return row
    raise AssertionError((category, area_name))


def _year(now):
    today = timezone.localdate(now)
    return today - dt.timedelta(days=364), today


def test_fold_keeps_the_first_fix_and_the_state_now(reports_log):
    fact = ReportFact.objects.get(subject="report:t5")
    assert fact.fix_seconds == 6 * 86400
    assert fact.reopened == 1 and fact.state == ReportFact.State.FIXED
    assert ReportFact.objects.get(subject="report:t6").state == ReportFact.State.OPEN
    closed = ReportFact.objects.filter(state=ReportFact.State.CLOSED).get()
    assert closed.fixed_at is None and closed.category == "abfall"
    assert ReportFact.objects.count() == 21


def test_figures_per_category_and_municipality_with_suppression(reports_log):
    figures = reportfacts.figures(*_year(reports_log))
    hbs = _row(figures, "strasse", "Halberstadt")
    assert (hbs["received"], hbs["fixed"]) == (8, 6)
    assert hbs["median_days"] == 3.5  # 1..6 days
    assert hbs["p90_days"] == round(float(np.percentile([1, 2, 3, 4, 5, 6], 90)), 1) == 5.5
    assert hbs["reopened_share"] == round(100 / 6, 1)
    assert hbs["open"] is None  # 2 open reports: fewer than five
    qlb = _row(figures, "strasse", "Quedlinburg")
    assert qlb["received"] is None and qlb["fixed"] is None and qlb["median_days"] is None
    # the county total (15) minus Halberstadt (8) would give Quedlinburg away if Wernigerode
    # (5) were shown: secondary suppression hides it (and with it its median)
    wr = _row(figures, "strasse", "Wernigerode")
    assert wr["received"] is None and wr["fixed"] is None and wr["median_days"] is None
    county = _row(figures, "strasse")
    assert county["county"] and (county["received"], county["fixed"]) == (15, 13)
    all_days = [1, 2, 3, 4, 5, 6] + [10] * 5 + [1, 1]
    assert county["median_days"] == round(statistics.median(all_days), 1)
    assert county["open"] is None  # 2 open in the whole county
    waste = _row(figures, "abfall", "Halberstadt")
    assert (waste["received"], waste["fixed"], waste["median_days"]) == (6, 5, 2.0)
    assert waste["reopened_share"] == 0.0
    # the county rows come first in each category; names from the reports app's port
    assert figures["rows"][0]["county"]
    assert {r["category_name"] for r in figures["rows"]} >= {"Straßen, Wege und Schlaglöcher"}


def test_the_period_counts_by_the_first_fix(reports_log):
    today = timezone.localdate(reports_log)
    figures = reportfacts.figures(today - dt.timedelta(days=25), today)
    # only the Quedlinburg (day 19) and waste (day 8) fixes lie in these 25 days
    county = _row(figures, "strasse")
    assert county["fixed"] is None  # 2 fixed: hidden
    assert _row(figures, "abfall")["fixed"] == 5


def test_incremental_update_equals_the_full_recompute(reports_log):
    def facts():
        return sorted(
            ReportFact.objects.values_list(
                "subject", "category", "area", "received_at", "fixed_at", "state", "reopened"
            )
        )

    incremental = facts()
    aggregates.recompute()
    assert facts() == incremental
    # an event logged late with an earlier time: the report is folded again from the log
    hbs = ars("Halberstadt")
    record_event(
        event_kinds.REPORT_FIXED,
        subject="report:t6",
        data={"category": "strasse", "area": hbs},
        occurred_at=reports_log - 4 * DAY,
    )
    aggregates.refresh()
    fact = ReportFact.objects.get(subject="report:t6")
    assert fact.state == ReportFact.State.FIXED and fact.fix_seconds == 86400
    after = facts()
    aggregates.recompute()
    assert facts() == after


def test_the_same_median_as_the_public_list_page(harz):
    """Reports made and fixed through the Mängelmelder's services: the cockpit's median per
    category equals reports.services.median_days_to_fix (receipt → first fixed)."""
    from openkreis.reports import services
    from openkreis.reports.models import Area, Category, Report, StatusChange

    category = Category.objects.get(key="beleuchtung")
    area = Area.objects.get(region__name="Thale")
    now = timezone.now()
    for n in range(7):
        rep, _new = services.submit(
            services.Submission(
                category=category, area=area, description="Leuchte aus", email=f"x{n}@example.org"
            )
        )
        services.change_status(rep, "fixed", actor=None)
        # receipt moved back by 1.5..7.5 days, in the report and in its event alike
        received = now - dt.timedelta(days=1.5 + n)
        Report.objects.filter(pk=rep.pk).update(created_at=received)
        StatusChange.objects.filter(report=rep, to_status="open").update(at=received)
        Event.objects.filter(subject=f"report:{rep.pk}", kind=event_kinds.REPORT_RECEIVED).update(
            occurred_at=received
        )
    aggregates.refresh()
    public = {row["key"]: row["days"] for row in services.median_days_to_fix()}
    figures = reportfacts.figures(*_year(now))
    cockpit = _row(figures, "beleuchtung")
    assert public["beleuchtung"] == cockpit["median_days"] == 4.5
    assert _row(figures, "beleuchtung", "Thale")["fixed"] == 7


# -- the page ---------------------------------------------------------------------------------
def test_manager_sees_the_page_with_units_and_the_csv(client, reports_log):
    login_as(client, "manager")
    response = client.get("/cockpit/")
    assert 'href="/cockpit/maengelmelder/"' in response.content.decode()
    response = client.get("/cockpit/maengelmelder/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mängelmelder: Zeit bis zur Behebung" in html
    for label in ("Median bis zur Behebung (Tage)", "Offen jetzt (Anzahl)", "Landkreis gesamt"):
        assert label in html
    assert 'class="table-scroll"' in html and "3,5" in html
    response = client.get("/cockpit/maengelmelder.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Kategorie", "Gemeinde", "ARS", "Eingegangen (Anzahl)"]
    hbs = next(r for r in rows if r[1] == "Halberstadt" and r[2] == ars("Halberstadt") and r[4])
    assert hbs[3:8] in (["8", "6", "3.5", "5.5", "16.7"], ["6", "5", "2.0", "2.0", "0.0"])
    qlb = next(r for r in rows if r[1] == "Quedlinburg")
    assert qlb[3] == "" and qlb[5] == ""  # hidden cells are empty in the file


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("von=2026-05-01&bis=2026-01-01", "Beginn"),
        ("von=2019-01-01&bis=2026-01-01", "drei Jahre"),
        ("von=kein-datum", "Datum"),
    ],
)
def test_a_bad_period_is_a_400_in_german(client, reports_log, query, word):
    login_as(client, "manager")
    response = client.get(f"/cockpit/maengelmelder/?{query}")
    assert response.status_code == 400
    assert word in response.content.decode()
    assert client.get(f"/cockpit/maengelmelder.csv?{query}").status_code == 400


@pytest.mark.parametrize(("role", "status"), [("caseworker", 403), ("team-lead", 403)])
def test_only_managers(client, reports_log, role, status):
    login_as(client, role)
    assert client.get("/cockpit/maengelmelder/").status_code == status
    assert client.get("/cockpit/maengelmelder.csv").status_code == status


def test_anonymous_is_sent_to_the_login(client, reports_log):
    response = client.get("/cockpit/maengelmelder/")
    assert response.status_code == 302 and "/konto/login/" in response["Location"]
