"""The full-text layer (catalog.fulltext) on the backend of the test database: PostgreSQL
(German full-text search + trigram vocabulary) or SQLite (the in-memory engine). The
marketplace's products are the collection under test (the only one so far)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from openkreis.catalog import fulltext
from openkreis.catalog.models import SearchTerm
from openkreis.marketplace.models import Product, Scheme
from openkreis.marketplace.tests import factories as f

pytestmark = pytest.mark.django_db
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search"
)


@pytest.fixture(autouse=True)
def fresh_engine():
    fulltext.backends["memory"].reset()
    Scheme.objects.all().delete()
    Scheme.objects.create(
        synonyms=[
            ["Handy", "Smartphone", "Mobiltelefon"],
            ["Harzer Käse", "Harzer Roller", "Sauermilchkäse"],
        ]
    )
    yield
    fulltext.backends["memory"].reset()


@pytest.fixture
def goods():
    shop = f.shop("Eisenwaren Fulltext")
    items = {
        "akku": f.product(shop, "Akkuschrauber 18 V", brand="Bosch"),
        "stein": f.product(shop, "Steinbohrer 8 mm", brand="Bosch"),
        "holz": f.product(shop, "Holzbohrer 6 mm", brand="Makita"),
        "schraube": f.product(shop, "Schraube M4 verzinkt", category="Eisenwaren"),
        "phone": f.product(shop, "Smartphone Galaxy A15", category="Elektronik"),
        "jacke": f.product(shop, "Regenjacke", description="Wasserdicht, mit Kapuze"),
    }
    fulltext.index("products")
    return items


def names(query: str, queryset=None) -> list[str]:
    rows = fulltext.match("products", query, queryset).order_by("-relevance", "pk")
    return [p.name for p in rows]


def test_word_forms(goods):
    # "Schrauben" (plural) finds "Schraube"
    assert "Schraube M4 verzinkt" in names("Schrauben")
    assert names("Regenjacken") == ["Regenjacke"]


def test_typo(goods):
    assert names("akuschrauber")[:1] == ["Akkuschrauber 18 V"]
    assert names("Regnejacke") == ["Regenjacke"]


def test_synonym(goods):
    assert names("Handy") == ["Smartphone Galaxy A15"]
    assert names("mobiltelefon") == ["Smartphone Galaxy A15"]


def test_a_multi_word_synonym_does_not_join_its_words(goods):
    # "Harzer Roller" is a cheese; "Käse" must not find every "Roller" (a scooter)
    shop = f.shop("Spielwaren Fulltext")
    f.product(shop, "Tretroller Kinder")
    f.product(shop, "Roller Alu klappbar")
    f.product(shop, "Harzer Käse 200 g")
    fulltext.index("products")
    found = names("Käse")
    assert "Harzer Käse 200 g" in found
    assert not any("oller" in name for name in found), found


def test_compound_part(goods):
    assert set(names("bohrer")) == {"Steinbohrer 8 mm", "Holzbohrer 6 mm"}


def test_prefix_of_the_last_word(goods):
    assert names("akku") == ["Akkuschrauber 18 V"]
    assert names("Regenja") == ["Regenjacke"]


def test_every_word_must_match(goods):
    assert names("bosch bohrer") == ["Steinbohrer 8 mm"]
    assert names("makita akkuschrauber") == []


def test_lower_weights_and_description(goods):
    # the category (B) and the description (D) are searched too
    assert names("eisenwaren") == ["Schraube M4 verzinkt"]
    assert names("kapuze") == ["Regenjacke"]


def test_relevance_is_between_0_and_1_and_exact_beats_compound(goods):
    shop = goods["akku"].shop
    f.product(shop, "Bohrer-Set 10 teilig")
    fulltext.index("products")
    rows = list(fulltext.match("products", "bohrer").order_by("-relevance", "pk"))
    assert rows[0].name == "Bohrer-Set 10 teilig"
    assert all(0 < r.relevance <= 1 for r in rows)
    assert rows[0].relevance > rows[-1].relevance


def test_queryset_restricts_the_rows(goods):
    only = Product.objects.filter(brand="Makita")
    assert names("bohrer", only) == ["Holzbohrer 6 mm"]


def test_no_words_no_rows(goods):
    assert names("") == []
    assert names("  !!  ") == []
    assert fulltext.match("products", "").count() == 0


def test_changed_rows_are_found_after_index(goods):
    product = goods["jacke"]
    Product.objects.filter(pk=product.pk).update(name="Winterjacke")
    fulltext.index("products", pks=[product.pk])
    assert names("winterjacke") == ["Winterjacke"]
    assert names("regenjacke") == []


def test_index_counts_documents(goods):
    assert fulltext.index("products") == len(goods)
    assert fulltext.index("products", pks=[goods["akku"].pk]) == 1


@on_postgres
def test_postgres_writes_vectors_and_vocabulary(goods):
    assert fulltext.active_backend() is fulltext.backends["postgres"]
    assert not Product.objects.filter(search_vector__isnull=True).exists()
    terms = set(SearchTerm.objects.filter(collection="products").values_list("term", flat=True))
    # German stems: the vocabulary the typo and compound look-ups run against
    assert {"akkuschraub", "steinbohr", "holzbohr", "schraub"} <= terms


@on_postgres
def test_a_prefix_is_matched_by_the_stems_it_stands_for(goods, monkeypatch):
    """The last word's prefix is replaced, for matching, by the vocabulary's stems starting
    with it ("bohr:*" by bohr…): the same documents match as with the prefix; ranking keeps
    the prefix. With more stems than MAX_EXPANSIONS the prefix itself stays."""
    backend = fulltext.backends["postgres"]
    collection = fulltext.collections["products"]
    groups = backend.groups(collection, "bosch bohr")
    assert groups[0].expansions is None and groups[0].prefixes == []
    assert groups[1].prefixes == ["bohr"] and ":*" not in fulltext.match_tsquery(groups)
    assert set(groups[1].expansions) == set(
        SearchTerm.objects.filter(collection="products", term__startswith="bohr").values_list(
            "term", flat=True
        )
    )
    assert "'bohr':*" in fulltext.tsquery_of(groups)[0]  # ranking: the prefix
    for query in ("akku", "Regenja", "bohr", "bosch bohr", "sch", "smartph"):
        named = names(query)
        stems = backend.groups(collection, query)[-1].expansions
        monkeypatch.setattr(fulltext, "MAX_EXPANSIONS", 0)
        assert (backend.groups(collection, query)[-1].expansions is None) == bool(stems)
        assert names(query) == named, query
        monkeypatch.setattr(fulltext, "MAX_EXPANSIONS", 64)
    # a prefix no stem starts with names none
    groups = backend.groups(collection, "bosch zzqx")
    assert groups[1].expansions == [] and names("bosch zzqx") == []


@on_postgres
def test_postgres_query_is_an_and_of_or_groups(goods):
    backend = fulltext.backends["postgres"]
    collection = fulltext.collections["products"]
    full, strict = backend.tsquery(collection, "bosch bohrer")
    assert full.startswith("('bosch') & (")
    assert "'steinbohr'" in full and "'holzbohr'" in full and "'bohr':*" in full
    assert "steinbohr" not in strict
    # a stop word is no group; quotes cannot break out of the query
    full, _ = backend.tsquery(collection, "handy für o'neill")
    assert full.count("&") == 2 and "'smartphon'" in full


@on_postgres
def test_backend_chosen_by_setting(goods):
    with override_settings(OPENKREIS_FULLTEXT_BACKEND="memory"):
        assert fulltext.active_backend() is fulltext.backends["memory"]
        assert names("akuschrauber") == ["Akkuschrauber 18 V"]


def test_unknown_collection_is_an_error():
    with pytest.raises(LookupError):
        fulltext.match("nothing-here", "x")
