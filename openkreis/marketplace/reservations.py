"""Click & collect (issue 22, docs/marketplace.md "Click & collect"): a customer reserves
items of a shop for pickup (no online payment), the shop confirms or declines, the customer
shows the pickup code, the shop hands the items out; an unanswered request and an
uncollected reservation expire.

Never oversold: a reservation takes its pieces with ONE conditional UPDATE
(`reserved = reserved + q WHERE pk = … AND active AND stock - reserved >= q`); PostgreSQL
re-checks the condition on the row's newest version after waiting for a concurrent writer's
lock, so of 50 customers who want the last item exactly one gets it, and the database's
`reserved <= stock` constraint backs it. Every transition is a conditional UPDATE on the
status (`WHERE status IN (…)`): of two people acting at once (the shop confirming while the
expiry runs, two till staff typing the same code) exactly one wins, and the stock is
released or taken in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from openkreis.accounts.models import CompanyMembership
from openkreis.core import event_kinds
from openkreis.core.services import record_event

from .models import Product, Reservation, ReservationItem, Scheme, Shop

log = logging.getLogger(__name__)

# pickup codes: no 0/O and no 1/I, which people read into each other
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 6
MAX_QUANTITY = 10
Status = Reservation.Status
OPEN = [Status.REQUESTED, Status.CONFIRMED]


class ReservationError(Exception):
    """A transition that cannot be made; `message` is for the user (their language)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ReservationRefused(ReservationError):
    """The items cannot be reserved (not enough in stock, shop without click & collect)."""


def new_pickup_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """What the shop typed, as stored: capitals, without spaces and dashes."""
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())


def reservations_of(user) -> QuerySet[Reservation]:
    """The customer's own reservations (every customer page looks up through this)."""
    if not getattr(user, "is_authenticated", False):
        return Reservation.objects.none()
    return Reservation.objects.filter(customer=user).select_related("shop__place")


def has_reservations(user) -> bool:
    """The account menu's "Meine Reservierungen" (one cheap query)."""
    return reservations_of(user).exists()


def shop_reservations(shop: Shop) -> QuerySet[Reservation]:
    """The shop's orders, newest first (the back office's list)."""
    return (
        Reservation.objects.filter(shop=shop)
        .select_related("customer")
        .prefetch_related("items")
        .order_by("-created_at", "-pk")
    )


def pieces(reservation: Reservation) -> int:
    return reservation.items.aggregate(n=Sum("quantity"))["n"] or 0


def _municipality(shop: Shop) -> str:
    place = shop.place
    return place.municipality.ars if place.municipality_id else ""


def _event(reservation: Reservation, status: str, items: int) -> None:
    shop = reservation.shop
    record_event(
        event_kinds.MARKET_RESERVATION,
        data={
            "shop": shop.slug,
            "status": str(status),
            "items": items,
            "municipality": _municipality(shop),
        },
    )


# --- mails (German, sent after the transaction commits; a mail server that is down must not
# undo the reservation) ---


def _base_url() -> str:
    return str(getattr(settings, "WAGTAILADMIN_BASE_URL", "")).rstrip("/")


def deadline_text(when: dt.datetime) -> str:
    """ "Freitag, 4. Dezember 2026, 18:00 Uhr" in the active language."""
    local = timezone.localtime(when)
    return formats.date_format(local, "l, j. F Y, H:i")


def _send(template: str, subject: str, reservation_pk: int, recipients: list[str]) -> int:
    recipients = [r for r in recipients if r]
    if not recipients:
        return 0
    reservation = (
        Reservation.objects.select_related("shop__place", "customer")
        .prefetch_related("items")
        .get(pk=reservation_pk)
    )
    with translation.override("de"):
        text = render_to_string(
            f"marketplace/mail/reservation_{template}.txt",
            {
                "reservation": reservation,
                "shop": reservation.shop,
                "items": list(reservation.items.all()),
                "deadline": deadline_text(reservation.expires_at),
                "url": _base_url() + reverse("marketplace:reservation", args=[reservation.key]),
                "orders_url": _base_url()
                + reverse("marketplace:backoffice_orders", args=[reservation.shop.slug]),
            },
        )
        subject = subject % {"shop": reservation.shop.name}
        sent = 0
        for address in recipients:
            try:
                sent += send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [address])
            except Exception:  # SMTP down: the pages show the state all the same
                log.exception("reservation %s: %s mail not sent", reservation_pk, template)
    return sent


def _mail_shop(reservation: Reservation) -> None:
    members = CompanyMembership.objects.filter(company_id=reservation.shop.company_id)
    addresses = sorted(set(members.values_list("user__email", flat=True)))
    with translation.override("de"):
        subject = _("New reservation for %(shop)s")
    pk = reservation.pk
    transaction.on_commit(lambda: _send("requested", subject, pk, addresses))


def _mail_customer(reservation: Reservation, template: str, subject: str) -> None:
    pk, address = reservation.pk, reservation.customer.email
    transaction.on_commit(lambda: _send(template, subject, pk, [address]))


def _subject(msgid: str) -> str:
    with translation.override("de"):
        return _(msgid)


# --- transitions ---


@transaction.atomic
def reserve(customer, product: Product, quantity: int, note: str = "") -> Reservation:
    """Reserve `quantity` (1–10) pieces of `product` for `customer`: the pieces are held
    (`Product.reserved`) until the shop answers or the request expires
    (`Scheme.request_hours`). Raises ReservationRefused when the shop takes no
    reservations or not enough is in stock — never oversold, see the module docstring."""
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        quantity = 0
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ReservationRefused(
            _("You can reserve between 1 and %(max)s pieces.") % {"max": MAX_QUANTITY}
        )
    shop = Shop.objects.select_related("place__municipality").get(pk=product.shop_id)
    if shop.status != Shop.Status.ACTIVE or not shop.click_collect:
        raise ReservationRefused(_("This shop does not take reservations."))
    taken = Product.objects.filter(
        pk=product.pk, active=True, stock__gte=F("reserved") + quantity
    ).update(reserved=F("reserved") + quantity)
    if not taken:
        current = Product.objects.filter(pk=product.pk).values("active", "stock", "reserved")
        row = current.first()
        if row is None or not row["active"]:
            raise ReservationRefused(_("This article cannot be reserved any more."))
        left = max(0, row["stock"] - row["reserved"])
        if left == 0:
            raise ReservationRefused(_("Sorry, this article is no longer available."))
        raise ReservationRefused(
            ngettext(
                "Only %(n)s piece is still available.",
                "Only %(n)s pieces are still available.",
                left,
            )
            % {"n": left}
        )
    product.refresh_from_db(fields=["stock", "reserved"])
    now = timezone.now()
    expires_at = now + dt.timedelta(hours=Scheme.current().request_hours)
    for attempt in range(20):
        try:
            with transaction.atomic():  # a savepoint: a taken code is tried again
                reservation = Reservation.objects.create(
                    shop=shop,
                    customer=customer,
                    pickup_code=new_pickup_code(),
                    note=(note or "")[:300],
                    expires_at=expires_at,
                )
            break
        except IntegrityError:
            if attempt == 19:
                raise
    ReservationItem.objects.create(
        reservation=reservation,
        product=product,
        quantity=quantity,
        name=product.name,
        price=product.price,
    )
    _event(reservation, Status.REQUESTED, quantity)
    _mail_shop(reservation)
    return reservation


def _release(reservation: Reservation) -> int:
    """Give the reservation's pieces back to the shop's available stock; returns the pieces."""
    total = 0
    for item in reservation.items.all():
        Product.objects.filter(pk=item.product_id).update(reserved=F("reserved") - item.quantity)
        total += item.quantity
    return total


def _refused(reservation: Reservation) -> ReservationError:
    """The message when a transition found the reservation in another state."""
    status = Reservation.objects.filter(pk=reservation.pk).values_list("status", flat=True).first()
    messages = {
        Status.REQUESTED: _("The shop has not confirmed this reservation yet."),
        Status.CONFIRMED: _("This reservation has already been confirmed."),
        Status.COLLECTED: _("This reservation has already been collected."),
        Status.DECLINED: _("This reservation has been declined."),
        Status.CANCELLED: _("This reservation has been cancelled."),
        Status.EXPIRED: _("This reservation has expired."),
    }
    return ReservationError(messages.get(status, _("This reservation cannot be changed.")))


@transaction.atomic
def confirm(shop: Shop, reservation: Reservation, by) -> Reservation:
    """The shop confirms a request: the items are held for `shop.hold_hours` from now (the
    pickup deadline, `expires_at` of the returned reservation); the customer gets a mail
    with the pickup code and the deadline."""
    now = timezone.now()
    deadline = now + dt.timedelta(hours=shop.hold_hours)
    done = Reservation.objects.filter(
        pk=reservation.pk, shop=shop, status=Status.REQUESTED, expires_at__gt=now
    ).update(status=Status.CONFIRMED, decided_at=now, expires_at=deadline)
    if not done:
        raise _refused(reservation)
    reservation.refresh_from_db()
    _event(reservation, Status.CONFIRMED, pieces(reservation))
    _mail_customer(
        reservation,
        "confirmed",
        _subject(gettext_noop("Your reservation at %(shop)s is ready for pickup")),
    )
    return reservation


@transaction.atomic
def decline(shop: Shop, reservation: Reservation, by, note: str = "") -> Reservation:
    """The shop declines (a request, or a confirmed reservation it cannot keep after all):
    the pieces are released, the customer gets a mail with the shop's note."""
    now = timezone.now()
    done = Reservation.objects.filter(pk=reservation.pk, shop=shop, status__in=OPEN).update(
        status=Status.DECLINED, decided_at=now, closed_at=now, shop_note=(note or "")[:300]
    )
    if not done:
        raise _refused(reservation)
    reservation.refresh_from_db()
    items = _release(reservation)
    _event(reservation, Status.DECLINED, items)
    _mail_customer(
        reservation, "declined", _subject(gettext_noop("%(shop)s cannot keep your reservation"))
    )
    return reservation


@transaction.atomic
def cancel(customer, reservation: Reservation) -> Reservation:
    """The customer cancels an open reservation; the pieces are released."""
    now = timezone.now()
    done = Reservation.objects.filter(pk=reservation.pk, customer=customer, status__in=OPEN).update(
        status=Status.CANCELLED, closed_at=now
    )
    if not done:
        raise _refused(reservation)
    reservation.refresh_from_db()
    _event(reservation, Status.CANCELLED, _release(reservation))
    return reservation


def lookup(shop: Shop, pickup_code: str, now: dt.datetime | None = None) -> Reservation:
    """The shop's confirmed, unexpired reservation with this pickup code (the till's
    "Abholung" shows it before handing out); ReservationError with a clear message else."""
    now = now or timezone.now()
    code = normalise_code(pickup_code)
    if len(code) != CODE_LENGTH:
        raise ReservationError(
            _("A pickup code has %(n)s characters (letters and digits).") % {"n": CODE_LENGTH}
        )
    found = (
        Reservation.objects.filter(shop=shop, pickup_code=code)
        .prefetch_related("items")
        .select_related("customer")
        .order_by("-created_at")
        .first()
    )
    if found is None:
        raise ReservationError(_("No reservation with this pickup code. Please check the code."))
    if found.status == Status.CONFIRMED and found.expires_at <= now:
        raise ReservationError(
            _("This reservation expired on %(when)s.") % {"when": deadline_text(found.expires_at)}
        )
    if found.status != Status.CONFIRMED:
        raise _refused(found)
    return found


@transaction.atomic
def collect(shop: Shop, pickup_code: str, by) -> Reservation:
    """The customer picked the items up: the reservation is closed and the pieces leave the
    stock (`stock` and `reserved` both go down, `stock_updated_at` is now). Only one of
    two people typing the same code at once succeeds."""
    now = timezone.now()
    reservation = lookup(shop, pickup_code, now)
    done = Reservation.objects.filter(
        pk=reservation.pk, shop=shop, status=Status.CONFIRMED, expires_at__gt=now
    ).update(status=Status.COLLECTED, closed_at=now)
    if not done:
        raise _refused(reservation)
    reservation.refresh_from_db()
    total = 0
    for item in reservation.items.all():
        Product.objects.filter(pk=item.product_id).update(
            stock=F("stock") - item.quantity,
            reserved=F("reserved") - item.quantity,
            stock_updated_at=now,
        )
        total += item.quantity
    _event(reservation, Status.COLLECTED, total)
    return reservation


def expire_due(now: dt.datetime | None = None) -> int:
    """Expire the open reservations past `expires_at` (unanswered requests, uncollected
    reservations), releasing their pieces; each in its own transaction. Returns how many."""
    now = now or timezone.now()
    due = list(
        Reservation.objects.filter(status__in=OPEN, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:5000]
    )
    expired = 0
    for pk in due:
        with transaction.atomic():
            done = Reservation.objects.filter(pk=pk, status__in=OPEN, expires_at__lte=now).update(
                status=Status.EXPIRED, closed_at=now
            )
            if not done:  # confirmed, cancelled or collected meanwhile
                continue
            reservation = Reservation.objects.select_related(
                "shop__place__municipality", "customer"
            ).get(pk=pk)
            _event(reservation, Status.EXPIRED, _release(reservation))
            _mail_customer(
                reservation,
                "expired",
                _subject(gettext_noop("Your reservation at %(shop)s has expired")),
            )
            expired += 1
    return expired
