"""Kapazitätsfinder services: the free-place search (public, no personal data). The parents'
applications, rounds and offers follow (docs/capacity.md)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Q, Sum, Window
from django.utils import timezone
from django.utils.translation import gettext as _

from openkreis.core import event_kinds
from openkreis.core.models import Region

from . import events, notify
from .allocation import Applicant, Instance, explain
from .allocation import Rules as ARules
from .models import (
    Application,
    Child,
    FreePlaces,
    Kita,
    KitaGroup,
    Offer,
    Round,
    Rules,
    Wish,
    age_group_at,
)

SEARCH_MONTHS = 3  # a search for a start month also shows the two months after it


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def county_rules() -> Rules:
    return Rules.objects.filter(region=None).first() or Rules()


def municipalities_with_kitas():
    """For choice fields: id, ARS and name only (a region's other columns are large), without
    DISTINCT over the join."""
    return (
        Region.objects.filter(pk__in=Kita.objects.filter(active=True).values("municipality_id"))
        .only("pk", "ars", "name")
        .order_by("name")
    )


SEARCH_MUNICIPALITIES_SECONDS = 3600  # a backstop: changes to Kitas drop the list at once


def search_municipalities_key() -> str:
    return f"capacity:search-municipalities:{settings.OPENKREIS_TENANT}"


def search_municipalities() -> list[tuple[str, str]]:
    """(ARS, name) of the municipalities with active Kitas, for the public search's choice
    field: kept in the shared cache per tenant, dropped when a Kita is saved or deleted
    (`models.forget_search_municipalities`)."""
    key = search_municipalities_key()
    found = cache.get(key)
    if found is None:
        found = list(municipalities_with_kitas().values_list("ars", "name"))
        cache.set(key, found, SEARCH_MUNICIPALITIES_SECONDS)
    return found


@dataclass(frozen=True)
class FreeKita:
    kita: Kita
    free: int
    months: list[dt.date]


@dataclass(frozen=True)
class FreeSearch:
    """One page of a free-place search: the Kitas of this page and how many there are."""

    kitas: list[FreeKita]
    total: int
    number: int
    pages: int

    # what templates/includes/pagination.html asks of a page
    @property
    def paginator(self):
        return SimpleNamespace(num_pages=self.pages)

    def has_other_pages(self) -> bool:
        return self.pages > 1

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


SEARCH_PAGE_SIZE = 20


def free_places(
    *,
    age_group: str,
    month: dt.date,
    hours: int | None = None,
    municipality: Region | str | None = None,
    page: int = 1,
    per_page: int = SEARCH_PAGE_SIZE,
) -> FreeSearch:
    """Kitas with free places in `age_group` for a start in `month` or the two months after,
    that offer at least `hours` of care a day; most free places first, one page of them.

    Two queries, whatever the county's size (bench/capacity.py): the grouped one reads the
    age group's rows with free places of the three months through `free_places_age_search`
    (the age group is on the row, so no join decides which rows to read), groups them per
    Kita — the most free places, in which of the months, and in every row how many Kitas
    there are in all (a window over the grouped rows) — and keeps one page; the second
    loads the page's Kitas with the columns a result shows."""
    months = [add_months(month, i) for i in range(SEARCH_MONTHS)]
    rows = FreePlaces.objects.filter(
        age_group=age_group, month__in=months, free__gt=0, group__kita__active=True
    )
    if hours:
        rows = rows.filter(group__kita__max_hours__gte=hours)
    if isinstance(municipality, str):  # its ARS (the search form)
        rows = rows.filter(group__kita__municipality__ars=municipality)
    elif municipality is not None:
        rows = rows.filter(group__kita__municipality=municipality)
    # one row per Kita: a Kita has one group per age group
    per_kita = (
        rows.values("group__kita_id")
        .annotate(
            most=Max("free"),
            total=Window(Count("group__kita_id")),
            **{f"in_{i}": Count("pk", filter=Q(month=m)) for i, m in enumerate(months)},
        )
        .order_by("-most", "group__kita__municipality__name", "group__kita__name", "group__kita_id")
    )
    page = max(page, 1)
    top = list(per_kita[(page - 1) * per_page : page * per_page])
    if not top and page > 1:  # beyond the last page: the last page
        total = per_kita.count()
        page = max(1, -(-total // per_page))
        top = list(per_kita[(page - 1) * per_page : page * per_page])
    total = top[0]["total"] if top else 0
    pages = max(1, -(-total // per_page))
    kitas = Kita.objects.only(*RESULT_FIELDS).in_bulk([row["group__kita_id"] for row in top])
    return FreeSearch(
        [
            FreeKita(
                kitas[row["group__kita_id"]],
                row["most"],
                [m for i, m in enumerate(months) if row[f"in_{i}"]],
            )
            for row in top
        ],
        total,
        page,
        pages,
    )


# what a search result shows of a Kita (templates/capacity/search_result.html)
RESULT_FIELDS = (
    "name",
    "provider",
    "street",
    "postcode",
    "town",
    "opening_hours",
    "max_hours",
    "languages",
    "inclusion",
)


def free_places_by_municipality(month: dt.date) -> list[dict]:
    """Free places for a start in `month` per municipality and age group (for the
    overview and the cockpit; counts only)."""
    return list(
        FreePlaces.objects.filter(month=month, group__kita__active=True)
        .values("group__kita__municipality__name", "group__age_group")
        .annotate(free=Sum("free"))
        .order_by("group__kita__municipality__name", "group__age_group")
    )


# -- the parents' applications -----------------------------------------------------------------


class CapacityError(ValueError):
    """A request the Kapazitätsfinder refuses; the message is for the user."""


FLAGS = ("hardship", "single_parent", "working_parents")


def _event(kind: str, obj) -> None:
    """One `kita.*` event without personal data (capacity/events.py, docs/events.md)."""
    if isinstance(obj, Offer):
        events.offer_event(kind, obj)
    elif isinstance(obj, Round):
        events.round_event(kind, obj)
    else:
        events.application_event(kind, obj)


@transaction.atomic
def apply(
    child: Child, *, start_month: dt.date, hours: int, kitas: list[Kita], flags=()
) -> Application:
    """One application per child with up to `max_wishes` ranked Kitas (best first)."""
    rules = county_rules()
    if not kitas:
        raise CapacityError(_("Please choose at least one Kita."))
    if len(kitas) > rules.max_wishes:
        raise CapacityError(_("You can name at most %(n)s Kitas.") % {"n": rules.max_wishes})
    if len({k.pk for k in kitas}) != len(kitas):
        raise CapacityError(_("Each Kita can be named only once."))
    if start_month.day != 1 or start_month < first_of_month(timezone.localdate()):
        raise CapacityError(_("The start must be this month or later."))
    if start_month < child.birth_date:
        raise CapacityError(_("The start cannot be before the child's birth."))
    unknown = set(flags) - set(FLAGS)
    if unknown:
        raise CapacityError(_("Unknown criterion."))
    group = age_group_at(child.birth_date, start_month)
    missing = [k.name for k in kitas if not k.groups.filter(age_group=group).exists()]
    if missing:
        raise CapacityError(
            _("%(kitas)s has no group for this age.") % {"kitas": ", ".join(missing)}
        )
    if (
        Application.objects.select_for_update()
        .filter(child=child, status__in=Application.ACTIVE)
        .exists()
    ):
        raise CapacityError(_("This child already has an open application."))
    application = Application.objects.create(
        child=child, start_month=start_month, hours=hours, flags=sorted(set(flags))
    )
    Wish.objects.bulk_create(
        Wish(application=application, rank=i, kita=k) for i, k in enumerate(kitas, 1)
    )
    _event(event_kinds.KITA_APPLICATION_SUBMITTED, application)
    return application


def _instance(applications: list[Application], capacity: dict, seed: int) -> Instance:
    rules = {r.region.ars if r.region_id else None: ARules(r.points) for r in Rules.objects.all()}
    kitas = {}
    applicants = []
    for application in applications:
        child = application.child
        group = age_group_at(child.birth_date, application.start_month)
        wishes = []
        for wish in application.wishes.all():
            kitas[wish.kita_id] = wish.kita
            wishes.append((wish.kita_id, group, application.start_month))
        applicants.append(
            Applicant(
                id=application.pk,
                wishes=tuple(wishes),
                municipality=child.municipality.ars,
                applied_on=timezone.localtime(application.applied_at).date(),
                flags=frozenset(application.flags),
                siblings_at=frozenset(k.pk for k in child.siblings_at.all()),
            )
        )
    return Instance(
        capacity=capacity,
        kita_of={pool: pool[0] for pool in capacity},
        municipality_of={
            k.pk: k.municipality.ars
            for k in Kita.objects.filter(
                pk__in={pool[0] for pool in capacity} | set(kitas)
            ).select_related("municipality")
        },
        rules=rules,
        applicants=applicants,
        seed=seed,
    )


def _capacity() -> dict:
    """Free places per pool (Kita, age group, month) minus the places held by open offers."""
    held = {
        (o["group__kita_id"], o["group__age_group"], o["month"]): o["n"]
        for o in Offer.objects.filter(status=Offer.Status.OPEN)
        .values("group__kita_id", "group__age_group", "month")
        .annotate(n=Count("id"))
    }
    capacity = {}
    for row in FreePlaces.objects.filter(group__kita__active=True).values(
        "group__kita_id", "group__age_group", "month", "free"
    ):
        pool = (row["group__kita_id"], row["group__age_group"], row["month"])
        capacity[pool] = max(row["free"] - held.get(pool, 0), 0)
    return capacity


@transaction.atomic
def run_round(*, actor=None, seed: int | None = None) -> Round:
    """Allocate the free places to the waiting applications (deferred acceptance) and make
    the offers, each with its deadline and the explanation of the better wishes not met.
    The seed is stored: the lottery can be repeated."""
    FreePlaces.objects.select_for_update().all().exists()  # one round at a time
    waiting = list(
        Application.objects.filter(status=Application.Status.SUBMITTED)
        .select_related("child__municipality")
        .prefetch_related("wishes__kita", "child__siblings_at")
    )
    seed = seed if seed is not None else secrets.randbits(62)
    capacity = _capacity()
    instance = _instance(waiting, capacity, seed)
    outcome = instance.run()
    deadline = timezone.now() + dt.timedelta(days=county_rules().offer_days)
    round_ = Round.objects.create(seed=seed, started_by=actor)
    groups = {(g.kita_id, g.age_group): g for g in KitaGroup.objects.filter(kita__active=True)}
    by_id = {a.pk: a for a in waiting}
    offers = []
    for application_id, pool in outcome.placement.items():
        application = by_id[application_id]
        kita_id, age_group, month = pool
        points, _met = instance.points(pool, application_id)
        _, _, number = instance.unpack(instance.key(pool, application_id))
        offers.append(
            Offer(
                round=round_,
                application=application,
                group=groups[(kita_id, age_group)],
                month=month,
                wish_rank=next(w.rank for w in application.wishes.all() if w.kita_id == kita_id),
                deadline=deadline,
                lottery_number=number,
                points=points,
                explanation=[_reason_data(r) for r in explain(instance, outcome, application_id)],
            )
        )
    Offer.objects.bulk_create(offers)
    Application.objects.filter(pk__in=list(outcome.placement)).update(
        status=Application.Status.OFFERED
    )
    round_.summary = {
        "applications": len(waiting),
        "offers": len(offers),
        "pools": len(capacity),
        "places": sum(capacity.values()),
    }
    round_.save(update_fields=["summary"])
    _event(event_kinds.KITA_ROUND_RUN, round_)
    events.offers_made(offers)
    transaction.on_commit(lambda: notify.offers_made(offers))
    return round_


def _reason_data(reason) -> dict:
    kita_id, _group, _month = reason.pool
    return {
        "kita": kita_id,
        "code": reason.code,
        "your_points": reason.your_points,
        "cutoff_points": reason.cutoff_points,
        "missing": list(reason.missing),
    }


@transaction.atomic
def accept(offer: Offer, *, parent) -> Offer:
    """The parent accepts: the place is taken (free places − 1, locked, never below 0) and
    the application is closed as placed — no other wish stays open."""
    offer = Offer.objects.select_for_update().select_related("application__child").get(pk=offer.pk)
    if offer.application.child.parent_id != parent.pk:
        raise CapacityError(_("This offer is not for your child."))
    if offer.status != Offer.Status.OPEN:
        raise CapacityError(_("This offer is no longer open."))
    if offer.deadline < timezone.now():
        raise CapacityError(_("The deadline for this offer has passed."))
    places = (
        FreePlaces.objects.select_for_update().filter(group=offer.group, month=offer.month).first()
    )
    if places is None or places.free <= 0:
        raise CapacityError(_("This place is no longer free. Please contact the Kita."))
    places.free -= 1
    places.save(update_fields=["free"])
    now = timezone.now()
    offer.status, offer.answered_at = Offer.Status.ACCEPTED, now
    offer.save(update_fields=["status", "answered_at"])
    application = offer.application
    application.status, application.closed_at = Application.Status.PLACED, now
    application.close_reason = "placed"
    application.save(update_fields=["status", "closed_at", "close_reason"])
    _event(event_kinds.KITA_OFFER_ACCEPTED, offer)
    transaction.on_commit(lambda: notify.offer_accepted(offer))
    return offer


@transaction.atomic
def decline(offer: Offer, *, parent) -> Offer:
    """The parent declines: the place goes to the next round; the application waits again
    for its other wishes."""
    offer = Offer.objects.select_for_update().select_related("application__child").get(pk=offer.pk)
    if offer.application.child.parent_id != parent.pk:
        raise CapacityError(_("This offer is not for your child."))
    if offer.status != Offer.Status.OPEN:
        raise CapacityError(_("This offer is no longer open."))
    _reopen(offer, Offer.Status.DECLINED)
    _event(event_kinds.KITA_OFFER_DECLINED, offer)
    return offer


@transaction.atomic
def withdraw(application: Application, *, parent) -> Application:
    """The parent withdraws an open application; an open offer is withdrawn with it (its
    place goes to the next round)."""
    application = (
        Application.objects.select_for_update().select_related("child").get(pk=application.pk)
    )
    if application.child.parent_id != parent.pk:
        raise CapacityError(_("This application is not for your child."))
    if application.status not in Application.ACTIVE:
        raise CapacityError(_("This application is no longer open."))
    now = timezone.now()
    application.offers.filter(status=Offer.Status.OPEN).update(
        status=Offer.Status.WITHDRAWN, answered_at=now
    )
    application.status, application.closed_at = Application.Status.WITHDRAWN, now
    application.close_reason = "withdrawn by the parent"
    application.save(update_fields=["status", "closed_at", "close_reason"])
    _event(event_kinds.KITA_APPLICATION_WITHDRAWN, application)
    return application


def _reopen(offer: Offer, status: str) -> None:
    offer.status, offer.answered_at = status, timezone.now()
    offer.save(update_fields=["status", "answered_at"])
    # the declined Kita is not offered again: the wish is dropped, the others stay
    offer.application.wishes.filter(kita=offer.group.kita).delete()
    offer.application.status = Application.Status.SUBMITTED
    offer.application.save(update_fields=["status"])


def expire_offers(now=None) -> int:
    """Offers past their deadline expire (a declined offer's rules); returns how many."""
    now = now or timezone.now()
    count = 0
    for pk in Offer.objects.filter(status=Offer.Status.OPEN, deadline__lt=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            offer = Offer.objects.select_for_update().get(pk=pk)
            if offer.status == Offer.Status.OPEN and offer.deadline < now:
                _reopen(offer, Offer.Status.EXPIRED)
                _event(event_kinds.KITA_OFFER_EXPIRED, offer)
                transaction.on_commit(lambda o=offer: notify.offer_expired(o))
                count += 1
    return count
