"""Hand-made event logs for the cockpit's tests (written through core.record_event)."""

from __future__ import annotations

import datetime as dt
import random

from openkreis.core.services import record_event

UTC = dt.UTC
START = dt.datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def case_event(pk, activity, at, state, state_kind, **data):
    payload = {
        "activity": activity,
        "service": data.pop("service", "baugenehmigung-vereinfacht"),
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
    services = ["baugenehmigung-vereinfacht", "fahrerlaubnis-ersterteilung", "jagdschein"]
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
