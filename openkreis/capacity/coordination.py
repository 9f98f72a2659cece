"""The staff side of the Kapazitätsfinder: Kitas report free places, the municipalities'
and the county's Kita coordination see applications, the county runs rounds and makes
manual overrides (always with a reason, recorded). docs/capacity.md, "Staff".

Who may act for what is decided in ONE place, `scope_for(user)`; every staff view uses it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from openkreis.core import event_kinds
from openkreis.core.models import Organisation, Region
from openkreis.core.staff import Role, memberships, unit_ids_for

from . import events, notify
from .allocation import Rules as ARules
from .models import AgeGroup, Application, FreePlaces, Kita, KitaGroup, Offer, Round, Rules
from .services import CapacityError, county_rules, first_of_month, run_round

STAFF_ROLES = (Role.KITA_STAFF, Role.KITA_COORDINATOR)
# an offer's status as staff read it (Offer.Status speaks to the parents)
STAFF_OFFER_STATUS = {
    Offer.Status.OPEN: pgettext_lazy("kita offer, staff", "Open (waiting for the parents)"),
    Offer.Status.ACCEPTED: pgettext_lazy("kita offer, staff", "Accepted"),
    Offer.Status.DECLINED: pgettext_lazy("kita offer, staff", "Declined"),
    Offer.Status.EXPIRED: pgettext_lazy("kita offer, staff", "Expired"),
    Offer.Status.WITHDRAWN: pgettext_lazy("kita offer, staff", "Withdrawn"),
}


def with_staff_status(offers):
    """The offers, each with `staff_status` for the staff pages."""
    offers = list(offers)
    for offer in offers:
        offer.staff_status = STAFF_OFFER_STATUS.get(offer.status, offer.status)
    return offers


MIN_REASON = 20  # characters an override's reason needs at least


@dataclass(frozen=True)
class Scope:
    """What one staff member may see and do in the Kapazitätsfinder."""

    county: bool = False  # the county's Kita coordination: everything
    kita_ids: frozenset = field(default_factory=frozenset)  # own Kitas (kita_staff)
    municipality_ids: frozenset = field(default_factory=frozenset)  # coordinated (Region ids)

    @property
    def coordinator(self) -> bool:
        return self.county or bool(self.municipality_ids)

    def kitas(self) -> QuerySet[Kita]:
        """The Kitas the user may report free places for and look at."""
        qs = Kita.objects.filter(active=True).select_related("municipality")
        if self.county:
            return qs
        return qs.filter(Q(pk__in=self.kita_ids) | Q(municipality_id__in=self.municipality_ids))

    def may_act_for(self, kita: Kita) -> bool:
        return (
            self.county or kita.pk in self.kita_ids or kita.municipality_id in self.municipality_ids
        )

    def application_kitas(self) -> QuerySet[Kita]:
        """The Kitas whose applications the user may see (coordination only)."""
        if self.county:
            return Kita.objects.all()
        return Kita.objects.filter(municipality_id__in=self.municipality_ids)

    @property
    def may_run_rounds(self) -> bool:
        return self.county

    @property
    def may_override(self) -> bool:
        return self.county


def scope_for(user) -> Scope:
    """THE access rule of the staff pages:

    - `kita_staff` in the Kita's unit (or a parent unit of it) → that Kita;
    - `kita_coordinator` in a unit of a municipality's (or Verbandsgemeinde's) administration
      → the Kitas of that municipality (of the Verbandsgemeinde's member municipalities);
    - `kita_coordinator` in a unit of the county administration → everything.
    """
    if not getattr(user, "is_authenticated", False):
        return Scope()
    kita_units = unit_ids_for(user, [Role.KITA_STAFF])
    kita_ids = frozenset(
        Kita.objects.filter(unit_id__in=kita_units).values_list("pk", flat=True)
        if kita_units
        else ()
    )
    county = False
    municipalities: set[int] = set()
    for membership in memberships(user, [Role.KITA_COORDINATOR]).select_related(
        "org_unit__organisation__region"
    ):
        organisation = membership.org_unit.organisation
        region = organisation.region
        if organisation.kind == Organisation.Kind.COUNTY_ADMINISTRATION:
            county = True
        elif region.kind == Region.Kind.MUNICIPALITY:
            municipalities.add(region.pk)
        elif region.kind == Region.Kind.VERBANDSGEMEINDE:
            municipalities.update(region.children.values_list("pk", flat=True))
    return Scope(county=county, kita_ids=kita_ids, municipality_ids=frozenset(municipalities))


# -- free places ------------------------------------------------------------------------------


def held_by_open_offers(group: KitaGroup, month: dt.date) -> int:
    return Offer.objects.filter(group=group, month=month, status=Offer.Status.OPEN).count()


@transaction.atomic
def report_free_places(group: KitaGroup, month: dt.date, free: int, *, actor) -> FreePlaces:
    """A Kita (or its coordination) reports how many places of `group` are free from
    `month` on. Never fewer than the open offers hold. More places than before: the parents
    with a matching alert are told after the commit (notify.places_freed)."""
    if month.day != 1 or month < first_of_month(timezone.localdate()):
        raise CapacityError(_("The month must be this month or later."))
    if free < 0:
        raise CapacityError(_("The number of free places cannot be negative."))
    row = FreePlaces.objects.select_for_update().filter(group=group, month=month).first()
    held = held_by_open_offers(group, month)
    if free < held:
        raise CapacityError(
            _(
                "%(held)s open offers hold places of this group in this month. Please report "
                "at least %(held)s free places, or ask the county to withdraw an offer."
            )
            % {"held": held}
        )
    before = row.free if row else 0
    if row is None:
        row = FreePlaces.objects.create(
            group=group, month=month, free=free, reported_by=actor, reported_at=timezone.now()
        )
    else:
        row.free, row.reported_by, row.reported_at = free, actor, timezone.now()
        row.save(update_fields=["free", "reported_by", "reported_at"])
    events.record_free_places(row, actor)
    if free > before:
        transaction.on_commit(lambda: notify.places_freed(row))
    return row


def free_places_of(kita: Kita) -> list[FreePlaces]:
    """The Kita's reported free places from this month on, with the places open offers hold."""
    rows = list(
        FreePlaces.objects.filter(group__kita=kita, month__gte=first_of_month(timezone.localdate()))
        .select_related("group")
        .order_by("month", "group__age_group")
    )
    held = {
        (o["group_id"], o["month"]): o["n"]
        for o in Offer.objects.filter(group__kita=kita, status=Offer.Status.OPEN)
        .values("group_id", "month")
        .annotate(n=Count("id"))
    }
    for row in rows:
        row.held = held.get((row.group_id, row.month), 0)
    return rows


def offers_of(kita: Kita, status: str) -> QuerySet[Offer]:
    """Offers for the Kita — the staff page shows first name, age group and month only."""
    return (
        Offer.objects.filter(group__kita=kita, status=status)
        .select_related("group", "application__child")
        .order_by("month", "created_at")
    )


# -- applications (pseudonymised) -----------------------------------------------------------


def age_label(application: Application) -> str:
    return str(AgeGroup(application.age_group).label)


def application_number(application: Application) -> str:
    return f"K-{application.pk:06d}"


def points_at(application: Application, kita: Kita, rules: dict | None = None) -> int:
    """The application's points at one Kita by the rules of the Kita's municipality."""
    rules = rules if rules is not None else rules_by_region()
    points = rules.get(kita.municipality_id) or rules.get(None) or ARules({})
    child = application.child
    met = []
    if child.municipality_id == kita.municipality_id:
        met.append("residence")
    if any(k.pk == kita.pk for k in child.siblings_at.all()):
        met.append("sibling")
    met.extend(application.flags)
    return points.score(met)


def rules_by_region() -> dict:
    return {r.region_id: ARules(r.points) for r in Rules.objects.all()}


@dataclass(frozen=True)
class ApplicationRow:
    number: str
    application: Application
    kita: Kita
    rank: int
    points: int
    age_group: str

    @property
    def age_label(self) -> str:
        return age_label(self.application)


def applications_for(scope: Scope, kita: Kita | None = None, status=None) -> list[ApplicationRow]:
    """One row per wish naming a Kita the user may see: number, age group, month, rank,
    points — no names, no birth dates shown."""
    kitas = scope.application_kitas()
    if kita is not None:
        kitas = kitas.filter(pk=kita.pk)
    kita_ids = set(kitas.values_list("pk", flat=True))
    qs = (
        Application.objects.filter(wishes__kita_id__in=kita_ids)
        .distinct()
        .select_related("child")
        .prefetch_related("wishes__kita", "child__siblings_at")
        .order_by("start_month", "applied_at", "id")
    )
    qs = qs.filter(status__in=status or Application.ACTIVE)
    rules = rules_by_region()
    rows = []
    for application in qs:
        group = application.age_group
        for wish in application.wishes.all():
            if wish.kita_id in kita_ids:
                rows.append(
                    ApplicationRow(
                        application_number(application),
                        application,
                        wish.kita,
                        wish.rank,
                        points_at(application, wish.kita, rules),
                        group,
                    )
                )
    return rows


def counts(rows: list[ApplicationRow]) -> list[dict]:
    """Applications per Kita: how many, how many as first wish."""
    table: dict[int, dict] = {}
    for row in rows:
        entry = table.setdefault(row.kita.pk, {"kita": row.kita, "all": 0, "first": 0})
        entry["all"] += 1
        entry["first"] += row.rank == 1
    return sorted(table.values(), key=lambda e: (-e["all"], e["kita"].name))


def waiting_list() -> QuerySet[Application]:
    return (
        Application.objects.filter(status=Application.Status.SUBMITTED)
        .select_related("child")
        .prefetch_related("wishes__kita")
        .order_by("start_month", "applied_at", "id")
    )


# -- the county: rounds and overrides ---------------------------------------------------------


def start_round(*, actor, seed: int | None = None) -> Round:
    return run_round(actor=actor, seed=seed)


def groups_for_override(application: Application) -> QuerySet[KitaGroup]:
    """Groups an override may offer: the child's age group, any active Kita."""
    return (
        KitaGroup.objects.filter(kita__active=True, age_group=application.age_group)
        .select_related("kita__municipality")
        .order_by("kita__municipality__name", "kita__name")
    )


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise CapacityError(
            _("Please give a reason of at least %(n)s characters.") % {"n": MIN_REASON}
        )
    return reason


@transaction.atomic
def override_offer(
    application: Application, group: KitaGroup, month: dt.date, *, reason: str, actor
) -> Offer:
    """The county offers a place outside a round. Only with a reason; never more offers
    than the group's free places in that month (the row is locked, as in accept)."""
    reason = _check_reason(reason)
    application = (
        Application.objects.select_for_update().select_related("child").get(pk=application.pk)
    )
    if application.status != Application.Status.SUBMITTED:
        raise CapacityError(
            _("Only a waiting application can get an offer. Withdraw the open offer first.")
        )
    if month.day != 1 or month < first_of_month(timezone.localdate()):
        raise CapacityError(_("The month must be this month or later."))
    if group.age_group != AgeGroup(application.age_group) or not group.kita.active:
        raise CapacityError(_("This group does not fit the child's age in that month."))
    places = FreePlaces.objects.select_for_update().filter(group=group, month=month).first()
    held = held_by_open_offers(group, month)
    if places is None or places.free - held <= 0:
        raise CapacityError(
            _("This group has no free place in that month that is not already offered.")
        )
    rank = next((w.rank for w in application.wishes.all() if w.kita_id == group.kita_id), None)
    offer = Offer.objects.create(
        application=application,
        group=group,
        month=month,
        wish_rank=rank,
        deadline=timezone.now() + dt.timedelta(days=county_rules().offer_days),
        points=points_at(application, group.kita),
        override_reason=reason,
    )
    application.status = Application.Status.OFFERED
    application.save(update_fields=["status"])
    events.offer_event(event_kinds.KITA_OFFER_OVERRIDDEN, offer)
    return offer


@transaction.atomic
def withdraw_offer(offer: Offer, *, reason: str, actor) -> Offer:
    """The county withdraws an open offer, with a reason: the place is free for the next
    round, the application waits again with all its wishes."""
    reason = _check_reason(reason)
    offer = (
        Offer.objects.select_for_update()
        .select_related("group__kita__municipality")
        .get(pk=offer.pk)
    )
    if offer.status != Offer.Status.OPEN:
        raise CapacityError(_("This offer is no longer open."))
    offer.status, offer.answered_at = Offer.Status.WITHDRAWN, timezone.now()
    note = _("Withdrawn: %(reason)s") % {"reason": reason}
    offer.override_reason = f"{offer.override_reason}\n{note}".strip()
    offer.save(update_fields=["status", "answered_at", "override_reason"])
    Application.objects.filter(pk=offer.application_id, status=Application.Status.OFFERED).update(
        status=Application.Status.SUBMITTED
    )
    events.offer_event(event_kinds.KITA_OFFER_OVERRIDDEN, offer)
    return offer
