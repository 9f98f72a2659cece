"""Kapazitätsfinder (issue 18): Kitas with their groups and free places (county data and the
Kitas' own reports), the parents' applications with ranked wishes, allocation rounds and
offers. Doctor slots and holiday rooms follow (docs/capacity.md).

Children's data is minimised: a first name and the birth date (for the age group), the
parent's account, the criteria the parents claim; nothing else. Deleted after the retention
time (docs/capacity.md).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openkreis.core.models import OrgUnit, Region


class AgeGroup(models.TextChoices):
    KRIPPE = "krippe", _("Crèche (0–3 years)")
    KINDERGARTEN = "kindergarten", _("Kindergarten (3 years to school)")
    HORT = "hort", _("After-school care (Hort)")


def age_group_at(birth_date: dt.date, month: dt.date) -> str:
    """The age group a child belongs to at the start of `month`: under 3 → Krippe; from 3
    until the school year after the sixth birthday (1 August) → Kindergarten; then Hort."""
    years = month.year - birth_date.year - ((month.month, 1) < (birth_date.month, birth_date.day))
    if years < 3:
        return AgeGroup.KRIPPE
    school_start = dt.date(
        birth_date.year + 6 + (birth_date > dt.date(birth_date.year, 6, 30)), 8, 1
    )
    return AgeGroup.KINDERGARTEN if month < school_start else AgeGroup.HORT


class Kita(models.Model):
    """A day-care centre (county data, tenants/<slug>/capacity.yaml)."""

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    provider = models.CharField(_("provider (Träger)"), max_length=200, blank=True)
    municipality = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="kitas", verbose_name=_("municipality")
    )
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    town = models.CharField(_("town"), max_length=100, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    max_hours = models.PositiveSmallIntegerField(
        _("longest care per day (hours)"), default=10, help_text=_("Hours per day at most")
    )
    concept = models.TextField(_("concept"), blank=True)
    languages = models.CharField(_("languages"), max_length=200, blank=True)
    inclusion = models.BooleanField(_("inclusive care"), default=False)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    url = models.URLField(blank=True)
    active = models.BooleanField(default=True)
    unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kitas",
        help_text=_("The Kita's own staff are members of this unit (role kita_staff)"),
    )

    class Meta:
        ordering = ["municipality__name", "name"]
        verbose_name = _("Kita")
        verbose_name_plural = _("Kitas")

    def __str__(self) -> str:
        return self.name


@receiver([post_save, post_delete], sender=Kita)
def forget_search_municipalities(sender=None, **kwargs) -> None:
    """The search's cached list of municipalities with Kitas (services.search_municipalities)
    is stale once a Kita changes."""
    cache.delete(f"capacity:search-municipalities:{settings.OPENKREIS_TENANT}")


class KitaGroup(models.Model):
    """An age group of a Kita with its licensed places."""

    kita = models.ForeignKey(Kita, on_delete=models.CASCADE, related_name="groups")
    age_group = models.CharField(max_length=20, choices=AgeGroup.choices)
    places = models.PositiveIntegerField(_("licensed places"))

    class Meta:
        ordering = ["kita", "age_group"]
        constraints = [
            models.UniqueConstraint(fields=["kita", "age_group"], name="uniq_kita_age_group")
        ]

    def __str__(self) -> str:
        return f"{self.kita} – {self.get_age_group_display()}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # the free-places rows carry the age group for the search's index (FreePlaces.save)
        FreePlaces.objects.filter(group=self).exclude(age_group=self.age_group).update(
            age_group=self.age_group
        )


class FreePlaces(models.Model):
    """Places of a group free from a start month on (reported by the Kita or the
    municipality; the allocation uses them as the capacity of the pool group × month)."""

    group = models.ForeignKey(KitaGroup, on_delete=models.CASCADE, related_name="free_places")
    # the group's age group, copied on save (and by KitaGroup.save): the free-place search
    # reads one age group's rows of three months through the index `free_places_age_search`
    # without joining the groups first (docs/capacity.md)
    age_group = models.CharField(max_length=20, choices=AgeGroup.choices, editable=False)
    month = models.DateField(help_text=_("First day of the start month"))
    free = models.PositiveIntegerField()
    reported_at = models.DateTimeField(default=timezone.now)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["month", "group"]
        constraints = [
            models.UniqueConstraint(fields=["group", "month"], name="uniq_free_places_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="free_places_first_of_month"),
        ]
        indexes = [
            models.Index(fields=["month", "free"], name="free_places_search"),
            # PostgreSQL: an index-only scan of the rows with free places (SQLite ignores
            # INCLUDE and keeps the condition)
            models.Index(
                fields=["age_group", "month"],
                include=["free", "group"],
                condition=Q(free__gt=0),
                name="free_places_age_search",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.free} ab {self.month:%m/%Y}"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "group" in update_fields:
            self.age_group = self.group.age_group
        super().save(*args, **kwargs)


class Rules(models.Model):
    """Priority points of one municipality's Kitas (county data); `region` empty = the
    county's default. Criteria: residence, sibling, hardship, single_parent,
    working_parents (docs/capacity.md)."""

    region = models.OneToOneField(
        Region, null=True, blank=True, on_delete=models.CASCADE, related_name="kita_rules"
    )
    points = models.JSONField(default=dict)
    # the county's settings (on the default row only)
    max_wishes = models.PositiveSmallIntegerField(default=5)
    offer_days = models.PositiveSmallIntegerField(default=14)
    retention_days = models.PositiveIntegerField(default=730)

    class Meta:
        verbose_name = _("priority rules")
        verbose_name_plural = _("priority rules")

    def __str__(self) -> str:
        return self.region.name if self.region_id else "default"


class PlaceAlert(models.Model):
    """A parent asks to be told when places free up (age group, optionally one
    municipality); sent at most once a day, removed with the account or on request."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kita_alerts"
    )
    age_group = models.CharField(max_length=20, choices=AgeGroup.choices)
    municipality = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "age_group", "municipality"], name="uniq_kita_alert"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.age_group}"


class Child(models.Model):
    """A child of a parent's account: only what the allocation needs."""

    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kita_children"
    )
    first_name = models.CharField(_("first name"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
    municipality = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("place of residence")
    )
    siblings_at = models.ManyToManyField(
        Kita, blank=True, related_name="+", verbose_name=_("a sibling attends")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["birth_date", "id"]

    def __str__(self) -> str:
        return self.first_name


class Application(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("kita application", "Submitted")
        OFFERED = "offered", pgettext_lazy("kita application", "Place offered")
        PLACED = "placed", pgettext_lazy("kita application", "Place accepted")
        WITHDRAWN = "withdrawn", pgettext_lazy("kita application", "Withdrawn")

    ACTIVE = (Status.SUBMITTED, Status.OFFERED)

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="applications")
    start_month = models.DateField(_("desired start"))
    hours = models.PositiveSmallIntegerField(_("hours of care per day"))
    flags = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    applied_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["applied_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(status__in=["submitted", "offered"]),
                name="one_active_kita_application_per_child",
            ),
            models.CheckConstraint(
                condition=Q(start_month__day=1), name="application_first_of_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child} ab {self.start_month:%m/%Y}"

    @property
    def age_group(self) -> str:
        return age_group_at(self.child.birth_date, self.start_month)


class Wish(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="wishes")
    rank = models.PositiveSmallIntegerField()
    kita = models.ForeignKey(Kita, on_delete=models.PROTECT, related_name="wishes")

    class Meta:
        ordering = ["application", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["application", "rank"], name="uniq_wish_rank"),
            models.UniqueConstraint(fields=["application", "kita"], name="uniq_wish_kita"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.kita}"


class Round(models.Model):
    """One allocation run: its seed (the lottery can be repeated), who started it, what came
    out (counts only)."""

    seed = models.BigIntegerField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Runde {self.pk} ({self.started_at:%d.%m.%Y})"


class Offer(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("kita offer", "Waiting for your answer")
        ACCEPTED = "accepted", pgettext_lazy("kita offer", "Accepted")
        DECLINED = "declined", pgettext_lazy("kita offer", "Declined")
        EXPIRED = "expired", pgettext_lazy("kita offer", "Expired")
        WITHDRAWN = "withdrawn", pgettext_lazy("kita offer", "Withdrawn")

    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.PROTECT, related_name="offers"
    )
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="offers")
    group = models.ForeignKey(KitaGroup, on_delete=models.PROTECT, related_name="offers")
    month = models.DateField()
    wish_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    deadline = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    lottery_number = models.PositiveIntegerField(null=True, blank=True)
    points = models.IntegerField(default=0)
    explanation = models.JSONField(default=list, blank=True)
    override_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status="open"),
                name="one_open_offer_per_application",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application}: {self.group}"


from .models_providers import *  # noqa: E402,F401,F403 (doctor slots, holiday rooms)
