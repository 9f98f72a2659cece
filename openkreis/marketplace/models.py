"""Einkaufen im Harz (issue 22, docs/marketplace.md): local shops with their products and stock,
click & collect reservations, and one loyalty scheme for every participating shop.

A shop is a company account (accounts.Company: members act for it) and a place of the
Harz-Kompass (directory.Place: address, position, opening hours and "open now" are kept once,
there). Products carry a full-text vector that the project's search layer
(catalog.fulltext) fills and reads. Stock is a count with the part held by reservations
(`reserved`); the database refuses `reserved > stock` and negative values, so an item is never
promised twice. Loyalty points are a double-entry ledger: every transaction's entries sum to
zero, a customer's balance can never go below zero (a database constraint backs the service's
conditional update).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openkreis.accounts.models import Company
from openkreis.directory.models import Place


class Scheme(models.Model):
    """The county's settings for the marketplace (tenants/<slug>/marketplace.yaml, one row):
    shop categories, search synonyms, the loyalty scheme's rules and the reservation times."""

    name = models.CharField(max_length=100, default="Bonuspunkte")  # "HarzBonus"
    # shop categories [{"slug", "name", "name_en"}] and product synonyms [["Handy", "Smartphone"]]
    categories = models.JSONField(default=list)
    synonyms = models.JSONField(default=list)
    points_per_euro = models.PositiveSmallIntegerField(default=1)
    point_value_cents = models.PositiveSmallIntegerField(default=1)
    min_redeem_points = models.PositiveIntegerField(default=100)
    # against abuse: per shop and day, per card at one shop and day
    shop_daily_points = models.PositiveIntegerField(default=5000)
    card_daily_transactions = models.PositiveSmallIntegerField(default=3)
    card_daily_points = models.PositiveIntegerField(default=500)
    # how long a shop has to answer a reservation request before it expires
    request_hours = models.PositiveSmallIntegerField(default=24)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> Scheme:
        """The county's settings (the defaults when no county file set them)."""
        scheme = cls.objects.order_by("pk").first()
        return scheme if scheme is not None else cls()


class Shop(models.Model):
    """A shop, restaurant or craft business in the portal. Name, address, position and
    opening hours are those of its `place` (one Harz-Kompass place per shop)."""

    class Kind(models.TextChoices):
        RETAIL = "retail", pgettext_lazy("shop kind", "Shop")
        FOOD = "food", pgettext_lazy("shop kind", "Restaurant or café")
        CRAFT = "craft", pgettext_lazy("shop kind", "Craft business")
        SERVICE = "service", pgettext_lazy("shop kind", "Services")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("shop status", "Waiting for approval")
        ACTIVE = "active", pgettext_lazy("shop status", "Active")
        SUSPENDED = "suspended", pgettext_lazy("shop status", "Suspended")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=120, unique=True)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="shops")
    place = models.OneToOneField(Place, on_delete=models.PROTECT, related_name="shop")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.RETAIL)
    # the county's shop category (tenants/<slug>/marketplace.yaml `categories`): "fashion", …
    category = models.SlugField(max_length=60, blank=True)
    description = models.TextField(_("description"), blank=True)
    delivery = models.BooleanField(_("delivery"), default=False)
    click_collect = models.BooleanField(_("click & collect"), default=False)
    repair = models.BooleanField(_("repair service"), default=False)
    loyalty = models.BooleanField(_("takes part in the loyalty scheme"), default=False)
    # how long a confirmed reservation waits for pickup
    hold_hours = models.PositiveSmallIntegerField(default=48)
    # loyalty: at most this many points issued per day (0: the scheme's default)
    daily_points_limit = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # the stock API's token: only its SHA-256 is stored (shown once when created)
    api_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        indexes = [models.Index(fields=["status", "click_collect"], name="shop_status")]

    def __str__(self) -> str:
        return self.place.name if self.place_id else self.slug

    @property
    def name(self) -> str:
        return self.place.name


class ShopPhoto(models.Model):
    """A photo of the shop (cleaned: re-encoded, metadata removed, core.images)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="marketplace/photos/")
    alt = models.CharField(_("description of the photo"), max_length=200)
    order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"photo {self.pk} of shop {self.shop_id}"


class Product(models.Model):
    """One article of one shop. `stock` is what the shop reported (at `stock_updated_at`);
    `reserved` the part held by open reservations; `available` = stock − reserved."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="products")
    sku = models.CharField(_("article number"), max_length=64)
    gtin = models.CharField(_("GTIN / EAN"), max_length=14, blank=True, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    brand = models.CharField(_("brand"), max_length=100, blank=True)
    category = models.CharField(_("category"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(_("price"), max_digits=9, decimal_places=2, null=True, blank=True)
    stock = models.IntegerField(_("stock"), default=0)
    reserved = models.IntegerField(default=0)
    stock_updated_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    # filled by catalog.fulltext (PostgreSQL: to_tsvector('german', …)); unused on SQLite
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "sku"], name="product_one_sku_per_shop"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="product_stock_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("stock")),
                name="product_reserved_within_stock",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def available(self) -> int:
        return max(0, self.stock - self.reserved)


class ShopTerm(models.Model):
    """How many active products of a shop carry a word stem of the product search (PostgreSQL
    only; kept by statement triggers on the products table, migration 0004). The search
    reads it to know, without touching a million products, how many matches each shop
    holds at least — and so which nearest shops a broad word's ranking needs. The term ''
    counts all of the shop's indexed active products."""

    # no index of its own: (term, shop) serves every lookup, and one on the shop alone made
    # the planner walk a shop's every word instead of looking up the query's few
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    term = models.TextField()
    products = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["term", "shop"], name="shop_term_once"),
        ]

    def __str__(self) -> str:
        return f"{self.term} × {self.products} ({self.shop_id})"


class Reservation(models.Model):
    """Click & collect: items held for pickup (no online payment). The shop confirms (the
    items are then held until `expires_at`), the customer shows the pickup code."""

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("reservation", "Waiting for the shop")
        CONFIRMED = "confirmed", pgettext_lazy("reservation", "Ready for pickup")
        COLLECTED = "collected", pgettext_lazy("reservation", "Collected")
        DECLINED = "declined", pgettext_lazy("reservation", "Declined by the shop")
        CANCELLED = "cancelled", pgettext_lazy("reservation", "Cancelled")
        EXPIRED = "expired", pgettext_lazy("reservation", "Expired")

    OPEN = (Status.REQUESTED, Status.CONFIRMED)

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="reservations")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reservations"
    )
    pickup_code = models.CharField(max_length=8)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    note = models.CharField(_("note for the shop"), max_length=300, blank=True)
    shop_note = models.CharField(_("note for the customer"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["shop", "status", "created_at"], name="reservation_shop")]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "pickup_code"],
                condition=Q(status__in=["requested", "confirmed"]),
                name="reservation_open_code_unique",
            )
        ]

    def __str__(self) -> str:
        return f"reservation {self.pk} ({self.status})"


class ReservationItem(models.Model):
    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveSmallIntegerField()
    # what the customer saw when reserving
    name = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"


class LoyaltyCard(models.Model):
    """A customer's card: the number the shop types or scans (its QR code)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="loyalty_card"
    )
    number = models.CharField(max_length=20, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"card {self.pk}"


class LedgerAccount(models.Model):
    """An account of the points ledger: a customer's (balance ≥ 0) or a shop's clearing
    account (negative while it issued more points than it took). When an account is deleted,
    its card goes and the customer account stays, closed (`closed_at`), without card: its
    entries belong to bookings whose other half is on a shop's account. Its last balance was
    moved by a final booking to the one `forfeited` account (marketplace/loyalty.py)."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", pgettext_lazy("ledger account", "Customer")
        SHOP = "shop", pgettext_lazy("ledger account", "Shop clearing")
        FORFEITED = "forfeited", pgettext_lazy("ledger account", "Forfeited points")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    card = models.OneToOneField(
        LoyaltyCard, null=True, blank=True, on_delete=models.SET_NULL, related_name="account"
    )
    shop = models.OneToOneField(
        Shop, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_account"
    )
    balance = models.BigIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="customer") | Q(balance__gte=0),
                name="ledger_customer_not_negative",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="customer")
                    & Q(shop__isnull=True)
                    & (Q(card__isnull=False) | Q(closed_at__isnull=False))
                )
                | (Q(kind="shop") & Q(shop__isnull=False) & Q(card__isnull=True))
                | (Q(kind="forfeited") & Q(shop__isnull=True) & Q(card__isnull=True)),
                name="ledger_account_owner",
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind="forfeited"), name="ledger_one_forfeited"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} account {self.pk}"


class LedgerTransaction(models.Model):
    """One booking of the ledger; its entries sum to zero."""

    class Kind(models.TextChoices):
        EARN = "earn", pgettext_lazy("loyalty", "Points earned")
        REDEEM = "redeem", pgettext_lazy("loyalty", "Voucher redeemed")
        REVERSAL = "reversal", pgettext_lazy("loyalty", "Reversal")
        # a deleted account's remaining points (no shop: settlements do not see it)
        FORFEIT = "forfeit", pgettext_lazy("loyalty", "Points forfeited")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    shop = models.ForeignKey(
        Shop,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_transactions",
    )
    points = models.PositiveIntegerField()
    # the purchase the points were earned on (cents), for the shop's records
    purchase_cents = models.PositiveIntegerField(null=True, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.points} at shop {self.shop_id}"


class LedgerEntry(models.Model):
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField()  # + credit, − debit (points)

    class Meta:
        indexes = [models.Index(fields=["account", "transaction"], name="ledger_entry_account")]

    def __str__(self) -> str:
        return f"{self.amount:+d} on account {self.account_id}"


class LoyaltyDay(models.Model):
    """Points a shop issued on a day, and per card (`card` null: the shop's total): the
    limits against abuse are conditional updates of these counters."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    card = models.ForeignKey(LoyaltyCard, null=True, blank=True, on_delete=models.CASCADE)
    day = models.DateField()
    points = models.PositiveIntegerField(default=0)
    transactions = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day"], condition=Q(card__isnull=True), name="loyalty_day_shop"
            ),
            models.UniqueConstraint(
                fields=["shop", "card", "day"],
                condition=Q(card__isnull=False),
                name="loyalty_day_card",
            ),
        ]

    def __str__(self) -> str:
        return f"shop {self.shop_id} card {self.card_id} on {self.day}: {self.points}"


class Settlement(models.Model):
    """The monthly settlement of one shop: points it issued and took in the month, and what
    it pays to (negative) or receives from (positive) the scheme."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("settlement", "Open")
        PAID = "paid", pgettext_lazy("settlement", "Paid")

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="settlements")
    month = models.DateField()  # the first day of the month
    points_issued = models.PositiveIntegerField(default=0)
    points_redeemed = models.PositiveIntegerField(default=0)
    net_points = models.BigIntegerField(default=0)  # redeemed − issued
    amount_cents = models.BigIntegerField(default=0)  # net_points × point value
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "shop"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "month"], name="settlement_one_per_month")
        ]

    def __str__(self) -> str:
        return f"settlement of shop {self.shop_id} for {self.month:%Y-%m}"


class MissedSearch(models.Model):
    """Words people searched for without finding a product (per normalised query and day):
    what residents look for and do not find locally, for the business development. No
    person, no position."""

    query = models.CharField(max_length=100)
    day = models.DateField()
    count = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["query", "day"], name="market_missed_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.query} ({self.day}: {self.count})"
