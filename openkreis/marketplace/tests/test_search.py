"""'Wo bekomme ich …?' (marketplace/search.py, views_search.py): ranking by match, stock and
distance, the filters, missed searches, the event without words, the pages and their 400s."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openkreis.catalog import fulltext
from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.directory.hours import local_tz
from openkreis.marketplace import search
from openkreis.marketplace.models import MissedSearch, Product, Scheme, ShopTerm

from . import factories as f

pytestmark = pytest.mark.django_db

# Wernigerode (the factory's default place) and Halberstadt, 20 km away
HALBERSTADT = (51.8958, 11.0467)


@pytest.fixture(autouse=True)
def fresh_engine():
    fulltext.backends["memory"].reset()
    Scheme.objects.all().delete()
    Scheme.objects.create(synonyms=[["Turnschuhe", "Sneaker"]])
    yield
    fulltext.backends["memory"].reset()


def names(hits) -> list[tuple[str, str]]:
    return [(h.product.name, h.shop.name) for h in hits]


def next_wednesday(hour: int) -> dt.datetime:
    today = timezone.localdate()
    day = today + dt.timedelta(days=(2 - today.weekday()) % 7 or 7)
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=local_tz())


def test_stock_ranks_before_the_rest():
    sold_out = f.shop("Laden Ausverkauft")
    unknown = f.shop("Laden Unbekannt")
    in_stock = f.shop("Laden Vorrat")
    f.product(sold_out, "Wanderschuhe Trekking", stock=0)
    f.product(unknown, "Wanderschuhe Trekking", stock=0, stock_updated_at=None)
    f.product(in_stock, "Wanderschuhe Trekking", stock=2)
    fulltext.index("products")
    hits, total = search.search("wanderschuhe", record=False)
    assert total == 3
    assert [h.shop.name for h in hits] == ["Laden Vorrat", "Laden Unbekannt", "Laden Ausverkauft"]
    assert hits[0].available == 2 and hits[0].stock_updated_at is not None


def test_reserved_items_are_not_available():
    shop = f.shop("Laden Reserviert")
    other = f.shop("Laden Frei")
    f.product(shop, "Taschenlampe LED", stock=2, reserved=2)
    f.product(other, "Taschenlampe LED", stock=1)
    fulltext.index("products")
    hits, _ = search.search("taschenlampe", record=False)
    assert [h.shop.name for h in hits] == ["Laden Frei", "Laden Reserviert"]
    assert hits[1].available == 0


def test_nearer_first_with_a_point():
    near = f.shop("Laden Wernigerode")
    far = f.shop("Laden Halberstadt", lat=HALBERSTADT[0], lon=HALBERSTADT[1])
    f.product(near, "Fahrradschloss")
    f.product(far, "Fahrradschloss")
    fulltext.index("products")
    hits, _ = search.search("fahrradschloss", lat=HALBERSTADT[0], lon=HALBERSTADT[1], record=False)
    assert [h.shop.name for h in hits] == ["Laden Halberstadt", "Laden Wernigerode"]
    assert hits[0].distance_m < 100 < 15_000 < hits[1].distance_m
    hits, _ = search.search("fahrradschloss", lat=51.8358, lon=10.7853, record=False)
    assert hits[0].shop.name == "Laden Wernigerode"
    # without a point: no distance
    hits, _ = search.search("fahrradschloss", record=False)
    assert hits[0].distance_m is None


def test_stock_outweighs_a_short_distance():
    near = f.shop("Nah ohne Vorrat")
    far = f.shop("Etwas weiter mit Vorrat", lat=51.80, lon=10.80)  # ~4 km
    f.product(near, "Gummistiefel", stock=0)
    f.product(far, "Gummistiefel", stock=5)
    fulltext.index("products")
    hits, _ = search.search("gummistiefel", lat=51.8358, lon=10.7853, record=False)
    assert hits[0].shop.name == "Etwas weiter mit Vorrat"


def test_match_ranks_before_stock_and_synonyms_work():
    shop = f.shop("Schuhladen")
    f.product(shop, "Sneaker Classic", stock=4)
    fulltext.index("products")
    hits, _ = search.search("turnschuhe", record=False)
    assert names(hits) == [("Sneaker Classic", "Schuhladen")]


def test_filters_open_now_and_click_collect():
    at = next_wednesday(10)
    morning = f.shop("Morgenladen", opening_hours="Mo-Sa 08:00-12:00")
    afternoon = f.shop("Nachmittagsladen", opening_hours="Mo-Sa 14:00-18:00")
    no_pickup = f.shop("Ohne Abholung", opening_hours="Mo-Sa 08:00-12:00", click_collect=False)
    for shop in (morning, afternoon, no_pickup):
        f.product(shop, "Kaffeemühle")
    fulltext.index("products")
    hits, total = search.search("kaffeemühle", at=at, record=False)
    assert total == 3
    by_shop = {h.shop.name: h for h in hits}
    assert by_shop["Morgenladen"].open_now is True
    assert by_shop["Nachmittagsladen"].open_now is False
    assert "14:00" in by_shop["Nachmittagsladen"].open_text
    hits, _ = search.search("kaffeemühle", open_now=True, at=at, record=False)
    assert {h.shop.name for h in hits} == {"Morgenladen", "Ohne Abholung"}
    hits, _ = search.search("kaffeemühle", open_now=True, click_collect=True, at=at, record=False)
    assert [h.shop.name for h in hits] == ["Morgenladen"]


def test_only_active_products_of_active_shops():
    f.product(f.shop("Gesperrt", status="suspended"), "Zeltheringe")
    f.product(f.shop("Wartet", status="pending"), "Zeltheringe")
    f.product(f.shop("Aktiv"), "Zeltheringe", active=False)
    visible = f.product(f.shop("Sichtbar"), "Zeltheringe")
    fulltext.index("products")
    hits, total = search.search("zeltheringe", record=False)
    assert total == 1 and hits[0].product == visible


def test_pages():
    shop = f.shop("Viele Kerzen")
    for n in range(5):
        f.product(shop, f"Kerze {n}", stock=n)
    fulltext.index("products")
    first, total = search.search("kerze", limit=2, record=False)
    second, _ = search.search("kerze", limit=2, offset=2, record=False)
    third, _ = search.search("kerze", limit=2, offset=4, record=False)
    assert total == 5
    seen = [h.product.name for h in first + second + third]
    assert len(set(seen)) == 5


def test_event_without_words_and_missed_search_counted():
    shop = f.shop("Ereignisladen")
    f.product(shop, "Blumenerde")
    fulltext.index("products")
    before = Event.objects.filter(kind=event_kinds.MARKET_SEARCHED).count()
    search.search("Blumenerde", lat=51.8, lon=10.8)
    search.search("  Einhorn   Sattel ")
    search.search("einhorn sattel", open_now=True)
    events = list(Event.objects.filter(kind=event_kinds.MARKET_SEARCHED).order_by("pk"))[before:]
    assert len(events) == 3
    assert events[0].data == {
        "near": True,
        "open_now": False,
        "click_collect": False,
        "results": 1,
        "shops": 1,
    }
    assert events[1].data["results"] == 0 and events[2].data["open_now"] is True
    for event in events:
        text = str(event.data).lower()
        assert "blumenerde" not in text and "einhorn" not in text and "51.8" not in text
    missed = MissedSearch.objects.get(query="einhorn sattel", day=timezone.localdate())
    assert missed.count == 2
    assert not MissedSearch.objects.filter(query="blumenerde").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_search_figures_are_committed_outside_a_transaction():
    """In a request (no transaction around it) the event and the missed count are committed
    by their own transaction (on PostgreSQL without waiting for the disk), and the setting
    does not stay on the connection."""
    before = Event.objects.filter(kind=event_kinds.MARKET_SEARCHED).count()
    assert not connection.in_atomic_block
    search.search("einhornsattel")
    search.search("einhornsattel")
    assert Event.objects.filter(kind=event_kinds.MARKET_SEARCHED).count() == before + 2
    assert MissedSearch.objects.get(query="einhornsattel").count == 2
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"


def test_resolve_place_by_postcode_and_town():
    f.shop("Ortsladen")  # Breite Straße 1, 38855 Wernigerode
    lat, lon = search.resolve_place("38855")
    assert abs(lat - 51.8358) < 0.2 and abs(lon - 10.7853) < 0.2
    assert search.resolve_place("wernigerode") is not None
    assert search.resolve_place("Atlantis") is None
    assert search.resolve_place("") is None


# -- pages -------------------------------------------------------------------------------


def test_start_page(client):
    response = client.get(reverse("marketplace:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'action="{reverse("marketplace:search")}"' in html
    assert 'name="q"' in html and 'name="ort"' in html
    assert reverse("marketplace:shops") in html


def test_results_page(client):
    shop = f.shop("Seitenladen")
    product = f.product(shop, "Akkuschrauber Profi", stock=3, price="89.90")
    fulltext.index("products")
    response = client.get(reverse("marketplace:search"), {"q": "Akuschrauber", "ort": "38855"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Akkuschrauber Profi" in html and "Seitenladen" in html
    assert reverse("marketplace:product", args=[shop.slug, product.pk]) in html
    assert "89,90" in html or "89.90" in html
    assert 'name="q"' in html


def test_nothing_found_page(client):
    response = client.get(reverse("marketplace:search"), {"q": "Dampflokomotive", "offen": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="market-none"' in html
    assert MissedSearch.objects.filter(query="dampflokomotive").exists()


def test_empty_query_shows_examples(client):
    response = client.get(reverse("marketplace:search"))
    assert response.status_code == 200
    assert "market-none" not in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x", "lat": "91", "lon": "10"},
        {"q": "x", "lat": "51.8"},
        {"q": "x", "lat": "abc", "lon": "10"},
        {"q": "x", "ort": "Atlantis"},
        {"q": "x" * 101},
        {"q": "x", "seite": "0"},
        {"q": "x", "seite": "zwei"},
    ],
)
def test_bad_parameters_are_400_with_a_message(client, params):
    response = client.get(reverse("marketplace:search"), params)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html and "<li>" in html


def test_second_page_is_not_recorded_again(client):
    shop = f.shop("Seitenzähler")
    for n in range(25):
        f.product(shop, f"Postkarte Motiv {n}")
    fulltext.index("products")
    before = Event.objects.filter(kind=event_kinds.MARKET_SEARCHED).count()
    first = client.get(reverse("marketplace:search"), {"q": "postkarte"})
    second = client.get(reverse("marketplace:search"), {"q": "postkarte", "seite": "2"})
    assert first.status_code == second.status_code == 200
    assert "seite=2" in first.content.decode()
    assert Event.objects.filter(kind=event_kinds.MARKET_SEARCHED).count() == before + 1


def test_broad_words_rank_the_nearest_shops(client, monkeypatch):
    """More matches than MAX_RANKED: the matches of the nearest shops holding RING_MATCHES of
    them are ranked (not the first ones the index yields), the total reads "more than"."""
    monkeypatch.setattr(search, "MAX_RANKED", 3)
    monkeypatch.setattr(search, "RING_MATCHES", 2)
    monkeypatch.setattr(search, "FIRST_RING", 1)
    far = f.shop("Socken Fern", lat=HALBERSTADT[0], lon=HALBERSTADT[1])
    near = f.shop("Socken Nah")
    for n in range(3):
        f.product(far, f"Socken Paar {n}", stock=5)  # in stock and written first
        f.product(near, f"Socken Paar {n}", stock=5)
    fulltext.index("products")
    hits, total = search.search("socken", lat=51.8358, lon=10.7853, limit=2, record=False)
    assert total == 3
    assert {h.shop.name for h in hits} == {"Socken Nah"} and len(hits) == 2
    # from Halberstadt the other shop's socks
    hits, _total = search.search(
        "socken", lat=HALBERSTADT[0], lon=HALBERSTADT[1], limit=2, record=False
    )
    assert {h.shop.name for h in hits} == {"Socken Fern"}
    response = client.get(reverse("marketplace:search"), {"q": "socken"})
    assert response.status_code == 200
    assert "More than 3" in response.content.decode() or "Mehr als 3" in response.content.decode()


def test_rings_grow_until_enough_matches(monkeypatch):
    """The first ring (one shop) holds too few matches: the rings grow, and with every shop
    in the ring the order is the exhaustive ranking's."""
    shops = [f.shop(f"Kreis {n}", lat=51.8358 + n * 0.05, lon=10.7853) for n in range(4)]
    for n, shop in enumerate(shops):
        f.product(shop, f"Laterne Modell {n}", stock=n % 2)
    fulltext.index("products")
    exhaustive, total = search.search("laterne", lat=51.8358, lon=10.7853, record=False)
    assert total == 4
    monkeypatch.setattr(search, "MAX_RANKED", 3)
    monkeypatch.setattr(search, "RING_MATCHES", 4)
    monkeypatch.setattr(search, "FIRST_RING", 1)
    found = search.candidates("laterne")
    with transaction.atomic():
        ring = search.nearest_shops(found, (51.8358, 10.7853), 2)
    # one shop held one match: the next ring is as wide as that rate needs (×1.5)
    assert ring == [shop.pk for shop in shops[:3]]
    ringed, _total = search.search("laterne", lat=51.8358, lon=10.7853, record=False)
    assert [h.product.pk for h in ringed] == [h.product.pk for h in exhaustive]


def test_one_query_ranks_and_counts():
    """rank(): the page, the number of matches and of their shops; past the end nothing."""
    a, b = f.shop("Zähler A"), f.shop("Zähler B")
    for n in range(3):
        f.product(a, f"Gießkanne {n}", stock=1)
    f.product(b, "Gießkanne groß", stock=0)
    fulltext.index("products")
    from django.db.models import F as Field

    scored = search.candidates("gießkanne").annotate(score=Field("relevance"))
    page, total, shops = search.rank(scored, limit=2, offset=0)
    assert (len(page), total, shops) == (2, 4, 2)
    page, total, shops = search.rank(scored, limit=2, offset=10)
    assert (page, total, shops) == ([], 4, 2)
    assert search.rank(
        search.candidates("einhornsattel").annotate(score=Field("relevance")), limit=2, offset=0
    )[1:] == (0, 0)


# -- the shops' word counts (PostgreSQL: statement triggers) --------------------------------

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the word counts are kept by PostgreSQL triggers"
)


def _counts_in_table():
    return {
        (row.shop_id, row.term): row.products
        for row in ShopTerm.objects.all()
        if row.products  # a word no product carries any more stays as a 0
    }


def _counts_recomputed():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.shop_id, v.lexeme, count(*) FROM marketplace_product p, "
            "unnest(p.search_vector) v WHERE p.active GROUP BY 1, 2 UNION ALL "
            "SELECT shop_id, '', count(*) FROM marketplace_product "
            "WHERE active AND search_vector IS NOT NULL GROUP BY 1"
        )
        return {(shop, term): n for shop, term, n in cursor.fetchall()}


@needs_postgres
def test_word_counts_follow_every_change_of_the_products():
    a, b = f.shop("Zählladen A"), f.shop("Zählladen B")
    first = [f.product(a, f"Gießkanne Zink {n}") for n in range(3)]
    f.product(b, "Gießkanne Kunststoff")
    fulltext.index("products")
    counts = _counts_in_table()
    assert counts == _counts_recomputed()
    assert counts[a.pk, "giesskann"] == 3 and counts[b.pk, "giesskann"] == 1
    assert counts[a.pk, ""] == 3  # every indexed active product of the shop
    # renamed and re-indexed, retired, a stock change, deleted: the counts follow
    Product.objects.filter(pk=first[0].pk).update(name="Blumenerde")
    fulltext.index("products", [first[0].pk])
    Product.objects.filter(pk=first[1].pk).update(active=False)
    Product.objects.filter(shop=b).update(stock=9)
    Product.objects.filter(pk=first[2].pk).delete()
    counts = _counts_in_table()
    assert counts == _counts_recomputed()
    assert (a.pk, "giesskann") not in counts and counts[a.pk, "blumenerd"] == 1
    assert counts[b.pk, "giesskann"] == 1


@needs_postgres
def test_bounds_hold_the_true_number_of_matches():
    """shop_bounds: at least ≤ the true matches ≤ at most, per shop, for one word and two."""
    a, b = f.shop("Grenzladen A"), f.shop("Grenzladen B")
    for n in range(4):
        f.product(a, f"Wanderschuhe Modell {n}")
    f.product(a, "Schuhcreme schwarz")
    f.product(b, "Hausschuhe Filz")
    f.product(b, "Wanderschuhe Leder blau")
    fulltext.index("products")
    for q in ("schuhe", "wanderschuhe blau", "schuh"):
        groups = fulltext.query_groups("products", q)
        bounds, sizes = search.shop_bounds(groups, [a.pk, b.pk])
        assert sizes == {a.pk: 5, b.pk: 2}
        for shop in (a, b):
            true = search.candidates(q, groups=groups).filter(shop=shop).count()
            lower, upper = bounds.get(shop.pk, (0, 0))
            assert lower <= true <= upper, (q, shop.name, lower, true, upper)
    groups = fulltext.query_groups("products", "wanderschuhe")
    bounds, _sizes = search.shop_bounds(groups, [a.pk, b.pk])
    assert bounds[a.pk] == (4, 4) and bounds[b.pk] == (1, 1)


@needs_postgres
def test_surely_broad_words_skip_the_count_and_rank_the_nearest(monkeypatch):
    """More matches for sure (lower bounds) than MAX_RANKED: no count query, the nearest
    shops likely holding RING_MATCHES are ranked; the result is the ringed ranking's."""
    monkeypatch.setattr(search, "MAX_RANKED", 3)
    monkeypatch.setattr(search, "RING_MATCHES", 2)
    far = f.shop("Kerzen Fern", lat=HALBERSTADT[0], lon=HALBERSTADT[1])
    near = f.shop("Kerzen Nah")
    for n in range(3):
        f.product(far, f"Kerze Bienenwachs {n}", stock=5)
        f.product(near, f"Kerze Bienenwachs {n}", stock=5)
    fulltext.index("products")
    with CaptureQueriesContext(connection) as queries:
        hits, total = search.search("kerze", lat=51.8358, lon=10.7853, limit=2, record=False)
    assert total == 3 and {h.shop.name for h in hits} == {"Kerzen Nah"}
    # the only count is rank()'s over the ring's matches (its CTE), none over the products
    plain = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("WITH m ")]
    assert not [sql for sql in plain if "COUNT(" in sql.upper() and "marketplace_product" in sql]
    hits, _total = search.search(
        "kerze", lat=HALBERSTADT[0], lon=HALBERSTADT[1], limit=2, record=False
    )
    assert {h.shop.name for h in hits} == {"Kerzen Fern"}


@needs_postgres
def test_shopwise_reads_agree_with_the_walk(monkeypatch):
    """The ring's matches read shop by shop from the GIN index (shop and stems) are the
    walk's, in the ring's order; with a prefix standing for too many stems to name, the
    search falls back to the walk and finds the same."""
    shops = [f.shop(f"Kerzenladen {n}", lat=51.83 + n / 100, lon=10.78 + n / 100) for n in range(3)]
    for n, shop in enumerate(shops):
        for k in range(n + 2):
            f.product(shop, f"Kerze Bienenwachs {k}", stock=5)
            f.product(shop, f"Kerzenhalter Messing {k}", stock=5)
        f.product(shop, "Streichhölzer", stock=5)
    fulltext.index("products")
    groups = fulltext.query_groups(search.COLLECTION, "kerze")
    assert groups[0].expansions is not None and "kerzenhalt" in groups[0].expansions
    ring = [s.pk for s in reversed(shops)]
    with transaction.atomic():
        shopwise = search._shopwise_matches(groups, ring, 100)
    walked = [
        pk
        for shop in ring
        for pk in search.candidates("kerze", groups=groups)
        .filter(shop_id=shop)
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
    assert shopwise == walked and len(walked) == 2 * (4 + 3 + 2)
    with transaction.atomic():
        assert search._shopwise_matches(groups, ring, 5) == walked[:5]
    # too many stems under the prefix: no shop-wise read, the walk finds the same page
    monkeypatch.setattr(fulltext, "MAX_EXPANSIONS", 1)
    wide = fulltext.query_groups(search.COLLECTION, "kerze")
    assert wide[0].expansions is None and search._shopwise_matches(wide, ring, 100) is None
    monkeypatch.setattr(search, "MAX_RANKED", 3)
    monkeypatch.setattr(search, "RING_MATCHES", 2)
    hits_walked, total = search.search("kerze", lat=51.83, lon=10.78, record=False)
    monkeypatch.setattr(fulltext, "MAX_EXPANSIONS", 64)
    hits_shopwise, total_2 = search.search("kerze", lat=51.83, lon=10.78, record=False)
    assert total == total_2 == 3
    assert [h.product.pk for h in hits_shopwise] == [h.product.pk for h in hits_walked]
