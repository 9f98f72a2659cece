"""Subscribed calendar feeds (capacity/feeds.py): fetched from a real HTTP server on
loopback (allowed only by OPENKREIS_CALENDAR_FEEDS_ALLOW_PRIVATE), the address rules that
keep the server from fetching internal addresses, slots withdrawn when they leave the feed,
a room's busy periods, errors recorded for the manager, the manage pages."""

from __future__ import annotations

import datetime as dt
import threading
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from openkreis.capacity import feeds, ical, providers
from openkreis.capacity.models import DoctorSlot, Practice, Room

from .factories import host_with_room, practice
from .test_providers import _cal, _stamp, ahead

pytestmark = pytest.mark.django_db


class _Feed(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, bytes, dict]] = {}

    def do_GET(self):  # noqa: N802 (http.server's name)
        status, body, headers = self.routes.get(self.path, (404, b"not found", {}))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(settings):
    settings.OPENKREIS_CALENDAR_FEEDS_ALLOW_PRIVATE = True
    _Feed.routes = {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield base, _Feed.routes
    httpd.shutdown()
    httpd.server_close()


def _slot(start: dt.datetime, uid: str) -> str:
    return f"UID:{uid}\nSUMMARY:frei\nDTSTART:{_stamp(start.astimezone(UTC))}Z\nDURATION:PT15M"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/kalender.ics",  # not https
        "ftp://example.org/kalender.ics",
        "https://127.0.0.1/kalender.ics",  # loopback
        "https://10.1.2.3/kalender.ics",  # private
        "https://192.168.0.10/kalender.ics",
        "https://169.254.169.254/latest/meta-data/",  # link-local (cloud metadata)
        "https://[::1]/kalender.ics",
        "https://0.0.0.0/kalender.ics",
        "https:///kalender.ics",
    ],
)
def test_addresses_the_server_must_not_fetch_are_refused(settings, url):
    settings.OPENKREIS_CALENDAR_FEEDS_ALLOW_PRIVATE = False
    with pytest.raises(feeds.FeedError):
        feeds.check_url(url)


def test_a_redirect_to_an_internal_address_is_refused(settings):
    settings.OPENKREIS_CALENDAR_FEEDS_ALLOW_PRIVATE = False
    handler = feeds._CheckedRedirects()
    with pytest.raises(feeds.FeedError):
        handler.redirect_request(None, None, 302, "Found", {}, "https://10.0.0.1/intern")


def test_practice_feed_publishes_slots_and_withdraws_those_it_no_longer_offers(server):
    base, routes = server
    p = practice("feed")
    p.calendar_url = f"{base}/praxis.ics"
    p.save()
    a, b, c = ahead(2, 9), ahead(2, 10), ahead(3, 11)
    routes["/praxis.ics"] = (200, _cal(_slot(a, "a"), _slot(b, "b"), _slot(c, "c")).encode(), {})
    assert feeds.refresh(p) == (3, 0)
    p.refresh_from_db()
    assert p.calendar_error == "" and p.calendar_fetched_at is not None
    assert DoctorSlot.objects.filter(practice=p, source=DoctorSlot.Source.ICAL).count() == 3
    # a and b were given away by phone; b was booked here before that, so b stays
    taken = DoctorSlot.objects.get(practice=p, start=b)
    providers.book(taken.pk, "Erika Muster", "erika@example.org")
    manual = DoctorSlot.objects.create(practice=p, start=ahead(4, 8), minutes=15)
    routes["/praxis.ics"] = (200, _cal(_slot(c, "c")).encode(), {})
    assert feeds.refresh(p) == (0, 1)
    left = set(DoctorSlot.objects.filter(practice=p).values_list("start", flat=True))
    assert left == {b, c, manual.start}  # the booked one and the entered one stay


def test_errors_are_recorded_and_change_nothing(server):
    base, routes = server
    p = practice("kaputt")
    routes["/ok.ics"] = (200, _cal(_slot(ahead(2, 9), "a")).encode(), {})
    p.calendar_url = f"{base}/ok.ics"
    feeds.refresh(p)
    fetched = Practice.objects.get(pk=p.pk).calendar_fetched_at
    for path, answer, error in (
        ("/weg.ics", (404, b"", {}), feeds.FeedError),
        ("/kein.ics", (200, b"<html>Anmeldung</html>", {}), ical.ICalError),
        ("/gross.ics", (200, b"X" * (feeds.MAX_BYTES + 10), {}), feeds.FeedError),
    ):
        routes[path] = answer
        p.calendar_url = base + path
        with pytest.raises(error):
            feeds.refresh(p)
        stored = Practice.objects.get(pk=p.pk)
        assert stored.calendar_error and stored.calendar_fetched_at == fetched
    assert DoctorSlot.objects.filter(practice=p).count() == 1


def test_redirects_are_followed_within_the_rules(server):
    base, routes = server
    routes["/alt.ics"] = (302, b"", {"Location": f"{base}/neu.ics"})
    routes["/neu.ics"] = (200, _cal(_slot(ahead(2, 9), "a")).encode(), {})
    assert ical.free_slots(feeds.fetch(f"{base}/alt.ics"), timezone.now())


def test_room_feed_and_the_hourly_refresh_of_all_feeds(server):
    base, routes = server
    today = timezone.localdate()
    first, until = today + dt.timedelta(days=5), today + dt.timedelta(days=8)
    _, room = host_with_room("kanal-feed")
    room.calendar_url = f"{base}/zimmer.ics"
    room.save()
    broken = practice("broken")
    broken.calendar_url = f"{base}/fehlt.ics"
    broken.save()
    routes["/zimmer.ics"] = (
        200,
        _cal(
            f"UID:1\nSUMMARY:Reserved\nDTSTART;VALUE=DATE:{first:%Y%m%d}\n"
            f"DTEND;VALUE=DATE:{until:%Y%m%d}"
        ).encode(),
        {},
    )
    assert feeds.refresh_all() == {"fetched": 1, "failed": 1}
    assert not providers.room_is_free(Room.objects.get(pk=room.pk), first, until)
    assert "404" in Practice.objects.get(pk=broken.pk).calendar_error


def test_manager_subscribes_on_the_manage_page_and_a_bad_address_is_a_400(server, client):
    base, routes = server
    manager = get_user_model().objects.create_user("praxis-feed", "p@example.org", "x" * 20)
    p = practice("seite")
    p.managers.add(manager)
    client.force_login(manager)
    url = reverse("providers:practice_manage", args=[p.key])
    routes["/gut.ics"] = (200, _cal(_slot(ahead(2, 9), "a")).encode(), {})
    response = client.post(url, {"action": "feed", "feed-url": f"{base}/kaputt.ics"})
    assert response.status_code == 400
    assert "Fehler 404" in response.content.decode()
    assert Practice.objects.get(pk=p.pk).calendar_url == ""
    response = client.post(url, {"action": "feed", "feed-url": f"{base}/gut.ics"}, follow=True)
    assert response.status_code == 200
    assert "1 neue Termine" in response.content.decode()
    assert Practice.objects.get(pk=p.pk).calendar_url == f"{base}/gut.ics"
    page = client.get(url).content.decode()
    assert "Zuletzt gelesen am" in page
    # empty: the subscription ends, the slots stay
    client.post(url, {"action": "feed", "feed-url": ""})
    assert Practice.objects.get(pk=p.pk).calendar_url == ""
    assert DoctorSlot.objects.filter(practice=p).count() == 1


def test_host_subscribes_a_room_and_others_cannot(server, client):
    base, routes = server
    host, room = host_with_room("feed-gast")
    owner = get_user_model().objects.create_user("gast-feed", "g@example.org", "x" * 20)
    other = get_user_model().objects.create_user("fremd-feed", "f@example.org", "x" * 20)
    host.managers.add(owner)
    routes["/z.ics"] = (200, _cal().encode(), {})
    url = reverse("providers:host_manage", args=[host.key])
    client.force_login(other)
    answer = client.post(
        url, {"action": "feed", "room": room.pk, f"f{room.pk}-url": base + "/z.ics"}
    )
    assert answer.status_code == 403
    client.force_login(owner)
    response = client.post(
        url, {"action": "feed", "room": room.pk, f"f{room.pk}-url": base + "/z.ics"}, follow=True
    )
    assert response.status_code == 200 and "0 belegte Zeiträume" in response.content.decode()
    assert Room.objects.get(pk=room.pk).calendar_url == base + "/z.ics"
