"""Signing keys of the ticket scheme (docs/tickets.md; owner T1: codec and keys)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SigningKey(models.Model):
    """A key of the scheme. New tickets are signed with the newest key that still signs;
    a rotated key keeps verifying its tickets until `verify_until` (their expiry)."""

    class Algorithm(models.TextChoices):
        ES256 = "ES256", "ECDSA P-256 / SHA-256"
        EDDSA = "EdDSA", "Ed25519"

    kid = models.CharField(_("key id"), max_length=32, unique=True)  # hex of the 8-byte kid
    algorithm = models.CharField(max_length=8, choices=Algorithm.choices, default=Algorithm.ES256)
    public_key = models.TextField()  # PEM SubjectPublicKeyInfo
    private_key = models.TextField(blank=True)  # encrypted PEM; empty for verify-only keys
    created_at = models.DateTimeField(auto_now_add=True)
    signs_until = models.DateTimeField(null=True, blank=True)  # set when rotated
    verify_until = models.DateTimeField(null=True, blank=True)  # null: until withdrawn
    withdrawn_at = models.DateTimeField(null=True, blank=True)  # compromised: refuse at once

    class Meta:
        verbose_name = _("signing key")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kid} ({self.algorithm})"
