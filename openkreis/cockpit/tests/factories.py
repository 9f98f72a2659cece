"""Test data of the cockpit: hand-made event logs (written through core.record_event),
sample XES and CSV files, factory-boy factories for the cockpit's own models (alert rules,
alerts, import batches) and a staff login per role."""

from __future__ import annotations

import datetime as dt
import random

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from openkreis.cockpit.models import Alert, AlertRule, ImportBatch
from openkreis.core import testing
from openkreis.core.services import record_event

UTC = dt.UTC
START = dt.datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
SERVICE = "baugenehmigung-vereinfacht"


def case_event(pk, activity, at, state, state_kind, **data):
    payload = {
        "activity": activity,
        "service": data.pop("service", SERVICE),
        "procedure": "generic",
        "org_unit": data.pop("org_unit", "bauordnungsamt"),
        "channel": data.pop("channel", "online"),
        "state": state,
        "state_kind": state_kind,
        **data,
    }
    return record_event(f"case.{activity}", subject=f"case:{pk}", data=payload, occurred_at=at)


def random_log(seed: int, cases: int = 40, start: dt.datetime = START):
    """A random but valid log: (kind, subject, at, data) tuples in time order per case,
    returned shuffled in logging order with some events logged late."""
    rng = random.Random(seed)
    out = []
    services = [SERVICE, "fahrerlaubnis-ersterteilung", "jagdschein"]
    for n in range(cases):
        pk = 9000 + n
        service = rng.choice(services)
        channel = rng.choice(["online", "paper", "counter"])
        at = start + dt.timedelta(days=rng.uniform(0, 80))
        target = at + dt.timedelta(days=rng.choice([10, 30, 60])) if rng.random() < 0.8 else None
        common = {"service": service, "channel": channel}
        steps = [
            (
                "received",
                "new",
                "queue",
                {
                    "target_at": target.isoformat() if target else None,
                    "complete": rng.random() < 0.7,
                },
            ),
            ("assigned", "in_progress", "work", {}),
        ]
        if rng.random() < 0.4:
            steps += [
                ("documents_requested", "waiting", "applicant", {"count": 1}),
                ("documents_received", "new", "queue", {"count": 1}),
                ("assigned", "in_progress", "work", {}),
            ]
        if rng.random() < 0.8:
            steps.append(("decided", "decided", "done", {"outcome": "granted"}))
            if rng.random() < 0.15:
                steps += [
                    ("reopened", "new", "queue", {}),
                    ("decided", "decided", "done", {"outcome": "partly"}),
                ]
        for activity, state, kind, extra in steps:
            at = at + dt.timedelta(hours=rng.uniform(1, 24 * 12))
            if activity == "received":
                at = at - dt.timedelta(hours=1)
            out.append((pk, activity, at, state, kind, {**common, **extra}))
    rng.shuffle(out)  # logging order differs from time order
    return out


def write(entries):
    for pk, activity, at, state, kind, data in entries:
        case_event(pk, activity, at, state, kind, **dict(data))


def other_events(at: dt.datetime):
    record_event("portal.search", data={"query": "bauantrag", "results": 4}, occurred_at=at)
    record_event("portal.search", data={"query": "hundesteuer", "results": 0}, occurred_at=at)
    record_event("portal.service_viewed", data={"service": "jagdschein"}, occurred_at=at)
    record_event(
        "feedback.submitted",
        subject="feedback:1",
        data={"service": "jagdschein", "org_unit": "jagdbehoerde", "rating": 4, "comment": ""},
        occurred_at=at,
    )
    record_event(
        "appointment.called",
        subject="ticket:1",
        data={
            "location": "x",
            "services": ["jagdschein"],
            "kind": "walk_in",
            "wait_seconds": 720,
            "counter": "3",
        },
        occurred_at=at,
    )


# -- sample files of the import ---------------------------------------------------------------
XES = b"""<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <trace><string key="concept:name" value="A-1"/>
    <event><string key="concept:name" value="Antrag eingegangen"/>
      <date key="time:timestamp" value="2026-03-02T08:00:00+01:00"/>
      <string key="org:resource" value="Frau Beispiel"/></event>
    <event><string key="concept:name" value="Pruefung"/>
      <string key="lifecycle:transition" value="start"/>
      <date key="time:timestamp" value="2026-03-04T08:00:00+01:00"/></event>
    <event><string key="concept:name" value="Bescheid"/>
      <date key="time:timestamp" value="2026-03-06T08:00:00+01:00"/></event>
  </trace>
  <trace><string key="concept:name" value="A-2"/>
    <event><string key="concept:name" value="Antrag eingegangen"/>
      <date key="time:timestamp" value="2026-03-03T08:00:00+01:00"/></event>
    <event><string key="concept:name" value="Bescheid"/>
      <date key="time:timestamp" value="2026-03-05T08:00:00+01:00"/></event>
  </trace>
</log>"""
# the same log with the time of its fifth event garbled (1 of 5 events unreadable)
XES_BAD = XES.replace(b"2026-03-05T08:00:00+01:00", b"kaputt")

CSV = (
    b"Vorgang;Schritt;Zeitpunkt;Bearbeiter;Frist\n"
    b"B-1;Eingang;02.03.2026 08:00;Herr X;20.03.2026\n"
    b"B-1;Nachforderung;03.03.2026 08:00;Herr X;\n"
    b"B-1;Unterlagen eingegangen;05.03.2026 08:00;;\n"
    b"B-1;Bescheid;09.03.2026 08:00;Herr X;\n"
    b"B-2;Eingang;2026-03-29T01:30:00;;\n"
)
# the same file with two rows an export garbled (2 of 7 rows unreadable)
CSV_BAD = CSV + b";Bescheid;2026-03-30T08:00:00;;\nB-2;Bescheid;not a date;;\n"
CSV_MAPPING = {"case_id": "Vorgang", "activity": "Schritt", "timestamp": "Zeitpunkt"}


# -- the cockpit's own models -----------------------------------------------------------------
class AlertRuleFactory(factory.django.DjangoModelFactory):
    """By default the county's typical rule: the backlog of the Fahrerlaubnisbehörde above
    five open cases."""

    class Meta:
        model = AlertRule

    key = factory.Sequence(lambda n: f"rule-{n}")
    name = "Rückstand FEB > 5"
    kpi = AlertRule.Kpi.BACKLOG
    mode = AlertRule.Mode.ABOVE
    value = 5
    org_unit = "fahrerlaubnisbehoerde"


class AlertFactory(factory.django.DjangoModelFactory):
    """An active alert (raised now, not cleared) of a new rule."""

    class Meta:
        model = Alert

    rule = factory.SubFactory(AlertRuleFactory)
    raised_at = factory.LazyFunction(timezone.now)
    last_value = 1
    reference = 0


class ImportBatchFactory(factory.django.DjangoModelFactory):
    """An uploaded XES log (the sample XES); `csv=True` gives the sample CSV with its
    column mapping. The file is stored like an upload (cockpit/imports/)."""

    class Meta:
        model = ImportBatch

    class Params:
        content = XES
        csv = factory.Trait(
            name="x.csv", format=ImportBatch.Format.CSV, content=CSV, mapping=CSV_MAPPING
        )

    name = "x.xes"
    format = ImportBatch.Format.XES
    size = factory.LazyAttribute(lambda o: len(o.content))
    file = factory.LazyAttribute(lambda o: ContentFile(o.content, name=o.name))


# -- people -----------------------------------------------------------------------------------
ROLE_UNITS = {
    "caseworker": ("bauordnungsamt", ("caseworker",)),
    "team-lead": ("ordnungsamt-kreis", ("team_lead",)),
    "manager": ("landrat", ("manager",)),  # county-wide (tenants/harz/cockpit/access.yaml)
}


def login_as(client, role):
    """Log `client` in (password and TOTP) as a new staff member with `role` from ROLE_UNITS."""
    return testing.login_as(client, role, ROLE_UNITS, prefix="u")
