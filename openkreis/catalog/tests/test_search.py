"""Search: ranking on the real Harz catalogue, and the index's behaviour on made-up data."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openkreis.catalog import services as catalog
from openkreis.catalog.search import SearchIndex, fold, stem

from .factories import LifeEventFactory, SearchSynonymFactory, ServiceFactory

# What people type → the service they mean (must be the first result).
RANKING = [
    ("Führerschein", "fahrerlaubnis-ersterteilung"),
    ("Fahrerlaubnis", "fahrerlaubnis-ersterteilung"),
    ("fuhrerschein", "fahrerlaubnis-ersterteilung"),
    ("fuehrerschein", "fahrerlaubnis-ersterteilung"),
    ("Führerschien", "fahrerlaubnis-ersterteilung"),  # typo
    ("Führerschein machen", "fahrerlaubnis-ersterteilung"),
    ("Führerschein umtauschen", "fuehrerschein-umtausch"),
    ("Führerschein verloren", "fuehrerschein-ersatz"),
    ("internationaler Führerschein", "internationaler-fuehrerschein"),
    ("Auto anmelden", "kfz-zulassung"),
    ("Auto zulassen", "kfz-zulassung"),
    ("Kfz-Zulassung", "kfz-zulassung"),
    ("Auto abmelden", "kfz-ausserbetriebsetzung"),
    ("Wunschkennzeichen", "wunschkennzeichen"),
    ("Perso", "personalausweis-beantragen"),
    ("Personalausweis", "personalausweis-beantragen"),
    ("Personalauswies", "personalausweis-beantragen"),  # typo
    ("Reisepass", "reisepass-beantragen"),
    ("Wohnung anmelden", "wohnsitz-anmelden"),
    ("umziehen", "wohnsitz-ummelden"),
    ("Meldebescheinigung", "meldebescheinigung"),
    ("Gewerbe anmelden", "gewerbe-anmelden"),
    ("Gewerbeanmeldung", "gewerbe-anmelden"),
    ("Gewerbe anmleden", "gewerbe-anmelden"),  # typo
    ("Hundesteuer", "hundesteuer-anmelden"),
    ("Hund anmelden", "hundesteuer-anmelden"),
    ("Wohngeld", "wohngeld"),
    ("Wohngled", "wohngeld"),  # typo
    ("Mietzuschuss", "wohngeld"),
    ("Elterngeld", "elterngeld"),
    ("Kitaplatz", "kita-platz"),
    ("Kindergarten", "kita-platz"),
    ("Führungszeugnis", "fuehrungszeugnis"),
    ("polizeiliches Führungszeugnis", "fuehrungszeugnis"),
    ("Behindertenausweis", "schwerbehindertenausweis"),
    ("Einbürgerung", "einbuergerung"),
    ("Sperrmüll", "sperrmuell"),
    ("Sperrmuell", "sperrmuell"),
    ("Baugenehmigung", "baugenehmigung"),
    ("vereinfachtes Baugenehmigungsverfahren", "baugenehmigung-vereinfacht"),
    ("Anwohnerparken", "bewohnerparkausweis"),
    ("Aufenthaltskarte", "aufenthaltskarte-eu"),
    ("Sozialhilfe", "hilfe-zum-lebensunterhalt"),
    ("Jagdschein", "jagdschein"),
    ("Angelschein", "fischereischein"),
    ("Heiraten", "eheschliessung-anmelden"),
    ("Geburtsurkunde", "geburtsurkunde-beantragen"),
]


@pytest.mark.parametrize(("query", "expected"), RANKING)
def test_ranking_puts_the_meant_service_first(harz, query, expected):
    hits = catalog.search(harz, query, as_prefix=False)
    assert hits, f"no result for {query!r}"
    assert hits[0].slug == expected, [h.slug for h in hits[:5]]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("führersch", "fahrerlaubnis-ersterteilung"),
        ("perso", "personalausweis-beantragen"),
        ("wohng", "wohngeld"),
        ("hundest", "hundesteuer-anmelden"),
        ("auto anm", "kfz-zulassung"),
        ("kfz", "kfz-zulassung"),
        ("fuhrersch", "fahrerlaubnis-ersterteilung"),
    ],
)
def test_autocomplete_while_typing(harz, typed, expected):
    hits = catalog.search(harz, typed, limit=8, as_prefix=True)
    assert hits and hits[0].slug == expected, [h.slug for h in hits[:5]]


def test_ambiguous_prefix_offers_both_meanings(harz):
    """After three letters "füh" may be Führerschein or Führungszeugnis: both are offered."""
    slugs = [h.slug for h in catalog.search(harz, "füh", limit=8, as_prefix=True)]
    assert {"fahrerlaubnis-ersterteilung", "fuehrungszeugnis"} <= set(slugs[:3])


def test_ranking_table_is_big_enough():
    assert len(RANKING) >= 30


# -- the index on small made-up data -------------------------------------------------------
ENTRIES = [
    {
        "id": 1,
        "slug": "hundesteuer",
        "name": "Hundesteuer anmelden",
        "popularity": 50,
        "keywords": "Hund",
        "summary": "Steuer für Hunde.",
    },
    {
        "id": 2,
        "slug": "grundsteuer",
        "name": "Grundsteuer",
        "popularity": 40,
        "summary": "Steuer für Grundstücke.",
    },
    {
        "id": 3,
        "slug": "fahrerlaubnis",
        "name": "Fahrerlaubnis beantragen",
        "popularity": 90,
        "summary": "Zum ersten Mal den Führerschein machen.",
    },
    {
        "id": 4,
        "slug": "zulassung",
        "name": "Fahrzeug zulassen",
        "popularity": 80,
        "keywords": "Kfz-Zulassung",
    },
]
SYNONYMS = [
    ["Führerschein", "Fahrerlaubnis"],
    ["Auto", "Kfz", "Fahrzeug"],
    ["ich ziehe um", "Umzug"],
]


@pytest.fixture(scope="module")
def index():
    return SearchIndex.build(ENTRIES, SYNONYMS)


def test_stem_and_fold():
    assert fold("Führerschein Straße") == "fuhrerschein strasse"
    assert stem("Führerscheine") == stem("Führerschein")


def test_synonyms_and_compounds(index):
    assert index.search("Auto")[0].slug == "zulassung"
    assert index.search("Führerschein")[0].slug == "fahrerlaubnis"
    slugs = [h.slug for h in index.search("Steuer", as_prefix=False)]
    assert set(slugs) == {"hundesteuer", "grundsteuer"}  # found inside compounds
    assert index.search("Hundesteuer")[0].slug == "hundesteuer"


def test_every_word_must_match_when_something_matches_all(index):
    assert [h.slug for h in index.search("Hund Steuer")] == ["hundesteuer"]


def test_typo_tolerance_is_bounded(index):
    assert index.search("Hundestuer", as_prefix=False)[0].slug == "hundesteuer"
    assert index.search("qqqqqqq") == []
    assert index.search("") == [] and index.search("und der die") == []


def test_ties_are_broken_by_popularity_then_name():
    entries = [
        {"id": i, "slug": s, "name": n, "popularity": p}
        for i, (s, n, p) in enumerate(
            [("b", "Pass Beta", 5), ("a", "Pass Alpha", 5), ("c", "Pass Gamma", 9)]
        )
    ]
    hits = SearchIndex.build(entries, []).search("Pass")
    assert [h.slug for h in hits] == ["c", "a", "b"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_input_is_answered_without_error(index, text):
    hits = index.search(text, limit=5)
    assert len(hits) <= 5
    assert all(h.score > 0 for h in hits)


def test_memo_returns_the_same_hits(index):
    first = index.cached_search("Hund")
    assert index.cached_search("  hund ") is first


# -- the live index follows the catalogue ---------------------------------------------------
def test_a_new_service_and_synonym_are_found_without_a_restart(harz):
    assert catalog.search(harz, "Zitronenfalterzählung", as_prefix=False) == []
    service = ServiceFactory(name="Zitronenfalterzählung melden", popularity=1)
    hits = catalog.search(harz, "Zitronenfalterzählung", as_prefix=False)
    assert [h.slug for h in hits] == [service.slug]
    SearchSynonymFactory(terms=["Schmetterlingsmonitoring", "Zitronenfalterzählung"])
    hits = catalog.search(harz, "Schmetterlingsmonitoring", as_prefix=False)
    assert hits and hits[0].slug == service.slug


def test_a_service_is_found_by_its_life_event(harz):
    event = LifeEventFactory(name="Ich halte Bienen")
    service = ServiceFactory(name="Bienenvolk anzeigen", life_events=[event])
    assert service.slug in [h.slug for h in catalog.search(harz, "Bienen halten")]
