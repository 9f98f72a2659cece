"""HATIX signing keys and tickets: sign, verify, rotate, withdraw; the trust list and the
revocation list the inspector app caches (docs/tickets.md, "Signed tickets").

The layers are codec.py's (CBOR → COSE_Sign1 → zlib → Base45 → "HX1:"). A ticket's claims
(CBOR map, CWT numbers where CWT has one, short text keys for the rest):

    4 (exp)  valid until, epoch seconds        5 (nbf)  valid from, epoch seconds
    7 (cti)  the ticket serial, UTF-8 bytes    "z"      zones (list of text)
    "h"      HarzCard included (bool)          "i"      the guest's initials (absent: none)

The key id (kid) — the first 8 bytes of SHA-256 over the public key (SubjectPublicKeyInfo, DER;
the EU certificate hashes its signer certificate, we have none) — stands in the COSE protected
header. Private keys are stored encrypted (PKCS#8, cryptography's BestAvailableEncryption) with
a password from the setting or environment variable OPENKREIS_TICKET_KEY_SECRET, else derived
from SECRET_KEY (HKDF-SHA256): changing that secret makes the stored keys unusable for signing.

Rotation: the new key signs; the old one keeps verifying until the last ticket it signed expires
(`verify_until`). Withdrawal (a compromised key): its tickets are refused at once and it leaves
the trust list.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from openkreis.core import event_kinds
from openkreis.core.services import record_event

from . import codec
from .models import Scheme, Ticket
from .models_keys import SigningKey

DEFAULT_PREFIX = "HX1"
# reasons beyond codec.REASONS: the kid is known but its key was withdrawn or has run out
WITHDRAWN = "withdrawn"
KEY_EXPIRED = "key_expired"
# revocation entries: the first 16 bytes of SHA-256 over the serial's UTF-8 bytes (the cti claim)
REVOCATION_HASH_BYTES = 16

# claim keys (see the module docstring)
C_EXP, C_NBF, C_CTI = codec.CLAIM_EXP, codec.CLAIM_NBF, codec.CLAIM_CTI
C_ZONES, C_HARZCARD, C_INITIALS = "z", "h", "i"
PAYLOAD_ALIASES = {
    "serial": "serial",
    "ticket_id": "serial",
    "valid_from": "valid_from",
    "valid_until": "valid_until",
    "zones": "zones",
    "initials": "initials",
    "harzcard": "harzcard",
}


@dataclass(frozen=True)
class Verified:
    """The answer of verify(): ok, the refusal reason ("" when ok), the payload, the key id."""

    ok: bool
    reason: str
    payload: dict | None = None
    kid: str = ""
    detail: str = field(default="", compare=False)


# --- key material ------------------------------------------------------------------------------


def _password() -> bytes:
    secret = getattr(settings, "OPENKREIS_TICKET_KEY_SECRET", "") or os.environ.get(
        "OPENKREIS_TICKET_KEY_SECRET", ""
    )
    if secret:
        return secret.encode()
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"openkreis tickets signing keys"
    ).derive(settings.SECRET_KEY.encode())
    return base64.b64encode(derived)


def kid_of(public_key: Any) -> bytes:
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).digest()[:8]


_public_cache: dict[tuple[str, str], Any] = {}
_private_cache: dict[tuple[str, str], Any] = {}


def public_key_of(key: SigningKey) -> Any:
    cache_key = (key.kid, key.public_key)
    if cache_key not in _public_cache:
        _public_cache[cache_key] = serialization.load_pem_public_key(key.public_key.encode())
    return _public_cache[cache_key]


def signer_of(key: SigningKey) -> codec.Signer:
    if not key.private_key:
        raise ValueError(f"key {key.kid} has no private key (verify only)")
    cache_key = (key.kid, key.private_key)
    if cache_key not in _private_cache:
        _private_cache[cache_key] = serialization.load_pem_private_key(
            key.private_key.encode(), password=_password()
        )
    return codec.Signer(bytes.fromhex(key.kid), key.algorithm, _private_cache[cache_key])


def generate_key(algorithm: str = SigningKey.Algorithm.ES256) -> SigningKey:
    """A new key pair, stored with the private key encrypted. It does not sign until it is the
    newest key that signs (rotate() makes it so)."""
    if algorithm == SigningKey.Algorithm.ES256:
        private = ec.generate_private_key(ec.SECP256R1())
    elif algorithm == SigningKey.Algorithm.EDDSA:
        private = ed25519.Ed25519PrivateKey.generate()
    else:
        raise ValueError(f"unknown algorithm {algorithm!r} (ES256 or EdDSA)")
    public = private.public_key()
    return SigningKey.objects.create(
        kid=kid_of(public).hex(),
        algorithm=algorithm,
        public_key=public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode(),
        private_key=private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(_password()),
        ).decode(),
    )


def _signing_keys():
    return SigningKey.objects.filter(signs_until__isnull=True, withdrawn_at__isnull=True).exclude(
        private_key=""
    )


def current_key() -> SigningKey:
    """The key that signs new tickets (the newest usable one); the first is made if none."""
    key = _signing_keys().order_by("-created_at", "-id").first()
    if key is None:
        with transaction.atomic():
            # one first key even when two requests ask at once (the lock serialises them)
            list(SigningKey.objects.select_for_update().all())
            key = _signing_keys().order_by("-created_at", "-id").first()
            if key is None:
                key = generate_key()
    return key


def keys_with_last_ticket():
    """Every key with `last_ticket`, the end of the latest validity among its tickets."""
    return SigningKey.objects.annotate(last_ticket=Max("tickets__valid_until"))


def verifies_until(key: SigningKey) -> dt.datetime | None:
    """A signing key verifies without end; a retired one until `verify_until` or the expiry of
    its last ticket, whichever is later (a ticket stored after the rotation by a request that
    still held the old key stays valid too)."""
    if key.signs_until is None:
        return None
    ends = [t for t in (key.verify_until, getattr(key, "last_ticket", None)) if t]
    return max(ends) if ends else key.signs_until


def _retire(key: SigningKey, now: dt.datetime) -> None:
    """The key signs no more; it verifies until the last ticket it signed expires."""
    last = Ticket.objects.filter(key=key).aggregate(last=Max("valid_until"))["last"]
    key.signs_until = now
    key.verify_until = max(last, now) if last else now
    key.save(update_fields=["signs_until", "verify_until"])


@transaction.atomic
def rotate(algorithm: str = SigningKey.Algorithm.ES256) -> SigningKey:
    """A new key signs from now on; every key that signed so far verifies its tickets until
    they expire. Writes the ticket.key_rotated event."""
    now = timezone.now()
    previous = list(_signing_keys().select_for_update())
    new = generate_key(algorithm)
    for key in previous:
        _retire(key, now)
    record_event(
        event_kinds.TICKET_KEY_ROTATED,
        subject=f"ticket_key:{new.kid}",
        data={"algorithm": new.algorithm, "previous": ",".join(k.kid for k in previous)},
    )
    return new


@transaction.atomic
def withdraw(kid: str) -> SigningKey:
    """A compromised key: its tickets are refused from now on and it leaves the trust list.
    If it was signing, a new key (same algorithm) takes over. Tickets it signed must be
    issued anew (services' business)."""
    key = SigningKey.objects.select_for_update().get(kid=kid)
    if key.withdrawn_at is None:
        was_signing = key.signs_until is None and key.private_key
        now = timezone.now()
        key.withdrawn_at = now
        key.signs_until = key.signs_until or now
        key.save(update_fields=["withdrawn_at", "signs_until"])
        if was_signing and not _signing_keys().exists():
            rotate(key.algorithm)
    return key


# --- tickets -----------------------------------------------------------------------------------


def scheme_prefix() -> str:
    prefix = Scheme.objects.values_list("prefix", flat=True).first() or DEFAULT_PREFIX
    return prefix.rstrip(":") + ":"


def _epoch(value: Any) -> int:
    if isinstance(value, dt.datetime):
        return int(value.timestamp())
    if isinstance(value, dt.date):
        raise TypeError("give a datetime (timezone-aware) or epoch seconds, not a date")
    return int(value)


def claims_of(payload: Mapping) -> dict:
    """The CBOR claims of a ticket payload {serial, valid_from, valid_until, zones, initials,
    harzcard} (datetimes or epoch seconds)."""
    unknown = set(payload) - set(PAYLOAD_ALIASES)
    if unknown:
        raise ValueError(f"unknown ticket payload keys: {sorted(unknown)}")
    p = {PAYLOAD_ALIASES[k]: v for k, v in payload.items()}
    serial = str(p["serial"])
    if not serial:
        raise ValueError("a ticket needs a serial")
    claims: dict[Any, Any] = {
        C_CTI: serial.encode(),
        C_NBF: _epoch(p["valid_from"]),
        C_EXP: _epoch(p["valid_until"]),
        C_ZONES: [str(z) for z in p.get("zones") or []],
        C_HARZCARD: bool(p.get("harzcard", False)),
    }
    if p.get("initials"):
        claims[C_INITIALS] = str(p["initials"])
    return claims


def payload_of(claims: Mapping) -> dict:
    """Back from CBOR claims to the payload dict (epoch seconds)."""
    cti = claims.get(C_CTI)
    zones = claims.get(C_ZONES, [])
    if not isinstance(cti, bytes) or not isinstance(zones, list | tuple):
        raise codec.CodecError(codec.BAD_PAYLOAD, "not a ticket")
    try:
        serial = cti.decode()
    except UnicodeDecodeError:
        raise codec.CodecError(codec.BAD_PAYLOAD, "serial is not UTF-8") from None
    return {
        "serial": serial,
        "valid_from": claims.get(C_NBF),
        "valid_until": claims.get(C_EXP),
        "zones": [str(z) for z in zones],
        "initials": claims.get(C_INITIALS) or None,
        "harzcard": bool(claims.get(C_HARZCARD, False)),
    }


def sign(payload: Mapping, key: SigningKey | None = None, prefix: str | None = None) -> str:
    """The signed "HX1:…" code of a ticket payload, signed by `key` (default current_key()).
    Store the Ticket with the same key so rotation knows how long the key must verify."""
    key = key or current_key()
    if key.withdrawn_at or key.signs_until:
        raise ValueError(f"key {key.kid} no longer signs")
    return codec.encode(claims_of(payload), signer_of(key), prefix or scheme_prefix())


def revocation_hash(serial: str | bytes) -> str:
    data = serial if isinstance(serial, bytes) else serial.encode()
    return hashlib.sha256(data).digest()[:REVOCATION_HASH_BYTES].hex()


class Verifier:
    """A snapshot of the trust material: the usable keys, withdrawn key ids, revoked ticket
    hashes. What the inspector app holds offline; verify() builds one per call, a checker that
    verifies many codes builds one and reuses it (bench/tickets.py)."""

    def __init__(
        self,
        keys: Iterable[SigningKey],
        revoked: Iterable[str] = (),
        prefix: str = DEFAULT_PREFIX + ":",
        now: dt.datetime | None = None,
    ):
        now = now or timezone.now()
        self.prefix = prefix
        self.public: dict[bytes, Any] = {}
        self.refused: dict[bytes, str] = {}
        for key in keys:
            kid = bytes.fromhex(key.kid)
            until = verifies_until(key)
            if key.withdrawn_at:
                self.refused[kid] = WITHDRAWN
            elif until and until <= now:
                self.refused[kid] = KEY_EXPIRED
            else:
                self.public[kid] = public_key_of(key)
        self.revoked = frozenset(revoked)

    @classmethod
    def from_db(cls, now: dt.datetime | None = None, serials: Iterable[str] = ()) -> Verifier:
        """Every key; revocations of `serials` only, or of every ticket still valid if none."""
        now = now or timezone.now()
        revoked = Ticket.objects.filter(revoked_at__isnull=False)
        revoked = revoked.filter(serial__in=list(serials)) if serials else revoked
        hashes_ = [revocation_hash(s) for s in revoked.values_list("serial", flat=True)]
        return cls(keys_with_last_ticket(), hashes_, scheme_prefix(), now)

    def _is_revoked(self, claims: dict) -> bool:
        cti = claims.get(C_CTI)
        return isinstance(cti, bytes) and revocation_hash(cti) in self.revoked

    def verify(self, code: str, now: dt.datetime | float | None = None) -> Verified:
        when = now.timestamp() if isinstance(now, dt.datetime) else now
        try:
            decoded = codec.decode(
                code,
                prefix=self.prefix,
                keys=self.public,
                now=when,
                is_revoked=self._is_revoked,
            )
            payload = payload_of(decoded.claims)
        except codec.CodecError as exc:
            reason = (
                self.refused.get(exc.kid, exc.reason) if exc.reason == codec.UNKNOWN_KID else None
            )
            return Verified(False, reason or exc.reason, None, exc.kid.hex(), exc.detail)
        return Verified(True, "", payload, decoded.kid.hex())


def verify(code: str, now: dt.datetime | float | None = None) -> Verified:
    """Check a code against the keys and revocations in the database; never raises for bad
    input: the answer says ok or the reason (codec.REASONS, WITHDRAWN, KEY_EXPIRED)."""
    when = now if isinstance(now, dt.datetime) else None
    if isinstance(now, int | float):
        when = dt.datetime.fromtimestamp(now, tz=dt.UTC)
    serial = _serial_hint(code)
    return Verifier.from_db(when, [serial] if serial else ()).verify(code, now)


def _serial_hint(code: str) -> str:
    """The serial in an unverified code, only to narrow the revocation query (the verifier
    checks the signature before it trusts it)."""
    try:
        raw = codec.decompress(codec.b45decode(code.split(":", 1)[1]))
        claims = codec._loads(codec.open_sign1(raw)[3], codec.BAD_PAYLOAD)
        cti = claims.get(C_CTI) if isinstance(claims, Mapping) else None
        return cti.decode() if isinstance(cti, bytes) else ""
    except (codec.CodecError, IndexError, UnicodeDecodeError, AttributeError):
        return ""


# --- the published documents (/hatix/schluessel.json, /hatix/sperrliste.json) ------------------


def _jwk(public_key: Any) -> dict:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    if isinstance(public_key, ec.EllipticCurvePublicKey):
        numbers = public_key.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64(numbers.x.to_bytes(32, "big")),
            "y": b64(numbers.y.to_bytes(32, "big")),
        }
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64(raw)}


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def trust_list(now: dt.datetime | None = None) -> dict:
    """The public keys that verify tickets now: {"prefix", "keys": {kid: {alg,
    jwk, spki (base64 DER), signs, verify_until}}}. Withdrawn and run-out keys are left out."""
    now = now or timezone.now()
    current_key()  # a scheme always has a key that signs
    entries = {}
    for key in (
        keys_with_last_ticket().filter(withdrawn_at__isnull=True).order_by("created_at", "id")
    ):
        until = verifies_until(key)
        if until and until <= now:
            continue
        public = public_key_of(key)
        spki = public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        entries[key.kid] = {
            "alg": key.algorithm,
            "jwk": _jwk(public),
            "spki": base64.b64encode(spki).decode(),
            "signs": key.signs_until is None,
            "verify_until": _iso(until),
        }
    return {"prefix": scheme_prefix(), "keys": entries}


def revocation_list(now: dt.datetime | None = None) -> dict:
    """Revoked tickets still within their validity, as truncated hashes (never the serial):
    {"version", "updated", "hash": how an entry is made, "entries": [hex…] sorted}."""
    now = now or timezone.now()
    revoked = Ticket.objects.filter(revoked_at__isnull=False, valid_until__gt=now)
    serials = revoked.values_list("serial", flat=True)
    latest = Ticket.objects.filter(revoked_at__isnull=False).aggregate(m=Max("revoked_at"))["m"]
    return {
        "version": int(latest.timestamp()) if latest else 0,
        "updated": _iso(latest),
        "hash": f"sha256(utf8(serial))[:{REVOCATION_HASH_BYTES}] hex",
        "entries": sorted(revocation_hash(s) for s in serials),
    }


def document_bytes(document: dict) -> bytes:
    """Canonical JSON (stable ETag)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
