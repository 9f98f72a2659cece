"""Regions, organisations, org units, locations and the append-only event log."""

from __future__ import annotations

import math

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .fields import StoredJSONField


class Region(models.Model):
    """A territory with official keys (AGS 8 digits, ARS 12 digits)."""

    class Kind(models.TextChoices):
        STATE = "state", _("State (Land)")
        COUNTY = "county", _("County (Landkreis)")
        VERBANDSGEMEINDE = "verbandsgemeinde", _("Verbandsgemeinde")
        MUNICIPALITY = "municipality", _("Municipality")

    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    name = models.CharField(max_length=200)
    ags = models.CharField(
        max_length=8, blank=True, db_index=True, help_text=_("Amtlicher Gemeindeschlüssel")
    )
    ars = models.CharField(max_length=12, unique=True, help_text=_("Regionalschlüssel"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    municipality_kind = models.CharField(max_length=100, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    population_date = models.DateField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    source = models.TextField(blank=True, help_text=_("Where the values came from"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    def ancestors_and_self(self) -> list[Region]:
        """This region first, then its parents up to the state."""
        chain, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    def county(self) -> Region | None:
        for region in self.ancestors_and_self():
            if region.kind == Region.Kind.COUNTY:
                return region
        return None


class RegionPostcode(models.Model):
    """A postcode (PLZ) used in a region; one postcode can span several municipalities."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="postcodes")
    code = models.CharField(max_length=5, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region", "code"], name="uniq_region_postcode")
        ]
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.region.name}"


class Organisation(models.Model):
    """An authority: a county administration, a municipality's administration, a state office."""

    class Kind(models.TextChoices):
        STATE_AUTHORITY = "state_authority", _("State authority")
        COUNTY_ADMINISTRATION = "county_administration", _("County administration")
        VERBANDSGEMEINDE_ADMINISTRATION = (
            "verbandsgemeinde_administration",
            _("Verbandsgemeinde administration"),
        )
        MUNICIPAL_ADMINISTRATION = "municipal_administration", _("Municipal administration")
        OTHER = "other", _("Other public body")

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=250)
    short_name = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organisations")
    website = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=60, blank=True)
    source = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.short_name or self.name


class Location(models.Model):
    """A building where people can visit an organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="locations"
    )
    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    street = models.CharField(max_length=200)
    postcode = models.CharField(max_length=5)
    city = models.CharField(max_length=120)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    phone = models.CharField(max_length=60, blank=True)
    email = models.EmailField(blank=True)
    accessibility = models.TextField(blank=True)
    hours_note = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return self.name

    def distance_km(self, lat: float | None, lon: float | None) -> float:
        """Great-circle distance to a point; infinite when either side has no coordinates."""
        if None in (lat, lon, self.lat, self.lon):
            return math.inf
        p1, p2 = math.radians(self.lat), math.radians(lat)
        dp, dl = p2 - p1, math.radians(lon - self.lon)
        a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return 2 * 6371.0 * math.asin(math.sqrt(a))


class OpeningHours(models.Model):
    """One opening interval of a location on one weekday (0 = Monday)."""

    WEEKDAYS = [
        (0, _("Monday")),
        (1, _("Tuesday")),
        (2, _("Wednesday")),
        (3, _("Thursday")),
        (4, _("Friday")),
        (5, _("Saturday")),
        (6, _("Sunday")),
    ]
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="hours_close_after_open"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="hours_valid_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class OrgUnit(models.Model):
    """A department or team (Dezernat, Amt, Fachbereich, Sachgebiet) inside an organisation."""

    class Kind(models.TextChoices):
        DEZERNAT = "dezernat", _("Dezernat")
        AMT = "amt", _("Amt")
        FACHBEREICH = "fachbereich", _("Fachbereich")
        SACHGEBIET = "sachgebiet", _("Sachgebiet")
        STABSSTELLE = "stabsstelle", _("Stabsstelle")
        TEAM = "team", _("Team")
        OFFICE = "office", _("Office")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="units")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    key = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=250)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SACHGEBIET)
    role = models.SlugField(
        max_length=60, blank=True, db_index=True, help_text=_("Standard role, e.g. buergerbuero")
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=60, blank=True)
    locations = models.ManyToManyField(Location, blank=True, related_name="units")

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    def contact_email(self) -> str:
        return self.email or self.organisation.email

    def contact_phone(self) -> str:
        return self.phone or self.organisation.phone

    def visitor_locations(self) -> list[Location]:
        """Where this unit receives visitors: its own, else its organisation's locations."""
        own = list(self.locations.all())
        return own or list(self.organisation.locations.all())


class Tenant(models.Model):
    """A county running openkreis: its region, its administration, its data folder."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="tenant")
    administration = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    website = models.URLField(blank=True)
    seat = models.CharField(max_length=120, blank=True)

    def __str__(self) -> str:
        return self.name


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an event."""


class Event(models.Model):
    """One step anywhere in the system, for the cockpit. Never holds personal data."""

    kind = models.CharField(max_length=80, db_index=True)
    occurred_at = models.DateTimeField(db_index=True)
    tenant = models.SlugField(max_length=60, blank=True, db_index=True)
    subject = models.CharField(max_length=120, blank=True, help_text=_("Opaque id, e.g. case:42"))
    # the JSON text as written (`json` on PostgreSQL, not `jsonb`): the cockpit's full
    # recompute reads every event's data back as text (core.fields.StoredJSONField)
    data = StoredJSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["kind", "occurred_at"]),
            # one case's events (the cockpit folds a case again when an event comes late)
            models.Index(fields=["subject", "id"], name="core_event_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Events are append-only.")


class StaffMembership(models.Model):
    """A staff member's role in one org unit. Rights follow the unit: a caseworker sees the
    cases of the units they are a member of (and their sub-units), nothing else."""

    class Role(models.TextChoices):
        CASEWORKER = "caseworker", _("Caseworker")
        TEAM_LEAD = "team_lead", _("Team lead")
        MAIL_ROOM = "mail_room", _("Mail room")
        FRONT_DESK = "front_desk", _("Front desk / counter")
        AUDITOR = "auditor", _("Auditor")
        MANAGER = "manager", _("Management (cockpit)")
        # the Mängelmelder's back office only (road and waste units: no eAkte desk)
        REPORT_OFFICER = "report_officer", pgettext_lazy("staff role", "Defect reports")
        # the Kapazitätsfinder: a Kita's own staff (free places of their Kita) and the
        # Kita coordination of a municipality or the county (rounds, overrides)
        KITA_STAFF = "kita_staff", pgettext_lazy("staff role", "Kita staff")
        KITA_COORDINATOR = "kita_coordinator", pgettext_lazy("staff role", "Kita coordination")
        # HATIX and HarzCard: the bus company's inspectors and drivers, an attraction's desk,
        # the county's guest-levy office (stays, statements, revocation, keys)
        TICKET_INSPECTOR = "ticket_inspector", pgettext_lazy("staff role", "Ticket inspection")
        ATTRACTION_STAFF = "attraction_staff", pgettext_lazy("staff role", "HarzCard attraction")
        TICKET_OFFICE = "ticket_office", pgettext_lazy("staff role", "Guest levy office")
        # Beteiligung: who writes surveys (of their unit: the county's or a municipality's),
        # who moderates proposals and writes the county's official answers
        SURVEY_EDITOR = "survey_editor", pgettext_lazy("staff role", "Surveys")
        PROPOSAL_MODERATOR = (
            "proposal_moderator",
            pgettext_lazy("staff role", "Proposal moderation"),
        )
        # Harz-Kompass: who keeps places, routes and education offers; Bildung & Arbeit: who
        # moderates employers' job postings, the Jobcenter (KoBa) staff posting its offers
        DIRECTORY_EDITOR = "directory_editor", pgettext_lazy("staff role", "Harz-Kompass")
        JOB_MODERATOR = "job_moderator", pgettext_lazy("staff role", "Job board moderation")
        JOBCENTER = "jobcenter", pgettext_lazy("staff role", "Jobcenter")
        RETAIL_OFFICE = "retail_office", pgettext_lazy("staff role", "Local shopping portal")
        LEARNING_OFFICE = "learning_office", pgettext_lazy("staff role", "Digital driving licence")
        # the OZG programme office: OZG-Radar, projects, Gestaltungskreise (issue 24)
        PROGRAMME_OFFICE = "programme_office", pgettext_lazy("staff role", "OZG programme office")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "org_unit", "role"], name="uniq_staff_membership"
            )
        ]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.org_unit.name}"


class CacheEntry(models.Model):
    """The table of Django's database cache (`DatabaseCache`, location "openkreis_cache").

    Production without Redis uses it so that every worker process shares one cache: used
    TOTP codes and rate limits must hold across processes (issue 16 F4). A model instead
    of `createcachetable` so that `migrate` always creates it, whatever the settings."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "openkreis_cache"
        verbose_name = "cache entry"

    def __str__(self) -> str:
        return self.cache_key
