"""The server-side charts (svg.py): each says the unit of its figures, durations are
written in the page's language."""

from django.utils import translation

from openkreis.cockpit import svg


def test_charts_say_their_unit():
    rows = [("2026-01", 3), ("2026-02", 7)]
    for chart in (
        svg.bar_chart("Eingänge", rows, unit="Anzahl"),
        svg.line_chart("Bestand", rows, unit="Anzahl"),
        svg.hbar_chart("Liegezeit", rows, unit="Stunden"),
        svg.stacked_chart("Kanäle", ["2026-01"], [("Online", [3])], unit="Anzahl"),
    ):
        assert '<text class="unit"' in chart


def test_durations_in_the_language_of_the_page():
    with translation.override("de"):
        assert svg.duration(20) == "20 Stunden"
        assert svg.duration(1) == "1 Stunde"
        assert svg.duration(24 * 3.4) == "3,4 Tage"
    with translation.override("en"):
        assert svg.duration(24 * 3.4) == "3.4 days"
        assert svg.duration(20) == "20 hours"
