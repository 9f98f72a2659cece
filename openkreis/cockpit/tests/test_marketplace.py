"""Einkaufen im Harz in the cockpit (cockpit/marketplace.py, /cockpit/einkaufen/): figures
from the marketplace.* events only — searches per week with the share without result, shop
page views per category with the share via the shop-window code, reservations per week by
status with the collection rate, loyalty points per month, per municipality — and the words
of searches without result through the port `missed_searches` (the marketplace's provider
reads its MissedSearch table), shown only from k searches on; small counts hidden
(k-anonymity with secondary suppression); managers only."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.cockpit import marketplace
from openkreis.cockpit.tests.factories import login_as
from openkreis.cockpit.views import marketplace as views
from openkreis.core import event_kinds
from openkreis.core.models import Region
from openkreis.core.services import record_event
from openkreis.marketplace.models import MissedSearch

pytestmark = pytest.mark.django_db
BERLIN = timezone.get_default_timezone()
# a period long past that no other test writes to: three weeks, over the end of May
START = dt.date(2019, 5, 27)
WEEK1 = dt.date(2019, 6, 3)  # Mondays
WEEK2 = dt.date(2019, 6, 10)
END = dt.date(2019, 6, 16)


def ev(event_kind, day, n=1, hh=10, **data):
    for _ in range(n):
        record_event(
            event_kind, data=data, occurred_at=dt.datetime.combine(day, dt.time(hh), BERLIN)
        )


def ars(name):
    return Region.objects.get(name=name, kind=Region.Kind.MUNICIPALITY).ars


@pytest.fixture
def areas(harz):
    return {"wr": ars("Wernigerode"), "hbs": ars("Halberstadt"), "qlb": ars("Quedlinburg")}


@pytest.fixture
def events(areas):
    wr, hbs, qlb = areas["wr"], areas["hbs"], areas["qlb"]
    search = {"near": False, "open_now": False, "click_collect": False}
    # week 1: 20 searches, 5 without result; week 2: 10 and none
    ev(event_kinds.MARKET_SEARCHED, WEEK1, 15, results=4, shops=2, **search)
    ev(event_kinds.MARKET_SEARCHED, WEEK1 + dt.timedelta(days=6), 5, results=0, shops=0, **search)
    ev(event_kinds.MARKET_SEARCHED, WEEK2, 10, results=2, shops=1, **search)
    # shop pages: mode 10 on the web and 5 via QR (Wernigerode), lebensmittel 20 + 6
    # (Halberstadt 17 + 6, Quedlinburg 3), buecher 5 without a municipality
    view = event_kinds.MARKET_SHOP_VIEWED
    ev(view, WEEK1, 10, shop="a", category="mode", municipality=wr, via="web")
    ev(view, WEEK1, 5, shop="a", category="mode", municipality=wr, via="qr")
    ev(view, WEEK1, 17, shop="b", category="lebensmittel", municipality=hbs, via="web")
    ev(view, WEEK2, 3, shop="c", category="lebensmittel", municipality=qlb, via="web")
    ev(view, WEEK2, 6, shop="b", category="lebensmittel", municipality=hbs, via="qr")
    ev(view, WEEK2, 5, shop="d", category="buecher", municipality="", via="web")
    # reservations: week 1 in Wernigerode, week 2 in Halberstadt (2 cancelled)
    res = event_kinds.MARKET_RESERVATION
    for status, n in (("requested", 10), ("confirmed", 8), ("collected", 6)):
        ev(res, WEEK1, n, shop="a", status=status, items=1, municipality=wr)
    for status, n in (("requested", 5), ("confirmed", 5), ("collected", 5), ("expired", 5)):
        ev(res, WEEK2, n, shop="b", status=status, items=2, municipality=hbs)
    ev(res, WEEK2, 2, shop="b", status="cancelled", items=1, municipality=hbs)
    # loyalty: May 6 × 100 points (Wernigerode); June 3 × 50 (Wernigerode) and 2 × 20
    # (Halberstadt) earned, 2 × 100 redeemed (Halberstadt)
    earned, redeemed = event_kinds.MARKET_POINTS_EARNED, event_kinds.MARKET_POINTS_REDEEMED
    ev(earned, dt.date(2019, 5, 28), 6, shop="a", points=100, municipality=wr)
    ev(earned, WEEK1, 3, shop="a", points=50, municipality=wr)
    ev(earned, WEEK1, 2, shop="b", points=20, municipality=hbs)
    ev(redeemed, WEEK2, 2, shop="b", points=100, municipality=hbs)
    # outside the period and other kinds: not counted
    ev(event_kinds.MARKET_SEARCHED, dt.date(2019, 5, 1), 50, results=0, shops=0, **search)
    ev(view, END + dt.timedelta(days=1), 40, shop="a", category="mode", municipality=wr, via="qr")
    ev(event_kinds.DIRECTORY_SEARCHED, WEEK1, 40, results=0)
    # words without result: lastenrad 3 + 4, schrauben m4 6, hundefutter 2 (rare),
    # regenschirm 9 before the period
    for query, day, count in (
        ("lastenrad", WEEK1, 3),
        ("lastenrad", WEEK2, 4),
        ("schrauben m4", WEEK1 + dt.timedelta(days=2), 6),
        ("hundefutter", WEEK2, 2),
        ("regenschirm", dt.date(2019, 4, 1), 9),
    ):
        MissedSearch.objects.create(query=query, day=day, count=count)


def row(table, key):
    return next(r for r in table["rows"] if r["key"] == key)


def total(table):
    first = table["rows"][0]
    assert first["total_row"]
    return first


def test_searches_per_week_and_share_without_result(events):
    f = marketplace.figures(START, END)
    first = row(f["searches"], WEEK1.isoformat())
    assert (first["cells"], first["total"], first["rate"]) == ([15, 5], 20, 25.0)
    assert "03.06.2019" in first["name"]
    second = row(f["searches"], WEEK2.isoformat())
    assert (second["cells"], second["total"], second["rate"]) == ([10, 0], 10, 0.0)
    assert (total(f["searches"])["cells"], total(f["searches"])["total"]) == ([25, 5], 30)
    assert total(f["searches"])["rate"] == 16.7
    assert [r["key"] for r in f["searches"]["rows"]] == ["", WEEK1.isoformat(), WEEK2.isoformat()]


def test_searches_without_result_from_k_on(events):
    missed = marketplace.figures(START, END)["missed"]
    assert missed["available"]
    assert missed["rows"] == [("lastenrad", 7), ("schrauben m4", 6)]
    assert missed["rare"] == 1  # hundefutter: 2 < 5, left out
    assert missed["more"] == 0
    # with k = 2, hundefutter is frequent enough
    assert ("hundefutter", 2) in marketplace.missed(START, END, k=2)["rows"]


def test_shop_views_per_category_and_share_via_the_shop_window_code(events):
    views = marketplace.figures(START, END)["views"]
    mode = row(views, "mode")
    assert (mode["cells"], mode["total"], mode["rate"]) == ([10, 5], 15, 33.3)
    assert row(views, "lebensmittel")["cells"] == [20, 6]
    assert row(views, "lebensmittel")["rate"] == 23.1
    assert row(views, "buecher")["rate"] == 0.0
    assert (total(views)["cells"], total(views)["total"], total(views)["rate"]) == (
        [35, 11],
        46,
        23.9,
    )


def test_reservations_per_week_by_status_and_collection_rate(events):
    table = marketplace.figures(START, END)["reservations"]
    assert table["cols"] == ["requested", "confirmed", "collected", *marketplace.ENDED[1:]]
    first = row(table, WEEK1.isoformat())
    assert first["cells"] == [10, 8, 6, 0, 0, 0]
    assert first["rate"] == 100.0  # 6 collected of 6 ended
    # 2 cancelled are below k: hidden, and with them the week's and the period's rate
    second = row(table, WEEK2.isoformat())
    assert second["cells"] == [5, 5, 5, 0, None, 5]
    assert second["rate"] is None
    assert total(table)["cells"] == [15, 13, 11, 0, None, 5]
    assert total(table)["rate"] is None


def test_loyalty_points_per_month(events):
    table = marketplace.figures(START, END)["loyalty"]
    may, june = row(table, "2019-05-01"), row(table, "2019-06-01")
    # bookings earned, points earned, redemptions, points redeemed
    assert may["cells"] == [6, 600, 0, 0]
    # 2 redemptions are below k: hidden, with their points and the period's total
    assert june["cells"] == [5, 190, None, None]
    assert total(table)["cells"] == [11, 790, None, None]
    assert "2019" in june["name"]


def test_per_municipality_with_secondary_suppression(events, areas):
    table = marketplace.figures(START, END)["areas"]
    wr, hbs, qlb = (row(table, areas[a]) for a in ("wr", "hbs", "qlb"))
    assert wr["name"] == "Wernigerode"
    # viewed, requested, collected, earned, points earned, redeemed, points redeemed
    # views: Quedlinburg's 3 are below k, and Wernigerode's 15 (the smaller other one)
    # would give them away against the county's 41; the 5 without municipality are left out
    assert [wr["cells"][0], hbs["cells"][0], qlb["cells"][0]] == [None, 23, None]
    assert total(table)["cells"][0] == 41
    assert (wr["cells"][1:3], hbs["cells"][1:3]) == ([10, 6], [5, 5])
    # earned: Halberstadt's 2 bookings hidden, so Wernigerode's 9 too; the points with them
    assert wr["cells"][3:5] == [None, None] and hbs["cells"][3:5] == [None, None]
    assert total(table)["cells"][3:5] == [11, 790]
    # redeemed: 2 in the whole county, hidden there too
    assert total(table)["cells"][5:] == [None, None]


def test_nothing_outside_the_period(events):
    f = marketplace.figures(dt.date(2019, 4, 29), dt.date(2019, 5, 5))
    assert total(f["searches"])["cells"] == [0, 50]
    assert f["views"]["rows"] == [] and f["reservations"]["rows"] == []
    assert f["loyalty"]["rows"] == [] and f["areas"]["rows"] == []
    assert marketplace.missed(dt.date(2019, 3, 1), dt.date(2019, 4, 30))["rows"] == [
        ("regenschirm", 9)
    ]


def test_an_event_with_odd_data_is_no_error(areas):
    ev(event_kinds.MARKET_POINTS_EARNED, WEEK1, 5, shop="a", points="viel", municipality=None)
    ev(event_kinds.MARKET_RESERVATION, WEEK1, 5, shop="a", status="lost", municipality=7)
    ev(event_kinds.MARKET_SHOP_VIEWED, WEEK1, 5)
    f = marketplace.figures(START, END)
    assert total(f["loyalty"])["cells"] == [5, 0, 0, 0]
    assert f["reservations"]["rows"] == []
    assert total(f["views"])["cells"] == [5, 0]


def test_the_page_for_managers(client, events):
    login_as(client, "manager")
    response = client.get("/cockpit/einkaufen/", {"von": START, "bis": END})
    assert response.status_code == 200
    body = response.content.decode()
    assert "lastenrad" in body and "schrauben m4" in body
    assert "hundefutter" not in body  # below k
    assert "25,0 %" in body or "25.0 %" in body
    assert "lebensmittel" in body
    assert body.count('<svg class="chart"') == 3  # searches, words, collection rate

    def columns(section):  # the header cells of a section's table
        part = body.split(f'aria-labelledby="{section}"')[1].split("</thead>")[0]
        return part.count('<th scope="col">')

    # row names, cells, and a total and a rate only where the table has them
    assert [columns(s) for s in ("suchen", "geschaefte", "reservierungen")] == [5, 5, 8]
    assert [columns(s) for s in ("bonuspunkte", "gemeinden")] == [5, 8]
    assert 'href="/cockpit/einkaufen/"' in body and 'aria-current="page"' in body
    assert "<caption" in body
    bad = client.get("/cockpit/einkaufen/", {"von": END, "bis": START})
    assert bad.status_code == 400


def test_no_chart_without_a_shown_value(events):
    f = marketplace.figures(START, END)
    f["reservations"]["rows"][1]["rate"] = None  # as if week 1's rate were hidden too
    assert views.charts(f)["collected"] is None
    assert views.charts(f)["searches"] is not None


def test_an_empty_period(client, harz):
    login_as(client, "manager")
    response = client.get("/cockpit/einkaufen/", {"von": "2018-01-01", "bis": "2018-01-07"})
    assert response.status_code == 200
    assert '<svg class="chart"' not in response.content.decode()


@pytest.mark.parametrize("role", ["anonymous", "caseworker"])
def test_the_page_is_closed_to_others(client, harz, role):
    login_as(client, role)
    response = client.get("/cockpit/einkaufen/")
    assert response.status_code in (302, 403)
    if role == "caseworker":
        assert response.status_code == 403
