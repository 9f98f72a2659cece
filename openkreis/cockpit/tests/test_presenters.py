"""What the pages show (presenters.py): steps named as the procedure names them, every
figure with its unit, searches to fix that still find nothing."""

import datetime as dt
import re

import pytest
from django.utils import timezone, translation

from openkreis.cockpit import aggregates, presenters, read

from .factories import case_event, other_events

pytestmark = pytest.mark.django_db
HLU = "hilfe-zum-lebensunterhalt"
KEYS = ("new", "in_progress", "calculation", "review", "waiting", "returned", "transition")


@pytest.fixture
def hlu(harz):
    """Six applications for Hilfe zum Lebensunterhalt through their procedure's states:
    received (new), claimed (in_progress), need calculated (calculation), second review
    (review), decided; three of them waited for documents (waiting, returned)."""
    now = timezone.now()
    common = {"service": HLU, "procedure": HLU, "org_unit": "sozialamt"}
    for n in range(6):
        at = now - dt.timedelta(days=30 - n)
        target = (at + dt.timedelta(days=20)).isoformat()
        steps = [("received", "new", "queue", {"target_at": target, "complete": True})]
        steps.append(("assigned", "in_progress", "work", {}))
        if n % 2:
            steps += [
                ("documents_requested", "waiting", "applicant", {"count": 1}),
                ("documents_received", "returned", "queue", {"count": 1}),
                ("assigned", "in_progress", "work", {}),
            ]
        steps += [
            ("transition", "calculation", "work", {"step": "calculate"}),
            ("transition", "review", "queue", {"step": "to_review"}),
            ("decided", "decided", "done", {"outcome": "granted"}),
        ]
        for i, (activity, state, kind, extra) in enumerate(steps):
            case_event(
                4000 + n, activity, at + dt.timedelta(hours=20 * i), state, kind, **common, **extra
            )
    aggregates.refresh()


def chart(name, **filters):
    f = read.default_filters(presenters.today())
    for key, value in filters.items():
        setattr(f, key, value)
    return presenters.chart(name, f, {})


def raw_keys(text: str) -> set[str]:
    return {k for k in KEYS if re.search(rf"(?<![\w:-]){k}(?![\w-])", text)}


def test_steps_are_named_as_the_procedure_names_them(hlu):
    with translation.override("de"):
        steps = chart("steps", service=HLU)
    names = [row[0] for row in steps["rows"]]
    assert set(names) == {
        "Eingegangen",
        "In Bearbeitung",
        "Bedarfsberechnung",
        "Vier-Augen-Prüfung",
        "Wartet auf Unterlagen",
        "Unterlagen eingegangen",
    }
    assert not raw_keys(" ".join(names) + str(steps["svg"]))


def test_steps_in_english_under_en(hlu):
    with translation.override("en"):
        names = [row[0] for row in chart("steps", service=HLU)["rows"]]
    assert "Second review" in names and "Calculating the need" in names


def test_process_view_names_every_step(hlu):
    services, _units = presenters.display_names()
    with translation.override("de"):
        context = presenters.process_context(HLU, services, read.process(HLU))
    shown = set(context["labels"].values())
    assert {"Eingegangen", "Bedarfsberechnung", "Vier-Augen-Prüfung"} <= shown
    assert not raw_keys(" ".join(shown) + str(context["graph"]))
    waits = [b["label"] for b in context["bottlenecks"]]
    assert "Vier-Augen-Prüfung" in waits and not raw_keys(" ".join(waits))
    # the phone layout: every step with where it went next and the time in between
    steps = context["steps"]
    assert steps[0]["label"] == "Eingegangen"
    assert steps[0]["next"][0]["label"] == "Übernommen"
    assert steps[0]["next"][0]["time"] == "20 Stunden"


def test_factsheet_names_the_waits_in_german(hlu):
    services, _units = presenters.display_names()
    with translation.override("en"):  # the fact sheet is German whatever the page's language
        context = presenters.factsheet_context(
            HLU, services, read.default_filters(presenters.today())
        )
    assert "Vier-Augen-Prüfung" in [s["label"] for s in context["steps"]]


# -- units ----------------------------------------------------------------------------------
UNIT = re.compile(r"\((Anzahl|Tage|Stunden|%|Falltage)\)$")


def test_every_column_of_every_chart_has_its_unit(hlu):
    with translation.override("de"):
        for name in presenters.CHARTS:
            c = chart(name, period="month")
            # the first column names the rows (period, step, service); every other holds
            # figures, except the step's meaning; a column per period (cases per service)
            # has the unit in the title
            figures = [
                col
                for col in c["columns"][1:]
                if col != "Bedeutung" and not re.match(r"\d{4}-", str(col))
            ]
            if len(figures) < len(c["columns"]) - 2:
                assert UNIT.search(str(c["title"])), name
            missing = [col for col in figures if not UNIT.search(str(col))]
            assert not missing, (name, missing)
            if c["svg"] is not None:
                assert re.search(r'class="unit"[^>]*>(Anzahl|Tage|Stunden)<', c["svg"]), name


def test_every_tile_has_its_unit(hlu):
    with translation.override("de"):
        tiles = presenters.tiles(read.default_filters(presenters.today()))
    units = {t["key"]: t["unit"] for t in tiles}
    assert units["received"] == units["decided"] == units["backlog"] == "Fälle"
    assert units["median_lead_days"] == "Tage" and units["deadline_rate"] == "%"
    assert units["satisfaction"] == "von 5"
    assert all(units.values()), units


# -- searches to fix ------------------------------------------------------------------------
def test_a_search_that_finds_results_now_is_no_longer_listed(harz):
    """ "hundesteuer" found nothing when it was typed (other_events), but the catalogue
    finds it now: it is not a search to fix. A query that still finds nothing is."""
    from openkreis.core.services import record_event

    at = timezone.now() - dt.timedelta(days=3)
    for _ in range(5):
        other_events(at)
        record_event("portal.search", data={"query": "qqxyzzy", "results": 0}, occurred_at=at)
    aggregates.refresh()
    f = read.default_filters(presenters.today())
    assert dict(read.portal(f)["zero_queries"]) == {"hundesteuer": 5, "qqxyzzy": 5}
    portal = presenters.dashboard_data(f, {})["portal"]
    assert portal["zero_queries"] == [("qqxyzzy", 5)]


def test_the_channel_mix_counts_driving_school_applications_as_digital(harz):
    """A driving school applies online for its pupil (channel `school`): the mix has its own
    column for it and the online share counts it as arriving digitally."""
    now = timezone.now() - dt.timedelta(days=2)
    channels = ["online"] * 2 + ["school"] * 4 + ["paper"] * 2  # 8 ≥ the k-anonymity floor
    for pk, channel in enumerate(channels, start=4100):
        case_event(pk, "received", now, "new", "queue", channel=channel)
    aggregates.refresh()
    with translation.override("de"):
        data = chart("channels")
        columns = [str(c["label"] if isinstance(c, dict) else c) for c in data["columns"]]
    assert any("Fahrschule" in c for c in columns), columns
    school = next(i for i, c in enumerate(columns) if "Fahrschule" in c)
    rows = [r for r in data["rows"] if any(r[1:-1])]
    assert [r[school] for r in rows] == [4]
    assert rows[0][1:5] == [2, 2, 0, 4]  # online, paper, counter, school
    assert rows[0][-1] == 75.0  # 6 of 8 arrived digitally
