"""Retention of the Kapazitätsfinder's personal data (docs/capacity.md): children,
applications, wishes, offers and the parents' place alerts go `Rules.retention_days` after an
application was closed (placed or withdrawn); a child without any application after the same
time from its creation. Run daily by Celery beat (tasks.purge_kita_data) or
`manage.py purge_kita_data`. Rounds stay (a seed and counts, no person).

Also the account's part of the data export and deletion (core.personal_data): `KitaData`."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Application, Child, PlaceAlert
from .services import county_rules


def cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=county_rules().retention_days)


@transaction.atomic
def purge(now: dt.datetime | None = None, *, dry_run: bool = False) -> dict[str, int]:
    """Delete what is past the retention time; returns the counts (would) deleted."""
    limit = cutoff(now)
    closed = Application.objects.filter(
        status__in=[Application.Status.PLACED, Application.Status.WITHDRAWN],
        closed_at__lt=limit,
    )
    counts = {"applications": closed.count()}
    old_child = Q(created_at__lt=limit)
    # children left without any application (after the closed ones go)
    orphans = Child.objects.filter(old_child).exclude(
        applications__in=Application.objects.exclude(pk__in=closed.values("pk"))
    )
    counts["children"] = orphans.count()
    # alerts of parents with nothing open, untouched for the retention time
    active_parents = Application.objects.filter(status__in=Application.ACTIVE).values(
        "child__parent"
    )
    alerts = (
        PlaceAlert.objects.exclude(user__in=active_parents)
        .filter(created_at__lt=limit)
        .filter(Q(last_sent_at=None) | Q(last_sent_at__lt=limit))
    )
    counts["alerts"] = alerts.count()
    if not dry_run:
        alerts.delete()
        orphan_ids = list(orphans.values_list("pk", flat=True))
        closed.delete()  # wishes and offers with them
        Child.objects.filter(pk__in=orphan_ids).delete()
    return counts


class KitaData:
    """`core.personal_data` plugin: the parent's children, applications (wishes, offers) and
    place alerts — exported, and deleted with the account."""

    def export(self, user) -> dict:
        children = []
        for child in (
            Child.objects.filter(parent=user)
            .select_related("municipality")
            .prefetch_related("siblings_at", "applications__wishes__kita")
        ):
            children.append(
                {
                    "first_name": child.first_name,
                    "birth_date": child.birth_date.isoformat(),
                    "place_of_residence": child.municipality.name,
                    "siblings_at": [k.name for k in child.siblings_at.all()],
                    "applications": [self._application(a) for a in child.applications.all()],
                }
            )
        alerts = [
            {
                "age_group": a.age_group,
                "municipality": a.municipality.name if a.municipality_id else "",
                "created_at": a.created_at.isoformat(),
            }
            for a in PlaceAlert.objects.filter(user=user).select_related("municipality")
        ]
        return {"children": children, "alerts": alerts}

    @staticmethod
    def _application(application: Application) -> dict:
        return {
            "start_month": f"{application.start_month:%Y-%m}",
            "hours": application.hours,
            "flags": list(application.flags),
            "status": application.status,
            "applied_at": application.applied_at.isoformat(),
            "closed_at": application.closed_at.isoformat() if application.closed_at else None,
            "wishes": [w.kita.name for w in application.wishes.all()],
            "offers": [
                {
                    "kita": o.group.kita.name,
                    "month": f"{o.month:%Y-%m}",
                    "status": o.status,
                    "deadline": o.deadline.isoformat(),
                    "points": o.points,
                }
                for o in application.offers.select_related("group__kita")
            ],
        }

    def erase(self, user) -> None:
        PlaceAlert.objects.filter(user=user).delete()
        Child.objects.filter(parent=user).delete()  # applications, wishes, offers with them
