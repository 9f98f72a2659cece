"""OZG-Radar, maturity self-assessment and the Musterkommune's rollout (issue 24, docs/radar.md).

The OZG maturity of a service is the catalogue's (`catalog.Service.maturity` with its model
version `maturity_model`): the radar does not keep a copy. It adds what the catalogue does not
know: the EfA offers for a service, the county's assessment and decision (one `RadarEntry`
per service, its changes in `RadarChange`, append-only), the CSV imports of EfA lists, the
organisations' maturity self-assessments and the rollout of lighthouse services per
municipality."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openkreis.catalog.models import Service
from openkreis.core.models import AppendOnlyError, Region


class EfaOffer(models.Model):
    """An "Einer für Alle" online service of the federation or a state that the county could
    adopt for one of its catalogue services."""

    class Status(models.TextChoices):
        AVAILABLE = "available", pgettext_lazy("EfA offer", "Available")
        PILOT = "pilot", pgettext_lazy("EfA offer", "Pilot")
        PLANNED = "planned", pgettext_lazy("EfA offer", "Planned")

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="efa_offers")
    name = models.CharField(_("name"), max_length=200)
    providing_state = models.CharField(_("providing state"), max_length=80)
    platform = models.CharField(_("platform"), max_length=120, blank=True)
    conditions = models.TextField(_("conditions and costs"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    url = models.URLField(_("link"), blank=True)
    source = models.CharField(max_length=20, default="county")  # "county" (yaml) or "import"
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "name", "providing_state"], name="radar_uniq_efa_offer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.providing_state})"


class RadarEntry(models.Model):
    """The county's assessment of one catalogue service and its decision."""

    class Benefit(models.TextChoices):
        LOW = "low", pgettext_lazy("radar rating", "Low")
        MEDIUM = "medium", pgettext_lazy("radar rating", "Medium")
        HIGH = "high", pgettext_lazy("radar rating", "High")

    class LegalFit(models.TextChoices):
        FITS = "fits", _("Fits our statutes and processes")
        CHANGES = "changes", _("Needs changes (statute, fees, forms)")
        UNCLEAR = "unclear", _("Not yet examined")

    class Decision(models.TextChoices):
        OPEN = "", _("No decision yet")
        ADOPT = "adopt", _("Adopt the EfA service")
        BUILD = "build", _("Build our own")
        WAIT = "wait", _("Wait")

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="radar")
    benefit = models.CharField(max_length=10, choices=Benefit.choices, blank=True)
    effort = models.CharField(max_length=10, choices=Benefit.choices, blank=True)
    legal_fit = models.CharField(max_length=10, choices=LegalFit.choices, default=LegalFit.UNCLEAR)
    note = models.TextField(blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    offer = models.ForeignKey(
        EfaOffer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner = models.CharField(max_length=200, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    go_live = models.DateField(null=True, blank=True)  # planned go-live
    review_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service__name"]
        indexes = [models.Index(fields=["decision"])]

    def __str__(self) -> str:
        return f"{self.service} · {self.decision or '-'}"


class RadarChange(models.Model):
    """One change of a radar entry: who, when, what (field → [before, after]). Append-only."""

    entry = models.ForeignKey(RadarEntry, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_by_name = models.CharField(max_length=150, blank=True)  # kept if the user goes
    kind = models.CharField(max_length=20)  # "assessment" or "decision"
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.kind} {self.changed_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Radar changes are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Radar changes are append-only.")


class EfaImport(models.Model):
    """An uploaded EfA list: the file's text until it is imported, the column mapping and
    the report."""

    class Status(models.TextChoices):
        MAPPING = "mapping", _("Waiting for the column mapping")
        DONE = "done", _("Imported")

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    delimiter = models.CharField(max_length=1, default=";")
    columns = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    report = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.MAPPING)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename


class MaturityModel(models.Model):
    """The county's maturity model for organisations (tenants/<slug>/radar/maturity.yaml):
    dimensions with questions, each answered on levels 1–4."""

    key = models.SlugField(unique=True)
    version = models.CharField(max_length=20)
    definition = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.key} {self.version}"


class AssessedOrganisation(models.Model):
    """A municipality, school, company or club that assesses its own digital maturity."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        SCHOOL = "school", _("School")
        COMPANY = "company", _("Company")
        CLUB = "club", _("Club")

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="maturity_orgs")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MaturityAssessment(models.Model):
    """One filled-in self-assessment: the answers (question id → level 1–4) and the scores
    computed from them when it was submitted."""

    organisation = models.ForeignKey(
        AssessedOrganisation, on_delete=models.CASCADE, related_name="assessments"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    model_version = models.CharField(max_length=20)
    answers = models.JSONField(default=dict)
    scores = models.JSONField(default=dict)  # dimension key → mean level
    overall = models.DecimalField(max_digits=3, decimal_places=2)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.overall}"


class RolloutSite(models.Model):
    """A municipality in the rollout of the lighthouse services; position 0 is the
    Musterkommune."""

    region = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="rollout_site")
    position = models.PositiveSmallIntegerField(default=0)
    is_model = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "region__name"]

    def __str__(self) -> str:
        return str(self.region_id)


class Rollout(models.Model):
    """Whether a lighthouse service is live in a municipality."""

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("rollout", "Planned")
        PILOT = "pilot", pgettext_lazy("rollout", "Pilot")
        LIVE = "live", pgettext_lazy("rollout", "Live")

    site = models.ForeignKey(RolloutSite, on_delete=models.CASCADE, related_name="rollouts")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service__name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "service"], name="radar_uniq_rollout")
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.service_id} {self.status}"
