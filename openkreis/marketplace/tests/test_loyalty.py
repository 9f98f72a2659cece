"""Loyalty services (loyalty.py): card numbers, earning and its limits, redeeming, reversal,
the ledger check, the monthly settlement, the account's export and erasure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import translation

from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.marketplace import loyalty, tasks
from openkreis.marketplace.models import (
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    LoyaltyDay,
    Scheme,
    Settlement,
)
from openkreis.marketplace.retention import MarketplaceData

from .factories import customer, shop

pytestmark = pytest.mark.django_db


def scheme(**values) -> Scheme:
    """The county's scheme with these rules (the Harz file's values otherwise)."""
    current = Scheme.objects.order_by("pk").first() or Scheme.objects.create()
    defaults = {
        "points_per_euro": 1,
        "point_value_cents": 1,
        "min_redeem_points": 100,
        "shop_daily_points": 5000,
        "card_daily_transactions": 3,
        "card_daily_points": 500,
    }
    for field, value in {**defaults, **values}.items():
        setattr(current, field, value)
    current.save()
    return current


@pytest.fixture(autouse=True)
def _english():
    """The services' messages are asserted in English (their msgids)."""
    with translation.override("en"):
        yield


@pytest.fixture
def rules():
    return scheme()


def funded_card(amount_points: int, *, at=None):
    """A customer's card with `amount_points` earned at a shop (several bookings as the
    limits allow)."""
    user = customer()
    card = loyalty.card_for(user)
    at = at or shop()
    left = amount_points
    while left > 0:
        part = min(left, 500)
        LoyaltyDay.objects.all().delete()  # the tests' money: no day limits
        loyalty.earn(at, card.number, part * 100)
        left -= part
    return user, card, at


# -- numbers -----------------------------------------------------------------------------------
def test_new_numbers_have_sixteen_digits_and_a_luhn_check_digit():
    numbers = {loyalty.new_number() for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert len(number) == 16 and number.isdigit() and number[0] != "0"
        assert loyalty.luhn_valid(number)
    assert loyalty.luhn_valid("4539148803436467")  # a known valid Luhn number
    assert not loyalty.luhn_valid("4539148803436468")
    assert loyalty.format_number("4539148803436467") == "4539 1488 0343 6467"


def test_find_card_accepts_spaces_and_dashes_and_explains_a_typing_error(rules):
    card = loyalty.card_for(customer())
    grouped = loyalty.format_number(card.number)
    assert loyalty.find_card(grouped) == card
    assert loyalty.find_card(grouped.replace(" ", "-")) == card
    wrong = card.number[:-1] + str((int(card.number[-1]) + 1) % 10)
    with pytest.raises(loyalty.LoyaltyError) as refused:
        loyalty.find_card(wrong)
    assert refused.value.code == "number" and "typed wrong" in refused.value.message
    with pytest.raises(loyalty.LoyaltyError) as short:
        loyalty.find_card("1234 5678")
    assert short.value.code == "number" and "16 digits" in short.value.message
    unknown = "9" + "0" * 14
    with pytest.raises(loyalty.LoyaltyError) as missing:
        loyalty.find_card(unknown + loyalty.luhn_digit(unknown))
    assert missing.value.code == "card"


def test_card_for_makes_one_card_with_its_customer_account():
    user = customer()
    card = loyalty.card_for(user)
    assert loyalty.card_for(user) == card
    account = LedgerAccount.objects.get(card=card)
    assert account.kind == "customer" and account.balance == 0


# -- earning -----------------------------------------------------------------------------------
def test_earn_gives_points_for_whole_euros_in_one_balanced_booking():
    scheme(points_per_euro=2)
    here = shop()
    card = loyalty.card_for(customer())
    booking = loyalty.earn(here, loyalty.format_number(card.number), 2399)
    assert booking.kind == "earn" and booking.points == 46 and booking.purchase_cents == 2399
    assert booking.balance_after == 46
    amounts = dict(booking.entries.values_list("account__kind", "amount"))
    assert amounts == {"shop": -46, "customer": 46}
    assert LedgerAccount.objects.get(shop=here).balance == -46
    assert loyalty.balance(card) == 46
    assert loyalty.check_ledger() == []


def test_earn_records_the_event_without_card_number(rules):
    here = shop()
    card = loyalty.card_for(customer())
    loyalty.earn(here, card.number, 1000)
    event = Event.objects.filter(kind=event_kinds.MARKET_POINTS_EARNED).latest("id")
    assert event.data == {"shop": here.slug, "points": 10, "municipality": ""}
    assert card.number not in str(event.data) + event.subject


def test_earn_is_refused_for_small_purchases_and_shops_outside_the_scheme(rules):
    card = loyalty.card_for(customer())
    with pytest.raises(loyalty.LoyaltyError) as small:
        loyalty.earn(shop(), card.number, 99)
    assert small.value.code == "amount"
    for closed in (shop(loyalty=False), shop(status="pending"), shop(status="suspended")):
        with pytest.raises(loyalty.LoyaltyError) as refused:
            loyalty.earn(closed, card.number, 1000)
        assert refused.value.code == "shop"
    assert not LedgerTransaction.objects.exists()


def test_card_limits_per_shop_and_day():
    scheme(card_daily_transactions=2, card_daily_points=50)
    here, other = shop(), shop()
    card = loyalty.card_for(customer())
    loyalty.earn(here, card.number, 1000)
    loyalty.earn(here, card.number, 1000)
    with pytest.raises(loyalty.LoyaltyError) as third:
        loyalty.earn(here, card.number, 1000)
    assert third.value.code == "limit" and "2 times" in third.value.message
    loyalty.earn(other, card.number, 4000)  # another shop counts on its own
    with pytest.raises(loyalty.LoyaltyError) as too_many:
        loyalty.earn(other, card.number, 2000)  # 40 + 20 > 50
    assert too_many.value.code == "limit" and "10 are left" in too_many.value.message
    assert loyalty.balance(card) == 60
    assert LoyaltyDay.objects.get(shop=other, card=card).points == 40


def test_shop_limit_per_day_and_the_shops_own_lower_limit():
    scheme(shop_daily_points=100)
    here = shop()
    cards = [loyalty.card_for(customer()) for _ in range(3)]
    loyalty.earn(here, cards[0].number, 6000)
    with pytest.raises(loyalty.LoyaltyError) as refused:
        loyalty.earn(here, cards[1].number, 5000)
    assert refused.value.code == "limit" and "100 points" in refused.value.message
    loyalty.earn(here, cards[1].number, 4000)  # exactly up to the limit
    small = shop(daily_points_limit=30)
    with pytest.raises(loyalty.LoyaltyError):
        loyalty.earn(small, cards[2].number, 3100)
    loyalty.earn(small, cards[2].number, 3000)
    assert LoyaltyDay.objects.get(shop=here, card=None).points == 100
    # a refused booking left no trace: no transaction, no counter for the refused card
    assert not LoyaltyDay.objects.filter(shop=here, card=cards[2]).exists()
    assert LedgerTransaction.objects.count() == 3


# -- redeeming ---------------------------------------------------------------------------------
def test_redeem_moves_points_to_the_shop_that_took_the_voucher(rules):
    _user, card, issuer = funded_card(300)
    taker = shop()
    booking = loyalty.redeem(taker, card.number, 120)
    assert booking.kind == "redeem" and booking.balance_after == 180
    assert LedgerAccount.objects.get(shop=taker).balance == 120
    assert LedgerAccount.objects.get(shop=issuer).balance == -300
    event = Event.objects.filter(kind=event_kinds.MARKET_POINTS_REDEEMED).latest("id")
    assert event.data == {"shop": taker.slug, "points": 120, "municipality": ""}
    assert loyalty.check_ledger() == []


def test_redeem_below_the_minimum_or_above_the_balance_is_refused(rules):
    _user, card, _issuer = funded_card(150)
    taker = shop()
    with pytest.raises(loyalty.LoyaltyError) as small:
        loyalty.redeem(taker, card.number, 99)
    assert small.value.code == "amount" and "100 points" in small.value.message
    with pytest.raises(loyalty.LoyaltyError) as poor:
        loyalty.redeem(taker, card.number, 151)
    assert poor.value.code == "balance"
    assert loyalty.balance(card) == 150
    assert not LedgerTransaction.objects.filter(kind="redeem").exists()
    loyalty.redeem(taker, card.number, 150)
    assert loyalty.balance(card) == 0


def test_the_database_refuses_a_negative_customer_balance(rules):
    card = loyalty.card_for(customer())
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(card=card).update(balance=-1)


# -- reversal ----------------------------------------------------------------------------------
def test_reverse_an_earn_once_and_its_points_count_no_more(rules):
    here = shop()
    card = loyalty.card_for(customer())
    booking = loyalty.earn(here, card.number, 5000)
    assert loyalty.reversible(booking)
    reversal = loyalty.reverse(booking, shop=here)
    assert reversal.kind == "reversal" and reversal.reverses == booking
    assert reversal.balance_after == 0 and loyalty.balance(card) == 0
    assert LedgerAccount.objects.get(shop=here).balance == 0
    assert LoyaltyDay.objects.get(shop=here, card=None).points == 0
    assert not loyalty.reversible(booking)
    with pytest.raises(loyalty.LoyaltyError) as twice:
        loyalty.reverse(booking, shop=here)
    assert twice.value.code == "reverse"
    with pytest.raises(loyalty.LoyaltyError):
        loyalty.reverse(reversal, shop=here)  # a reversal is not reversed
    assert loyalty.check_ledger() == []


def test_reverse_a_redeem_gives_the_points_back(rules):
    _user, card, _issuer = funded_card(200)
    taker = shop()
    booking = loyalty.redeem(taker, card.number, 150)
    loyalty.reverse(booking, shop=taker)
    assert loyalty.balance(card) == 200
    assert LedgerAccount.objects.get(shop=taker).balance == 0


def test_reverse_only_at_the_same_shop_the_same_day_and_not_when_spent(rules):
    here, other = shop(), shop()
    _user, card, _issuer = funded_card(100, at=here)
    booking = LedgerTransaction.objects.get(kind="earn")
    with pytest.raises(loyalty.LoyaltyError):
        loyalty.reverse(booking, shop=other)
    loyalty.redeem(other, card.number, 100)
    with pytest.raises(loyalty.LoyaltyError) as spent:
        loyalty.reverse(booking, shop=here)
    assert spent.value.code == "reverse" and "spent" in spent.value.message
    LedgerTransaction.objects.filter(pk=booking.pk).update(
        created_at=booking.created_at - dt.timedelta(days=1)
    )
    booking.refresh_from_db()
    with pytest.raises(loyalty.LoyaltyError) as late:
        loyalty.reverse(booking, shop=here)
    assert "today" in late.value.message
    assert loyalty.check_ledger() == []


# -- ledger check ------------------------------------------------------------------------------
def test_check_ledger_finds_what_is_wrong(rules):
    _user, card, here = funded_card(100)
    assert loyalty.check_ledger() == []
    account = LedgerAccount.objects.get(card=card)
    LedgerAccount.objects.filter(pk=account.pk).update(balance=90)
    problems = loyalty.check_ledger()
    assert len(problems) == 1 and "balance 90" in problems[0]
    LedgerAccount.objects.filter(pk=account.pk).update(balance=100)
    entry = LedgerEntry.objects.filter(account=account).first()
    LedgerEntry.objects.filter(pk=entry.pk).update(amount=101)
    problems = loyalty.check_ledger()
    assert any("sum to 1, not 0" in p for p in problems)
    assert any("balance 100, but its entries sum to 101" in p for p in problems)


# -- settlement --------------------------------------------------------------------------------
def _into_last_month():
    """Move every booking made so far to the middle of last month (Berlin)."""
    last = loyalty.previous_month()
    moment = dt.datetime(last.year, last.month, 15, 12, tzinfo=loyalty.BERLIN)
    LedgerTransaction.objects.update(created_at=moment)
    return last


def test_settle_a_month_per_shop_and_the_nets_balance_with_the_customers():
    scheme(point_value_cents=2)
    a, b, c = shop(), shop(), shop()
    _u1, card1, _ = funded_card(400, at=a)
    _u2, card2, _ = funded_card(100, at=b)
    loyalty.redeem(b, card1.number, 300)
    loyalty.redeem(c, card2.number, 100)
    mistake = loyalty.earn(c, card2.number, 5000)
    loyalty.reverse(mistake, shop=c)
    month = _into_last_month()
    made = {s.shop_id: s for s in loyalty.settle(month)}
    assert set(made) == {a.pk, b.pk, c.pk}
    assert (made[a.pk].points_issued, made[a.pk].points_redeemed) == (400, 0)
    assert (made[b.pk].points_issued, made[b.pk].points_redeemed) == (100, 300)
    assert (made[c.pk].points_issued, made[c.pk].points_redeemed) == (0, 100)
    assert made[b.pk].net_points == 200 and made[b.pk].amount_cents == 400
    assert made[a.pk].net_points == -400 and made[a.pk].amount_cents == -800
    customers_change = LedgerEntry.objects.filter(account__kind="customer").aggregate(
        s=Sum("amount")
    )["s"]
    assert sum(s.net_points for s in made.values()) + customers_change == 0


def test_settle_is_idempotent_and_never_rewrites_a_paid_settlement(rules):
    a, b = shop(), shop()
    funded_card(200, at=a)
    funded_card(300, at=b)
    month = _into_last_month()
    first = {s.pk: (s.points_issued, s.amount_cents, s.status) for s in loyalty.settle(month)}
    assert {s.pk: (s.points_issued, s.amount_cents, s.status) for s in loyalty.settle(month)} == (
        first
    )
    paid = Settlement.objects.get(shop=a, month=month)
    assert loyalty.mark_paid(paid) and not loyalty.mark_paid(paid)
    scheme(point_value_cents=5)  # a changed point value reaches only open settlements
    again = {s.shop_id: s for s in loyalty.settle(month)}
    assert again[a.pk].amount_cents == -200 and again[a.pk].status == "paid"
    assert again[b.pk].amount_cents == -1500
    assert Settlement.objects.filter(month=month).count() == 2


def test_a_month_is_settled_once_it_is_over_and_the_task_runs_once(rules):
    with pytest.raises(loyalty.LoyaltyError) as early:
        loyalty.settle(loyalty.today())
    assert early.value.code == "month"
    funded_card(100)
    _into_last_month()
    assert tasks.settle_loyalty.apply().get() == 1  # the beat's task, run here
    assert loyalty.settle_previous_month() == 0


# -- personal data -----------------------------------------------------------------------------
def test_export_and_erasure_forfeit_the_points_and_keep_the_settlement(rules):
    user, card, here = funded_card(250)
    loyalty.redeem(shop(), card.number, 100)
    number = card.number
    exported = MarketplaceData().export(user)["loyalty_card"]
    assert exported["number"] == number and exported["balance_points"] == 150
    assert sorted(b["points"] for b in exported["bookings"]) == [-100, 250]
    month = loyalty.month_start(loyalty.today())
    before = loyalty.month_figures(month)
    MarketplaceData().erase(user)
    user.delete()
    assert loyalty.month_figures(month) == before  # the shops' settlement does not change
    closed = LedgerAccount.objects.get(kind="customer")
    assert closed.card is None and closed.closed_at is not None and closed.balance == 0
    assert LedgerAccount.objects.get(kind="forfeited").balance == 150
    forfeit = LedgerTransaction.objects.get(kind="forfeit")
    assert forfeit.shop is None and forfeit.points == 150
    assert loyalty.check_ledger() == []
    assert not LedgerAccount.objects.filter(card__number=number).exists()
    assert MarketplaceData().export(customer())["loyalty_card"] is None
