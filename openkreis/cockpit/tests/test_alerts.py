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
