"""API clients of the Open311 interface: one row per client (an app, a FixMyStreet
instance), its key stored only as a SHA-256 hash. Keys are 32 random bytes, so a fast hash
is enough (nothing to brute-force); the admin shows the key once, when it is made."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

KEY_PREFIX = "ok311_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class ApiClient(models.Model):
    name = models.CharField(pgettext_lazy("api client", "name"), max_length=120, unique=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_hint = models.CharField(
        pgettext_lazy("api client", "key begins with"),
        max_length=16,
        editable=False,
        help_text=_("To recognise a key."),
    )
    active = models.BooleanField(pgettext_lazy("api client", "active"), default=True)
    per_hour = models.PositiveIntegerField(
        pgettext_lazy("api client", "reports per hour"),
        default=100,
        help_text=_("Rate limit of this client's POST requests (one-hour window)."),
    )
    created_at = models.DateTimeField(
        pgettext_lazy("api client", "created"), default=timezone.now, editable=False
    )
    last_used_at = models.DateTimeField(
        pgettext_lazy("api client", "last used"), null=True, blank=True, editable=False
    )

    class Meta:
        app_label = "reports"
        ordering = ["name"]
        verbose_name = _("Open311 API client")
        verbose_name_plural = _("Open311 API clients")

    def __str__(self) -> str:
        return self.name

    def set_key(self, key: str) -> None:
        self.key_hash = hash_key(key)
        self.key_hint = key[:12]

    @classmethod
    def for_key(cls, key: str) -> ApiClient | None:
        """The active client with this key, or None (hash lookup: no timing on the secret)."""
        if not key or len(key) > 200:
            return None
        return cls.objects.filter(key_hash=hash_key(key), active=True).first()
