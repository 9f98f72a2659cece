"""The loyalty scheme (issue 22, docs/marketplace.md "Bonuskarte"): customers collect points
at every participating shop and redeem them as vouchers at any of them; the shops settle
monthly.

Points are a double-entry ledger (models: LedgerAccount, LedgerTransaction, LedgerEntry):
every booking moves points between accounts and its entries sum to zero, written in one
database transaction. Earning moves points from the shop's clearing account (created on first
use, negative while the shop issued more than it took) to the customer's account; redeeming
moves them back to the clearing account of the shop that took the voucher. A customer's
balance never goes below zero: the debit is a conditional UPDATE (`balance >= p`), and a
database constraint backs it. The limits against abuse (per shop and day, per card at one
shop and day) are conditional UPDATEs of LoyaltyDay counters, so concurrent tills cannot pass
a limit together.

The monthly settlement per shop: points issued and redeemed in the Berlin month, net =
redeemed − issued, amount = net × the point value (positive: the scheme pays the shop).
Over all shops the nets and the customers' change of the month sum to zero (plus the points
forfeited by deleted accounts, see `forfeit`).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from openkreis.core import event_kinds
from openkreis.core.services import record_event

from .models import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    LoyaltyCard,
    LoyaltyDay,
    Scheme,
    Settlement,
    Shop,
)

BERLIN = ZoneInfo(settings.TIME_ZONE)
NUMBER_DIGITS = 16
MAX_PURCHASE_CENTS = 10_000_000  # 100,000 € in one purchase is a typing error
MAX_POINTS = 10_000_000
Kind = LedgerTransaction.Kind


class LoyaltyError(Exception):
    """A booking refused, with a message for the till or the customer (`code` for tests and
    the status: `number`, `card`, `shop`, `amount`, `limit`, `balance`, `reverse`, `month`)."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


# -- card numbers ------------------------------------------------------------------------------
def luhn_digit(digits: str) -> str:
    """The Luhn check digit for `digits` (the number without its last digit)."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2 == 0:  # every second digit from the right, starting next to the check digit
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return len(number) > 1 and number.isdigit() and luhn_digit(number[:-1]) == number[-1]


def new_number() -> str:
    """16 random digits (the first not 0), the last a Luhn check digit."""
    body = str(secrets.randbelow(9) + 1) + "".join(
        str(secrets.randbelow(10)) for _ in range(NUMBER_DIGITS - 2)
    )
    return body + luhn_digit(body)


def format_number(number: str) -> str:
    """'1234 5678 9012 3452': groups of four, as printed and read out."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def normalise_number(text: str) -> str:
    """The digits of a typed or scanned number (spaces, dashes and dots dropped); raises
    LoyaltyError when it cannot be a card number."""
    digits = re.sub(r"[\s\-./]", "", str(text or ""))
    if not digits.isdigit() or len(digits) != NUMBER_DIGITS:
        raise LoyaltyError(
            _("A card number has 16 digits (as on the customer's card page)."), "number"
        )
    if not luhn_valid(digits):
        raise LoyaltyError(
            _("The check digit does not fit: was the number typed wrong? Please check it."),
            "number",
        )
    return digits


def card_for(user) -> LoyaltyCard:
    """The user's card, made on first use with its customer account (unique random number)."""
    card = LoyaltyCard.objects.filter(user=user).first()
    if card is not None:
        return card
    for _attempt in range(10):
        try:
            with transaction.atomic():
                card = LoyaltyCard.objects.create(user=user, number=new_number())
                LedgerAccount.objects.create(kind=LedgerAccount.Kind.CUSTOMER, card=card)
            return card
        except IntegrityError:  # the same user twice at once, or (rarely) a number taken
            card = LoyaltyCard.objects.filter(user=user).first()
            if card is not None:
                return card
    raise RuntimeError("no free card number after 10 attempts")


def find_card(number: str) -> LoyaltyCard:
    """The card with this number (spaces and dashes allowed); LoyaltyError with a clear
    message when the number is malformed, has a wrong check digit or is unknown."""
    digits = normalise_number(number)
    card = LoyaltyCard.objects.filter(number=digits).select_related("account").first()
    if card is None:
        raise LoyaltyError(_("There is no loyalty card with this number."), "card")
    return card


# -- accounts and bookings ---------------------------------------------------------------------
def balance(card: LoyaltyCard) -> int:
    return LedgerAccount.objects.filter(card=card).values_list("balance", flat=True).first() or 0


def shop_account(shop: Shop) -> LedgerAccount:
    """The shop's clearing account (made on first use)."""
    account, _created = LedgerAccount.objects.get_or_create(
        shop=shop, defaults={"kind": LedgerAccount.Kind.SHOP}
    )
    return account


def forfeited_account() -> LedgerAccount:
    account, _created = LedgerAccount.objects.get_or_create(kind=LedgerAccount.Kind.FORFEITED)
    return account


def _book(
    kind: str,
    shop: Shop | None,
    moves: list[tuple[LedgerAccount, int]],
    *,
    points: int,
    by=None,
    purchase_cents: int | None = None,
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """One booking (call inside transaction.atomic): balances first, in the order of the
    accounts' ids (two bookings never wait for each other crosswise), a customer's debit only
    while the balance covers it; then the transaction and its entries."""
    if sum(amount for _account, amount in moves) != 0:
        raise ValueError("a booking's entries must sum to zero")
    for account, amount in sorted(moves, key=lambda move: move[0].pk):
        rows = LedgerAccount.objects.filter(pk=account.pk)
        if amount < 0 and account.kind == LedgerAccount.Kind.CUSTOMER:
            rows = rows.filter(balance__gte=-amount)
        if not rows.update(balance=F("balance") + amount):
            raise LoyaltyError(_("The card's balance is not enough for this."), "balance")
    booking = LedgerTransaction.objects.create(
        kind=kind,
        shop=shop,
        points=points,
        purchase_cents=purchase_cents,
        reverses=reverses,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(transaction=booking, account=account, amount=amount)
            for account, amount in moves
        ]
    )
    return booking


def _active_shop(shop: Shop) -> None:
    if shop.status != Shop.Status.ACTIVE or not shop.loyalty:
        raise LoyaltyError(
            _("This shop does not take part in the loyalty scheme (or is not active)."), "shop"
        )


def _customer_account(card: LoyaltyCard) -> LedgerAccount:
    try:
        return card.account  # find_card selected it with the card
    except LedgerAccount.DoesNotExist:  # card_for makes both; a half-made card is not usable
        raise LoyaltyError(_("There is no loyalty card with this number."), "card") from None


def _event(kind: str, shop: Shop, points: int) -> None:
    municipality = (
        shop.place.municipality.ars if shop.place_id and shop.place.municipality_id else ""
    )
    record_event(
        kind,
        subject=f"marketplace-shop:{shop.pk}",
        data={"shop": shop.slug, "points": points, "municipality": municipality},
    )


def today() -> dt.date:
    return timezone.now().astimezone(BERLIN).date()


def _count_day(shop: Shop, card: LoyaltyCard | None, day: dt.date, points: int, scheme) -> bool:
    """Add a booking to the day's counter if it stays within its limits (one conditional
    UPDATE of a row made first with INSERT … ON CONFLICT DO NOTHING); False if it would not."""
    LoyaltyDay.objects.bulk_create(
        [LoyaltyDay(shop=shop, card=card, day=day)], ignore_conflicts=True
    )
    rows = LoyaltyDay.objects.filter(shop=shop, day=day)
    if card is None:
        limit = shop.daily_points_limit or scheme.shop_daily_points
        rows = rows.filter(card__isnull=True, points__lte=limit - points)
    else:
        rows = rows.filter(
            card=card,
            transactions__lt=scheme.card_daily_transactions,
            points__lte=scheme.card_daily_points - points,
        )
    return bool(rows.update(points=F("points") + points, transactions=F("transactions") + 1))


def _refuse_card_day(shop: Shop, card: LoyaltyCard, day: dt.date, scheme) -> LoyaltyError:
    counted = LoyaltyDay.objects.filter(shop=shop, card=card, day=day).first()
    if counted is not None and counted.transactions >= scheme.card_daily_transactions:
        return LoyaltyError(
            _(
                "This card has collected points %(n)d times at this shop today: that is the "
                "most per day. Please book the next purchase tomorrow."
            )
            % {"n": counted.transactions},
            "limit",
        )
    left = scheme.card_daily_points - (counted.points if counted else 0)
    return LoyaltyError(
        _(
            "A card can collect at most %(limit)d points per day at one shop; %(left)d are "
            "left today."
        )
        % {"limit": scheme.card_daily_points, "left": max(0, left)},
        "limit",
    )


def earn(shop: Shop, card_number: str, purchase_cents: int, by=None) -> LedgerTransaction:
    """Points for a purchase: whole euros × the scheme's points per euro, from the shop's
    clearing account to the customer's. Refused (LoyaltyError) for an inactive shop, a wrong
    number, a purchase under 1 € and past a daily limit. The returned booking carries the
    card's balance after it as `balance_after`."""
    _active_shop(shop)
    scheme = Scheme.current()
    purchase_cents = int(purchase_cents)
    if not 0 < purchase_cents <= MAX_PURCHASE_CENTS:
        raise LoyaltyError(_("Please enter the purchase amount in euros."), "amount")
    points = purchase_cents // 100 * scheme.points_per_euro
    if points <= 0:
        raise LoyaltyError(_("Points are given for whole euros: at least 1 €."), "amount")
    card = find_card(card_number)
    customer = _customer_account(card)
    clearing = shop_account(shop)
    day = today()
    with transaction.atomic():
        if not _count_day(shop, None, day, points, scheme):
            limit = shop.daily_points_limit or scheme.shop_daily_points
            raise LoyaltyError(
                _(
                    "Your shop has reached its limit of %(limit)d points for today (against "
                    "misuse). Tomorrow it can give points again; the county office can raise "
                    "the limit."
                )
                % {"limit": limit},
                "limit",
            )
        if not _count_day(shop, card, day, points, scheme):
            raise _refuse_card_day(shop, card, day, scheme)
        booking = _book(
            Kind.EARN,
            shop,
            [(clearing, -points), (customer, points)],
            points=points,
            by=by,
            purchase_cents=purchase_cents,
        )
        booking.balance_after = balance(card)
        _event(event_kinds.MARKET_POINTS_EARNED, shop, points)
    return booking


def redeem(shop: Shop, card_number: str, points: int, by=None) -> LedgerTransaction:
    """A voucher of `points` taken at `shop`: from the customer's account to the shop's
    clearing account, only while the balance covers it (at least the scheme's minimum)."""
    _active_shop(shop)
    scheme = Scheme.current()
    points = int(points)
    if points < scheme.min_redeem_points or points > MAX_POINTS:
        raise LoyaltyError(
            _("A voucher is at least %(min)d points.") % {"min": scheme.min_redeem_points},
            "amount",
        )
    card = find_card(card_number)
    customer = _customer_account(card)
    clearing = shop_account(shop)
    with transaction.atomic():
        booking = _book(
            Kind.REDEEM, shop, [(customer, -points), (clearing, points)], points=points, by=by
        )
        booking.balance_after = balance(card)
        _event(event_kinds.MARKET_POINTS_REDEEMED, shop, points)
    return booking


def reversible(booking: LedgerTransaction, now: dt.datetime | None = None) -> bool:
    """An earn or redeem of today (Berlin) not reversed yet (for the till's button)."""
    now = now or timezone.now()
    return (
        booking.kind in (Kind.EARN, Kind.REDEEM)
        and booking.created_at.astimezone(BERLIN).date() == now.astimezone(BERLIN).date()
        and not LedgerTransaction.objects.filter(reverses=booking).exists()
    )


def reverse(booking: LedgerTransaction, by=None, *, shop: Shop | None = None) -> LedgerTransaction:
    """Undo a mistake at the till: the same shop (`shop`, the till's), the same day, once.
    The points go back; an earn's points count no more against the day's limits (the number
    of bookings still does). Refused when the customer already spent the points earned."""
    if shop is not None and booking.shop_id != shop.pk:
        raise LoyaltyError(_("Only your shop's own bookings can be reversed."), "reverse")
    with transaction.atomic():
        original = LedgerTransaction.objects.select_for_update().get(pk=booking.pk)
        if original.kind not in (Kind.EARN, Kind.REDEEM):
            raise LoyaltyError(_("Only points and vouchers can be reversed."), "reverse")
        if LedgerTransaction.objects.filter(reverses=original).exists():
            raise LoyaltyError(_("This booking was reversed already."), "reverse")
        if original.created_at.astimezone(BERLIN).date() != today():
            raise LoyaltyError(_("Only today's bookings can be reversed."), "reverse")
        entries = list(original.entries.select_related("account"))
        if original.kind == Kind.EARN:
            card_id = next(
                (e.account.card_id for e in entries if e.account.kind == "customer"), None
            )
            day = original.created_at.astimezone(BERLIN).date()
            LoyaltyDay.objects.filter(shop_id=original.shop_id, day=day, card__isnull=True).update(
                points=F("points") - original.points
            )
            if card_id is not None:
                LoyaltyDay.objects.filter(
                    shop_id=original.shop_id, day=day, card_id=card_id
                ).update(points=F("points") - original.points)
        try:
            reversal = _book(
                Kind.REVERSAL,
                original.shop,
                [(entry.account, -entry.amount) for entry in entries],
                points=original.points,
                by=by,
                reverses=original,
            )
        except LoyaltyError as exc:
            raise LoyaltyError(
                _("The customer has already spent these points: the booking cannot be reversed."),
                "reverse",
            ) from exc
        customer = next((e.account for e in entries if e.account.kind == "customer"), None)
        reversal.balance_after = (
            LedgerAccount.objects.values_list("balance", flat=True).get(pk=customer.pk)
            if customer
            else None
        )
    return reversal


# -- the customer's history --------------------------------------------------------------------
def history(card: LoyaltyCard):
    """The card's bookings, newest first: entries with their transaction and shop."""
    return (
        LedgerEntry.objects.filter(account__card=card)
        .select_related("transaction__shop__place", "transaction__reverses")
        .order_by("-transaction__created_at", "-pk")
    )


# -- ledger check ------------------------------------------------------------------------------
def check_ledger() -> list[str]:
    """What is wrong with the ledger: bookings whose entries do not sum to zero (or have
    none), accounts whose balance is not the sum of their entries, negative customer balances.
    Empty when all is well."""
    problems: list[str] = []
    unbalanced = (
        LedgerTransaction.objects.annotate(total=Coalesce(Sum("entries__amount"), 0))
        .exclude(total=0)
        .values_list("pk", "total")
    )
    for pk, total in unbalanced[:50]:
        problems.append(
            _("Booking %(id)d: its entries sum to %(total)d, not 0.") % {"id": pk, "total": total}
        )
    empty = LedgerTransaction.objects.filter(entries__isnull=True).values_list("pk", flat=True)
    for pk in empty[:50]:
        problems.append(_("Booking %(id)d has no entries.") % {"id": pk})
    wrong = (
        LedgerAccount.objects.annotate(total=Coalesce(Sum("entries__amount"), 0))
        .exclude(balance=F("total"))
        .values_list("pk", "balance", "total")
    )
    for pk, account_balance, total in wrong[:50]:
        problems.append(
            _("Account %(id)d: balance %(balance)d, but its entries sum to %(total)d.")
            % {"id": pk, "balance": account_balance, "total": total}
        )
    negative = LedgerAccount.objects.filter(kind=LedgerAccount.Kind.CUSTOMER, balance__lt=0)
    for pk, account_balance in negative.values_list("pk", "balance")[:50]:
        problems.append(
            _("Customer account %(id)d has a negative balance (%(balance)d).")
            % {"id": pk, "balance": account_balance}
        )
    return problems


# -- monthly settlement ------------------------------------------------------------------------
def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_month(day: dt.date | None = None) -> dt.date:
    first = month_start(day or today())
    return month_start(first - dt.timedelta(days=1))


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The Berlin month as [start, end) in aware datetimes."""
    start = dt.datetime(month.year, month.month, 1, tzinfo=BERLIN)
    end = next_month(month)
    return start, dt.datetime(end.year, end.month, 1, tzinfo=BERLIN)


@dataclass(frozen=True)
class MonthFigures:
    shop_id: int
    issued: int
    redeemed: int

    @property
    def net(self) -> int:
        return self.redeemed - self.issued


def month_figures(month: dt.date) -> dict[int, MonthFigures]:
    """Points issued and redeemed per shop in the Berlin month (reversals taken off)."""
    start, end = month_bounds(month_start(month))
    rows = (
        LedgerTransaction.objects.filter(
            created_at__gte=start, created_at__lt=end, shop__isnull=False
        )
        .values("shop")
        .annotate(
            earned=Coalesce(Sum("points", filter=Q(kind=Kind.EARN)), 0),
            redeemed=Coalesce(Sum("points", filter=Q(kind=Kind.REDEEM)), 0),
            earned_back=Coalesce(
                Sum("points", filter=Q(kind=Kind.REVERSAL, reverses__kind=Kind.EARN)), 0
            ),
            redeemed_back=Coalesce(
                Sum("points", filter=Q(kind=Kind.REVERSAL, reverses__kind=Kind.REDEEM)), 0
            ),
        )
        .order_by("shop")
    )
    return {
        row["shop"]: MonthFigures(
            row["shop"],
            row["earned"] - row["earned_back"],
            row["redeemed"] - row["redeemed_back"],
        )
        for row in rows
    }


def settle(month: dt.date, now: dt.datetime | None = None) -> list[Settlement]:
    """The settlements of a finished Berlin month, one per shop with bookings in it.
    Idempotent: a second run writes nothing; a settlement marked paid is never rewritten."""
    month = month_start(month)
    now = now or timezone.now()
    if month_bounds(month)[1] > now:
        raise LoyaltyError(_("A month can be settled once it is over."), "month")
    value = Scheme.current().point_value_cents
    for shop_id, figures in month_figures(month).items():
        wanted = {
            "points_issued": figures.issued,
            "points_redeemed": figures.redeemed,
            "net_points": figures.net,
            "amount_cents": figures.net * value,
        }
        with transaction.atomic():
            Settlement.objects.bulk_create(
                [Settlement(shop_id=shop_id, month=month, **wanted)], ignore_conflicts=True
            )
            current = Settlement.objects.select_for_update().get(shop_id=shop_id, month=month)
            if current.status == Settlement.Status.PAID:
                continue
            if any(getattr(current, field) != figure for field, figure in wanted.items()):
                Settlement.objects.filter(pk=current.pk).update(**wanted)
    return list(
        Settlement.objects.filter(month=month).select_related("shop__place").order_by("shop__slug")
    )


def mark_paid(settlement: Settlement) -> bool:
    """Mark a settlement paid (it is never rewritten afterwards); False if it was already."""
    return bool(
        Settlement.objects.filter(pk=settlement.pk, status=Settlement.Status.OPEN).update(
            status=Settlement.Status.PAID
        )
    )


def settled(month: dt.date) -> bool:
    return Settlement.objects.filter(month=month_start(month)).exists()


def settle_previous_month(now: dt.datetime | None = None) -> int:
    """The beat task's work: settle last month once (nothing when it was settled already or
    had no bookings). Returns the number of settlements written."""
    now = now or timezone.now()
    month = previous_month(now.astimezone(BERLIN).date())
    if settled(month):
        return 0
    return len(settle(month, now))


# -- personal data -----------------------------------------------------------------------------
def export_card(user) -> dict | None:
    """The user's card and its bookings (the account's data export)."""
    card = LoyaltyCard.objects.filter(user=user).first()
    if card is None:
        return None
    return {
        "number": card.number,
        "created_at": card.created_at.isoformat(),
        "balance_points": balance(card),
        "bookings": [
            {
                "at": entry.transaction.created_at.isoformat(),
                "kind": entry.transaction.kind,
                "shop": entry.transaction.shop.name if entry.transaction.shop_id else "",
                "points": entry.amount,
                "purchase_cents": entry.transaction.purchase_cents,
            }
            for entry in history(card)
        ],
    }


def forfeit(user) -> LedgerTransaction | None:
    """Close the user's card when the account is deleted: the remaining points move to the
    scheme's one forfeited-points account (a booking without shop, so no shop's settlement
    changes and the ledger stays balanced); the customer account stays, closed and without
    card, for the bookings whose other half is on shops' accounts; the card goes."""
    card = LoyaltyCard.objects.filter(user=user).first()
    if card is None:
        return None
    booking = None
    with transaction.atomic():
        account = LedgerAccount.objects.select_for_update().filter(card=card).first()
        if account is not None:
            if account.balance > 0:
                pot = forfeited_account()
                booking = _book(
                    Kind.FORFEIT,
                    None,
                    [(account, -account.balance), (pot, account.balance)],
                    points=account.balance,
                )
            LedgerAccount.objects.filter(pk=account.pk).update(card=None, closed_at=timezone.now())
        card.delete()
    return booking
