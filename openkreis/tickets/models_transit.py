"""GTFS timetable data for the guest's day planning (docs/tickets.md "Planning a day").

Filled by the GTFS import (tickets/transit.py); the demo feed is tenants/harz/gtfs/ (demo
data, not the real timetable). One Feed row per feed key; a new version of the feed replaces
the previous one (all rows hang off the Feed and are deleted with it).

Times are seconds after midnight of the service day and may exceed 24 h (GTFS allows
"25:10:00" for a trip that started before midnight).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Feed",
    "Agency",
    "TransitStop",
    "TransitRoute",
    "Service",
    "ServiceException",
    "Trip",
    "StopTime",
    "Shape",
]


class Feed(models.Model):
    """One imported GTFS feed (e.g. "harz"); the import replaces it when the file changes."""

    key = models.SlugField(_("feed"), max_length=40, unique=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    version = models.CharField(_("version"), max_length=100, blank=True)
    sha256 = models.CharField(max_length=64)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    # GTFS-Realtime TripUpdates (delays); empty: timetable only
    realtime_url = models.URLField(blank=True, max_length=500)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("timetable feed")

    def __str__(self) -> str:
        return f"{self.key} {self.version}"


class Agency(models.Model):
    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="agencies")
    agency_id = models.CharField(max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(blank=True, max_length=500)
    timezone = models.CharField(max_length=60, default="Europe/Berlin")

    class Meta:
        verbose_name = _("transport company")
        constraints = [
            models.UniqueConstraint(fields=["feed", "agency_id"], name="tickets_agency_unique")
        ]

    def __str__(self) -> str:
        return self.name


class TransitStop(models.Model):
    """A bus stop (GTFS stops.txt)."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="stops")
    stop_id = models.CharField(max_length=100)
    name = models.CharField(_("stop"), max_length=200, db_index=True)
    lat = models.FloatField()
    lon = models.FloatField()
    parent_station = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("stop")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["feed", "stop_id"], name="tickets_stop_unique")
        ]

    def __str__(self) -> str:
        return self.name


class TransitRoute(models.Model):
    """A line (GTFS routes.txt)."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="routes")
    route_id = models.CharField(max_length=100)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="routes"
    )
    short_name = models.CharField(_("line"), max_length=50, blank=True)
    long_name = models.CharField(_("route"), max_length=200, blank=True)
    route_type = models.PositiveSmallIntegerField(default=3)  # 3 = bus
    color = models.CharField(max_length=6, blank=True)

    class Meta:
        verbose_name = _("line")
        ordering = ["short_name", "long_name"]
        constraints = [
            models.UniqueConstraint(fields=["feed", "route_id"], name="tickets_route_unique")
        ]

    def __str__(self) -> str:
        return self.short_name or self.long_name


class Service(models.Model):
    """Days of operation (GTFS calendar.txt; a service only in calendar_dates.txt has no
    weekdays and no date range)."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="services")
    service_id = models.CharField(max_length=100)
    monday = models.BooleanField(default=False)
    tuesday = models.BooleanField(default=False)
    wednesday = models.BooleanField(default=False)
    thursday = models.BooleanField(default=False)
    friday = models.BooleanField(default=False)
    saturday = models.BooleanField(default=False)
    sunday = models.BooleanField(default=False)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("service days")
        constraints = [
            models.UniqueConstraint(fields=["feed", "service_id"], name="tickets_service_unique")
        ]

    def __str__(self) -> str:
        return self.service_id


class ServiceException(models.Model):
    """GTFS calendar_dates.txt: a service added (1) or removed (2) on one date."""

    class Kind(models.IntegerChoices):
        ADDED = 1, _("added")
        REMOVED = 2, _("removed")

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField()
    kind = models.PositiveSmallIntegerField(choices=Kind.choices)

    class Meta:
        verbose_name = _("service exception")
        constraints = [
            models.UniqueConstraint(fields=["service", "date"], name="tickets_service_date")
        ]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.service_id} {self.date} {self.kind}"


class Trip(models.Model):
    """One journey of a line (GTFS trips.txt)."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="trips")
    trip_id = models.CharField(max_length=100)
    route = models.ForeignKey(TransitRoute, on_delete=models.CASCADE, related_name="trips")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="trips")
    headsign = models.CharField(_("destination"), max_length=200, blank=True)
    direction_id = models.PositiveSmallIntegerField(null=True, blank=True)
    shape_id = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("trip")
        constraints = [
            models.UniqueConstraint(fields=["feed", "trip_id"], name="tickets_trip_unique")
        ]

    def __str__(self) -> str:
        return self.trip_id


class StopTime(models.Model):
    """A trip's stop (GTFS stop_times.txt). Times in seconds after midnight, may be > 24 h."""

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="stop_times")
    stop = models.ForeignKey(TransitStop, on_delete=models.CASCADE, related_name="stop_times")
    stop_sequence = models.PositiveIntegerField()
    arrival = models.PositiveIntegerField(null=True, blank=True)
    departure = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("stop time")
        ordering = ["trip_id", "stop_sequence"]
        constraints = [
            models.UniqueConstraint(fields=["trip", "stop_sequence"], name="tickets_stoptime_seq")
        ]
        indexes = [models.Index(fields=["stop", "departure"])]

    def __str__(self) -> str:
        return f"{self.trip_id}#{self.stop_sequence}"


class Shape(models.Model):
    """A trip's course (GTFS shapes.txt, optional): the points as [[lat, lon], …]."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="shapes")
    shape_id = models.CharField(max_length=100)
    points = models.JSONField(default=list)

    class Meta:
        verbose_name = _("shape")
        constraints = [
            models.UniqueConstraint(fields=["feed", "shape_id"], name="tickets_shape_unique")
        ]

    def __str__(self) -> str:
        return self.shape_id
