"""Kita places in the cockpit (kita.py, views/kita.py): supply and demand per municipality
through the port `kita_counts` (filled by the capacity app), counts of children below
K_ANONYMITY hidden with secondary suppression against the county total, the median days
from application to offer, and the page /cockpit/kita/ for managers only."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.capacity import services
from openkreis.capacity.models import Application, FreePlaces, Kita, Offer
from openkreis.capacity.tests.factories import baby, child, free, parent, start
from openkreis.cockpit import kita
from openkreis.cockpit.kita import KitaCounts
from openkreis.core import event_kinds
from openkreis.core.models import Event, Region
from openkreis.core.services import record_event

from .factories import login_as

pytestmark = pytest.mark.django_db


def ars(name):
    return Region.objects.get(name=name, kind=Region.Kind.MUNICIPALITY).ars


@pytest.fixture
def fake_port(harz):
    """The real provider replaced by fixed counts for the figures' arithmetic."""
    wr, hbs, qlb = ars("Wernigerode"), ars("Halberstadt"), ars("Quedlinburg")
    counts = KitaCounts(
        age_groups={"krippe": "Krippe", "kindergarten": "Kindergarten"},
        free={(wr, "krippe"): 2, (hbs, "krippe"): 9, (qlb, "kindergarten"): 4},
        waiting={(wr, "krippe"): 3, (hbs, "krippe"): 7, (qlb, "krippe"): 6},
        offers={wr: 7, hbs: 4, qlb: 5},
        accepted={wr: 5, hbs: 1},
        days={wr: [10, 20, 30, 40, 50, 60, 70], hbs: [1, 2, 3, 4]},
    )
    seen = []

    def provider(month, start_day, end_day):
        seen.append((month, start_day, end_day))
        return counts

    original = kita.kita_counts["capacity"]
    kita.kita_counts.unregister("capacity")
    kita.kita_counts.register("capacity", provider)
    yield seen
    kita.kita_counts.unregister("capacity")
    kita.kita_counts.register("capacity", original)


def by_area(rows):
    return {r["area_name"]: r for r in rows}


def test_small_counts_of_children_are_hidden_free_places_are_not(fake_port):
    month = dt.date(2026, 8, 1)
    figures = kita.figures(month, dt.date(2026, 1, 1), dt.date(2026, 6, 30), k=5)
    assert fake_port == [(month, dt.date(2026, 1, 1), dt.date(2026, 6, 30))]
    krippe, kindergarten = figures["supply"]
    assert (krippe["age_group"], kindergarten["age_group"]) == ("krippe", "kindergarten")
    rows = by_area(krippe["rows"])
    assert list(rows)[0] == "Landkreis gesamt" or list(rows)[0] == "Whole county"
    county = krippe["rows"][0]
    assert county["county"] and (county["free"], county["waiting"]) == (11, 16)
    # 3 is below 5: hidden; the county total 16 would give it away → the next smallest (6) too
    assert rows["Wernigerode"]["waiting"] is None
    assert rows["Quedlinburg"]["waiting"] is None
    assert rows["Halberstadt"]["waiting"] == 7
    assert rows["Wernigerode"]["free"] == 2 and rows["Quedlinburg"]["free"] == 0
    assert by_area(kindergarten["rows"])["Quedlinburg"] == {
        "area": ars("Quedlinburg"),
        "area_name": "Quedlinburg",
        "county": False,
        "free": 4,
        "waiting": 0,
    }

    offers = by_area(figures["offers"])
    total = figures["offers"][0]
    assert total["county"] and (total["offers"], total["accepted"]) == (16, 6)
    assert total["median_days"] == 20  # of the eleven offers with their days
    assert (offers["Wernigerode"]["offers"], offers["Wernigerode"]["median_days"]) == (7, 40)
    # 4 offers: hidden with the median; the total would give it away → the 5 beside it too
    assert offers["Halberstadt"]["offers"] is None
    assert offers["Halberstadt"]["median_days"] is None
    assert offers["Quedlinburg"]["offers"] is None
    # 1 accepted hidden, and so the 5 beside it; nothing accepted is no secret
    assert offers["Halberstadt"]["accepted"] is None
    assert offers["Wernigerode"]["accepted"] is None
    assert offers["Quedlinburg"]["accepted"] == 0


def test_without_a_provider_the_page_says_so(harz, client):
    original = kita.kita_counts["capacity"]
    kita.kita_counts.unregister("capacity")
    try:
        assert kita.figures(start(), start(), start())["available"] is False
        login_as(client, "manager")
        response = client.get("/cockpit/kita/")
        assert response.status_code == 200
        assert "nicht eingeschaltet" in response.content.decode()
    finally:
        kita.kita_counts.register("capacity", original)


@pytest.fixture
def market(harz):
    """Six Wernigerode children waiting for a Krippe place at the start month, two more got
    an offer (one accepted), and free places at two Wernigerode Kitas."""
    FreePlaces.objects.all().delete()
    a, b = Kita.objects.filter(municipality__ars=ars("Wernigerode")).order_by("key")[:2]
    free(a, "krippe", start(), 2)
    placed = []
    for n in range(2):
        p = parent(f"kitacockpit{n}")
        placed.append(
            (p, services.apply(child(p, f"K{n}", baby()), start_month=start(), hours=8, kitas=[a]))
        )
    Application.objects.update(applied_at=timezone.now() - dt.timedelta(days=6))
    services.run_round(seed=9)
    p, application = placed[0]
    services.accept(Offer.objects.get(application=application), parent=p)
    for n in range(6):
        p = parent(f"kitawaiting{n}")
        services.apply(child(p, f"W{n}", baby()), start_month=start(), hours=8, kitas=[b])
    free(b, "krippe", start(), 3)
    return a, b


def test_the_capacity_provider_counts_free_places_waiting_and_offers(market):
    today = timezone.localdate()
    data = kita.counts(start(), today - dt.timedelta(days=30), today)
    wr = ars("Wernigerode")
    assert data.free[(wr, "krippe")] == 1 + 3  # one of A's two places was taken
    assert data.waiting == {(wr, "krippe"): 6}
    assert data.offers == {wr: 2} and data.accepted == {wr: 1}
    assert [round(d) for d in data.days[wr]] == [6, 6]
    # another start month: nothing waiting, nothing free
    later = kita.counts(services.add_months(start(), 1), today, today)
    assert later.waiting == {} and later.free == {}
    # another period: no offers
    old = kita.counts(start(), today - dt.timedelta(days=90), today - dt.timedelta(days=60))
    assert old.offers == {}


def test_the_page_for_managers(client, market):
    login_as(client, "manager")
    assert 'href="/cockpit/kita/"' in client.get("/cockpit/").content.decode()
    response = client.get(f"/cockpit/kita/?monat={start():%Y-%m}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kita-Plätze: Angebot und Nachfrage" in html
    assert 'aria-current="page"' in html
    for label in ("Freie Plätze", "Wartende Anträge", "Landkreis gesamt", "Wernigerode"):
        assert label in html
    # six waiting are shown; two offers are below five: "*"
    assert "<td>6</td>" in html and "<td>*</td>" in html
    assert 'class="table-scroll"' in html


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("monat=August", "Jahr und Monat"),
        ("monat=1800-01", "zwischen"),
        ("von=2026-05-01&bis=2026-01-01", "Beginn"),
    ],
)
def test_bad_filters_are_a_400_in_german(client, harz, query, word):
    login_as(client, "manager")
    response = client.get(f"/cockpit/kita/?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert word in html and 'role="alert"' in html


@pytest.mark.parametrize("role", ["caseworker", "team-lead"])
def test_only_managers(client, harz, role):
    login_as(client, role)
    assert client.get("/cockpit/kita/").status_code == 403


def test_anonymous_is_sent_to_the_login(client, harz):
    response = client.get("/cockpit/kita/")
    assert response.status_code == 302 and "/konto/login/" in response["Location"]


# -- doctor slots and holiday rooms: the slot.* and room.requested events ----------------------
def _event(kind, area, when, **data):
    return record_event(kind, subject="t", data={"municipality": area, **data}, occurred_at=when)


@pytest.fixture
def provider_events(harz):
    """A period's events as the capacity app writes them (plus noise outside the period)."""
    Event.objects.filter(kind__in=kita.PROVIDER_KINDS).delete()
    wr, hbs, qlb = ars("Wernigerode"), ars("Halberstadt"), ars("Quedlinburg")
    when = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)
    _event(event_kinds.SLOT_PUBLISHED, wr, when, count=12, source="ical")
    _event(event_kinds.SLOT_PUBLISHED, wr, when, count=8, source="manual")
    _event(event_kinds.SLOT_PUBLISHED, hbs, when, count=5, source="manual")
    for days in (1, 2, 3, 4, 5, 6):
        _event(event_kinds.SLOT_BOOKED, wr, when, minutes=15, days_ahead=days)
    for days in (1, 1, 2):
        _event(event_kinds.SLOT_BOOKED, hbs, when, minutes=15, days_ahead=days)
    for _ in range(2):
        _event(event_kinds.SLOT_CANCELLED, wr, when, by="resident", days_ahead=1)
    for _ in range(3):
        _event(event_kinds.SLOT_EXPIRED, wr, when, minutes=15)
    for area, n in ((wr, 6), (qlb, 5), (hbs, 2)):
        for i in range(n):
            _event(event_kinds.ROOM_REQUESTED, area, when, persons=2, nights=3 + i, days_ahead=10)
    # outside the period, without a municipality, or with broken figures
    _event(event_kinds.SLOT_BOOKED, wr, dt.datetime(2026, 5, 1, tzinfo=dt.UTC), days_ahead=1)
    _event(event_kinds.SLOT_BOOKED, "", when, days_ahead=1)
    _event(event_kinds.SLOT_PUBLISHED, qlb, when, count="viele")
    return wr, hbs, qlb


def test_doctor_slots_per_municipality_supply_shown_demand_hidden_below_k(provider_events):
    rows = by_area(kita.slot_rows(dt.date(2026, 3, 1), dt.date(2026, 3, 31), k=5))
    county = rows.pop(next(iter(rows)))
    assert county["county"]
    assert (county["published"], county["expired"], county["booked"]) == (26, 3, 9)
    assert county["cancelled"] is None  # 2 cancellations: below k
    assert county["median_days"] == 2  # of the nine bookings
    wr, hbs, qlb = rows["Wernigerode"], rows["Halberstadt"], rows["Quedlinburg"]
    # published and expired slots are the practices' supply: shown as they are
    assert (wr["published"], wr["expired"], hbs["published"], qlb["published"]) == (20, 3, 5, 1)
    # 3 bookings in Halberstadt are below 5; the county total 9 would give them away, so
    # Wernigerode's 6 are hidden too, with their median
    assert hbs["booked"] is None and wr["booked"] is None and wr["median_days"] is None
    assert qlb["booked"] == 0 and qlb["median_days"] is None


def test_room_requests_per_municipality_with_guests_and_medians(provider_events):
    rows = by_area(kita.room_rows(dt.date(2026, 3, 1), dt.date(2026, 3, 31), k=5))
    county = rows.pop(next(iter(rows)))
    assert (county["requests"], county["guests"], county["median_days"]) == (13, 26, 10)
    wr, qlb, hbs = rows["Wernigerode"], rows["Quedlinburg"], rows["Halberstadt"]
    assert (wr["requests"], wr["guests"], wr["nights"]) == (6, 12, 5.5)
    # 2 requests hidden, and so the next smallest (5) with its guests and medians
    assert hbs["requests"] is None and hbs["guests"] is None and hbs["nights"] is None
    assert qlb["requests"] is None and qlb["guests"] is None
    # another period: nothing
    assert kita.room_rows(dt.date(2026, 1, 1), dt.date(2026, 1, 31)) == []


def test_the_page_shows_doctor_slots_and_rooms_from_real_bookings(client, harz):
    """Five residents book slots of a Wernigerode practice: the page counts them."""
    from openkreis.capacity import providers
    from openkreis.capacity.tests.factories import practice, slot

    p = practice("cockpit-praxis")
    slots = [slot(p, days=2, hour=8 + i) for i in range(6)]
    for i, s in enumerate(slots[:5]):
        providers.book(s.pk, f"Person {i}", f"p{i}@example.org")
    login_as(client, "manager")
    today = timezone.localdate()
    response = client.get(f"/cockpit/kita/?von={today:%Y-%m-%d}&bis={today:%Y-%m-%d}")
    assert response.status_code == 200
    figures = response.context["figures"]
    row = by_area(figures["slots"])["Wernigerode"]
    assert (row["booked"], row["cancelled"], row["published"]) == (5, 0, 0)
    assert 1 <= row["median_days"] <= 3  # booked today for the day after tomorrow
    html = response.content.decode()
    assert 'id="arzttermine"' in html and 'id="ferienzimmer"' in html
    assert "<td>5</td>" in html
