"""Data and invariants of the cockpit app.

Everything here is derived from the core event log and can be rebuilt from it
(`manage.py cockpit_recompute`): per-case facts, daily aggregates, and the high-water
mark of the incremental update. Alert rules, subscriptions and import batches are the
cockpit's own data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openkreis.core.fields import StoredJSONField


class Cursor(models.Model):
    """How far the incremental update has read the event log (highest event id)."""

    name = models.SlugField(max_length=40, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    # ids below last_event_id not seen yet ({id: when first missed, epoch}): an event whose
    # transaction commits after a later one's (sequence order is not commit order)
    gaps = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"


class RecomputeMark(models.Model):
    """Written by each full recompute, in its transaction and with the persistence of the
    tables it writes (bulk.empty_derived). PostgreSQL empties unlogged tables when it comes
    back from a crash, and a restored base backup has them empty, this one with them, while
    the cursor (logged) still says how far they had read: a refresh that finds unlogged
    tables, an advanced cursor and no mark builds everything again (aggregates.refresh)."""

    last_event_id = models.BigIntegerField(default=0)
    at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"recompute @ {self.last_event_id}"


class TextJSONField(StoredJSONField):
    """A JSONField kept as plain text on PostgreSQL, for values that are only ever stored and
    read back whole: PostgreSQL keeps the text as it comes, instead of converting it to its
    binary form on the way in and back to text on the way out (`jsonb`), or parsing it to
    check its syntax (`json`). For the facts' `steps`, `edges` and `fold` (issue 26: COPY of
    300,000 rows of them 3.2 → 1.45 s as `json` instead of `jsonb`; a million facts 10.7 →
    8.7 s as `text` instead of `json`). The text is always written by our code (`json.dumps`
    here, the recompute's compiled writer there), never by a person. JSON lookups read the
    text as jsonb (core.fields.StoredJSONField); none is used on the facts. Going back to a
    JSONField needs a written migration (`USING …::jsonb`, as 0011 and 0013 are). Elsewhere
    (SQLite) a plain JSONField, which is text there."""

    pg_type = "text"


class KeyField(models.CharField):
    """A CharField of keys (file numbers, service and unit keys, channels), compared byte by
    byte on PostgreSQL (`COLLATE "C"`) and as before elsewhere. No one reads these as words:
    no page sorts by them (the labels are sorted), and equality is the same under every
    deterministic collation. "C" lets PostgreSQL compare with `memcmp` and abbreviated keys
    instead of the locale's `strcoll`: the full recompute builds the facts' indexes again
    over a million rows each night (docs/scaling.md, "Cockpit recompute", ninth round)."""

    def db_parameters(self, connection):
        parameters = super().db_parameters(connection)
        if connection.vendor == "postgresql" and not self.db_collation:
            parameters["collation"] = "C"
        return parameters


class CaseFact(models.Model):
    """One row per case subject, folded from all its events (see engine.fold_case)."""

    subject = KeyField(max_length=120, unique=True)
    service = KeyField(max_length=120)  # indexed with the procedure (Meta)
    org_unit = KeyField(max_length=120)  # likewise
    # no index of their own on the channel, the times or the target: no query of the facts
    # asks for them without a service, a unit or "open" (the indexes below), and each index
    # costs the nightly recompute its build and every refresh its upkeep (issue 26)
    channel = KeyField(max_length=20)
    procedure = KeyField(max_length=120, blank=True)
    source = models.CharField(max_length=60, blank=True)  # prefix index below (imports)
    received_at = models.DateTimeField()
    received_day = models.DateField(db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)  # see cockpit_fact_open
    decided_day = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)
    target_at = models.DateTimeField(null=True, blank=True)
    on_time = models.BooleanField(null=True)
    lead_seconds = models.BigIntegerField(null=True, blank=True)
    waiting_seconds = models.BigIntegerField(default=0)
    applicant_seconds = models.BigIntegerField(default=0)
    processing_seconds = models.BigIntegerField(default=0)
    complete = models.BooleanField(null=True)
    requests = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=60, blank=True)
    state_kind = models.CharField(max_length=20, blank=True)
    last_event_at = models.DateTimeField()
    steps = TextJSONField(default=dict, blank=True)  # state -> [kind, seconds, visits]
    edges = TextJSONField(default=dict, blank=True)  # "from>to" -> [count, seconds]
    # the exact (float) state of the fold, so that the incremental update goes on from it
    fold = TextJSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            # a service's (a unit's) cases, and the few procedures among them one index probe
            # each (read.procedures_of) instead of reading 100,000s of rows for a DISTINCT
            models.Index(fields=["service", "procedure"], name="cockpit_fact_service"),
            models.Index(fields=["org_unit", "procedure"], name="cockpit_fact_unit"),
            models.Index(fields=["decided_at", "service"], name="cockpit_fact_open"),
            # the imported cases (source "import:…"): LIKE 'import:%' needs the pattern
            # operator class on PostgreSQL; no query compares the source as a whole
            models.Index(
                fields=["source"], name="cockpit_fact_source", opclasses=["varchar_pattern_ops"]
            ),
            # the backlog "now" (read.backlog_now): only the open cases, with what it counts
            models.Index(
                fields=["service", "org_unit", "channel", "target_at", "received_at"],
                condition=models.Q(decided_at__isnull=True),
                name="cockpit_fact_backlog",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class CaseStat(models.Model):
    """Case figures of one service × org unit × channel over a span of days (a day or a
    month, in the subclass). Received-side counters (received, complete, first-time-right,
    requests, reopened) count on the day of receipt; decided-side ones (decided, lead time,
    deadline, waiting/processing) on the decision day. Histograms are {whole hours: cases}
    (lead time) so medians and p90 come from aggregates, to the hour (a lead time below two
    days is shown in hours)."""

    service = models.CharField(max_length=120)
    org_unit = models.CharField(max_length=120)
    channel = models.CharField(max_length=20)
    received = models.IntegerField(default=0)
    complete_known = models.IntegerField(default=0)
    first_time_right = models.IntegerField(default=0)
    with_requests = models.IntegerField(default=0)
    repeated_requests = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    decided = models.IntegerField(default=0)
    with_target = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    lead_seconds = models.BigIntegerField(default=0)
    waiting_seconds = models.BigIntegerField(default=0)
    applicant_seconds = models.BigIntegerField(default=0)
    processing_seconds = models.BigIntegerField(default=0)
    lead_hist = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class DailyCaseStat(CaseStat):
    """Case figures per Berlin day × service × org unit × channel (see CaseStat)."""

    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "service", "org_unit", "channel"], name="uniq_cockpit_daily"
            )
        ]
        indexes = [models.Index(fields=["service", "day"], name="cockpit_daily_service")]

    def __str__(self) -> str:
        return f"{self.day} {self.service} {self.org_unit} {self.channel}"


class MonthlyCaseStat(CaseStat):
    """The daily rows of one calendar month summed (`month`: its first day), rebuilt from
    them whenever they change (aggregates.rollup_months). The dashboard reads the whole
    months of its window here and only the days around them from DailyCaseStat (issue 26:
    a year's window at a million cases is ~8,000 daily rows, each with a histogram of
    ~90 hours; a month's row stands for ~30 of them)."""

    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "service", "org_unit", "channel"], name="uniq_cockpit_monthly"
            )
        ]
        indexes = [models.Index(fields=["service", "month"], name="cockpit_monthly_service")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.service} {self.org_unit} {self.channel}"


class StepStat(models.Model):
    """Time spent in one workflow state by the cases decided in a span of days (a day or a
    month, in the subclass): cases, seconds, histogram {whole hours: cases}."""

    service = models.CharField(max_length=120)
    org_unit = models.CharField(max_length=120)
    channel = models.CharField(max_length=20)
    state = models.CharField(max_length=60)
    kind = models.CharField(max_length=20)
    cases = models.IntegerField(default=0)
    seconds = models.BigIntegerField(default=0)
    hist = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class DailyStepStat(StepStat):
    """Per decision day (see StepStat)."""

    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "service", "org_unit", "channel", "state"],
                name="uniq_cockpit_step_daily",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.service} {self.state}"


class MonthlyStepStat(StepStat):
    """The daily step rows of one calendar month summed, as MonthlyCaseStat (the kind: the
    greatest of the month's, as the dashboard reads it)."""

    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "service", "org_unit", "channel", "state"],
                name="uniq_cockpit_step_monthly",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.service} {self.state}"


class DailyMetric(models.Model):
    """Counters of the other events per day: searches, zero-result queries, views, feedback,
    appointments. `key` names the thing counted (a query, a service slug, a rating)."""

    day = models.DateField()
    metric = models.CharField(max_length=40)
    service = models.CharField(max_length=120, blank=True)
    key = models.CharField(max_length=120, blank=True)
    count = models.IntegerField(default=0)
    total = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "metric", "service", "key"], name="uniq_cockpit_metric"
            )
        ]
        indexes = [models.Index(fields=["metric", "day"], name="cockpit_metric_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.key}"


class AlertRule(models.Model):
    """A rule on one KPI in one scope: a threshold, or a deviation from the trailing
    8-week level."""

    class Kpi(models.TextChoices):
        BACKLOG = "backlog", _("Backlog (open cases)")
        OVERDUE = "overdue", _("Overdue cases")
        DEADLINE_RATE = "deadline_rate", _("Deadline adherence (%)")
        MEDIAN_LEAD_DAYS = "median_lead_days", _("Median lead time (days)")
        FIRST_TIME_RIGHT = "first_time_right", _("First-time-right (%)")

    class Mode(models.TextChoices):
        ABOVE = "above", _("above threshold")
        BELOW = "below", _("below threshold")
        RISE = "rise", _("rise over the 8-week level (%)")
        DROP = "drop", _("drop under the 8-week level (%)")

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    kpi = models.CharField(max_length=30, choices=Kpi.choices)
    mode = models.CharField(max_length=10, choices=Mode.choices)
    value = models.FloatField(help_text=_("Threshold, or the deviation in percent"))
    service = models.CharField(max_length=120, blank=True)
    org_unit = models.CharField(max_length=120, blank=True)
    active = models.BooleanField(default=True)
    subscribers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="cockpit_alert_rules"
    )
    # what the last evaluation found (alerts.evaluate), so that the pages show the rule's
    # state as it is: when, the value over the rule's window, and broken (True), kept
    # (False) or not to be judged (None: too few cases). A changed rule is checked again.
    checked_at = models.DateTimeField(null=True, blank=True)
    checked_value = models.FloatField(null=True, blank=True)
    checked_reference = models.FloatField(null=True, blank=True)
    checked_broken = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self) -> str:
        return self.name


class Alert(models.Model):
    """A rule that fired; active until an evaluation finds the rule no longer broken."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    raised_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)
    last_value = models.FloatField(null=True)
    reference = models.FloatField(null=True, help_text=_("Threshold or 8-week level"))
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule"],
                condition=models.Q(cleared_at__isnull=True),
                name="uniq_cockpit_active_alert",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} @ {self.raised_at:%Y-%m-%d %H:%M}"


class ProcedureLabels(models.Model):
    """The names of one procedure's workflow states, as the county's procedure data gives
    them (tenants/<slug>/cases/procedures/<key>.yaml: `label`, `label_en`). Events name
    states by key only (docs/events.md); the cockpit's county-data step copies the names
    here so that its pages show the words the caseworkers see (labels.py)."""

    key = models.SlugField(max_length=120, unique=True)
    services = models.JSONField(default=list, blank=True)  # service slugs it is for
    states = models.JSONField(default=dict, blank=True)  # state -> {"de": …, "en": …}

    class Meta:
        ordering = ["key"]
        verbose_name = _("procedure labels")
        verbose_name_plural = _("procedure labels")

    def __str__(self) -> str:
        return self.key


class ImportSource(models.Model):
    """Where imported logs come from (a specialist procedure, a published log): its own
    entry with a name and an owner unit, so that imported processes are named on the
    pages, and the mapping chosen for its last import (columns and which activity starts,
    ends, asks for documents or reopens a case), offered again for the next file."""

    key = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=200)
    # the service slug its cases are filed under (the upload's, else the key); a slug the
    # catalogue does not know is an imported process and shown by this entry's name
    service = models.SlugField(max_length=120, blank=True, db_index=True)
    owner_unit = models.CharField(
        max_length=120, blank=True, help_text=_("Org unit (key) that owns the process")
    )
    mapping = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("import source")
        verbose_name_plural = _("import sources")

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """One uploaded log (XES or CSV) and how far its import got."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded, waiting for the mapping")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        PARTIAL = "partial", _("Done with skipped rows")
        FAILED = "failed", _("Failed, nothing imported")

    class Format(models.TextChoices):
        XES = "xes", "XES"
        CSV = "csv", "CSV"

    name = models.CharField(max_length=200)
    format = models.CharField(max_length=5, choices=Format.choices)
    file = models.FileField(upload_to="cockpit/imports/")
    size = models.BigIntegerField(default=0)
    mapping = models.JSONField(default=dict, blank=True)
    service = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    progress = models.PositiveSmallIntegerField(default=0)
    events = models.IntegerField(default=0)
    cases = models.IntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    # rows (CSV lines, XES events) read and skipped as unreadable: every skipped row is in
    # `errors`, the count here is exact
    rows = models.IntegerField(default=0)
    skipped = models.IntegerField(default=0)
    source_entry = models.ForeignKey(
        ImportSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="batches"
    )
    # what the mapping step shows: first rows, activities with counts, one example case
    preview = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def source(self) -> str:
        return f"import:{self.pk}"


class ReportFact(models.Model):
    """One row per Mängelmelder report (`report:<id>`), folded from its `report.*` events
    (reportfacts.fold_report): category and municipality (ARS) only, receipt, the first
    "fixed", the status now and how often it was reopened. Rebuilt like CaseFact."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        FIXED = "fixed", _("fixed")
        CLOSED = "closed", _("closed")

    subject = models.CharField(max_length=120, unique=True)
    category = models.CharField(max_length=60)
    area = models.CharField(max_length=12)  # the municipality's ARS
    received_at = models.DateTimeField()
    fixed_at = models.DateTimeField(null=True, blank=True)  # the first "fixed"
    fix_seconds = models.BigIntegerField(null=True, blank=True)  # first "fixed" − receipt
    state = models.CharField(max_length=10, choices=State.choices)
    reopened = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["received_at"], name="cockpit_report_received"),
            models.Index(fields=["fixed_at"], name="cockpit_report_fixed"),
            models.Index(fields=["state"], name="cockpit_report_state"),
        ]

    def __str__(self) -> str:
        return self.subject
