"""Harz-Kompass (issue 21, docs/directory.md): places, their opening times, hiking routes, and
what residents searched for without finding it.

Places and routes are public information about facilities (no personal data). Categories come
from county data (tenants/<slug>/directory.yaml), as does the mapping of OSM tags to them.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openkreis.core.models import Region


class Category(models.Model):
    """A kind of place (Grundschule, Hausarztpraxis, Freibad, Museum, Bürgerbüro, …) in a
    group (education, health, leisure, culture, sports, offices, …)."""

    class Group(models.TextChoices):
        EDUCATION = "education", pgettext_lazy("place group", "Education")
        HEALTH = "health", pgettext_lazy("place group", "Health")
        LEISURE = "leisure", pgettext_lazy("place group", "Leisure")
        CULTURE = "culture", pgettext_lazy("place group", "Culture")
        SPORTS = "sports", pgettext_lazy("place group", "Sports")
        OFFICES = "offices", pgettext_lazy("place group", "Public offices")
        MOBILITY = "mobility", pgettext_lazy("place group", "Mobility")
        SOCIAL = "social", pgettext_lazy("place group", "Social services")
        SHOPPING = "shopping", pgettext_lazy("place group", "Shops, food and crafts")

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)  # German
    name_en = models.CharField(max_length=120, blank=True)
    group = models.CharField(max_length=20, choices=Group.choices, db_index=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["group", "order", "name"]

    def __str__(self) -> str:
        return self.name


class Place(models.Model):
    """A facility on the map. `source` + `source_ref` identify it in the data it came from
    (an OSM element "node/123", a CSV row's id), so a second import updates instead of
    duplicating; places an editor entered have source "manual"."""

    class Wheelchair(models.TextChoices):
        YES = "yes", pgettext_lazy("wheelchair access", "Accessible")
        LIMITED = "limited", pgettext_lazy("wheelchair access", "Partly accessible")
        NO = "no", pgettext_lazy("wheelchair access", "Not accessible")
        UNKNOWN = "unknown", pgettext_lazy("wheelchair access", "Not known")

    class Source(models.TextChoices):
        MANUAL = "manual", pgettext_lazy("place source", "Entered by the county")
        CSV = "csv", "CSV"
        GEOJSON = "geojson", "GeoJSON"
        OSM = "osm", "OpenStreetMap"

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="places")
    description = models.TextField(_("description"), blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    town = models.CharField(_("town"), max_length=100, blank=True)
    municipality = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="places"
    )
    lat = models.FloatField()
    lon = models.FloatField()
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    # the OSM opening_hours syntax ("Mo-Fr 08:00-16:00; PH off"); empty: not known
    opening_hours = models.CharField(_("opening hours"), max_length=500, blank=True)
    wheelchair = models.CharField(
        max_length=10, choices=Wheelchair.choices, default=Wheelchair.UNKNOWN
    )
    toilet_wheelchair = models.BooleanField(null=True, blank=True)
    parking_wheelchair = models.BooleanField(null=True, blank=True)
    languages = models.JSONField(default=list, blank=True)  # ISO 639-1 codes: ["de", "en"]
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    source_ref = models.CharField(max_length=100, blank=True)
    published = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["lat", "lon"], name="place_position"),
            models.Index(fields=["category", "published"], name="place_category"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"],
                condition=~models.Q(source_ref=""),
                name="place_one_per_source_ref",
            )
        ]

    def __str__(self) -> str:
        return self.name


# The fields of a place that the editor's form and every import set (one list for both).
PLACE_FIELDS = (
    "name",
    "category",
    "description",
    "street",
    "postcode",
    "town",
    "municipality",
    "lat",
    "lon",
    "phone",
    "email",
    "website",
    "opening_hours",
    "wheelchair",
    "toilet_wheelchair",
    "parking_wheelchair",
    "languages",
)


class PlacePhoto(models.Model):
    """A photo of a place (re-encoded without EXIF by core.images), with its alt text and
    credit (licence and author, as the source requires)."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="directory/photos/")
    alt = models.CharField(_("description of the photo"), max_length=200)
    credit = models.CharField(_("credit"), max_length=200, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.alt


class OpenInterval(models.Model):
    """When a place is open, expanded from its opening_hours for the next days (holidays of
    the county's Land included), so "open now" is one indexed query for every place instead
    of evaluating 50,000 expressions. Rebuilt when a place is saved and nightly."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="open_intervals")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="open_interval_time")]

    def __str__(self) -> str:
        return f"{self.place_id}: {self.starts_at}–{self.ends_at}"


class Route(models.Model):
    """A hiking route from a GPX file: the track (simplified) and the figures computed from it."""

    class Difficulty(models.TextChoices):
        EASY = "easy", pgettext_lazy("route difficulty", "Easy")
        MEDIUM = "medium", pgettext_lazy("route difficulty", "Medium")
        HARD = "hard", pgettext_lazy("route difficulty", "Difficult")

    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    gpx = models.TextField()  # the file as imported (for the download)
    municipality = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="routes"
    )
    length_m = models.PositiveIntegerField(default=0)
    ascent_m = models.PositiveIntegerField(default=0)
    descent_m = models.PositiveIntegerField(default=0)
    min_ele_m = models.IntegerField(null=True, blank=True)
    max_ele_m = models.IntegerField(null=True, blank=True)
    walking_minutes = models.PositiveIntegerField(default=0)  # DIN 33466
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices, default="medium")
    start_lat = models.FloatField()
    start_lon = models.FloatField()
    end_lat = models.FloatField()
    end_lon = models.FloatField()
    # [[lat, lon, ele|null, metres from the start], …], simplified for the map and profile
    track = models.JSONField(default=list)
    published = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MissedSearch(models.Model):
    """A search that found nothing, counted per normalised query and day, for the editors
    ("what do people look for that we do not have?"). No person, no address: the words only,
    cut to 100 characters, deleted after the retention period."""

    query = models.CharField(max_length=100)
    day = models.DateField()
    count = models.PositiveIntegerField(default=1)
    done = models.BooleanField(default=False)  # an editor dealt with it

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["query", "day"], name="missed_search_per_day")
        ]
        ordering = ["-day", "-count"]

    def __str__(self) -> str:
        return f"{self.query} ({self.day}: {self.count})"
