"""Alert rules: evaluated on a schedule (beat, or `manage.py cockpit_alerts`) against the
aggregates; a broken rule raises one active alert (until a later evaluation finds it
fine again) and mails the rule's subscribers once when it is raised."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from openkreis.core.loader import read_yaml
from openkreis.core.models import OrgUnit

from . import engine, read
from .models import Alert, AlertRule

TRAILING_WEEKS = 8


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
        value = kpi_value(rule, today - dt.timedelta(days=27), today, now)
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


def evaluate(now: dt.datetime | None = None) -> list[Alert]:
    """Evaluate every active rule; returns the alerts raised now (and mails them)."""
    now = now or timezone.now()
    raised = []
    for rule in AlertRule.objects.filter(active=True).prefetch_related("subscribers"):
        broken, value, reference = check(rule, now)
        with transaction.atomic():
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
            elif current is not None:
                current.cleared_at = now
                current.last_value = value
                current.save(update_fields=["cleared_at", "last_value"])
    for alert in raised:
        notify(alert)
    return raised


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
    with override("de"):
        subject = _("Cockpit alert: %(name)s") % {"name": rule.name}
        body = _(
            "The rule “%(name)s” is broken.\n\nCurrent value: %(value)s\nReference: %(ref)s\n\n"
            "Active alerts: %(alerts)s\nCases at risk: %(cases)s\n"
        ) % {
            "name": rule.name,
            "value": _num(alert.last_value),
            "ref": _num(alert.reference),
            "alerts": base + reverse("cockpit:alerts"),
            "cases": base + at_risk_url(rule),
        }
    send_mail(subject, body, None, recipients)
    Alert.objects.filter(pk=alert.pk).update(notified_at=timezone.now())


def _num(value) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}".replace(".", ",")


def load_rules(folder, report) -> None:
    """tenants/<slug>/cockpit/alerts.yaml: the county's alert rules (data, not code);
    subscribers are given by username and must exist (else they are skipped)."""
    path = folder / "cockpit" / "alerts.yaml"
    if not path.is_file():
        return
    for item in (read_yaml(path) or {}).get("rules", []):
        rule, created = AlertRule.objects.update_or_create(
            key=item["key"],
            defaults={
                "name": item["name"],
                "kpi": item["kpi"],
                "mode": item["mode"],
                "value": float(item["value"]),
                "service": item.get("service", ""),
                "org_unit": item.get("org_unit", ""),
                "active": item.get("active", True),
            },
        )
        report.created += created
        users = get_user_model().objects.filter(username__in=item.get("subscribers", []))
        rule.subscribers.add(*users)
