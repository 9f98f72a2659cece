"""Alert rules: evaluated on a schedule (beat, or `manage.py cockpit_alerts`) against the
aggregates; a broken rule raises one active alert (until a later evaluation finds it
fine again) and mails the rule's subscribers once when it is raised. Each evaluation
records on the rule what it found (rule_state: when, the value over the rule's window,
broken, kept or not to be judged), so that the pages show the rule as it stands.

Without Celery workers (`make run`: tasks run in the process and no beat runs) nothing
evaluated the rules, and the alerts page said "no active alerts" next to a rule the
figures on the dashboard broke: pages now call ensure_evaluated() first."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from openkreis.core.loader import read_yaml
from openkreis.core.models import OrgUnit

from . import engine, read
from .models import Alert, AlertRule

logger = logging.getLogger(__name__)
TRAILING_WEEKS = 8
THRESHOLD_DAYS = 28  # threshold rules on rates and lead time: the last 4 weeks
EVERY = dt.timedelta(minutes=15)  # as often as beat evaluates (settings.CELERY_BEAT_SCHEDULE)
KPI_UNITS = {
    AlertRule.Kpi.BACKLOG: gettext_lazy("cases"),
    AlertRule.Kpi.OVERDUE: gettext_lazy("cases"),
    AlertRule.Kpi.DEADLINE_RATE: "%",
    AlertRule.Kpi.MEDIAN_LEAD_DAYS: gettext_lazy("days"),
    AlertRule.Kpi.FIRST_TIME_RIGHT: "%",
}


def kpi_value(rule: AlertRule, start: dt.date, end: dt.date, now: dt.datetime) -> float | None:
    """The rule's KPI in its scope over [start, end] (backlog and overdue: now)."""
    filters = read.Filters(service=rule.service, org_unit=rule.org_unit, start=start, end=end)
    if rule.kpi in (AlertRule.Kpi.BACKLOG, AlertRule.Kpi.OVERDUE):
        b = read.backlog_now(filters, now=now)
        return float(b["open"] if rule.kpi == AlertRule.Kpi.BACKLOG else b["overdue"])
    h = read.headline(filters)
    value = {
        AlertRule.Kpi.DEADLINE_RATE: h["deadline_rate"],
        AlertRule.Kpi.MEDIAN_LEAD_DAYS: h["median_lead_days"],
        AlertRule.Kpi.FIRST_TIME_RIGHT: h["first_time_right_rate"],
    }.get(rule.kpi)
    if value is None:
        return None
    if rule.kpi in (AlertRule.Kpi.DEADLINE_RATE, AlertRule.Kpi.FIRST_TIME_RIGHT):
        return value * 100
    return float(value)


def check(rule: AlertRule, now: dt.datetime) -> tuple[bool, float | None, float | None]:
    """(broken?, current value, reference). Threshold rules compare the last 4 weeks (or the
    backlog now) with the value; deviation rules compare the last week with the level of
    the 8 weeks before it."""
    today = now.astimezone(engine.BERLIN).date()
    if rule.mode in (AlertRule.Mode.ABOVE, AlertRule.Mode.BELOW):
        value = kpi_value(rule, today - dt.timedelta(days=THRESHOLD_DAYS - 1), today, now)
        if value is None:
            return False, None, rule.value
        broken = value > rule.value if rule.mode == AlertRule.Mode.ABOVE else value < rule.value
        return broken, value, rule.value
    week_start = today - dt.timedelta(days=6)
    value = kpi_value(rule, week_start, today, now)
    level_end = week_start - dt.timedelta(days=1)
    level = kpi_value(
        rule, level_end - dt.timedelta(weeks=TRAILING_WEEKS) + dt.timedelta(1), level_end, now
    )
    if value is None or not level:
        return False, value, level
    change = (value / level - 1) * 100
    if rule.mode == AlertRule.Mode.RISE:
        return change > rule.value, value, level
    return -change > rule.value, value, level


def evaluate(now: dt.datetime | None = None, rules=None) -> list[Alert]:
    """Evaluate every active rule (or those of `rules`); returns the alerts raised now
    (and mails them). Records on each rule what it found. An active alert whose mail
    could not be sent is mailed again."""
    now = now or timezone.now()
    raised, unsent = [], []
    rules = AlertRule.objects.filter(active=True) if rules is None else rules
    for rule in rules.prefetch_related("subscribers"):
        broken, value, reference = check(rule, now)
        judged = value is not None and (
            rule.mode in (AlertRule.Mode.ABOVE, AlertRule.Mode.BELOW) or bool(reference)
        )
        with transaction.atomic():
            AlertRule.objects.filter(pk=rule.pk).update(
                checked_at=now,
                checked_value=value,
                checked_reference=reference,
                checked_broken=broken if judged else None,
            )
            current = (
                Alert.objects.select_for_update().filter(rule=rule, cleared_at__isnull=True).first()
            )
            if broken and current is None:
                alert = Alert.objects.create(
                    rule=rule, raised_at=now, last_value=value, reference=reference
                )
                raised.append(alert)
            elif broken:
                current.last_value = value
                current.reference = reference
                current.save(update_fields=["last_value", "reference"])
                if current.notified_at is None:
                    unsent.append(current)
            elif current is not None:
                current.cleared_at = now
                current.last_value = value
                current.save(update_fields=["cleared_at", "last_value"])
    for alert in raised + unsent:
        notify(alert)
    return raised


def ensure_evaluated(now: dt.datetime | None = None) -> int:
    """Without Celery workers (`make run`: CELERY_TASK_ALWAYS_EAGER, no beat) a page that
    shows alerts first evaluates the rules not checked within EVERY, so that it never
    shows a rule's state older than beat would leave it. Each rule is claimed by one
    request (a conditional update), however many pages are read at once. With workers
    beat evaluates and this does nothing. Returns how many rules it evaluated."""
    if not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return 0
    now = now or timezone.now()
    stale = Q(checked_at__isnull=True) | Q(checked_at__lt=now - EVERY)
    due = AlertRule.objects.filter(stale, active=True).values_list("pk", flat=True)
    mine = [pk for pk in due if AlertRule.objects.filter(stale, pk=pk).update(checked_at=now)]
    if mine:
        evaluate(now, AlertRule.objects.filter(pk__in=mine))
    return len(mine)


def figure(value, unit) -> str:
    """A value of a rule with its unit, as the page's language writes numbers."""
    if value is None:
        return "–"
    places = 0 if float(value).is_integer() else 1
    text = number_format(round(value, places), places, use_l10n=True, force_grouping=True)
    return f"{text}\u00a0{unit}" if unit else text  # no break between figure and unit


def rule_state(rule: AlertRule) -> dict:
    """What a page says about a rule: its condition, the window its value is measured
    over, and what the last evaluation found (status broken / kept / unknown when too few
    cases / unchecked, the value and the reference with their units, when)."""
    unit = str(KPI_UNITS.get(rule.kpi, ""))
    threshold = rule.mode in (AlertRule.Mode.ABOVE, AlertRule.Mode.BELOW)
    limit = figure(rule.value, unit if threshold else "%")
    condition = {
        AlertRule.Mode.ABOVE: _("above %(value)s"),
        AlertRule.Mode.BELOW: _("below %(value)s"),
        AlertRule.Mode.RISE: _("%(value)s above the level of the 8 weeks before"),
        AlertRule.Mode.DROP: _("%(value)s below the level of the 8 weeks before"),
    }[rule.mode] % {"value": limit}
    if not threshold:
        window = _("last 7 days")
    elif rule.kpi in (AlertRule.Kpi.BACKLOG, AlertRule.Kpi.OVERDUE):
        window = _("now")
    else:
        window = _("last 4 weeks")
    if not rule.active:
        status, text = "inactive", _("not evaluated (rule switched off)")
    elif rule.checked_at is None:
        status, text = "unchecked", _("not checked yet")
    elif rule.checked_broken is None:
        status, text = "unknown", _("cannot be judged: fewer than 5 cases")
    elif rule.checked_broken:
        status, text = "broken", _("broken")
    else:
        status, text = "kept", _("kept")
    return {
        "status": status,
        "text": text,
        "condition": condition,
        "window": window,
        "value": figure(rule.checked_value, unit),
        "reference": None if threshold else figure(rule.checked_reference, unit),
        "checked_at": rule.checked_at,
    }


def at_risk_url(rule: AlertRule) -> str:
    """The caseworker desk's overdue tab, narrowed to the rule's org unit when it has one
    (the desk filters by unit id)."""
    url = reverse("cases:inbox") + "?tab=overdue"
    if rule.org_unit:
        unit = OrgUnit.objects.filter(key=rule.org_unit).values_list("id", flat=True).first()
        if unit:
            url += f"&unit={unit}"
    return url


def notify(alert: Alert) -> None:
    """Mail the subscribers (each in German, the staff language); marks the alert sent.
    A mail failure is logged on the alert's next evaluation, never lost silently."""
    rule = alert.rule
    recipients = [u.email for u in rule.subscribers.all() if u.email]
    if not recipients:
        return
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")
    unit = KPI_UNITS.get(rule.kpi, "")
    with override("de"):
        subject = _("Cockpit alert: %(name)s") % {"name": rule.name}
        body = _(
            "The rule “%(name)s” is broken.\n\nCurrent value: %(value)s\nReference: %(ref)s\n\n"
            "Active alerts: %(alerts)s\nCases at risk: %(cases)s\n"
        ) % {
            "name": rule.name,
            "value": figure(alert.last_value, str(unit)),
            "ref": figure(alert.reference, str(unit)),
            "alerts": base + reverse("cockpit:alerts"),
            "cases": base + at_risk_url(rule),
        }
    try:
        send_mail(subject, body, None, recipients)
    except OSError:  # smtplib's errors too: the next evaluation sends it again
        logger.warning("cockpit alert %s: the mail could not be sent", alert.pk, exc_info=True)
        return
    Alert.objects.filter(pk=alert.pk).update(notified_at=timezone.now())


def forget_state(rule: AlertRule) -> None:
    """A changed rule was never checked (ensure_evaluated, or beat, checks it anew)."""
    rule.checked_at = rule.checked_value = rule.checked_reference = rule.checked_broken = None


def load_rules(folder, report) -> None:
    """tenants/<slug>/cockpit/alerts.yaml: the county's alert rules (data, not code);
    subscribers are given by username and must exist (else they are skipped)."""
    path = folder / "cockpit" / "alerts.yaml"
    if not path.is_file():
        return
    for item in (read_yaml(path) or {}).get("rules", []):
        defaults = {
            "name": item["name"],
            "kpi": item["kpi"],
            "mode": item["mode"],
            "value": float(item["value"]),
            "service": item.get("service", ""),
            "org_unit": item.get("org_unit", ""),
            "active": item.get("active", True),
        }
        rule = AlertRule.objects.filter(key=item["key"]).first()
        if rule is None:
            rule = AlertRule.objects.create(key=item["key"], **defaults)
            report.created += 1
        elif any(getattr(rule, field) != value for field, value in defaults.items()):
            for field, value in defaults.items():
                setattr(rule, field, value)
            forget_state(rule)  # what was checked was another rule
            rule.save()
            report.updated += 1
        users = get_user_model().objects.filter(username__in=item.get("subscribers", []))
        rule.subscribers.add(*users)
