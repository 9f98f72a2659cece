"""Fee payment behind one small interface with a registry of providers.

A real payment platform (ePayBL, a PSP such as Giropay/PayPal via a payment service
provider) cannot be reached from here. `RecordingProvider` is the provider this build
ships: it records the payment as paid when the citizen confirms, without moving money.
An ePayBL or PSP adapter implements the same three methods and registers itself under
its own name; the county chooses it with OPENKREIS_PAYMENT_PROVIDER.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkreis.core.registry import Registry

from .models import Application, Payment


class PaymentProvider(Protocol):
    name: str
    label: str

    def start(self, application: Application, amount: Decimal) -> Payment:
        """Create a pending payment (an adapter would register it with the platform here)."""

    def confirm(self, payment: Payment, callback: dict) -> Payment:
        """Mark paid or failed from the platform's answer (redirect back or notification)."""

    def describe(self) -> str:
        """One sentence for the payment page."""


class RecordingProvider:
    """Records payments without a payment platform (no money moves). See module docstring."""

    name = "recording"
    label = _("Demo payment (no money is moved)")

    def start(self, application: Application, amount: Decimal) -> Payment:
        return Payment.objects.create(
            application=application,
            provider=self.name,
            amount=amount,
            reference="REC-" + secrets.token_hex(6).upper(),
        )

    @transaction.atomic
    def confirm(self, payment: Payment, callback: dict) -> Payment:
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == Payment.Status.PENDING:
            payment.status = Payment.Status.PAID
            payment.paid_at = timezone.now()
            payment.save(update_fields=["status", "paid_at"])
        return payment

    def describe(self) -> str:
        return str(
            _(
                "This installation has no connection to a payment platform yet: the payment "
                "is recorded, no money is moved."
            )
        )


providers: Registry[PaymentProvider] = Registry("payment providers")
providers.register("recording", RecordingProvider())


def register(provider: PaymentProvider) -> None:
    """Add a provider under its `name` (an adapter package calls this in its ready())."""
    providers.register(provider.name, provider)


def provider(name: str | None = None) -> PaymentProvider:
    """The configured provider (OPENKREIS_PAYMENT_PROVIDER, default `recording`)."""
    return providers[name or getattr(settings, "OPENKREIS_PAYMENT_PROVIDER", "recording")]
