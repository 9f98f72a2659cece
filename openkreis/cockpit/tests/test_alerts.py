"""Alert rules: thresholds and deviations from the trailing 8-week level, one active alert
per rule, mail to subscribers once, cleared when fine again, links to the cases at risk."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from openkreis.cockpit import aggregates, alerts
from openkreis.cockpit.models import Alert, AlertRule
from openkreis.core.models import OrgUnit
from openkreis.core.testing import login_staff, make_staff

from .factories import AlertRuleFactory, case_event

pytestmark = pytest.mark.django_db


def open_cases(n, start_pk, days_ago=30, target_days=10, unit="fahrerlaubnisbehoerde"):
    now = timezone.now()
    for i in range(n):
        received = now - dt.timedelta(days=days_ago)
        case_event(
            start_pk + i,
            "received",
            received,
            "new",
            "queue",
            service="fahrerlaubnis-ersterteilung",
            org_unit=unit,
            target_at=(received + dt.timedelta(days=target_days)).isoformat(),
        )


@pytest.fixture
def manager(harz):
    user, secret = make_staff("chefin", "landrat", "manager")
    return user, secret


def test_threshold_raises_once_mails_and_clears(manager):
    user, _secret = manager
    r = AlertRuleFactory()
    r.subscribers.add(user)
    open_cases(6, 500)
    aggregates.refresh()
    mail.outbox.clear()
    raised = alerts.evaluate()
    assert [a.rule for a in raised] == [r]
    assert Alert.objects.get().last_value == 6
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["chefin@example.org"]
    assert "Rückstand FEB > 5" in mail.outbox[0].subject
    unit = OrgUnit.objects.get(key="fahrerlaubnisbehoerde")
    assert f"/sachbearbeitung/?tab=overdue&unit={unit.pk}" in mail.outbox[0].body
    assert alerts.evaluate() == [] and len(mail.outbox) == 1  # still broken: no second mail
    now = timezone.now()
    for i in range(3):  # three decided: backlog 3 <= 5
        case_event(
            500 + i,
            "decided",
            now,
            "decided",
            "done",
            service="fahrerlaubnis-ersterteilung",
            org_unit="fahrerlaubnisbehoerde",
        )
    aggregates.refresh()
    alerts.evaluate()
    assert Alert.objects.get().cleared_at is not None


def test_other_unit_does_not_count(manager):
    AlertRuleFactory()
    open_cases(6, 600, unit="auslaenderbehoerde")
    aggregates.refresh()
    assert alerts.evaluate() == []


def test_deviation_from_trailing_eight_weeks(harz):
    now = timezone.now()
    # 8 weeks before: lead time 4 days; last week: 10 days (+150 %)
    for i in range(20):
        received = now - dt.timedelta(days=60 - 2 * i)
        case_event(700 + i, "received", received, "new", "queue")
        case_event(700 + i, "decided", received + dt.timedelta(days=4), "decided", "done")
    for i in range(6):
        received = now - dt.timedelta(days=14)
        case_event(800 + i, "received", received, "new", "queue")
        case_event(800 + i, "decided", now - dt.timedelta(days=3), "decided", "done")
    aggregates.refresh()
    r = AlertRuleFactory(
        key="lead",
        name="Durchlaufzeit +25 %",
        kpi="median_lead_days",
        mode="rise",
        value=25,
        org_unit="",
    )
    broken, value, level = alerts.check(r, now)
    assert broken and value == 11 and level == 4
    r.value = 300
    assert alerts.check(r, now)[0] is False


def test_below_threshold_deadline_rate(harz):
    now = timezone.now()
    for i in range(10):
        received = now - dt.timedelta(days=20)
        case_event(
            900 + i,
            "received",
            received,
            "new",
            "queue",
            target_at=(received + dt.timedelta(days=5)).isoformat(),
        )
        late = 3 if i < 7 else 10  # 7 of 10 on time
        case_event(900 + i, "decided", received + dt.timedelta(days=late), "decided", "done")
    aggregates.refresh()
    r = AlertRuleFactory(key="tt", kpi="deadline_rate", mode="below", value=80, org_unit="")
    assert alerts.check(r, now) == (True, pytest.approx(70.0), 80)


def test_command_and_alerts_page(client, manager):
    user, secret = manager
    AlertRuleFactory().subscribers.add(user)
    open_cases(6, 1000)
    call_command("cockpit_alerts", stdout=io.StringIO())
    assert Alert.objects.filter(cleared_at__isnull=True).count() == 1
    login_staff(client, user, secret)
    page = client.get("/cockpit/warnungen/").content.decode()
    assert "Rückstand FEB &gt; 5" in page and "/sachbearbeitung/?tab=overdue" in page
    # the desk link is real: a caseworker of the unit can open it
    assert client.get("/cockpit/").status_code == 200


def test_rules_from_tenant_data(harz):
    from pathlib import Path

    from django.conf import settings

    from openkreis.core.loader import LoadReport

    report = LoadReport()
    alerts.load_rules(Path(settings.BASE_DIR) / "tenants" / "harz", report)
    keys = set(AlertRule.objects.values_list("key", flat=True))
    assert {"fahrerlaubnis-rueckstand", "termintreue-kreis"} <= keys


# -- what the pages show agrees with the rules ------------------------------------------------
def test_each_evaluation_records_the_rules_state(manager):
    broken = AlertRuleFactory()
    kept = AlertRuleFactory(key="kept", name="Rückstand FEB > 50", value=50)
    unknown = AlertRuleFactory(key="few", kpi="deadline_rate", mode="below", value=80)
    open_cases(6, 1100)
    aggregates.refresh()
    alerts.evaluate()
    for rule in (broken, kept, unknown):
        rule.refresh_from_db()
        assert rule.checked_at is not None
    assert (broken.checked_broken, broken.checked_value) == (True, 6)
    assert (kept.checked_broken, kept.checked_value) == (False, 6)
    # no case decided with a target in the last 4 weeks: the rule cannot be judged
    assert (unknown.checked_broken, unknown.checked_value) == (None, None)


def test_without_beat_the_rules_are_evaluated_when_a_page_is_read(manager, settings):
    """`make run` has no Celery beat: nothing evaluated the rules, so a page said "no
    active alerts" next to a broken rule. Reading a page now evaluates the rules that were
    not checked in the last 15 minutes — each once, however many pages are read."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    rule = AlertRuleFactory()
    open_cases(6, 1200)
    aggregates.refresh()
    rules = AlertRule.objects.filter(active=True).count()  # with the county's own
    assert alerts.ensure_evaluated() == rules
    assert Alert.objects.filter(rule=rule, cleared_at__isnull=True).count() == 1
    assert alerts.ensure_evaluated() == 0  # checked a moment ago
    assert alerts.ensure_evaluated(now=timezone.now() + dt.timedelta(minutes=16)) == rules
    settings.CELERY_TASK_ALWAYS_EAGER = False  # with workers, beat evaluates
    AlertRule.objects.update(checked_at=None)
    assert alerts.ensure_evaluated() == 0


def test_a_mail_server_that_is_down_does_not_lose_the_alert(manager, monkeypatch):
    user, _secret = manager
    AlertRuleFactory().subscribers.add(user)
    open_cases(6, 1300)
    aggregates.refresh()

    def down(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(alerts, "send_mail", down)
    assert len(alerts.evaluate()) == 1  # raised, the page shows it; no error
    alert = Alert.objects.get()
    assert alert.notified_at is None
    monkeypatch.undo()
    mail.outbox.clear()
    alerts.evaluate()  # still broken: the mail that failed goes out now
    assert len(mail.outbox) == 1
    alert.refresh_from_db()
    assert alert.notified_at is not None


def test_a_changed_rule_is_checked_again(harz, tmp_path):
    from openkreis.core.loader import LoadReport

    (tmp_path / "cockpit").mkdir()
    rule = "rules:\n  - {key: tt, name: Termintreue, kpi: deadline_rate, mode: below, value: %s}\n"
    (tmp_path / "cockpit" / "alerts.yaml").write_text(rule % 80)
    alerts.load_rules(tmp_path, LoadReport())
    alerts.evaluate()
    assert AlertRule.objects.get(key="tt").checked_at is not None
    alerts.load_rules(tmp_path, LoadReport())  # unchanged: its state stands
    assert AlertRule.objects.get(key="tt").checked_at is not None
    (tmp_path / "cockpit" / "alerts.yaml").write_text(rule % 90)
    report = LoadReport()
    alerts.load_rules(tmp_path, report)
    assert report.updated == 1 and AlertRule.objects.get(key="tt").checked_at is None
