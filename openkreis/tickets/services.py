"""HATIX services: the entry points other code and tests use (docs/tickets.md "Hosts and stays").

Hosts register stays (form or CSV import); marking a stay's guest levy paid issues one signed
ticket per guest (`keys.sign`, "HX1:…"); cancelling a stay revokes its tickets; the ticket
office revokes or reissues single tickets. Every change writes its event (docs/events.md) in
the same transaction, without personal data. Bad input raises `HostError` with a message in
the user's language.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from collections import Counter, defaultdict
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from openkreis.core import event_kinds
from openkreis.core.models import Region
from openkreis.core.services import record_event

from . import keys
from .imports import ImportRow, parse_csv  # noqa: F401  (re-exported for callers)
from .models import Accommodation, Guest, LevyRate, Scheme, Stay, Ticket

MAX_GUESTS = 60  # per stay: a coach party; larger groups register several stays
MAX_NIGHTS = 180
REASON_CANCELLED, REASON_OFFICE, REASON_REISSUED = "cancelled", "office", "reissued"


class HostError(Exception):
    """A stay, an import or a ticket action was refused; the message says why."""


def _paid_change() -> str:
    return _("This stay is paid and has tickets; cancel it and register it again to change it.")


# -- scheme and levy rates ---------------------------------------------------------------------
# During one import the county data cannot change: scheme, categories, rates and the signing
# key are read once per import instead of once per stay (`_memo`, set by `import_stays`).
_memo: ContextVar[dict | None] = ContextVar("tickets_import_memo", default=None)


def _memoised(key, load):
    memo = _memo.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]


def scheme() -> Scheme:
    """The county's ticket scheme (tickets.yaml); the model's defaults without one."""
    return _memoised("scheme", lambda: Scheme.objects.order_by("pk").first() or Scheme())


def zone_names() -> dict[str, str]:
    return {zone["key"]: zone["name"] for zone in scheme().zones}


def categories() -> dict[str, str]:
    """Levy category → label, in the county data's order (adult, child, reduced…)."""

    def load() -> dict[str, str]:
        result: dict[str, str] = {}
        for category, label in LevyRate.objects.order_by("pk").values_list("category", "label"):
            result.setdefault(category, label)
        return result

    return _memoised("categories", load)


def levy_municipalities() -> QuerySet[Region]:
    """The municipalities that raise a guest levy (they have rates)."""
    return Region.objects.filter(levy_rates__isnull=False).distinct().order_by("name")


def rates_on(municipality_id: int, day: dt.date) -> dict[str, LevyRate]:
    """The levy rates valid on `day` in the municipality, per category."""

    def load() -> dict[str, LevyRate]:
        rates: dict[str, LevyRate] = {}
        for rate in LevyRate.objects.filter(municipality_id=municipality_id, valid_from__lte=day):
            rates.setdefault(rate.category, rate)  # ordered newest valid_from first
        return rates

    return _memoised(("rates", municipality_id, day), load)


# -- stays --------------------------------------------------------------------------------------
def _stay_data(stay: Stay, counts: dict[str, int]) -> dict:
    return {
        "municipality": stay.accommodation.municipality.ars,
        "nights": stay.nights,
        "guests": sum(counts.values()),
        "categories": dict(counts),
        "arrival": stay.arrival.isoformat(),
    }


def _counts(stay: Stay) -> dict[str, int]:
    return dict(Counter(stay.guests.values_list("category", flat=True)))


def check_stay(
    accommodation: Accommodation,
    arrival: dt.date,
    departure: dt.date,
    counts: dict[str, int],
    names: list[tuple[str, str]] | None = None,
) -> None:
    """Raise HostError unless the stay can be registered (dates, guests, levy categories)."""
    if departure <= arrival:
        raise HostError(_("The departure must be after the arrival."))
    if (departure - arrival).days > MAX_NIGHTS:
        raise HostError(_("A stay can have at most %(n)d nights.") % {"n": MAX_NIGHTS})
    if arrival < timezone.localdate() - dt.timedelta(days=400):
        raise HostError(_("The arrival is more than 400 days ago."))
    total = sum(counts.values())
    if any(n < 0 for n in counts.values()) or total < 1:
        raise HostError(_("A stay needs at least one guest."))
    if total > MAX_GUESTS:
        raise HostError(
            _("A stay can have at most %(n)d guests; register larger groups as several stays.")
            % {"n": MAX_GUESTS}
        )
    rates = rates_on(accommodation.municipality_id, arrival)
    if not rates:
        raise HostError(
            _("%(place)s raises no guest levy on %(day)s: no HATIX tickets can be issued there.")
            % {"place": accommodation.municipality.name, "day": arrival.strftime("%d.%m.%Y")}
        )
    unknown = sorted(c for c, n in counts.items() if n and c not in rates)
    if unknown:
        raise HostError(_("Unknown guest category: %(c)s.") % {"c": ", ".join(unknown)})
    if names and len(names) > total:
        raise HostError(_("More names than guests."))


def _guests(stay: Stay, counts: dict[str, int], names: list[tuple[str, str]]) -> list[Guest]:
    order = list(categories()) or sorted(counts)
    guests, number = [], 0
    for category in order + sorted(set(counts) - set(order)):
        for _i in range(counts.get(category, 0)):
            first, last = names[number] if number < len(names) else ("", "")
            number += 1
            guests.append(
                Guest(
                    stay=stay,
                    number=number,
                    category=category,
                    first_name=first.strip()[:100],
                    last_name=last.strip()[:100],
                )
            )
    return guests


@transaction.atomic
def register_stay(
    accommodation: Accommodation,
    *,
    arrival: dt.date,
    departure: dt.date,
    counts: dict[str, int],
    names: list[tuple[str, str]] | None = None,
    paid: bool = False,
    reference: str = "",
    user=None,
) -> Stay:
    """Register a stay with its guests (counted per levy category, names optional); a paid
    stay gets its tickets at once. A booking reference is unique per accommodation."""
    names = [n for n in (names or []) if any(part.strip() for part in n)]
    check_stay(accommodation, arrival, departure, counts, names)
    reference = (reference or "").strip()[:60]
    if reference and accommodation.stays.filter(reference=reference).exists():
        raise HostError(
            _("A stay with booking reference %(ref)s is already registered.") % {"ref": reference}
        )
    stay = Stay.objects.create(
        accommodation=accommodation,
        reference=reference,
        arrival=arrival,
        departure=departure,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    Guest.objects.bulk_create(_guests(stay, counts, names))
    clean = {c: n for c, n in counts.items() if n}
    record_event(
        event_kinds.TICKET_STAY_REGISTERED, subject=f"stay:{stay.pk}", data=_stay_data(stay, clean)
    )
    if paid:
        mark_paid(stay, user=user)
    return stay


@transaction.atomic
def update_stay(
    stay: Stay,
    *,
    arrival: dt.date,
    departure: dt.date,
    counts: dict[str, int],
    names: list[tuple[str, str]] | None = None,
) -> bool:
    """Change an unpaid stay (CSV re-import); True if anything changed. Paid stays have
    tickets: they are cancelled and registered anew instead."""
    stay = Stay.objects.select_for_update().get(pk=stay.pk)
    names = [n for n in (names or []) if any(part.strip() for part in n)]
    current = {c: n for c, n in _counts(stay).items()}
    current_names = [
        (g.first_name, g.last_name) for g in stay.guests.all() if g.first_name or g.last_name
    ]
    clean = {c: n for c, n in counts.items() if n}
    if (
        (stay.arrival, stay.departure) == (arrival, departure)
        and current == clean
        and (not names or names == current_names)
    ):
        return False
    if stay.cancelled_at:
        raise HostError(_("This stay was cancelled."))
    if stay.paid_at:
        raise HostError(_paid_change())
    check_stay(stay.accommodation, arrival, departure, counts, names)
    stay.arrival, stay.departure = arrival, departure
    stay.save(update_fields=["arrival", "departure", "updated_at"])
    stay.guests.all().delete()
    Guest.objects.bulk_create(_guests(stay, counts, names or current_names))
    return True


def _local_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def ticket_validity(stay: Stay, current: Scheme | None = None) -> tuple[dt.datetime, dt.datetime]:
    """From the arrival day 00:00 until the departure day at the scheme's hour (local time)."""
    current = current or scheme()
    until = dt.datetime.combine(stay.departure, dt.time(current.valid_until_hour, 59, 59))
    return _local_start(stay.arrival), timezone.make_aware(until)


def payload(ticket: Ticket, guest: Guest) -> dict:
    """What the signed code carries — nothing more (data minimisation, docs/tickets.md):
    serial, validity (epoch seconds), zone keys, initials or None, the HarzCard flag."""
    return {
        "serial": ticket.serial,
        "valid_from": int(ticket.valid_from.timestamp()),
        "valid_until": int(ticket.valid_until.timestamp()),
        "zones": list(ticket.zones),
        "initials": guest.initials or None,
        "harzcard": ticket.harzcard,
    }


def _new_ticket(guest: Guest, valid: tuple, zones: list[str], key, prefix: str) -> Ticket:
    ticket = Ticket(
        serial=secrets.token_hex(8).upper(),
        access_key=secrets.token_urlsafe(32),
        guest=guest,
        valid_from=valid[0],
        valid_until=valid[1],
        zones=zones,
        harzcard=True,
        key=key,
    )
    ticket.code = keys.sign(payload(ticket, guest), key=key, prefix=prefix)
    return ticket


@transaction.atomic
def issue_tickets(stay: Stay) -> list[Ticket]:
    """One ticket per guest of a paid stay who has no valid ticket yet (idempotent)."""
    if not stay.paid_at or stay.cancelled_at:
        raise HostError(_("Tickets are issued only for paid stays that are not cancelled."))
    current = scheme()
    valid = ticket_validity(stay, current)
    zones = [zone["key"] for zone in current.zones]
    key = _memoised("key", keys.current_key)
    covered = set(
        Ticket.objects.filter(guest__stay=stay, revoked_at=None).values_list("guest_id", flat=True)
    )
    guests = [g for g in stay.guests.all() if g.pk not in covered]
    prefix = current.prefix.rstrip(":") + ":"
    made = Ticket.objects.bulk_create([_new_ticket(g, valid, zones, key, prefix) for g in guests])
    if made:
        record_event(
            event_kinds.TICKET_ISSUED,
            subject=f"stay:{stay.pk}",
            data={
                "municipality": stay.accommodation.municipality.ars,
                "tickets": len(made),
                "days": stay.nights + 1,
            },
        )
    return made


@transaction.atomic
def mark_paid(stay: Stay, *, user=None) -> list[Ticket]:
    """The guest levy of the stay is paid: the guests get their tickets. Idempotent."""
    stay = (
        Stay.objects.select_for_update()
        .select_related("accommodation__municipality")
        .get(pk=stay.pk)
    )
    if stay.cancelled_at:
        raise HostError(_("This stay was cancelled."))
    if stay.paid_at is None:
        stay.paid_at = timezone.now()
        stay.save(update_fields=["paid_at", "updated_at"])
        record_event(
            event_kinds.TICKET_STAY_PAID,
            subject=f"stay:{stay.pk}",
            data=_stay_data(stay, _counts(stay)),
        )
    return issue_tickets(stay)


def _revoke(tickets: QuerySet[Ticket], stay: Stay, reason: str, text: str) -> int:
    count = tickets.filter(revoked_at=None).update(
        revoked_at=timezone.now(), revoke_reason=text[:200]
    )
    if count:
        record_event(
            event_kinds.TICKET_REVOKED,
            subject=f"stay:{stay.pk}",
            data={
                "municipality": stay.accommodation.municipality.ars,
                "tickets": count,
                "reason": reason,
            },
        )
    return count


@transaction.atomic
def cancel_stay(stay: Stay, *, user=None) -> int:
    """Cancel a stay: its tickets are revoked at once (they go on the revocation list).
    Returns the number of revoked tickets; cancelling twice changes nothing."""
    stay = (
        Stay.objects.select_for_update()
        .select_related("accommodation__municipality")
        .get(pk=stay.pk)
    )
    if stay.cancelled_at:
        return 0
    stay.cancelled_at = timezone.now()
    stay.save(update_fields=["cancelled_at", "updated_at"])
    record_event(
        event_kinds.TICKET_STAY_CANCELLED,
        subject=f"stay:{stay.pk}",
        data=_stay_data(stay, _counts(stay)),
    )
    return _revoke(
        Ticket.objects.filter(guest__stay=stay), stay, REASON_CANCELLED, "Aufenthalt storniert"
    )


@transaction.atomic
def revoke_ticket(ticket: Ticket, reason: str, *, user=None) -> bool:
    """The ticket office revokes one ticket with a reason (shown to the office, never on
    the guest's page). False if it was revoked already."""
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise HostError(_("Please give a reason (at least 3 characters)."))
    stay = ticket.guest.stay
    return bool(_revoke(Ticket.objects.filter(pk=ticket.pk), stay, REASON_OFFICE, reason))


@transaction.atomic
def reissue_ticket(ticket: Ticket, *, user=None) -> Ticket:
    """A new ticket for the same guest (lost phone, wrong initials): the old one is revoked."""
    ticket = Ticket.objects.select_related("guest__stay__accommodation__municipality").get(
        pk=ticket.pk
    )
    stay = ticket.guest.stay
    if stay.cancelled_at or not stay.paid_at:
        raise HostError(_("Tickets are issued only for paid stays that are not cancelled."))
    others = Ticket.objects.filter(guest_id=ticket.guest_id, revoked_at=None).exclude(pk=ticket.pk)
    if others.exists():
        raise HostError(_("This guest already has a newer valid ticket."))
    _revoke(Ticket.objects.filter(pk=ticket.pk), stay, REASON_REISSUED, "neu ausgestellt")
    made = [t for t in issue_tickets(stay) if t.guest_id == ticket.guest_id]
    return made[0]


# -- CSV import ---------------------------------------------------------------------------------
@dataclass
class ImportResult:
    rows: list[ImportRow]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    paid: int = 0
    tickets: int = 0
    errors: int = 0
    problems: list[str] = field(default_factory=list)  # about the whole file


PREVIEW_COUNTERS = {"new": "created", "update": "updated"}


def import_stays(accommodation: Accommodation, data: bytes, *, user=None, commit: bool = False):
    """Read a CSV export of a property-management system (imports.py: columns, encodings)
    and check every row; with `commit`, register the valid rows. Idempotent by booking
    reference: a row seen before is unchanged (or updated while unpaid), never a second stay.
    Rows with errors are left out; the preview lists them with their line and reason."""
    token = _memo.set({})
    try:
        return _import(accommodation, data, user, commit)
    finally:
        _memo.reset(token)


def _import(accommodation: Accommodation, data: bytes, user, commit: bool) -> ImportResult:
    rows, problems = parse_csv(data, categories())
    result = ImportResult(rows=rows, problems=problems)
    if problems:
        result.errors = len(problems)
        return result
    references = [row.reference for row in rows]
    existing = {s.reference: s for s in accommodation.stays.filter(reference__in=references)}
    for row in rows:
        if row.errors:
            continue
        stay = existing.get(row.reference)
        try:
            if stay is None:
                check_stay(accommodation, row.arrival, row.departure, row.counts, row.names)
                row.action = "new"
            else:
                row.action = _compare(stay, row)
        except HostError as exc:
            row.errors.append(str(exc))
    if commit:
        _commit_import(accommodation, rows, existing, result, user)
    for row in rows:
        if row.errors:
            result.errors += 1
        elif not commit:
            counter = PREVIEW_COUNTERS.get(row.action, "unchanged")
            setattr(result, counter, getattr(result, counter) + 1)
    return result


def _compare(stay: Stay, row: ImportRow) -> str:
    counts = _counts(stay)
    same = (stay.arrival, stay.departure) == (row.arrival, row.departure) and counts == {
        c: n for c, n in row.counts.items() if n
    }
    if stay.cancelled_at:
        raise HostError(_("This stay was cancelled."))
    if not same:
        if stay.paid_at:
            raise HostError(_paid_change())
        check_stay(stay.accommodation, row.arrival, row.departure, row.counts, row.names)
        return "update"
    if row.paid and not stay.paid_at:
        return "pay"
    return "unchanged"


@transaction.atomic  # one commit for the file; each row in its own savepoint
def _commit_import(accommodation, rows, existing, result: ImportResult, user) -> None:
    for row in rows:
        if row.errors:
            continue
        try:
            with transaction.atomic():
                stay = existing.get(row.reference)
                if stay is None:
                    stay = register_stay(
                        accommodation,
                        arrival=row.arrival,
                        departure=row.departure,
                        counts=row.counts,
                        names=row.names,
                        reference=row.reference,
                        user=user,
                    )
                    result.created += 1
                elif row.action == "update":
                    update_stay(
                        stay,
                        arrival=row.arrival,
                        departure=row.departure,
                        counts=row.counts,
                        names=row.names,
                    )
                    result.updated += 1
                else:
                    result.unchanged += 1
                if row.paid and not stay.paid_at:
                    result.tickets += len(mark_paid(stay, user=user))
                    result.paid += 1
        except (HostError, IntegrityError) as exc:
            row.errors.append(str(exc) if isinstance(exc, HostError) else _("Already imported."))


# -- statements -----------------------------------------------------------------------------------
@dataclass
class StatementLine:
    municipality: Region
    category: str
    label: str
    cents: int
    guests: int = 0
    nights: int = 0  # guest-nights in the month

    @property
    def amount(self) -> int:
        return self.nights * self.cents


@dataclass
class Statement:
    year: int
    month: int
    lines: list[StatementLine]
    stays: int

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def nights(self) -> int:
        return sum(line.nights for line in self.lines)


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise HostError(_("Please choose a month between 2000 and 2100."))
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1)
    return start, end


def statement(
    year: int,
    month: int,
    *,
    company=None,
    municipality: Region | None = None,
) -> Statement:
    """The guest levy of a month: guest-nights × rate per municipality and category, over
    the stays not cancelled (the host collects the levy with the bill: paid or not, the
    nights are owed). A stay across a month's end counts its nights in each month; the rate
    is the one valid on the arrival day."""
    start, end = month_bounds(year, month)
    stays = Stay.objects.filter(cancelled_at=None, arrival__lt=end, departure__gt=start)
    if company is not None:
        stays = stays.filter(accommodation__company=company)
    if municipality is not None:
        stays = stays.filter(accommodation__municipality=municipality)
    counted = (
        Guest.objects.filter(stay__in=stays)
        .values("stay_id", "category")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_stay: dict[int, dict[str, int]] = defaultdict(dict)
    for row in counted:
        per_stay[row["stay_id"]][row["category"]] = row["n"]
    lines: dict[tuple, StatementLine] = {}
    rate_cache: dict[tuple, dict[str, LevyRate]] = {}
    stay_rows = stays.select_related("accommodation__municipality").order_by("arrival", "pk")
    for stay in stay_rows:
        region = stay.accommodation.municipality
        cache_key = (region.pk, stay.arrival)
        if cache_key not in rate_cache:
            rate_cache[cache_key] = rates_on(region.pk, stay.arrival)
        nights = (min(stay.departure, end) - max(stay.arrival, start)).days
        for category, guests in per_stay[stay.pk].items():
            rate = rate_cache[cache_key].get(category)
            cents = rate.cents_per_night if rate else 0
            key = (region.pk, category, cents)
            if key not in lines:
                label = rate.label if rate else category
                lines[key] = StatementLine(region, category, label, cents)
            lines[key].guests += guests
            lines[key].nights += guests * nights
    order = list(categories())
    ordered = sorted(
        lines.values(),
        key=lambda line: (
            line.municipality.name,
            order.index(line.category) if line.category in order else 99,
            -line.cents,
        ),
    )
    return Statement(year, month, ordered, stay_rows.count())


def statement_csv(result: Statement) -> str:
    """The statement as CSV for the municipality's treasury (semicolon, German decimals)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "Monat",
            "Gemeinde",
            "ARS",
            "Kategorie",
            "Gäste",
            "Übernachtungen",
            "Satz (EUR)",
            "Betrag (EUR)",
        ]
    )
    month = f"{result.year:04d}-{result.month:02d}"
    for line in result.lines:
        writer.writerow(
            [
                month,
                line.municipality.name,
                line.municipality.ars,
                line.label,
                line.guests,
                line.nights,
                euro(line.cents),
                euro(line.amount),
            ]
        )
    writer.writerow([month, "Summe", "", "", "", result.nights, "", euro(result.total)])
    return buffer.getvalue()


def euro(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


# -- wallet ----------------------------------------------------------------------------------------
def wallet(access_key: str) -> tuple[Ticket, list[Ticket]] | None:
    """The ticket with this access key and the tickets the page shows: the whole stay's
    when the key is the stay's first guest's (the link the host shares with the booking
    party), else this one ticket. Revoked tickets are shown as revoked. None: unknown key."""
    if not access_key or len(access_key) > 43:
        return None
    ticket = (
        Ticket.objects.select_related("guest__stay__accommodation__municipality", "key")
        .filter(access_key=access_key)
        .first()
    )
    if ticket is None:
        return None
    if ticket.guest.number != 1:
        return ticket, [ticket]
    tickets = list(
        Ticket.objects.select_related("guest")
        .filter(guest__stay_id=ticket.guest.stay_id)
        .filter(Q(revoked_at=None) | Q(pk=ticket.pk))
        .order_by("guest__number", "-issued_at")
    )
    return ticket, tickets


def stay_link_ticket(stay: Stay) -> Ticket | None:
    """The ticket whose wallet shows the whole stay (the first guest's valid one)."""
    return (
        Ticket.objects.filter(guest__stay=stay, guest__number=1, revoked_at=None)
        .order_by("-issued_at")
        .first()
    )
