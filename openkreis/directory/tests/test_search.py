"""The place search (directory/search.py): distance order and radius, filters, open now from
OpenInterval rows at given times, words with German umlauts, counting searches without result.

The Harz's own places are in the database too: every test narrows to its own category."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.core.geo import distance_m
from openkreis.core.models import Event
from openkreis.directory import search
from openkreis.directory.models import MissedSearch, Place

from .factories import d2_category, d2_municipality, d2_open, d2_place

pytestmark = pytest.mark.django_db

# the market square of Wernigerode; the other places to the east at known distances
HERE = (51.8358, 10.7853)
BERLIN = dt.timezone(dt.timedelta(hours=1))


@pytest.fixture
def cat():
    return d2_category("d2-test-kat", "health", "Testpraxis D2")


def _names(places):
    return [p.name for p in places]


def test_nearest_first_with_exact_distance(cat):
    far = d2_place("Fern D2", HERE[0], HERE[1] + 0.10, category=cat)  # ~6.9 km
    near = d2_place("Nah D2", HERE[0] + 0.001, HERE[1], category=cat)  # ~111 m
    middle = d2_place("Mitte D2", HERE[0] - 0.02, HERE[1], category=cat)  # ~2.2 km
    found, total = search.search(category=cat.slug, lat=HERE[0], lon=HERE[1])
    assert total == 3
    assert _names(found) == ["Nah D2", "Mitte D2", "Fern D2"]
    for place, model in zip(found, (near, middle, far), strict=True):
        assert place.distance_m == round(distance_m(*HERE, model.lat, model.lon))
    assert 100 < found[0].distance_m < 125
    assert found[0].distance_km == found[0].distance_m / 1000


def test_without_a_point_by_name_and_no_distance(cat):
    d2_place("Zacke D2", category=cat)
    d2_place("Anger D2", category=cat)
    found, total = search.search(category=cat.slug)
    assert _names(found) == ["Anger D2", "Zacke D2"]
    assert found[0].distance_m is None


def test_radius_keeps_the_circle_not_the_box(cat):
    d2_place("Innen D2", HERE[0] + 0.005, HERE[1], category=cat)  # ~556 m
    # inside the bounding box of 1 km (its corner) but 1.3 km away: outside the circle
    d2_place("Ecke D2", HERE[0] + 0.0085, HERE[1] + 0.0135, category=cat)
    d2_place("Weit D2", HERE[0] + 0.05, HERE[1], category=cat)
    found, total = search.search(category=cat.slug, lat=HERE[0], lon=HERE[1], radius_m=1000)
    assert _names(found) == ["Innen D2"]
    assert total == 1
    found, total = search.search(category=cat.slug, lat=HERE[0], lon=HERE[1], radius_m=10_000)
    assert total == 3


def test_limit_offset_and_total(cat):
    for i in range(7):
        d2_place(f"Seite D2 {i}", HERE[0] + i * 0.001, HERE[1], category=cat)
    first, total = search.search(category=cat.slug, lat=HERE[0], lon=HERE[1], limit=3)
    second, _ = search.search(category=cat.slug, lat=HERE[0], lon=HERE[1], limit=3, offset=3)
    assert total == 7
    assert _names(first) == ["Seite D2 0", "Seite D2 1", "Seite D2 2"]
    assert _names(second) == ["Seite D2 3", "Seite D2 4", "Seite D2 5"]


def test_open_now_at_given_times(cat):
    monday = dt.datetime(2026, 3, 2, tzinfo=BERLIN)
    day = d2_place("Tagsüber D2", category=cat, opening_hours="Mo-Fr 08:00-16:00")
    night = d2_place("Nachtbar D2", category=cat, opening_hours="Mo 22:00-03:00")
    unknown = d2_place("Unbekannt D2", category=cat)
    d2_open(day, monday.replace(hour=8), monday.replace(hour=16))
    d2_open(night, monday.replace(hour=22), monday.replace(hour=3) + dt.timedelta(days=1))

    def open_at(at):
        found, _ = search.search(category=cat.slug, open_now=True, at=at)
        return set(_names(found))

    assert open_at(monday.replace(hour=7, minute=59)) == set()
    assert open_at(monday.replace(hour=8)) == {"Tagsüber D2"}  # the start belongs to it
    assert open_at(monday.replace(hour=16)) == set()  # the end does not
    assert open_at(monday.replace(hour=23)) == {"Nachtbar D2"}
    assert open_at(monday.replace(hour=2) + dt.timedelta(days=1)) == {"Nachtbar D2"}
    assert search.open_now_ids(monday.replace(hour=9)) >= {day.pk}
    assert night.pk not in search.open_now_ids(monday.replace(hour=9))

    # without the filter every place carries its state
    found, _ = search.search(category=cat.slug, at=monday.replace(hour=9))
    state = {p.name: (p.open_now, p.open_until) for p in found}
    assert state["Tagsüber D2"] == (True, monday.replace(hour=16))
    assert state["Nachtbar D2"] == (False, None)
    assert state[unknown.name] == (None, None)  # no opening hours: not known


def test_open_now_is_one_query_for_the_filter(cat, django_assert_max_num_queries):
    at = timezone.now()
    place = d2_place("Offen D2", category=cat, opening_hours="24/7")
    d2_open(place, at - dt.timedelta(hours=1), at + dt.timedelta(hours=1))
    # count, page, open states of the page
    with django_assert_max_num_queries(3):
        found, total = search.search(category=cat.slug, open_now=True, at=at)
    assert total == 1 and found[0].open_now is True


@pytest.mark.parametrize(
    "query",
    ["mühle", "Mühle", "MÜHLE", "muehle", "Muehle", "MUEHLE", "ühl", "alte mühle", "wernigerode"],
)
def test_words_with_umlauts_either_way(cat, query):
    d2_place("Alte Mühle D2", category=cat)
    d2_place("Neue Brücke D2", category=cat, town="Thale")
    found, _ = search.search(q=query, category=cat.slug)
    assert "Alte Mühle D2" in _names(found)
    if query != "wernigerode":
        assert "Neue Brücke D2" not in _names(found)


def test_words_strasse_and_category_and_town(cat):
    d2_place("Praxis an der Großen Straße D2", category=cat, town="Blankenburg (Harz)")
    assert search.search(q="grosse strasse", category=cat.slug)[1] == 1
    assert search.search(q="große straße", category=cat.slug)[1] == 1
    assert search.search(q="testpraxis", category=cat.slug)[1] == 1  # the category's name
    assert search.search(q="blankenburg", category=cat.slug)[1] == 1  # the town
    assert search.search(q="blankenburg quedlinburg", category=cat.slug)[1] == 0  # every word


def test_filters_group_municipality_wheelchair(cat):
    wr = d2_municipality()
    other = d2_category("d2-bad", "sports", "Freibad D2")
    d2_place("Rampe D2", category=cat, wheelchair=Place.Wheelchair.YES, municipality=wr)
    d2_place("Stufe D2", category=cat, wheelchair=Place.Wheelchair.LIMITED, municipality=wr)
    d2_place("Bad D2", category=other, wheelchair=Place.Wheelchair.YES)
    assert _names(search.search(category=cat.slug, wheelchair=True)[0]) == ["Rampe D2"]
    assert "Bad D2" in _names(search.search(group="sports", q="d2")[0])
    assert "Rampe D2" not in _names(search.search(group="sports", q="d2")[0])
    assert set(_names(search.search(q="d2", municipality=wr.ars)[0])) >= {"Rampe D2", "Stufe D2"}
    assert "Bad D2" not in _names(search.search(q="d2", municipality=wr)[0])
    assert search.search(municipality="999999999999")[1] == 0  # unknown: nothing


def test_unpublished_places_are_never_found(cat):
    d2_place("Versteckt D2", category=cat, published=False)
    assert search.search(category=cat.slug)[1] == 0


def test_record_search_keeps_no_words_and_counts_misses():
    before = Event.objects.filter(kind="directory.searched").count()
    search.record_search({"q": "  Kletter   HALLE  ", "category": None}, 0, "position")
    search.record_search({"q": "kletter halle"}, 0, "")
    search.record_search({"q": "Kletter Halle", "open_now": True}, 3, "")  # found something
    search.record_search({"q": "x" * 300}, 0, "")
    events = Event.objects.filter(kind="directory.searched").order_by("pk")
    assert events.count() == before + 4
    first = events[before]
    assert first.data == {"category": "", "near": "position", "open_now": False, "results": 0}
    assert "kletter" not in str(list(events.values_list("data", flat=True)))
    today = timezone.localdate()
    assert MissedSearch.objects.get(query="kletter halle", day=today).count == 2
    long = MissedSearch.objects.get(day=today, query__startswith="xxx")
    assert len(long.query) == 100


def test_count_missed_per_day():
    day = dt.date(2026, 1, 5)
    search.count_missed("Eisbahn", day)
    search.count_missed("eisbahn ", day)
    search.count_missed("eisbahn", day + dt.timedelta(days=1))
    assert MissedSearch.objects.get(query="eisbahn", day=day).count == 2
    assert MissedSearch.objects.get(query="eisbahn", day=day + dt.timedelta(days=1)).count == 1


def test_open_until_follows_intervals_that_join(cat):
    monday = dt.datetime(2026, 3, 2, tzinfo=BERLIN)
    late = d2_place("Spätbar D2", category=cat, opening_hours="Mo 20:00-03:00")
    always = d2_place("Immer D2", category=cat, opening_hours="24/7")
    # as a rebuild may write them: cut at midnight
    d2_open(late, monday.replace(hour=20), monday + dt.timedelta(days=1))
    d2_open(late, monday + dt.timedelta(days=1), monday.replace(hour=3) + dt.timedelta(days=1))
    for day in range(-1, 5):
        start = monday + dt.timedelta(days=day)
        d2_open(always, start, start + dt.timedelta(days=1))
    found, _ = search.search(category=cat.slug, at=monday.replace(hour=23))
    state = {p.name: (p.open_now, p.open_until) for p in found}
    assert state["Spätbar D2"] == (True, monday.replace(hour=3) + dt.timedelta(days=1))
    assert state["Immer D2"] == (True, None)  # open beyond 48 hours: no closing time to say


def test_large_radius_ranks_growing_boxes_and_counts_the_circle(cat):
    # 12 places on a line to the north, 1 km apart; a 25 km radius holds 10 of them
    for i in range(12):
        d2_place(f"Linie D2 {i:02d}", HERE[0] + (i * 2.5 + 0.5) / 111.2, HERE[1], category=cat)
    found, total = search.search(
        category=cat.slug, lat=HERE[0], lon=HERE[1], radius_m=25_000, limit=3, offset=2
    )
    assert total == 10
    assert _names(found) == ["Linie D2 02", "Linie D2 03", "Linie D2 04"]
    found, total = search.search(category=cat.slug, lat=HERE[0], lon=HERE[1], limit=20)
    assert total == 12 and _names(found)[-1] == "Linie D2 11"  # the 54 km box holds all
