"""Demo data of the cockpit for `make run`: a management login (role manager, TOTP), the
manager subscribed to the county's alert rules, and twelve months of portal searches,
service-page views and feedback ratings as events (marked `demo`), so that the portal and
satisfaction tiles have figures next to the cases the eAkte demo wrote, and a year of
Mängelmelder events (`report.*`, subjects `report:demo-<n>`, no report rows behind them) so
that the time-to-fix page has figures above the privacy threshold. Idempotent."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from openkreis.core import event_kinds
from openkreis.core.loader import read_yaml
from openkreis.core.models import Event, OrgUnit, Region
from openkreis.core.services import record_event
from openkreis.core.staff import Role, add_staff, ensure_totp

from . import aggregates
from .models import AlertRule

MANAGER = ("cockpit-landrat", "landrat", "COCKPITLANDRATDEMOAAAAAAAAAAAAAA")
# a Dezernent sees only his Dezernat's figures (tenants/harz/cockpit/access.yaml)
DEZERNENT = ("cockpit-dezernat2", "dezernat-2", "COCKPITDEZERNATIIDEMOAAAAAAAAAAA")
PASSWORD = "harz-cockpit-demo-2026"  # noqa: S105 (printed demo login)
QUERIES = [
    ("führerschein", 4),
    ("bauantrag", 6),
    ("aufenthaltskarte", 2),
    ("jagdschein", 1),
    ("hundesteuer", 0),
    ("wohngeld", 0),
    ("kfz abmelden", 0),
    ("sozialhilfe", 3),
]
SERVICES = [
    "fahrerlaubnis-ersterteilung",
    "aufenthaltskarte-eu",
    "baugenehmigung-vereinfacht",
    "hilfe-zum-lebensunterhalt",
    "jagdschein",
    "waffenbesitzkarte",
]
UNITS = {
    "fahrerlaubnis-ersterteilung": "fahrerlaubnisbehoerde",
    "aufenthaltskarte-eu": "auslaenderbehoerde",
    "baugenehmigung-vereinfacht": "bauordnungsamt",
    "hilfe-zum-lebensunterhalt": "sozialamt",
    "jagdschein": "jagdbehoerde",
    "waffenbesitzkarte": "waffenbehoerde",
}


def load_demo(tenant, folder, report) -> None:
    report.write(f"\nSteuerungs-Cockpit (/cockpit/), password {PASSWORD} + TOTP secret:")
    for (username, unit_key, secret), label, subscribe in [
        (MANAGER, "Landrat (Management)", True),
        (DEZERNENT, "Dezernent II (only Dezernat II)", False),
    ]:
        unit = OrgUnit.objects.filter(key=unit_key).first()
        if unit is None:
            continue
        user = add_staff(username, f"{username}@example.org", PASSWORD, unit, [Role.MANAGER])
        ensure_totp(user, secret)
        if subscribe:
            for rule in AlertRule.objects.all():
                rule.subscribers.add(user)
        report.write(f"  {label:<48} {username:<18} {secret}")
    if not Event.objects.filter(kind=event_kinds.PORTAL_SEARCH, data__demo=True).exists():
        _demo_events(tenant.slug)
    if not Event.objects.filter(kind=event_kinds.REPORT_RECEIVED, data__demo=True).exists():
        _demo_report_events(tenant.slug, folder)
    aggregates.refresh()


def _demo_events(tenant: str) -> None:
    rng = random.Random(15085 + 7)
    now = timezone.now()
    for _ in range(900):
        at = now - dt.timedelta(days=rng.uniform(0, 365))
        query, results = rng.choice(QUERIES)
        record_event(
            event_kinds.PORTAL_SEARCH,
            data={"query": query, "results": results, "top": "", "demo": True},
            occurred_at=at,
            tenant=tenant,
        )
    for _ in range(1500):
        at = now - dt.timedelta(days=rng.uniform(0, 365))
        service = rng.choices(SERVICES, [6, 3, 4, 3, 1, 1])[0]
        record_event(
            event_kinds.PORTAL_SERVICE_VIEWED,
            data={"service": service, "demo": True},
            occurred_at=at,
            tenant=tenant,
        )
    for n in range(160):
        at = now - dt.timedelta(days=rng.uniform(0, 365))
        service = rng.choices(SERVICES, [6, 3, 4, 3, 1, 1])[0]
        rating = rng.choices([1, 2, 3, 4, 5], [1, 1, 3, 6, 8])[0]
        record_event(
            event_kinds.FEEDBACK_SUBMITTED,
            subject=f"feedback:demo-{n}",
            data={
                "service": service,
                "org_unit": UNITS[service],
                "rating": rating,
                "comment": "",
                "demo": True,
            },
            occurred_at=at,
            tenant=tenant,
        )


def _demo_report_events(tenant: str, folder) -> None:
    """A year of Mängelmelder events: received, most confirmed and fixed (some reopened
    and fixed again), some closed, the rest open; fix times around the categories'
    target days of tenants/<slug>/reports.yaml. Only events: the reports app's own pages
    (and its public median) do not see them."""
    path = folder / "reports.yaml"
    if not path.exists():
        return
    categories = [
        (str(c["key"]), float(c.get("target_days") or 14))
        for c in read_yaml(path).get("categories") or []
        if isinstance(c, dict) and c.get("key")
    ]
    areas = list(
        Region.objects.filter(kind=Region.Kind.MUNICIPALITY, ars__startswith="15085")
        .order_by("ars")
        .values_list("ars", "population")
    )
    if not categories or not areas:
        return
    rng = random.Random(15085 + 17)
    now = timezone.now()
    weights = [max(p or 1000, 1000) for _ars, p in areas]
    # the first categories (roads, street lights, waste in Harz) are reported most often
    category_weights = [max(6 - i, 1) for i in range(len(categories))]
    for n in range(1200):
        key, target = rng.choices(categories, category_weights)[0]
        ars = rng.choices(areas, weights)[0][0]
        at = now - dt.timedelta(days=rng.uniform(0, 365))
        steps = [(event_kinds.REPORT_RECEIVED, at, {})]
        if rng.random() < 0.08:
            steps.append(
                (event_kinds.REPORT_CLOSED, at + dt.timedelta(days=rng.uniform(0.5, 5)), {})
            )
        else:
            steps.append(
                (event_kinds.REPORT_CONFIRMED, at + dt.timedelta(hours=rng.uniform(2, 48)), {})
            )
            days = rng.lognormvariate(0, 0.6) * target * 0.7
            fixed = at + dt.timedelta(days=days)
            steps.append((event_kinds.REPORT_FIXED, fixed, {"days": round(days, 2)}))
            if rng.random() < 0.06:
                again = fixed + dt.timedelta(days=rng.uniform(3, 20))
                steps.append((event_kinds.REPORT_REOPENED, again, {}))
                steps.append(
                    (
                        event_kinds.REPORT_FIXED,
                        again + dt.timedelta(days=rng.uniform(1, target)),
                        {},
                    )
                )
        for kind, when, extra in steps:
            if when < now:  # what has not happened yet stays open
                record_event(
                    kind,
                    subject=f"report:demo-{n}",
                    data={"category": key, "area": ars, "demo": True, **extra},
                    occurred_at=when,
                    tenant=tenant,
                )
