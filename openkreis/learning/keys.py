"""The county's issuer keys for certificates (Ed25519, docs/learning.md "Certificate").

A key's public half is published in the issuer profile (`learning:issuer`) as a Multikey
(multibase base58btc of 0xed01 + the 32 raw bytes, "z6Mk…"). The private half is stored as
PKCS#8 PEM, encrypted (cryptography's BestAvailableEncryption) with a password from the
setting or environment variable OPENKREIS_LEARNING_KEY_SECRET, else derived from SECRET_KEY by
HKDF-SHA256 (own `info`, so the tickets' keys and these never share a password): changing that
secret leaves the stored keys unable to sign (verifying needs only the public key).

Rotation: a new key signs; the old one gets `retired_at` and `active=False` but stays in the
profile and keeps verifying what it signed. Only a key removed from the table stops verifying.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import IssuerKey

ED25519_PUB_PREFIX = b"\xed\x01"  # multicodec ed25519-pub (varint 0xed)
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _B58[rest] + out
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + out


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = _B58.find(char)
        if index < 0:
            raise ValueError("not base58btc")
        number = number * 58 + index
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multikey(public: ed25519.Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + b58encode(ED25519_PUB_PREFIX + raw)


def public_from_multikey(value: str) -> ed25519.Ed25519PublicKey:
    """The Ed25519 key of a Multikey "z6Mk…"; ValueError for anything else."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise ValueError("not a base58btc multibase value")
    data = b58decode(value[1:])
    if len(data) != 34 or data[:2] != ED25519_PUB_PREFIX:
        raise ValueError("not an Ed25519 Multikey")
    return ed25519.Ed25519PublicKey.from_public_bytes(data[2:])


def _password() -> bytes:
    secret = getattr(settings, "OPENKREIS_LEARNING_KEY_SECRET", "") or os.environ.get(
        "OPENKREIS_LEARNING_KEY_SECRET", ""
    )
    if secret:
        return secret.encode()
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"openkreis learning issuer keys"
    ).derive(settings.SECRET_KEY.encode())


def generate() -> IssuerKey:
    private = ed25519.Ed25519PrivateKey.generate()
    public = multikey(private.public_key())
    return IssuerKey.objects.create(
        kid="key-" + hashlib.sha256(public.encode()).hexdigest()[:16],
        public_key=public,
        private_key=private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(_password()),
        ).decode(),
    )


def _signing():
    return IssuerKey.objects.filter(active=True, retired_at__isnull=True)


def current() -> IssuerKey:
    """The key that signs now (the newest active one); the first is made when none exists."""
    key = _signing().order_by("-created_at", "-id").first()
    if key is None:
        with transaction.atomic():
            list(IssuerKey.objects.select_for_update().all())
            key = _signing().order_by("-created_at", "-id").first() or generate()
    return key


@transaction.atomic
def rotate() -> IssuerKey:
    """A new key signs from now; the previous ones are retired but keep verifying."""
    now = timezone.now()
    previous = list(_signing().select_for_update())
    new = generate()
    for key in previous:
        key.active = False
        key.retired_at = now
        key.save(update_fields=["active", "retired_at"])
    return new


def private_key(key: IssuerKey) -> ed25519.Ed25519PrivateKey:
    loaded = serialization.load_pem_private_key(key.private_key.encode(), password=_password())
    if not isinstance(loaded, ed25519.Ed25519PrivateKey):
        raise ValueError(f"issuer key {key.kid} is not Ed25519")
    return loaded


def public_key(key: IssuerKey) -> ed25519.Ed25519PublicKey:
    return public_from_multikey(key.public_key)
