"""Forms of the loyalty scheme: the shop's till (points for a purchase, a voucher) and the
county office's settlement run."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from . import loyalty

AMOUNT = re.compile(r"^\d{1,6}([.,]\d{1,2})?$")


class CardNumberField(forms.CharField):
    """16 digits, spaces and dashes allowed; the check digit catches most typing errors."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Card number"))
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "help_text", _("16 digits, as shown on the customer's phone. Or scan the QR code.")
        )
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "off", "class": "card-number-input"}
        )

    def clean(self, value):
        value = super().clean(value)
        try:
            return loyalty.normalise_number(value)
        except loyalty.LoyaltyError as exc:
            raise forms.ValidationError(exc.message, code="number") from exc


class EarnForm(forms.Form):
    card_number = CardNumberField()
    amount = forms.CharField(
        label=_("Purchase amount in euros"),
        max_length=12,
        help_text=_("For example 23,50. Points are given for whole euros."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "earn")
        super().__init__(*args, **kwargs)

    def clean_amount(self) -> int:
        text = self.cleaned_data["amount"].strip().replace("€", "").strip()
        if not AMOUNT.match(text):
            raise forms.ValidationError(
                _("Please enter the amount in euros, for example 23,50."), code="amount"
            )
        try:
            cents = int(Decimal(text.replace(",", ".")) * 100)
        except InvalidOperation as exc:  # pragma: no cover - the pattern rules it out
            raise forms.ValidationError(_("Please enter the amount in euros.")) from exc
        if cents < 100:
            raise forms.ValidationError(
                _("Points are given for whole euros: at least 1 €."), code="amount"
            )
        if cents > loyalty.MAX_PURCHASE_CENTS:
            raise forms.ValidationError(_("That amount is too large for one purchase."))
        return cents


class RedeemForm(forms.Form):
    card_number = CardNumberField()
    points = forms.IntegerField(
        label=_("Voucher in points"),
        min_value=1,
        max_value=loyalty.MAX_POINTS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, min_points: int = 0, point_value_cents: int = 1, **kwargs):
        kwargs.setdefault("prefix", "redeem")
        super().__init__(*args, **kwargs)
        if min_points:
            self.fields["points"].help_text = _(
                "At least %(min)d points; 100 points are worth %(value)s €."
            ) % {"min": min_points, "value": _euros(100 * point_value_cents)}


def _euros(cents: int) -> str:
    return f"{cents / 100:.2f}".replace(".", ",")


def past_months(count: int = 12, today: dt.date | None = None) -> list[dt.date]:
    """The last `count` finished months, newest first."""
    month = loyalty.previous_month(today)
    months = []
    for _i in range(count):
        months.append(month)
        month = loyalty.previous_month(month)
    return months


class SettleForm(forms.Form):
    month = forms.TypedChoiceField(label=_("Month"), coerce=dt.date.fromisoformat)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [
            (month.isoformat(), f"{month:%m/%Y}") for month in past_months()
        ]
