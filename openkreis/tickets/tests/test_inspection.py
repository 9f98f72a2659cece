"""Ticket checks (owner T3): the inspector app's page, service worker and manifest, the check
events' upload (rounded time, no ticket id, idempotent by client_id), validation (4xx, never
500) and the authorisation table."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from openkreis.core.loader import LoadReport
from openkreis.core.models import StaffMembership
from openkreis.core.testing import login_staff, make_staff
from openkreis.tickets import inspection
from openkreis.tickets.models_harzcard import Attraction, CheckEvent
from openkreis.tickets.models_transit import Feed, TransitRoute, TransitStop

pytestmark = pytest.mark.django_db
CHECKS = "/hatix/kontrolle/api/pruefungen/"
Role = StaffMembership.Role


@pytest.fixture
def inspector_client(harz):
    inspection.load_demo(harz, None, LoadReport())
    client = Client()
    login_staff(client, *make_staff("insp", inspection.INSPECTOR_UNIT, Role.TICKET_INSPECTOR))
    return client


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in their source language (the site's default is German)."""
    with translation.override("en"):
        yield


def check(**change) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "line": "210",
        "stop": "Wernigerode Hauptbahnhof",
        "checked_at": timezone.now().isoformat(),
        "outcome": "valid",
        "valid_until": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
        **change,
    }


def post(client, body):
    return client.post(CHECKS, json.dumps(body), content_type="application/json")


def test_round_down_to_the_quarter_hour():
    when = timezone.make_aware(dt.datetime(2026, 7, 3, 14, 44, 59, 999))
    assert inspection.round_down(when) == timezone.make_aware(dt.datetime(2026, 7, 3, 14, 30))
    exact = timezone.make_aware(dt.datetime(2026, 7, 3, 9, 15))
    assert inspection.round_down(exact) == exact


def test_a_check_is_stored_rounded_without_the_ticket_and_only_once():
    when = timezone.localtime() - dt.timedelta(hours=1)
    item = check(checked_at=when.isoformat(), serial="T-SECRET", initials="EM", code="HX1:...")
    assert inspection.record_check(item).status == "stored"
    assert inspection.record_check(item).status == "duplicate"
    event = CheckEvent.objects.get()
    assert event.checked_at == inspection.round_down(when)
    assert event.checked_at.minute % 15 == 0 and event.checked_at.second == 0
    assert (event.line, event.stop, event.outcome) == ("210", "Wernigerode Hauptbahnhof", "valid")
    stored = {f.name: getattr(event, f.name) for f in CheckEvent._meta.fields}
    assert "T-SECRET" not in repr(stored) and "HX1" not in repr(stored)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"client_id": "1234"}, "client id"),
        ({"line": "x" * 21}, "too long"),
        ({"stop": ["a"]}, "too long"),
        ({"checked_at": "morgen"}, "time of the check"),
        ({"checked_at": (timezone.now() + dt.timedelta(hours=1)).isoformat()}, "time of the"),
        ({"checked_at": None}, "time of the check"),
        ({"outcome": "great"}, "Unknown outcome"),
        ({"valid_until": "31.12.2026"}, "not a date"),
    ],
)
def test_bad_checks_are_refused(change, message):
    result = inspection.record_check(check(**change))
    assert result.status == "refused" and message in result.message
    assert not CheckEvent.objects.exists()


def test_epoch_milliseconds_and_empty_validity_are_accepted():
    item = check(checked_at=int(timezone.now().timestamp() * 1000), valid_until=None)
    item["outcome"] = "bad_signature"
    assert inspection.record_check(item).status == "stored"
    assert CheckEvent.objects.get().valid_until is None


def test_upload_api(inspector_client):
    items = [check(), check(outcome="revoked"), {"client_id": "x"}, None]
    response = post(inspector_client, {"checks": items})
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == [
        "stored",
        "stored",
        "refused",
        "refused",
    ]
    again = post(inspector_client, {"checks": items[:2]})
    assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate"]
    assert CheckEvent.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 400),
        (b"nonsense", 400),
        (b'{"checks": {}}', 400),
        (b'"checks"', 400),
        (json.dumps({"checks": [{}] * 201}).encode(), 400),
        (b'{"checks": [' + b"0," * 300_000 + b"0]}", 413),
    ],
)
def test_bad_bodies_are_4xx_never_500(inspector_client, body, status):
    response = inspector_client.post(CHECKS, body, content_type="application/json")
    assert response.status_code == status
    assert response.json()["error"]


def test_upload_needs_post_and_csrf(inspector_client):
    assert inspector_client.get(CHECKS).status_code == 405
    inspector_client.handler.enforce_csrf_checks = True
    assert post(inspector_client, {"checks": []}).status_code == 403
    token = inspector_client.get(reverse("tickets:inspector_token")).json()["csrf"]
    response = inspector_client.post(
        CHECKS, b'{"checks": []}', content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200


def _client_for(role: str, harz) -> Client:
    client = Client()
    if role == "citizen":
        from django.contrib.auth import get_user_model

        client.force_login(get_user_model().objects.create_user("b", "b@example.org", "x" * 20))
    elif role == "desk":
        unit = Attraction.objects.get(key="schloss-wernigerode").unit.key
        login_staff(client, *make_staff("desk", unit, Role.ATTRACTION_STAFF))
    elif role == "office":
        login_staff(client, *make_staff("office", "kreiskasse", Role.TICKET_OFFICE))
    elif role == "inspector":
        inspection.load_demo(harz, None, LoadReport())
        login_staff(client, *make_staff("insp", inspection.INSPECTOR_UNIT, Role.TICKET_INSPECTOR))
    elif role == "inspector-password-only":
        inspection.load_demo(harz, None, LoadReport())
        user, _secret = make_staff("insp2", inspection.INSPECTOR_UNIT, Role.TICKET_INSPECTOR)
        client.force_login(user)  # no second factor in this session
    return client


@pytest.mark.parametrize(
    ("role", "page", "token", "api"),
    [
        ("anonymous", 302, 403, 403),
        ("citizen", 403, 403, 403),
        ("desk", 403, 403, 403),
        ("office", 403, 403, 403),
        ("inspector-password-only", 302, 403, 403),
        ("inspector", 200, 200, 200),
    ],
)
def test_authorisation_table(harz, role, page, token, api):
    client = _client_for(role, harz)
    assert client.get(reverse("tickets:inspector")).status_code == page
    assert client.get(reverse("tickets:inspector_token")).status_code == token
    assert post(client, {"checks": [check()]}).status_code == api
    assert CheckEvent.objects.count() == (1 if api == 200 else 0)


def test_the_page_offers_lines_and_stops_and_lasts_the_shift(inspector_client):
    feed = Feed.objects.create(key="demo")
    TransitRoute.objects.create(feed=feed, route_id="r1", short_name="264")
    TransitStop.objects.create(feed=feed, stop_id="s1", name="Thale Bahnhof", lat=51.7, lon=11.0)
    response = inspector_client.get(reverse("tickets:inspector"))
    html = response.content.decode()
    assert '<option value="264">' in html and '<option value="Thale Bahnhof">' in html
    assert 'data-mode="inspector"' in html
    assert 'data-trust-url="/hatix/schluessel.json"' in html
    assert 'data-revocation-url="/hatix/sperrliste.json"' in html
    texts = json.loads(html.split('id="hatix-texts" type="application/json">')[1].split("<")[0])
    assert {"valid", "invalid", "reasons", "queue_many"} <= set(texts)
    assert {"revoked", "bad_signature", "expired", "unknown_kid"} <= set(texts["reasons"])
    assert inspector_client.session.get_expiry_age() == inspection.SHIFT_SECONDS
    assert "camera=(self)" in response["Permissions-Policy"]  # the portal's default: camera=()
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@translation.override("de")  # the German URLs (the English ones start with /en/)
def test_service_worker_and_manifest():
    client = Client()
    worker = client.get(reverse("tickets:inspector_sw"))
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/hatix/kontrolle/"
    body = worker.content.decode()
    assert '"/hatix/schluessel.json", "/hatix/sperrliste.json"' in body
    assert "tickets/inspector/verify.js" in body and "jsqr/jsQR.js" in body
    desk_worker = client.get(reverse("tickets:attraction_sw"))
    assert desk_worker["Service-Worker-Allowed"] == "/hatix/harzcard/"
    manifest = client.get(reverse("tickets:inspector_manifest")).json()
    assert manifest["start_url"] == manifest["scope"] == "/hatix/kontrolle/"
    assert manifest["display"] == "standalone"
