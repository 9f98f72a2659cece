"""The certificate of the Digitaler Führerschein Harz (docs/learning.md "Certificate").

A learner who passed every required module gets a Certificate: an A4 PDF with a QR code to the
verify page, and a verifiable credential — an Open Badges 3.0 `OpenBadgeCredential` in the W3C
VC Data Model 2.0, secured with a Data Integrity proof, cryptosuite `eddsa-jcs-2022`:

    proofConfig = proof options (no proofValue) + the document's "@context"
    hashData    = SHA-256(JCS(proofConfig)) ‖ SHA-256(JCS(document without proof))
    proofValue  = "z" + base58btc(Ed25519 signature over hashData)

(JCS: RFC 8785, the `rfc8785` package.) The issuer is the county's https profile
(`learning:issuer`), its keys published as Multikeys (keys.py); `verificationMethod` is
"<issuer id>#<kid>". The holder's name is an OB 3.0 IdentityObject (identityType "name",
hashed false) — printed on the PDF too, so it is in plain text. Valid for VALID_YEARS years.

Revocation: `credentialStatus` is a BitstringStatusListEntry (statusPurpose "revocation") into
the issuer's BitstringStatusListCredential (`learning:status_list`): LIST_BITS bits (at least
131,072, the spec's minimum for herd privacy), index 0 the most significant bit of the first
byte, GZIP-compressed, multibase base64url ("u…", no padding). Indexes are drawn at random
(unique in the table), so a certificate's index tells nothing about when it was issued.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
import secrets
from dataclasses import dataclass

import rfc8785
from cryptography.exceptions import InvalidSignature
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openkreis.core import event_kinds
from openkreis.core.services import record_event

from . import courses, keys
from .models import Certificate, IssuerKey, Module

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CRYPTOSUITE = "eddsa-jcs-2022"
ACHIEVEMENT_NAME = "Digitaler Führerschein Harz"
VALID_YEARS = 5
LIST_BITS = 131_072
ISSUE_TRIES = 20


# --- addresses ---------------------------------------------------------------------------------


def base_url() -> str:
    """The site's address from the settings (never the request's Host: a credential's issuer
    must not depend on how the page was reached)."""
    configured = getattr(settings, "OPENKREIS_BASE_URL", "") or getattr(
        settings, "WAGTAILADMIN_BASE_URL", ""
    )
    return (configured or "http://localhost:8000").rstrip("/")


def _address(name: str) -> str:
    """The absolute address of a URL name in the default language (no /en/ prefix): a
    credential's addresses must not depend on the language of the page that issued it."""
    with translation.override(settings.LANGUAGE_CODE):
        return base_url() + reverse(name)


def issuer_id() -> str:
    return _address("learning:issuer")


def status_list_url() -> str:
    return _address("learning:status_list")


def verify_url(certificate: Certificate) -> str:
    return f"{_address('learning:verify')}?id={certificate.key}"


def issuer_name() -> str:
    return getattr(settings, "OPENKREIS_LEARNING_ISSUER_NAME", "Landkreis Harz")


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _years_later(value: dt.datetime, years: int) -> dt.datetime:
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February
        return value.replace(year=value.year + years, day=28)


def _parse_iso(value) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


# --- who may have one ----------------------------------------------------------------------------


def required_modules():
    return courses.modules().filter(required=True)


def missing_modules(user) -> list[Module]:
    """The required modules `user` has not passed yet."""
    passed = {m.pk for m in courses.passed_modules(user)}
    return [m for m in required_modules() if m.pk not in passed]


def may_have(user) -> bool:
    """Every required module passed (and there is at least one)."""
    return courses.passed_required(user)


def current_certificate(user) -> Certificate | None:
    return Certificate.objects.filter(user=user, revoked_at__isnull=True).first()


# --- signing -------------------------------------------------------------------------------------


def _hash_data(document: dict, proof: dict) -> bytes:
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in document:
        config["@context"] = document["@context"]
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    return (
        hashlib.sha256(rfc8785.dumps(config)).digest()
        + hashlib.sha256(rfc8785.dumps(unsecured)).digest()
    )


def sign(document: dict, key: IssuerKey | None = None, now: dt.datetime | None = None) -> dict:
    """`document` with an eddsa-jcs-2022 DataIntegrityProof by `key` (default keys.current())."""
    key = key or keys.current()
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": _iso(now or timezone.now()),
        "verificationMethod": f"{issuer_id()}#{key.kid}",
        "proofPurpose": "assertionMethod",
    }
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    signature = keys.private_key(key).sign(_hash_data(unsecured, proof))
    return {**unsecured, "proof": {**proof, "proofValue": "z" + keys.b58encode(signature)}}


def credential_for(
    certificate: Certificate, modules: list[Module], valid_from: dt.datetime
) -> dict:
    issuer = issuer_id()
    status = status_list_url()
    titles = ", ".join(m.title for m in modules)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{certificate.key}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": ACHIEVEMENT_NAME,
        "issuer": {"id": issuer, "type": ["Profile"], "name": issuer_name()},
        "validFrom": _iso(valid_from),
        "validUntil": _iso(certificate.expires_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.holder_name,
                }
            ],
            "achievement": {
                "id": issuer_id() + "#digitaler-fuehrerschein",
                "type": ["Achievement"],
                "name": ACHIEVEMENT_NAME,
                "description": (
                    "Grundlagen für Smartphone, Internet und die Online-Dienste des "
                    f"{issuer_name()}."
                ),
                "criteria": {"narrative": f"Alle Pflichtmodule bestanden: {titles}."},
            },
        },
        "credentialStatus": {
            "id": f"{status}#{certificate.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.status_index),
            "statusListCredential": status,
        },
    }


def issue(user, holder_name: str, now: dt.datetime | None = None) -> Certificate:
    """A signed certificate for `user` (who passed every required module: ValueError else).
    An unrevoked certificate the user already has is returned as it is. Writes the event
    learning.certificate_issued (group kind and municipality only)."""
    holder_name = " ".join((holder_name or "").split())
    if not holder_name:
        raise ValueError("a certificate needs the holder's name")
    if not may_have(user):
        raise ValueError("not every required module is passed")
    existing = current_certificate(user)
    if existing is not None:
        return existing
    now = now or timezone.now()
    modules = list(required_modules())
    key = keys.current()
    for _attempt in range(ISSUE_TRIES):
        try:
            with transaction.atomic():
                certificate = Certificate(
                    user=user,
                    holder_name=holder_name,
                    modules=[m.slug for m in modules],
                    issued_at=now,
                    expires_at=_years_later(now, VALID_YEARS),
                    key_id=f"{issuer_id()}#{key.kid}",
                    status_index=secrets.randbelow(LIST_BITS),
                    credential={},
                )
                certificate.credential = sign(credential_for(certificate, modules, now), key, now)
                certificate.save()
                break
        except IntegrityError:
            continue  # the index was taken: draw another
    else:
        raise RuntimeError("no free status list index found")
    record_event(event_kinds.LEARNING_CERTIFICATE_ISSUED, data=courses.group_context(user))
    return certificate


@transaction.atomic
def revoke(certificate: Certificate, reason: str, now: dt.datetime | None = None) -> Certificate:
    """Sets the certificate's bit in the status list. Writes learning.certificate_revoked."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is None:
        certificate.revoked_at = now or timezone.now()
        certificate.revocation_reason = reason.strip()[:300]
        certificate.save(update_fields=["revoked_at", "revocation_reason"])
        data = (
            courses.group_context(certificate.user)
            if certificate.user
            else {"group_kind": "", "municipality": ""}
        )
        record_event(event_kinds.LEARNING_CERTIFICATE_REVOKED, data=data)
    return certificate


# --- the status list -------------------------------------------------------------------------


def encode_bits(indexes, size: int = LIST_BITS) -> str:
    """The encodedList: bit `i` is bit 7 - i % 8 of byte i // 8 (index 0 the leftmost bit),
    GZIP, multibase base64url without padding."""
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


def decode_bits(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("not multibase base64url")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list(now: dt.datetime | None = None) -> dict:
    """The signed BitstringStatusListCredential of every revocation."""
    now = now or timezone.now()
    url = status_list_url()
    revoked = Certificate.objects.filter(revoked_at__isnull=False).values_list(
        "status_index", flat=True
    )
    document = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(),
        "validFrom": _iso(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bits(revoked),
        },
    }
    return sign(document, now=now)


def issuer_profile() -> dict:
    """The issuer's profile: every key that ever signed (retired ones keep verifying) as a
    Multikey verification method."""
    keys.current()
    issuer = issuer_id()
    methods = [
        {
            "id": f"{issuer}#{key.kid}",
            "type": "Multikey",
            "controller": issuer,
            "publicKeyMultibase": key.public_key,
        }
        for key in IssuerKey.objects.order_by("created_at", "id")
    ]
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT, "https://w3id.org/security/multikey/v1"],
        "id": issuer,
        "type": ["Profile"],
        "name": issuer_name(),
        "url": base_url() + "/",
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def public_keys() -> dict[str, str]:
    """verificationMethod id → Multikey, for the browser's offline check."""
    issuer = issuer_id()
    return {f"{issuer}#{k.kid}": k.public_key for k in IssuerKey.objects.order_by("id")}


# --- verifying -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    name: str  # format, issuer, signature, dates, status
    ok: bool
    message: str


@dataclass(frozen=True)
class Result:
    ok: bool
    checks: list[Check]
    holder_name: str = ""
    valid_until: dt.datetime | None = None

    def failed(self) -> list[str]:
        return [c.name for c in self.checks if not c.ok]


def parse(text: str | bytes) -> dict | None:
    try:
        data = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _holder(document: dict) -> str:
    subject = document.get("credentialSubject")
    identifiers = subject.get("identifier") if isinstance(subject, dict) else None
    for item in identifiers if isinstance(identifiers, list) else []:
        if isinstance(item, dict) and item.get("identityType") == "name":
            return str(item.get("identityHash", ""))
    return ""


def _check_signature(document: dict, proof: dict) -> Check | None:
    """The issuer check if it fails, else None; the signature check is appended by verify()."""
    issuer = issuer_id()
    method = proof.get("verificationMethod")
    declared = document.get("issuer")
    declared_id = declared.get("id") if isinstance(declared, dict) else declared
    if declared_id != issuer or not isinstance(method, str) or not method.startswith(issuer + "#"):
        return Check(
            "issuer",
            False,
            _("✗ Issuer: not issued by the %(issuer)s (or not with one of its keys).")
            % {"issuer": issuer_name()},
        )
    return None


def verify(document: dict | None, now: dt.datetime | None = None) -> Result:
    """Every check of a credential: format, issuer and key, signature, dates, revocation.
    Never raises for bad input."""
    now = now or timezone.now()
    if not isinstance(document, dict):
        return Result(False, [Check("format", False, _("✗ This is not a credential (no JSON)."))])
    checks: list[Check] = []
    types = document.get("type")
    if not isinstance(types, list) or "OpenBadgeCredential" not in types:
        checks.append(Check("format", False, _("✗ This is not an Open Badge credential.")))
        return Result(False, checks)
    proof = document.get("proof")
    if not isinstance(proof, dict) or proof.get("cryptosuite") != CRYPTOSUITE:
        checks.append(Check("signature", False, _("✗ Signature: the credential has no signature.")))
        return Result(False, checks, _holder(document))
    issuer_fail = _check_signature(document, proof)
    key = None
    if issuer_fail is None:
        kid = proof["verificationMethod"].split("#", 1)[1]
        key = IssuerKey.objects.filter(kid=kid).first()
        if key is None:
            issuer_fail = Check(
                "issuer", False, _("✗ Issuer: the key that signed is not one of the county's keys.")
            )
    if issuer_fail:
        checks.append(issuer_fail)
    else:
        checks.append(
            Check(
                "issuer",
                True,
                _("✓ Issuer: %(issuer)s, with its key %(kid)s%(retired)s.")
                % {
                    "issuer": issuer_name(),
                    "kid": key.kid,
                    "retired": _(" (retired, still valid for what it signed)")
                    if key.retired_at
                    else "",
                },
            )
        )
    signature_ok = False
    if key is not None:
        try:
            value = proof.get("proofValue", "")
            if not isinstance(value, str) or not value.startswith("z"):
                raise ValueError("no base58btc proofValue")
            keys.public_key(key).verify(keys.b58decode(value[1:]), _hash_data(document, proof))
            signature_ok = True
        except (InvalidSignature, ValueError, TypeError):
            signature_ok = False
    checks.append(
        Check("signature", True, _("✓ Signature: nothing was changed since it was issued."))
        if signature_ok
        else Check(
            "signature",
            False,
            _("✗ Signature: does not match — the credential was changed or not signed by us."),
        )
    )
    start, end = _parse_iso(document.get("validFrom")), _parse_iso(document.get("validUntil"))
    if start is None or start > now:
        checks.append(Check("dates", False, _("✗ Validity: not valid yet.")))
    elif end is not None and end <= now:
        checks.append(
            Check(
                "dates",
                False,
                _("✗ Validity: expired on %(date)s.") % {"date": end.date().isoformat()},
            )
        )
    else:
        checks.append(
            Check(
                "dates",
                True,
                _("✓ Validity: valid until %(date)s.")
                % {"date": end.date().isoformat() if end else "–"},
            )
        )
    checks.append(_check_status(document))
    return Result(all(c.ok for c in checks), checks, _holder(document), end)


def _check_status(document: dict) -> Check:
    status = document.get("credentialStatus")
    if not isinstance(status, dict) or status.get("statusListCredential") != status_list_url():
        return Check(
            "status", False, _("✗ Revocation: the credential has no status entry of ours.")
        )
    try:
        index = int(status.get("statusListIndex"))
    except (TypeError, ValueError):
        index = -1
    if not 0 <= index < LIST_BITS:
        return Check("status", False, _("✗ Revocation: the status entry is not valid."))
    if Certificate.objects.filter(status_index=index, revoked_at__isnull=False).exists():
        return Check("status", False, _("✗ Revocation: the issuer has revoked this certificate."))
    return Check("status", True, _("✓ Revocation: not revoked (checked just now)."))
