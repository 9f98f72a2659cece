"""HarzCard (owner T3): attractions from the county data, entries recorded at the desk (one per
attraction and card, idempotent upload by client_id), the desk's API and its authorisation,
statistics per attraction for the desk and the ticket office, the demo logins."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import cbor2
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from openkreis.accounts.tests.factories import CompanyFactory
from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.core.models import Region, StaffMembership
from openkreis.core.testing import login_staff, make_staff
from openkreis.tickets import codec, harzcard, inspection, keys
from openkreis.tickets.models import Accommodation, Guest, Stay, Ticket
from openkreis.tickets.models_harzcard import Attraction, AttractionEntry

pytestmark = pytest.mark.django_db
WERNIGERODE = "150850370370"
ENTRIES = "/hatix/harzcard/api/eintritte/"


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in their source language (the site's default is German)."""
    with translation.override("en"):
        yield


def issue(serial=None, *, harzcard_=True, days=3, revoked=False, start_hours=12) -> Ticket:
    """A signed ticket stored as the hosts' part stores it (valid from 12 h ago)."""
    now = timezone.now()
    serial = serial or uuid.uuid4().hex[:16].upper()
    payload = {
        "serial": serial,
        "valid_from": now - dt.timedelta(hours=start_hours),
        "valid_until": now + dt.timedelta(days=days),
        "zones": ["hvb-regional"],
        "initials": "EM",
        "harzcard": harzcard_,
    }
    key = keys.current_key()
    stay = Stay.objects.create(
        accommodation=Accommodation.objects.create(
            company=CompanyFactory(),
            name="Pension am Schloss",
            municipality=Region.objects.get(ars=WERNIGERODE),
        ),
        arrival=now.date(),
        departure=now.date() + dt.timedelta(days=3),
    )
    return Ticket.objects.create(
        serial=serial,
        access_key=uuid.uuid4().hex,
        guest=Guest.objects.create(stay=stay, number=1),
        valid_from=payload["valid_from"],
        valid_until=payload["valid_until"],
        zones=payload["zones"],
        harzcard=harzcard_,
        key=key,
        code=keys.sign(payload, key),
        revoked_at=now if revoked else None,
    )


def entry(ticket_or_code, attraction="schloss-wernigerode", client_id=None, when=None) -> dict:
    code = ticket_or_code.code if isinstance(ticket_or_code, Ticket) else ticket_or_code
    return {
        "client_id": client_id or str(uuid.uuid4()),
        "attraction": attraction,
        "code": code,
        "entered_at": (when or timezone.now()).isoformat(),
    }


def desk(key="schloss-wernigerode", name="desk"):
    attraction = Attraction.objects.get(key=key)
    return make_staff(name, attraction.unit.key, StaffMembership.Role.ATTRACTION_STAFF)


def logged_in(user_secret) -> Client:
    client = Client()
    login_staff(client, *user_secret)
    return client


def post(client, body, **extra):
    return client.post(ENTRIES, json.dumps(body), content_type="application/json", **extra)


# -- county data ------------------------------------------------------------------------------
def test_harz_attractions_are_loaded_with_units():
    active = Attraction.objects.filter(active=True)
    assert active.count() >= 12
    castle = Attraction.objects.get(key="schloss-wernigerode")
    assert castle.kind == "castle" and castle.benefit == "free"
    assert castle.municipality.ars == WERNIGERODE
    assert castle.unit is not None and castle.unit.key == "harzcard-schloss-wernigerode"
    cave = Attraction.objects.get(key="baumannshoehle")
    assert cave.municipality.name == "Oberharz am Brocken"
    pool = Attraction.objects.get(key="bodetal-therme")
    assert pool.benefit == "discount" and pool.discount_percent == 30
    assert set(active.values_list("kind", flat=True)) >= {
        "castle",
        "museum",
        "cave",
        "pool",
        "cable_car",
        "railway",
    }


def _load(tmp_path: Path, text: str, harz_tenant) -> LoadReport:
    (tmp_path / "tickets.yaml").write_text(text, encoding="utf-8")
    report = LoadReport()
    harzcard.load(harz_tenant, tmp_path, report)
    return report


GOOD = """
attractions:
  - {key: testmuseum, name: Testmuseum, kind: museum, benefit: free, municipality: "150850370370"}
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("attractions: {a: 1}", "must be a list"),
        (GOOD.replace("museum,", "zoo,"), "kind 'zoo'"),
        (GOOD.replace("benefit: free", "benefit: cheap"), "benefit 'cheap'"),
        (GOOD.replace("benefit: free", "benefit: discount"), "discount_percent"),
        (GOOD.replace("150850370370", "099999999999"), "unknown municipality"),
        (GOOD.replace("key: testmuseum", "key: Test Museum"), "key must be"),
        (GOOD.replace("kind:", "colour: red, kind:"), "unknown keys"),
        (GOOD.replace("free,", "free, lat: 51.8,"), "lat and lon go together"),
        (GOOD.replace("free,", "free, url: http://example.org,"), "https://"),
        (GOOD + GOOD.split("\n", 2)[2], "listed twice"),
    ],
)
def test_bad_county_data_is_refused_with_the_entry(tmp_path, harz, text, message):
    with pytest.raises(TenantDataError, match=message):
        _load(tmp_path, text, harz)


def test_loading_is_idempotent_and_unlisted_attractions_become_inactive(tmp_path, harz):
    report = _load(tmp_path, GOOD, harz)
    assert report.created == 1
    assert Attraction.objects.get(key="testmuseum").unit.key == "harzcard-testmuseum"
    assert not Attraction.objects.get(key="schloss-wernigerode").active
    again = _load(tmp_path, GOOD, harz)
    assert again.created == 0 and again.updated == 0
    assert Attraction.objects.filter(active=True).count() == 1


# -- entries ----------------------------------------------------------------------------------
def test_one_entry_per_attraction_and_card():
    ticket = issue()
    allowed = {a.key: a for a in Attraction.objects.filter(active=True)}
    first = entry(ticket)
    assert harzcard.record_entry(first, allowed, None).status == "stored"
    # the same upload again (a retry, a second tab): the same entry, no error
    assert harzcard.record_entry(first, allowed, None).status == "duplicate"
    # the same card again at the same attraction, from another device
    second = harzcard.record_entry(entry(ticket), allowed, None)
    assert second.status == "refused"
    assert "one entry per card" in second.message
    # the same card at another attraction
    other = harzcard.record_entry(entry(ticket, "baumannshoehle"), allowed, None)
    assert other.status == "stored"
    assert AttractionEntry.objects.filter(ticket=ticket).count() == 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: issue(harzcard_=False).code, "does not include the HarzCard"),
        (lambda: issue(revoked=True).code, "revoked"),
        (lambda: issue(days=-1, start_hours=72).code, "expired"),
        (lambda: issue().code[:-6] + "ABCDEF", "not a HATIX ticket"),
        (lambda: "HX1:" + "A" * 9000, "too long"),
        (lambda: "", "missing"),
        (lambda: 42, "missing"),
    ],
)
def test_refused_codes_say_why(make, message):
    allowed = {a.key: a for a in Attraction.objects.filter(active=True)}
    result = harzcard.record_entry(entry(make()), allowed, None)
    assert result.status == "refused"
    assert message in result.message
    assert AttractionEntry.objects.count() == 0


def test_tampered_code_is_refused():
    ticket = issue()
    other = issue()
    # a signature of another ticket under this ticket's payload: re-encode the layers
    raw = codec.decompress(codec.b45decode(ticket.code[4:]))
    raw_other = codec.decompress(codec.b45decode(other.code[4:]))
    prot, _u, pb, payload, sig = codec.open_sign1(raw)
    _p2, _u2, _pb2, _payload2, sig_other = codec.open_sign1(raw_other)
    forged = cbor2.dumps(cbor2.CBORTag(18, [pb, {}, payload, sig_other]))
    code = "HX1:" + codec.b45encode(codec.compress(forged))
    allowed = {a.key: a for a in Attraction.objects.filter(active=True)}
    result = harzcard.record_entry(entry(code), allowed, None)
    assert result.status == "refused" and "signature" in result.message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"client_id": "not-a-uuid"}, "client id"),
        ({"attraction": "brockenhaus"}, "may not record"),
        ({"entered_at": "gestern"}, "time of entry"),
        ({"entered_at": (timezone.now() + dt.timedelta(hours=2)).isoformat()}, "time of entry"),
        ({"entered_at": (timezone.now() - dt.timedelta(days=90)).isoformat()}, "time of entry"),
    ],
)
def test_bad_items_are_refused(change, message):
    ticket = issue()
    allowed = {"schloss-wernigerode": Attraction.objects.get(key="schloss-wernigerode")}
    result = harzcard.record_entry({**entry(ticket), **change}, allowed, None)
    assert result.status == "refused" and message in result.message


# -- the desk's API ---------------------------------------------------------------------------
def test_desk_api_records_and_is_idempotent():
    user_secret = desk()
    client = logged_in(user_secret)
    ticket = issue()
    item = entry(ticket)
    response = post(client, {"entries": [item, entry(ticket, "brockenhaus"), "x"]})
    assert response.status_code == 200
    statuses = [r["status"] for r in response.json()["results"]]
    assert statuses == ["stored", "refused", "refused"]  # brockenhaus: not this desk's
    again = post(client, {"entries": [item]})
    assert again.json()["results"][0]["status"] == "duplicate"
    stored = AttractionEntry.objects.get()
    assert stored.recorded_by == user_secret[0]
    assert stored.attraction.key == "schloss-wernigerode"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b'{"entries": "no list"}', 400),
        (b"[1, 2]", 400),
        (b"\xff\xfe", 400),
        (json.dumps({"entries": [{}] * 201}).encode(), 400),
        (b'{"entries": [null, 1, "a", {"client_id": 5}]}', 200),
    ],
)
def test_bad_bodies_are_4xx_never_500(body, status):
    client = logged_in(desk())
    response = client.post(ENTRIES, body, content_type="application/json")
    assert response.status_code == status
    assert "error" in response.json() or all(
        r["status"] == "refused" for r in response.json()["results"]
    )


def test_desk_api_needs_csrf():
    client = logged_in(desk())
    client.handler.enforce_csrf_checks = True  # as a browser: the login pages carry tokens
    assert post(client, {"entries": []}).status_code == 403
    token = client.get(reverse("tickets:attraction_token")).json()["csrf"]
    assert post(client, {"entries": []}, HTTP_X_CSRFTOKEN=token).status_code == 200


@pytest.mark.parametrize(
    ("role", "page", "api"),
    [
        ("anonymous", 302, 403),
        ("citizen", 403, 403),
        ("inspector", 403, 403),
        ("office", 403, 403),
        ("desk", 200, 200),
    ],
)
def test_authorisation_table(role, page, api):
    client = Client()
    if role == "citizen":
        from django.contrib.auth import get_user_model

        citizen = get_user_model().objects.create_user("buerger", "b@example.org", "x" * 20)
        client.force_login(citizen)
    elif role == "inspector":
        inspection.load_demo(None, None, LoadReport())
        login_staff(
            client,
            *make_staff("insp", inspection.INSPECTOR_UNIT, StaffMembership.Role.TICKET_INSPECTOR),
        )
    elif role == "office":
        login_staff(client, *make_staff("office", "kreiskasse", StaffMembership.Role.TICKET_OFFICE))
    elif role == "desk":
        login_staff(client, *desk())
    assert client.get(reverse("tickets:attraction_home")).status_code == page
    assert post(client, {"entries": []}).status_code == api


def test_desk_page_lists_only_its_attractions():
    client = logged_in(desk())
    html = client.get(reverse("tickets:attraction_home")).content.decode()
    assert 'value="schloss-wernigerode"' in html
    assert 'value="baumannshoehle"' not in html
    assert 'data-mode="desk"' in html
    assert 'id="hatix-texts"' in html


# -- statistics -------------------------------------------------------------------------------
def test_statistics_for_the_desk_and_the_office():
    castle = Attraction.objects.get(key="schloss-wernigerode")
    cave = Attraction.objects.get(key="baumannshoehle")
    for attraction, n in ((castle, 3), (cave, 2)):
        for _i in range(n):
            AttractionEntry.objects.create(
                attraction=attraction,
                ticket=issue(),
                client_id=uuid.uuid4(),
                entered_at=timezone.now(),
            )
    rows = harzcard.entry_stats([castle.pk, cave.pk])
    assert {(r["attraction"], r["entries"]) for r in rows} == {(castle.name, 3), (cave.name, 2)}
    assert rows[0]["period"] == timezone.localdate()
    months = harzcard.entry_stats([castle.pk], period="month")
    assert months[0]["entries"] == 3

    desk_client = logged_in(desk())
    page = desk_client.get(reverse("tickets:attraction_stats")).content.decode()
    assert castle.name in page and cave.name not in page
    office = Client()
    login_staff(office, *make_staff("office", "kreiskasse", StaffMembership.Role.TICKET_OFFICE))
    page = office.get(reverse("tickets:attraction_stats") + "?zeitraum=monat").content.decode()
    assert castle.name in page and cave.name in page
    assert Client().get(reverse("tickets:attraction_stats")).status_code == 302


def test_demo_logins(harz):
    report = LoadReport()
    inspection.load_demo(harz, None, report)
    text = "\n".join(report.messages)
    assert inspection.DEMO_PASSWORD in text
    assert "hatix-kontrolle" in text and "harzcard-schloss" in text
    desk_user = StaffMembership.objects.get(user__username="harzcard-schloss")
    assert desk_user.org_unit.key == "harzcard-schloss-wernigerode"
    assert desk_user.role == "attraction_staff"
    # idempotent
    inspection.load_demo(harz, None, LoadReport())
    assert StaffMembership.objects.filter(user__username="harzcard-schloss").count() == 1
