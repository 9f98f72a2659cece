"""GTFS import (tickets/transit.py): a real zip round trip, idempotence and replacement,
validation, departures across midnight, calendar exceptions, GTFS-Realtime delays served by
a real local HTTP server."""

import datetime as dt
import http.server
import shutil
import threading
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from google.transit import gtfs_realtime_pb2

from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.tickets import transit
from openkreis.tickets.models_transit import (
    Feed,
    Service,
    ServiceException,
    StopTime,
    TransitRoute,
    TransitStop,
    Trip,
)

DEMO = Path(settings.OPENKREIS_TENANTS_DIR) / "harz" / "gtfs"
BERLIN = transit.BERLIN


def at(y, m, d, hh, mm):
    return dt.datetime(y, m, d, hh, mm, tzinfo=BERLIN)


def zipped(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(folder.glob("*.txt")):
            zf.write(file, file.name)
    return target


def stops(name):
    return list(TransitStop.objects.filter(name=name))


@pytest.mark.django_db
def test_the_demo_feed_is_loaded_with_the_county():
    feed = Feed.objects.get(key="harz")
    assert feed.version == "demo-2026-12"
    assert feed.valid_from == dt.date(2026, 1, 1)
    assert TransitStop.objects.filter(feed=feed).count() == 17
    assert set(TransitRoute.objects.values_list("short_name", flat=True)) == {
        "257",
        "210",
        "18",
        "264",
    }
    # the 23:40 from Wernigerode reaches Braunlage at 24:38:00 (seconds > 24 h are kept)
    last = StopTime.objects.get(trip__trip_id="257-0-WD-2340", stop__stop_id="BRL_BB")
    assert last.arrival == 24 * 3600 + 38 * 60


@pytest.mark.django_db
def test_zip_round_trip_is_idempotent_and_a_new_version_replaces_the_old(tmp_path):
    archive = zipped(DEMO, tmp_path / "gtfs.zip")
    feed, changed = transit.import_feed(archive, "zip")
    assert changed
    counts = (
        TransitStop.objects.filter(feed=feed).count(),
        Trip.objects.filter(feed=feed).count(),
        StopTime.objects.filter(trip__feed=feed).count(),
        ServiceException.objects.filter(service__feed=feed).count(),
    )
    assert counts == (
        17,
        122,
        588,
        ServiceException.objects.filter(service__feed__key="harz").count(),
    )
    again, changed = transit.import_feed(archive, "zip")
    assert (again.pk, changed) == (feed.pk, False)
    assert Trip.objects.filter(feed=feed).count() == 122

    # a new version: one trip less, another feed_version
    folder = tmp_path / "v2"
    shutil.copytree(DEMO, folder)
    trips = (folder / "trips.txt").read_text().splitlines()
    gone = [line for line in trips if "257-0-WD-0615" in line]
    (folder / "trips.txt").write_text("\n".join(row for row in trips if row not in gone) + "\n")
    times = (folder / "stop_times.txt").read_text().splitlines()
    (folder / "stop_times.txt").write_text(
        "\n".join(row for row in times if not row.startswith("257-0-WD-0615,")) + "\n"
    )
    info = (folder / "feed_info.txt").read_text().replace("demo-2026-12", "demo-2027-01")
    (folder / "feed_info.txt").write_text(info)
    newer, changed = transit.import_feed(zipped(folder, tmp_path / "v2.zip"), "zip")
    assert changed and newer.pk == feed.pk
    newer.refresh_from_db()
    assert newer.version == "demo-2027-01"
    assert Trip.objects.filter(feed=feed).count() == 121
    assert not Trip.objects.filter(feed=feed, trip_id="257-0-WD-0615").exists()
    assert StopTime.objects.filter(trip__feed=feed).count() == 588 - 8
    assert TransitStop.objects.filter(feed=feed).count() == 17  # replaced, not doubled
    # the county's feed is untouched
    assert Trip.objects.filter(feed__key="harz").count() == 122


def broken(tmp_path, name, transform):
    folder = tmp_path / "broken"
    shutil.copytree(DEMO, folder)
    path = folder / name
    text = transform(path.read_text())
    if text is None:
        path.unlink()
    else:
        path.write_text(text)
    return folder


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "transform", "message"),
    [
        ("stops.txt", lambda t: None, "stops.txt missing"),
        ("stop_times.txt", lambda t: None, "stop_times.txt missing"),
        (
            "stops.txt",
            lambda t: t.replace("stop_lat", "latitude", 1),
            "column(s) missing: stop_lat",
        ),
        ("trips.txt", lambda t: t.replace("service_id", "svc", 1), "trips.txt: column(s) missing"),
        ("stop_times.txt", lambda t: t.replace("06:15:00", "6h15", 1), "not a time HH:MM:SS"),
        ("calendar_dates.txt", lambda t: t.replace(",2\n", ",7\n", 1), "exception_type"),
        ("trips.txt", lambda t: t.replace(",WD,", ",NOPE,", 1), "unknown route_id or service_id"),
    ],
)
def test_a_broken_feed_is_a_clear_error_and_changes_nothing(tmp_path, name, transform, message):
    folder = broken(tmp_path, name, transform)
    with pytest.raises(TenantDataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        transit.import_feed(folder, "broken")
    assert not Feed.objects.filter(key="broken").exists()
    assert not TransitStop.objects.filter(feed__key="broken").exists()


@pytest.mark.django_db
def test_agency_and_calendar_txt_are_optional(tmp_path):
    folder = tmp_path / "minimal"
    shutil.copytree(DEMO, folder)
    (folder / "agency.txt").unlink()
    (folder / "calendar.txt").unlink()
    (folder / "feed_info.txt").unlink()
    feed, _ = transit.import_feed(folder, "minimal")
    # services only in calendar_dates.txt: no weekdays, no range; running on the added dates
    assert not Service.objects.filter(feed=feed, start_date__isnull=False).exists()
    assert TransitRoute.objects.filter(feed=feed, agency=None).count() == 4
    christmas = transit.active_services(dt.date(2026, 12, 24))
    assert Service.objects.get(feed=feed, service_id="WE").pk in christmas
    assert Service.objects.get(feed=feed, service_id="WD").pk not in christmas
    (folder / "calendar_dates.txt").unlink()
    with pytest.raises(TenantDataError, match="calendar.txt or calendar_dates.txt missing"):
        transit.import_feed(folder, "minimal")


@pytest.mark.django_db
def test_departures_across_midnight():
    # Monday 7 December 2026, 23:30 at Wernigerode Hbf: the late bus at 23:40
    found = transit.departures(stops("Wernigerode Hauptbahnhof"), at(2026, 12, 7, 23, 30), limit=3)
    assert found[0].when == at(2026, 12, 7, 23, 40)
    assert (found[0].line, found[0].headsign) == ("257", "Braunlage Busbahnhof")
    # Tuesday 00:10 in Schierke: the same (Monday's) trip at 24:16 = 00:16 on Tuesday
    found = transit.departures(stops("Schierke Ortsmitte"), at(2026, 12, 8, 0, 10), limit=1)
    assert found[0].trip_id == "257-0-WD-2340"
    assert found[0].when == at(2026, 12, 8, 0, 16)
    # the horizon crosses midnight into tomorrow's services
    found = transit.departures(
        stops("Thale Hexentanzplatz"), at(2026, 12, 7, 20, 0), limit=1, hours=24
    )
    assert found[0].when == at(2026, 12, 8, 8, 44)
    # no departure at a trip's last stop
    found = transit.departures(stops("Braunlage Busbahnhof"), at(2026, 12, 7, 23, 0), limit=5)
    assert all(d.headsign != "Braunlage Busbahnhof" for d in found)


@pytest.mark.django_db
def test_calendar_exceptions_holidays_run_the_weekend_timetable():
    wernigerode = stops("Wernigerode Hauptbahnhof")
    # Wednesday 23 December: the weekday timetable, first 257 at 06:15
    first = [d for d in transit.departures(wernigerode, at(2026, 12, 23, 6, 0)) if d.line == "257"]
    assert first[0].when == at(2026, 12, 23, 6, 15)
    # Thursday 24 December (calendar_dates: WD removed, WE added): first 257 at 08:15
    first = [d for d in transit.departures(wernigerode, at(2026, 12, 24, 6, 0)) if d.line == "257"]
    assert first[0].when == at(2026, 12, 24, 8, 15)
    # DAILY removed on the 24th: no Bodetal bus that day, the next on the 25th
    found = transit.departures(stops("Thale Hexentanzplatz"), at(2026, 12, 24, 12, 0), hours=24)
    assert found[0].when.date() == dt.date(2026, 12, 25)


def test_service_day_start_is_noon_minus_twelve_hours_on_dst_days():
    # 29 March 2026: clocks go forward at 02:00, "noon minus 12 h" is 23:00 the day before
    start = transit.service_day_start(dt.date(2026, 3, 29))
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 3, 28, 23, 0, tzinfo=dt.UTC)
    assert transit.service_day_start(dt.date(2026, 7, 1)) == at(2026, 7, 1, 0, 0)


def test_parse_time_allows_hours_past_24():
    assert transit.parse_time("25:10:00") == 90600
    assert transit.parse_time("") is None
    with pytest.raises(TenantDataError):
        transit.parse_time("12:61:00", "x")


class _Served(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def realtime_server():
    message = gtfs_realtime_pb2.FeedMessage()
    message.header.gtfs_realtime_version = "2.0"
    message.header.timestamp = 1_796_000_000
    entity = message.entity.add()
    entity.id = "1"
    update = entity.trip_update
    update.trip.trip_id = "257-0-WD-1015"
    stu = update.stop_time_update.add()
    stu.stop_sequence = 2
    stu.stop_id = "WR_WTOR"
    stu.departure.delay = 180
    _Served.body = message.SerializeToString()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Served)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    cache.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}/tripupdates.pb"
    server.shutdown()
    cache.clear()


@pytest.mark.django_db
def test_realtime_delays_from_a_served_protobuf(realtime_server):
    with override_settings(TICKETS_GTFS_REALTIME_URL=realtime_server):
        # at the stop with the update and (propagated) at a later stop
        found = transit.departures(stops("Wernigerode Westerntor"), at(2026, 12, 7, 10, 0), limit=3)
        labels = {d.trip_id: d.delay_label for d in found}
        assert labels["257-0-WD-1015"] == "+3 min"
        assert labels["257-1-WD-0920"] == ""  # no update for the other direction
        later = transit.departures(stops("Schierke Ortsmitte"), at(2026, 12, 7, 10, 40), limit=1)
        assert (later[0].trip_id, later[0].delay_label) == ("257-0-WD-1015", "+3 min")
        # before the updated stop there is no delay known, other trips have none
        first = transit.departures(stops("Wernigerode Hauptbahnhof"), at(2026, 12, 7, 10, 0))
        assert all(d.delay_label == "" for d in first)


@pytest.mark.django_db
def test_an_unreachable_realtime_feed_leaves_the_timetable(realtime_server):
    cache.clear()
    with override_settings(TICKETS_GTFS_REALTIME_URL="http://127.0.0.1:9/none.pb"):
        found = transit.departures(stops("Wernigerode Westerntor"), at(2026, 12, 7, 10, 0), limit=1)
    assert found[0].delay is None


@pytest.mark.django_db
def test_the_county_step_is_idempotent():
    report = LoadReport()
    folder = Path(settings.OPENKREIS_TENANTS_DIR) / "harz"
    transit.load(None, folder, report)
    assert report.updated == 0  # loaded with the county, same content
    assert "3 hiking routes" in report.details
