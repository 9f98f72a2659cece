"""The bus timetable for the guest's day planning (docs/tickets.md "Planning a day").

GTFS (the General Transit Feed Specification, a zip or folder of CSV files) is read with
gtfs-kit (`gtfs_kit.read_feed`: zip or folder, typed columns, non-GTFS files ignored) and
stored in the models of models_transit.py. The import is

- validated: a missing required file or column raises TenantDataError naming the file;
- idempotent: the feed's SHA-256 is kept, the same content again changes nothing, and a new
  version replaces every row of the previous one (in the caller's transaction).

The demo feed is tenants/harz/gtfs/ (demo data, not the real timetable). GTFS-Realtime
TripUpdates (delays) are read when a feed URL is configured (settings
TICKETS_GTFS_REALTIME_URL or Feed.realtime_url) and shown as "+3 min".

Times in GTFS are seconds after "noon minus 12 hours" of the service day and may pass 24 h
(a trip that starts at 23:40 reaches its last stop at 24:38:00): departures are looked up in
yesterday's, today's and tomorrow's services.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import urllib.error
import urllib.request
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from openkreis.core.loader import LoadReport, TenantDataError

from . import hiking
from .geo import distance_m
from .models_transit import (
    Agency,
    Feed,
    Service,
    ServiceException,
    Shape,
    StopTime,
    TransitRoute,
    TransitStop,
    Trip,
)

log = logging.getLogger(__name__)

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
DEFAULT_FEED_KEY = "harz"
REALTIME_TTL = 30  # seconds a fetched GTFS-Realtime feed is reused
REALTIME_TIMEOUT = 3.0

# the files and columns the planning needs (GTFS reference, "Required" fields)
REQUIRED = {
    "stops.txt": ("stop_id", "stop_name", "stop_lat", "stop_lon"),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"),
}
OPTIONAL = {
    "agency.txt": ("agency_name",),
    "calendar.txt": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "shapes.txt": ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"),
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# ---------------------------------------------------------------------------------------
# import


def parse_time(value, where: str = "") -> int | None:
    """'25:10:00' → 90600 seconds (GTFS allows hours past 24); empty → None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    if not text or text == "<NA>":
        return None
    try:
        h, m, s = (int(part) for part in text.split(":"))
    except ValueError as exc:
        raise TenantDataError(f"{where}: {text!r} is not a time HH:MM:SS") from exc
    if not (0 <= m < 60 and 0 <= s < 60 and h >= 0):
        raise TenantDataError(f"{where}: {text!r} is not a time HH:MM:SS")
    return h * 3600 + m * 60 + s


def parse_date(value, where: str) -> dt.date:
    try:
        return dt.datetime.strptime(str(value).strip(), "%Y%m%d").date()
    except ValueError as exc:
        raise TenantDataError(f"{where}: {value!r} is not a date YYYYMMDD") from exc


def feed_hash(path: Path) -> str:
    """SHA-256 of a zip, or of a folder's .txt files (names and contents, sorted)."""
    digest = hashlib.sha256()
    if path.is_dir():
        for file in sorted(path.glob("*.txt")):
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    else:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _text(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "" if text in ("<NA>", "nan") else text.strip()


def _rows(frame) -> list[dict]:
    return [] if frame is None else frame.to_dict("records")


def read(path: Path):
    """The gtfs-kit Feed of a zip or folder, checked for the files and columns we need."""
    import gtfs_kit  # noqa: PLC0415  (heavy: pandas, geopandas; only the import needs it)

    path = Path(path)
    if not path.exists():
        raise TenantDataError(f"{path}: GTFS feed missing")
    try:
        data = gtfs_kit.read_feed(path, dist_units="km")
    except Exception as exc:  # a broken zip or CSV: name the feed, never a 500
        raise TenantDataError(f"{path}: not a readable GTFS feed ({exc})") from exc
    for name, columns in {**REQUIRED, **OPTIONAL}.items():
        frame = getattr(data, name.removesuffix(".txt"), None)
        if frame is None:
            if name in REQUIRED:
                raise TenantDataError(f"{path}: {name} missing")
            continue
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise TenantDataError(f"{path}/{name}: column(s) missing: {', '.join(missing)}")
    if data.calendar is None and data.calendar_dates is None:
        raise TenantDataError(f"{path}: calendar.txt or calendar_dates.txt missing")
    return data


def import_feed(
    path: Path, key: str = DEFAULT_FEED_KEY, *, realtime_url: str = ""
) -> tuple[Feed, bool]:
    """Import the feed at `path` as `key`. Returns (feed, changed): the same content again
    changes nothing; a new version replaces the previous one's rows."""
    path = Path(path)
    if not path.exists():
        raise TenantDataError(f"{path}: GTFS feed missing")
    sha = feed_hash(path)
    feed = Feed.objects.filter(key=key).first()
    if feed and feed.sha256 == sha:
        if feed.realtime_url != realtime_url:
            feed.realtime_url = realtime_url
            feed.save(update_fields=["realtime_url", "imported_at"])
        return feed, False
    data = read(path)
    with transaction.atomic():
        if feed is None:
            feed = Feed(key=key)
        else:
            _clear(feed)
        info = _rows(data.feed_info)[:1]
        info = info[0] if info else {}
        feed.sha256 = sha
        feed.publisher = _text(info.get("feed_publisher_name"))[:200]
        feed.version = _text(info.get("feed_version"))[:100] or sha[:12]
        feed.valid_from = (
            parse_date(info["feed_start_date"], f"{path}/feed_info.txt")
            if _text(info.get("feed_start_date"))
            else None
        )
        feed.valid_until = (
            parse_date(info["feed_end_date"], f"{path}/feed_info.txt")
            if _text(info.get("feed_end_date"))
            else None
        )
        feed.realtime_url = realtime_url
        feed.save()
        _store(feed, data, path)
    return feed, True


def _clear(feed: Feed) -> None:
    """Delete the previous version's rows, children first (each a single DELETE)."""
    StopTime.objects.filter(trip__feed=feed).delete()
    ServiceException.objects.filter(service__feed=feed).delete()
    for model in (Trip, Shape, Service, TransitStop, TransitRoute, Agency):
        model.objects.filter(feed=feed).delete()


def _store(feed: Feed, data, path: Path) -> None:
    agencies = {}
    for row in _rows(data.agency):
        agency = Agency(
            feed=feed,
            agency_id=_text(row.get("agency_id")),
            name=_text(row.get("agency_name"))[:200],
            url=_text(row.get("agency_url"))[:500],
            timezone=_text(row.get("agency_timezone")) or "Europe/Berlin",
        )
        agencies[agency.agency_id] = agency
    Agency.objects.bulk_create(agencies.values())

    stops = {}
    for i, row in enumerate(_rows(data.stops), 2):
        where = f"{path}/stops.txt line {i}"
        try:
            lat, lon = float(row["stop_lat"]), float(row["stop_lon"])
        except (TypeError, ValueError) as exc:
            raise TenantDataError(f"{where}: stop_lat/stop_lon must be numbers") from exc
        if math.isnan(lat) or math.isnan(lon):
            # stations' entrances and generic nodes may have no position; we need one
            if int(row.get("location_type") or 0) in (0, 1):
                raise TenantDataError(f"{where}: stop_lat/stop_lon missing")
            continue
        stop_id = _text(row["stop_id"])
        stops[stop_id] = TransitStop(
            feed=feed,
            stop_id=stop_id,
            name=_text(row["stop_name"])[:200],
            lat=lat,
            lon=lon,
            parent_station=_text(row.get("parent_station")),
        )
    TransitStop.objects.bulk_create(stops.values())

    routes = {}
    only_agency = next(iter(agencies.values()), None) if len(agencies) == 1 else None
    for row in _rows(data.routes):
        route_id = _text(row["route_id"])
        routes[route_id] = TransitRoute(
            feed=feed,
            route_id=route_id,
            agency=agencies.get(_text(row.get("agency_id"))) or only_agency,
            short_name=_text(row.get("route_short_name"))[:50],
            long_name=_text(row.get("route_long_name"))[:200],
            route_type=int(row["route_type"]),
            color=_text(row.get("route_color"))[:6],
        )
    TransitRoute.objects.bulk_create(routes.values())

    services: dict[str, Service] = {}
    for i, row in enumerate(_rows(data.calendar), 2):
        where = f"{path}/calendar.txt line {i}"
        service_id = _text(row["service_id"])
        services[service_id] = Service(
            feed=feed,
            service_id=service_id,
            start_date=parse_date(row["start_date"], where),
            end_date=parse_date(row["end_date"], where),
            **{day: str(row[day]).strip() == "1" for day in WEEKDAYS},
        )
    for row in _rows(data.calendar_dates):
        service_id = _text(row["service_id"])
        services.setdefault(service_id, Service(feed=feed, service_id=service_id))
    Service.objects.bulk_create(services.values())
    exceptions = {}
    for i, row in enumerate(_rows(data.calendar_dates), 2):
        where = f"{path}/calendar_dates.txt line {i}"
        kind = int(row["exception_type"])
        if kind not in (1, 2):
            raise TenantDataError(f"{where}: exception_type must be 1 or 2")
        service = services[_text(row["service_id"])]
        date = parse_date(row["date"], where)
        exceptions[(service.service_id, date)] = ServiceException(
            service=service, date=date, kind=kind
        )
    ServiceException.objects.bulk_create(exceptions.values())

    trips = {}
    for i, row in enumerate(_rows(data.trips), 2):
        where = f"{path}/trips.txt line {i}"
        route = routes.get(_text(row["route_id"]))
        service = services.get(_text(row["service_id"]))
        if route is None or service is None:
            raise TenantDataError(f"{where}: unknown route_id or service_id")
        direction = row.get("direction_id")
        trip_id = _text(row["trip_id"])
        trips[trip_id] = Trip(
            feed=feed,
            trip_id=trip_id,
            route=route,
            service=service,
            headsign=_text(row.get("trip_headsign"))[:200],
            direction_id=None if _text(direction) == "" else int(direction),
            shape_id=_text(row.get("shape_id")),
        )
    Trip.objects.bulk_create(trips.values())

    times = []
    for i, row in enumerate(_rows(data.stop_times), 2):
        where = f"{path}/stop_times.txt line {i}"
        trip = trips.get(_text(row["trip_id"]))
        stop = stops.get(_text(row["stop_id"]))
        if trip is None or stop is None:
            raise TenantDataError(f"{where}: unknown trip_id or stop_id")
        arrival = parse_time(row.get("arrival_time"), where)
        departure = parse_time(row.get("departure_time"), where)
        times.append(
            StopTime(
                trip=trip,
                stop=stop,
                stop_sequence=int(row["stop_sequence"]),
                arrival=arrival if arrival is not None else departure,
                departure=departure if departure is not None else arrival,
            )
        )
    StopTime.objects.bulk_create(times, batch_size=5000)

    shapes: dict[str, list] = {}
    for row in sorted(_rows(data.shapes), key=lambda r: int(r["shape_pt_sequence"])):
        shapes.setdefault(_text(row["shape_id"]), []).append(
            [round(float(row["shape_pt_lat"]), 6), round(float(row["shape_pt_lon"]), 6)]
        )
    Shape.objects.bulk_create(
        Shape(feed=feed, shape_id=shape_id, points=points) for shape_id, points in shapes.items()
    )


def feed_path(folder: Path) -> Path | None:
    """tenants/<slug>/gtfs.zip or tenants/<slug>/gtfs/ (the first that exists)."""
    for candidate in (folder / "gtfs.zip", folder / "gtfs"):
        if candidate.exists():
            return candidate
    return None


def load(tenant, folder: Path, report: LoadReport) -> None:
    """County data step: import the county's GTFS feed if it has one (idempotent)."""
    folder = Path(folder)
    routes = hiking.check(folder)  # the hiking routes' GPX files must parse, too
    if routes:
        report.details.append(f"{routes} hiking routes")
    path = feed_path(folder)
    if path is None:
        return None
    feed, changed = import_feed(
        path, DEFAULT_FEED_KEY, realtime_url=getattr(settings, "TICKETS_GTFS_REALTIME_URL", "")
    )
    if changed:
        report.updated += 1
        report.details.append(f"GTFS {feed.key} {feed.version}: {feed.trips.count()} trips")
    return None


# ---------------------------------------------------------------------------------------
# timetable questions


def service_day_start(day: dt.date) -> dt.datetime:
    """GTFS time 0 of a service day: noon minus 12 h (local), right on DST change days."""
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=BERLIN)
    return noon - dt.timedelta(hours=12)


def active_services(day: dt.date) -> set[int]:
    """Service pks running on `day`: calendar.txt weekdays and range, then calendar_dates.txt
    (2 removes, 1 adds)."""
    weekday = WEEKDAYS[day.weekday()]
    running = set(
        Service.objects.filter(
            start_date__lte=day, end_date__gte=day, **{weekday: True}
        ).values_list("pk", flat=True)
    )
    for service_id, kind in ServiceException.objects.filter(date=day).values_list(
        "service_id", "kind"
    ):
        if kind == ServiceException.Kind.REMOVED:
            running.discard(service_id)
        else:
            running.add(service_id)
    return running


@dataclass
class Departure:
    when: dt.datetime
    line: str
    color: str
    headsign: str
    stop: str
    trip_id: str
    stop_id: str
    stop_sequence: int
    arrival: dt.datetime | None = None  # at the destination (connections)
    destination: str = ""
    delay: int | None = None  # seconds, from GTFS-Realtime

    @property
    def delay_label(self) -> str:
        """'+3 min', 'pünktlich'-like empty string for no data."""
        if self.delay is None:
            return ""
        minutes = round(self.delay / 60)
        return f"+{minutes} min" if minutes >= 0 else f"−{-minutes} min"

    @property
    def duration_minutes(self) -> int | None:
        if self.arrival is None:
            return None
        return int((self.arrival - self.when).total_seconds() // 60)


def _window(now: dt.datetime, hours: int):
    """(service day, start in seconds of that day, end) for yesterday, today, tomorrow."""
    local = now.astimezone(BERLIN)
    for offset in (-1, 0, 1):
        day = local.date() + dt.timedelta(days=offset)
        start = int((local - service_day_start(day)).total_seconds())
        yield day, start, start + hours * 3600


def departures(
    stops: Iterable[TransitStop],
    now: dt.datetime | None = None,
    *,
    limit: int = 8,
    hours: int = 12,
    to_stops: Iterable[TransitStop] | None = None,
) -> list[Departure]:
    """The next departures at `stops` within `hours` (not at a trip's last stop). With
    `to_stops`, only trips that reach one of them later (direct connections on one line)."""
    now = now or timezone.now()
    stop_ids = [s.pk for s in stops]
    later = StopTime.objects.filter(
        trip=OuterRef("trip"), stop_sequence__gt=OuterRef("stop_sequence")
    )
    target = None
    if to_stops is not None:
        target_ids = [s.pk for s in to_stops]
        target = later.filter(stop__in=target_ids).order_by("stop_sequence")
    found: list[Departure] = []
    for day, start, end in _window(now, hours):
        services = active_services(day)
        if not services or end <= 0:
            continue
        rows = StopTime.objects.filter(
            stop__in=stop_ids,
            trip__service__in=services,
            departure__gte=max(start, 0),
            departure__lt=end,
        ).filter(Exists(later))
        if target is not None:
            rows = rows.annotate(
                at=Subquery(target.values("arrival")[:1]),
                at_name=Subquery(target.values("stop__name")[:1]),
            ).filter(at__isnull=False)
        base = service_day_start(day)
        for st in rows.select_related("trip__route", "stop").order_by("departure")[:limit]:
            found.append(
                Departure(
                    when=(base + dt.timedelta(seconds=st.departure)).astimezone(BERLIN),
                    line=str(st.trip.route),
                    color=st.trip.route.color,
                    headsign=st.trip.headsign,
                    stop=st.stop.name,
                    trip_id=st.trip.trip_id,
                    stop_id=st.stop.stop_id,
                    stop_sequence=st.stop_sequence,
                    arrival=(base + dt.timedelta(seconds=st.at)).astimezone(BERLIN)
                    if target is not None
                    else None,
                    destination=st.at_name if target is not None else "",
                )
            )
    found.sort(key=lambda d: (d.when, d.line))
    found = found[:limit]
    apply_delays(found)
    return found


def nearby_stops(
    lat: float, lon: float, *, radius_m: float = 1500, limit: int = 4
) -> list[tuple[TransitStop, int]]:
    """Stops within `radius_m`, nearest first, with the distance in metres."""
    dlat = radius_m / 111_000
    dlon = radius_m / (111_000 * max(math.cos(math.radians(lat)), 0.01))
    box = TransitStop.objects.filter(
        lat__range=(lat - dlat, lat + dlat), lon__range=(lon - dlon, lon + dlon)
    )
    found = sorted(
        ((s, round(distance_m(lat, lon, s.lat, s.lon))) for s in box), key=lambda x: x[1]
    )
    return [(s, d) for s, d in found if d <= radius_m][:limit]


def search_stops(query: str, limit: int = 20) -> list[TransitStop]:
    query = query.strip()
    if len(query) < 2:
        return []
    return list(TransitStop.objects.filter(name__icontains=query).order_by("name")[:limit])


# ---------------------------------------------------------------------------------------
# GTFS-Realtime (TripUpdates)


def realtime_url() -> str:
    url = getattr(settings, "TICKETS_GTFS_REALTIME_URL", "")
    if not url:
        url = Feed.objects.exclude(realtime_url="").values_list("realtime_url", flat=True).first()
    return url or ""


def fetch_trip_updates(url: str) -> dict[str, list[tuple[int | None, str, int]]]:
    """trip_id → [(stop_sequence, stop_id, delay seconds)] from a TripUpdates feed; a
    trip-level delay has sequence None and stop ''. An unreachable or broken feed gives {}
    (the timetable still shows)."""
    from google.transit import gtfs_realtime_pb2  # noqa: PLC0415  (protobuf, only here)

    if not url.startswith(("http://", "https://")):
        return {}
    try:
        with urllib.request.urlopen(url, timeout=REALTIME_TIMEOUT) as response:  # noqa: S310
            body = response.read()
        message = gtfs_realtime_pb2.FeedMessage()
        message.ParseFromString(body)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        log.warning("GTFS-Realtime %s unreadable: %s", url, exc)
        return {}
    except Exception as exc:  # protobuf DecodeError
        log.warning("GTFS-Realtime %s not a feed message: %s", url, exc)
        return {}
    updates: dict[str, list[tuple[int | None, str, int]]] = {}
    for entity in message.entity:
        if not entity.HasField("trip_update"):
            continue
        tu = entity.trip_update
        rows = updates.setdefault(tu.trip.trip_id, [])
        if tu.HasField("delay"):
            rows.append((None, "", tu.delay))
        for stu in tu.stop_time_update:
            event = stu.departure if stu.HasField("departure") else stu.arrival
            if not event.HasField("delay"):
                continue
            seq = stu.stop_sequence if stu.HasField("stop_sequence") else None
            rows.append((seq, stu.stop_id, event.delay))
    return updates


def trip_updates() -> dict:
    url = realtime_url()
    if not url:
        return {}
    key = "tickets:gtfs-rt:" + hashlib.sha256(url.encode()).hexdigest()[:16]
    updates = cache.get(key)
    if updates is None:
        updates = fetch_trip_updates(url)
        cache.set(key, updates, REALTIME_TTL)
    return updates


def delay_at(rows: list[tuple[int | None, str, int]], stop_id: str, sequence: int) -> int | None:
    """The delay at one stop: its own update, else the last update before it (the spec's
    propagation), else the trip's delay."""
    before = None
    trip_delay = None
    for seq, sid, delay in rows:
        if seq is None and not sid:
            trip_delay = delay
        elif sid == stop_id or seq == sequence:
            return delay
        elif seq is not None and seq < sequence and (before is None or seq >= before[0]):
            before = (seq, delay)
    return before[1] if before else trip_delay


def apply_delays(found: list[Departure]) -> None:
    if not found:
        return
    updates = trip_updates()
    for dep in found:
        rows = updates.get(dep.trip_id)
        if rows:
            dep.delay = delay_at(rows, dep.stop_id, dep.stop_sequence)
