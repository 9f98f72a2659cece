"""The names of the workflow states (labels.py): county data, copied from the procedures
of tenants/<slug>/cases/procedures/ by the cockpit's county-data step, German and English."""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from openkreis.cockpit import labels
from openkreis.cockpit.models import ProcedureLabels
from openkreis.core.loader import LoadReport

pytestmark = pytest.mark.django_db
HARZ = Path(settings.BASE_DIR) / "tenants" / "harz"


def test_the_county_step_copies_the_names_of_the_states(harz):
    row = ProcedureLabels.objects.get(key="hilfe-zum-lebensunterhalt")
    assert row.states["review"] == {"de": "Vier-Augen-Prüfung", "en": "Second review"}
    assert row.services == ["hilfe-zum-lebensunterhalt", "grundsicherung-im-alter"]


def test_loading_again_changes_nothing(harz):
    report = LoadReport()
    labels.load_labels(HARZ, report)
    assert report.changes == 0


def test_a_renamed_state_is_updated(harz):
    row = ProcedureLabels.objects.get(key="generic")
    row.states["new"] = {"de": "alt", "en": "old"}
    row.save()
    report = LoadReport()
    labels.load_labels(HARZ, report)
    assert report.updated == 1
    assert ProcedureLabels.objects.get(key="generic").states["new"]["de"] == "Eingegangen"


def test_names_in_the_language_of_the_page(harz):
    with translation.override("de"):
        assert labels.state_names(["hilfe-zum-lebensunterhalt"])["review"] == "Vier-Augen-Prüfung"
        assert labels.state_names(["fahrerlaubnis-ersterteilung"])["in_progress"] == (
            "Antragsprüfung"
        )
    with translation.override("en"):
        assert labels.state_names(["hilfe-zum-lebensunterhalt"])["review"] == "Second review"


def test_a_state_named_differently_by_two_procedures_shows_both_names(harz):
    with translation.override("de"):
        names = labels.state_names()  # every procedure: the county's whole view
    assert names["new"] == "Eingegangen"
    assert "In Bearbeitung" in names["in_progress"] and "Antragsprüfung" in names["in_progress"]
    assert names["in_progress"].startswith("In Bearbeitung")  # the name most procedures use


def test_unknown_keys_stay_readable(harz):
    with translation.override("de"):
        names = labels.state_names(["generic"])
        # an imported log names its steps in its own words: shown as they are
        assert labels.name_of("Prüfung durch Amt", names) == "Prüfung durch Amt"
        # a generic workflow step folded before steps were named by their state
        assert labels.name_of("transition", names) == "Weiterer Bearbeitungsschritt"
        # a workflow step is named by the state it leads to
        hlu = labels.state_names(["hilfe-zum-lebensunterhalt"])
        assert labels.name_of("state:review", hlu) == "Vier-Augen-Prüfung"
        assert labels.name_of("received", hlu) == "Eingegangen"  # an activity of every case
