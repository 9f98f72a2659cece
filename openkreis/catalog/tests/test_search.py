"""Search: ranking on the real Harz catalogue, and the index's behaviour on made-up data."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openkreis.catalog import services as catalog
from openkreis.catalog.search import SearchIndex, fold, is_intent, stem

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
    # The thing decides, what people want to do with it only orders (issue 14).
    ("Reisepass verlängern", "reisepass-beantragen"),
    ("reisepass verlaengern", "reisepass-beantragen"),
    ("Personalausweis verlängern", "personalausweis-beantragen"),
    ("Hundesteuer zahlen", "hundesteuer-anmelden"),
    ("Wohngeld beantragen", "wohngeld"),
    ("Jagdschein verlängern", "jagdschein"),
    ("Ausweis verloren", "ausweis-verlust-melden"),
    ("Pass verloren", "ausweis-verlust-melden"),
    ("Hund abmelden", "hundesteuer-abmelden"),
    ("Gewerbe abmelden", "gewerbe-abmelden"),
    # Other authorities' services people look for here (level external).
    ("Kindergeld", "kindergeld"),
    ("Kindergeld beantragen", "kindergeld"),
    ("Familienkasse", "kindergeld"),
    ("Kfz-Steuer", "kfz-steuer"),
    ("Kfz-Steuer zahlen", "kfz-steuer"),
    ("Pflegegeld", "pflegegeld"),
    ("Pflegegrad beantragen", "pflegegeld"),
    ("Rente beantragen", "rente"),
    ("Arbeitslosengeld", "arbeitslosengeld"),
    ("BAföG Studium", "bafoeg-studium"),
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


def test_an_intent_word_does_not_hide_the_services_about_the_thing(harz):
    """ "Hundesteuer zahlen" found only "gefährlicher Hund" (its description says "zahlen")."""
    slugs = [h.slug for h in catalog.search(harz, "Hundesteuer zahlen", as_prefix=False)]
    assert slugs[:2] == ["hundesteuer-anmelden", "hundesteuer-abmelden"]
    slugs = [h.slug for h in catalog.search(harz, "Reisepass verlängern", as_prefix=False)]
    assert "reisepass-beantragen" in slugs
    # Nothing that only says "verlängern" (the lorry licence, the grave) comes with it.
    assert not {"fahrerlaubnis-verlaengerung-lkw-bus", "grabstelle"} & set(slugs)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("reisepass verl", "reisepass-beantragen"), ("hundesteuer zah", "hundesteuer-anmelden")],
)
def test_an_intent_word_being_typed_is_optional_too(harz, typed, expected):
    hits = catalog.search(harz, typed, limit=8, as_prefix=True)
    assert hits and hits[0].slug == expected, [h.slug for h in hits[:5]]


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


# -- intent words: optional, and they weigh little ------------------------------------------
INTENT_ENTRIES = [
    {"id": 1, "slug": "pass", "name": "Reisepass beantragen", "popularity": 10},
    {"id": 2, "slug": "lkw", "name": "Lkw-Führerschein verlängern", "popularity": 90},
    {
        "id": 3,
        "slug": "pass-kind",
        "name": "Ausweis für Kinder",
        "popularity": 10,
        "description": "Einen alten Reisepass kann man nicht mehr verlängern.",
    },
    {"id": 4, "slug": "hund-an", "name": "Hund anmelden", "popularity": 50},
    {"id": 5, "slug": "hund-ab", "name": "Hund abmelden", "popularity": 50},
    {
        "id": 6,
        "slug": "fund",
        "name": "Fundbüro",
        "popularity": 5,
        "keywords": "verloren gefunden",
        "phrases": ["Schlüssel verloren"],
    },
    {
        "id": 7,
        "slug": "verlust",
        "name": "Entlaufenen Hund melden",
        "popularity": 5,
        "keywords": "Hund verloren",
        "phrases": ["Hund verloren"],
    },
]


@pytest.fixture(scope="module")
def intent_index():
    return SearchIndex.build(INTENT_ENTRIES, [])


def test_intent_words():
    for word in ("verlängern", "verlaengern", "Verlängerung", "zahlen", "beantragen", "verloren"):
        assert is_intent(word), word
    assert is_intent("verlängen")  # a typo of a long one
    assert is_intent("verl", as_prefix=True) and not is_intent("verl")
    for word in ("Reisepass", "Hund", "Wahlen", "Steuer", "ve"):
        assert not is_intent(word, as_prefix=True), word


def test_the_thing_must_match_the_intent_need_not(intent_index):
    """Nobody offers "Reisepass verlängern": the passport service comes first, the service
    that only says "verlängern" not at all, however popular."""
    slugs = [h.slug for h in intent_index.search("Reisepass verlängern", as_prefix=False)]
    assert slugs == ["pass", "pass-kind"]


def test_the_thing_dominates_the_score(intent_index):
    """ "Ausweis für Kinder" says "Reisepass" and "verlängern" in its description only:
    the service named after the passport wins."""
    hits = intent_index.search("Reisepass verlängern", as_prefix=False)
    assert hits[0].score > 2 * hits[1].score


def test_the_intent_orders_the_services_about_the_thing(intent_index):
    assert intent_index.search("Hund abmelden")[0].slug == "hund-ab"
    assert intent_index.search("Hund anmelden")[0].slug == "hund-an"


def test_a_query_of_intent_words_only_needs_them_all(intent_index):
    assert [h.slug for h in intent_index.search("abmelden", as_prefix=False)] == ["hund-ab"]


def test_intent_words_count_in_full_when_nothing_has_the_thing(intent_index):
    """ "Portemonnaie verloren": no service knows the purse; those about losing things help."""
    slugs = [h.slug for h in intent_index.search("Portemonnaie verloren", as_prefix=False)]
    assert set(slugs) == {"fund", "verlust"}


def test_a_keyword_phrase_the_county_wrote_down_wins(intent_index):
    """ "Hund verloren" is a keyword of the runaway-dog report: it beats the more popular
    services about dogs."""
    assert intent_index.search("Hund verloren", as_prefix=False)[0].slug == "verlust"
    assert intent_index.search("verloren Hund", as_prefix=False)[0].slug == "verlust"


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


# -- synonyms reach what the word means, not what merely sounds like it (issue 14.5) ----------
PASS_ENTRIES = [
    {"id": 1, "slug": "reisepass", "name": "Reisepass beantragen", "popularity": 50},
    {
        "id": 2,
        "slug": "kinderpass",
        "name": "Ausweis für ein Kind",
        "popularity": 40,
        "keywords": "Kinderreisepass",
    },
    {"id": 3, "slug": "kita", "name": "Kita-Platz für Ihr Kind", "popularity": 90},
    {
        "id": 4,
        "slug": "sperrmuell",
        "name": "Sperrmüll abholen lassen",
        "popularity": 80,
        "summary": "Alte Möbel, die nicht in die Tonne passen.",
    },
    {"id": 5, "slug": "verlust", "name": "Verlust melden", "popularity": 10, "keywords": "Pass"},
]
PASS_SYNONYMS = [["Reisepass", "Pass"], ["Kinderreisepass", "Ausweis Kind"]]


def test_a_synonym_of_a_compound_is_not_a_synonym_of_its_part():
    """ "Reisepass" is inside "Kinderreisepass", whose synonyms mention "Kind": the search
    for a passport listed every service about children (Kita, Kindergeld, …)."""
    index = SearchIndex.build(PASS_ENTRIES, PASS_SYNONYMS)
    slugs = [h.slug for h in index.search("Reisepass", as_prefix=False)]
    assert slugs[0] == "reisepass"
    assert "kinderpass" in slugs  # the compound itself is still found
    assert "kita" not in slugs


def test_a_noun_synonym_does_not_match_a_verb_with_the_same_stem():
    """ "Pass" (the passport) and "passen" (to fit) share the stem "pass": a search for
    "Reisepass" listed "Sperrmüll abholen lassen" (things that do not fit in the bin)."""
    index = SearchIndex.build(PASS_ENTRIES, PASS_SYNONYMS)
    slugs = [h.slug for h in index.search("Reisepass", as_prefix=False)]
    assert "verlust" in slugs  # the synonym still reaches the noun "Pass"
    assert "sperrmuell" not in slugs


def test_reisepass_finds_no_unrelated_services_in_harz(harz):
    slugs = [h.slug for h in catalog.search(harz, "Reisepass verlängern", limit=20)]
    assert slugs[0] == "reisepass-beantragen"
    for unrelated in ("sperrmuell", "kindergeld", "kita-platz", "elterngeld"):
        assert unrelated not in slugs, slugs
