"""The service catalogue (Leistungen), life events and competences (Zuständigkeiten)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from openkreis.core.models import Location, OrgUnit, Region, Tenant


class OzgTopic(models.TextChoices):
    """The 14 OZG Themenfelder (federal, the same for every county)."""

    ARBEIT_RUHESTAND = "arbeit-ruhestand", _("Work & retirement")
    BAUEN_WOHNEN = "bauen-wohnen", _("Building & housing")
    BILDUNG = "bildung", _("Education")
    EIN_AUSWANDERUNG = "ein-auswanderung", _("Immigration & emigration")
    ENGAGEMENT_HOBBY = "engagement-hobby", _("Volunteering & hobbies")
    FAMILIE_KIND = "familie-kind", _("Family & children")
    FORSCHUNG_FOERDERUNG = "forschung-foerderung", _("Research & funding")
    GESUNDHEIT = "gesundheit", _("Health")
    MOBILITAET_REISEN = "mobilitaet-reisen", _("Mobility & travel")
    QUERSCHNITT = "querschnitt", _("Cross-cutting")
    RECHT_ORDNUNG = "recht-ordnung", _("Law & order")
    STEUERN_ZOLL = "steuern-zoll", _("Taxes & customs")
    UMWELT = "umwelt", _("Environment")
    UNTERNEHMENSFUEHRUNG = "unternehmensfuehrung", _("Running a business")


# The language the county writes its catalogue (and its editorial pages) in.
CONTENT_LANGUAGE = "de"


class Translated:
    """Name and summary in the active language: English where filled, else German."""

    def _translated(self, field: str) -> str:
        if (get_language() or "de").startswith("en"):
            value = getattr(self, f"{field}_en", "")
            if value:
                return value
        return getattr(self, field)

    def lang_of(self, field: str) -> str:
        """The language of the shown `field` where it differs from the page's ("de" on an
        English page without `<field>_en`), else "" (WCAG 3.1.2, language of parts)."""
        language = get_language() or CONTENT_LANGUAGE
        if language.startswith(CONTENT_LANGUAGE):
            return ""
        if language.startswith("en") and getattr(self, f"{field}_en", ""):
            return ""
        return CONTENT_LANGUAGE

    @property
    def display_name(self) -> str:
        return self._translated("name")

    @property
    def display_summary(self) -> str:
        return self._translated("summary")


class LifeEvent(Translated, models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="life_events")
    slug = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    summary_en = models.TextField(blank=True)
    icon = models.SlugField(max_length=40, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="uniq_life_event_slug")
        ]

    def __str__(self) -> str:
        return self.name


class Service(Translated, models.Model):
    """A Verwaltungsleistung as this county offers it."""

    class Level(models.TextChoices):
        STATE = "state", _("State")
        COUNTY = "county", _("County")
        MUNICIPALITY = "municipality", _("Municipality")
        # Residents look for it here, but another authority decides (Kindergeld: the
        # Familienkasse). The service says who (`external`) and has no competence rows.
        EXTERNAL = "external", _("Another authority")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="services")
    slug = models.SlugField(max_length=120)
    leika_key = models.CharField(max_length=14, blank=True, db_index=True)
    name = models.CharField(max_length=250)
    name_en = models.CharField(max_length=250, blank=True)
    summary = models.TextField()
    summary_en = models.TextField(blank=True)
    description = models.TextField(blank=True)
    for_citizens = models.BooleanField(default=True)
    for_companies = models.BooleanField(default=False)
    ozg_topic = models.CharField(max_length=40, choices=OzgTopic.choices, db_index=True)
    life_events = models.ManyToManyField(LifeEvent, blank=True, related_name="services")
    who_may_apply = models.TextField(blank=True)
    documents = models.JSONField(default=list, blank=True)
    fees = models.TextField(blank=True)
    fee_min = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    fee_max = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    processing_time = models.CharField(max_length=200, blank=True)
    processing_days = models.PositiveIntegerField(null=True, blank=True)
    legal_basis = models.JSONField(default=list, blank=True)
    maturity = models.PositiveSmallIntegerField(default=1)
    maturity_model = models.CharField(
        max_length=10, default="1.0", help_text=_("OZG maturity model version (1.0: 0–4, 2.0: 0–7)")
    )
    online_url = models.URLField(blank=True)
    appointment = models.BooleanField(default=False)
    efa = models.JSONField(null=True, blank=True)
    # For level "external": {"name": …, "article": "die"|"der"|"das"|"", "url": "https://…"}.
    external = models.JSONField(null=True, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    level = models.CharField(max_length=20, choices=Level.choices)
    popularity = models.PositiveSmallIntegerField(default=10)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="uniq_service_slug"),
            models.CheckConstraint(
                condition=models.Q(maturity__lte=7), name="service_maturity_range"
            ),
            # Another authority's service: says who, and the county offers no online
            # application and no appointment for it.
            models.CheckConstraint(
                condition=(
                    models.Q(level="external", external__isnull=False, online_url="")
                    & models.Q(appointment=False)
                )
                | (~models.Q(level="external") & models.Q(external__isnull=True)),
                name="service_external_authority",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "-popularity"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_online(self) -> bool:
        return bool(self.online_url) and self.maturity >= 3

    @property
    def is_external(self) -> bool:
        """Another authority is responsible (Kindergeld → Familienkasse), not the county."""
        return self.level == self.Level.EXTERNAL

    @property
    def external_name(self) -> str:
        return (self.external or {}).get("name", "")

    @property
    def external_url(self) -> str:
        return (self.external or {}).get("url", "")

    @property
    def external_authority(self) -> str:
        """The authority as a German sentence names it ("die Familienkasse der …"); the
        name alone in English, where a German article would be out of place."""
        article = (self.external or {}).get("article", "")
        if (get_language() or "de").startswith("en"):
            article = ""
        return f"{article} {self.external_name}".strip()


class Competence(models.Model):
    """Zuständigkeit: for this service in this region, this org unit is responsible."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="competences")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="competences")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="competences")
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "region"], name="uniq_competence")
        ]

    def __str__(self) -> str:
        return f"{self.service} / {self.region} → {self.org_unit}"


class SearchSynonym(models.Model):
    """A group of words people use for the same thing (Führerschein = Fahrerlaubnis)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="synonyms")
    terms = models.JSONField()

    def __str__(self) -> str:
        return " = ".join(self.terms)


class SearchTerm(models.Model):
    """A word of a full-text collection's documents (catalog.fulltext): the vocabulary that
    typo-tolerant and compound-word queries are matched against (on PostgreSQL with a trigram
    index), so a misspelt word finds the right one without scanning a million documents."""

    collection = models.CharField(max_length=40)
    term = models.CharField(max_length=100)  # lower case, as written (umlauts kept)
    documents = models.PositiveIntegerField(default=0)  # how many documents have it (≈)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["collection", "term"], name="search_term_once")
        ]

    def __str__(self) -> str:
        return f"{self.collection}: {self.term}"
