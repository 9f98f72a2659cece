"""The layers of a signed code, as in the EU Digital COVID Certificate (HCERT):

    CBOR payload (CWT claims) → COSE_Sign1 (ES256, EdDSA) → zlib → Base45 → prefix ("HX1:")

and back. Generic: nothing here knows HATIX; `decode(code, prefix="HC1:", keys=…)` reads an EU
certificate as well (openkreis/tickets/tests/test_codec.py decodes the published test vectors).
keys.py builds the HATIX tickets on top.

Every refusal raises `CodecError` with a distinct machine-readable `reason` (the REASONS below),
so a checker can say *why* a code is refused. Untrusted input is bounded at every layer: the
length of the text, the size after zlib (no zip bombs), the CBOR nesting.

COSE_Sign1 is written and checked with `cryptography` directly (RFC 9052 §4.4: the signature
covers the CBOR array ["Signature1", protected header, b"", payload]; an ECDSA signature is r‖s);
pycose does the same but is slower by a factor measured in bench/tickets.py.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import base45
import cbor2
import numpy as np
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

# refusal reasons (stable strings: the inspector app and the tests use them)
PREFIX = "prefix"  # not the expected prefix
BASE45 = "base45"  # a character or triple outside Base45
TRUNCATED = "truncated"  # the text or the zlib stream ends too early
ZLIB = "zlib"  # not a zlib stream, or data after its end
OVERSIZED = "oversized"  # the text or the decompressed data is larger than allowed
NOT_COSE = "not_cose"  # not a CBOR COSE_Sign1 structure
BAD_HEADER = "bad_header"  # protected header unreadable, no kid, or an algorithm not supported
UNKNOWN_KID = "unknown_kid"  # no key with this key id (or the key is withdrawn)
BAD_SIGNATURE = "bad_signature"  # the signature does not match (tampered, or wrong key)
BAD_PAYLOAD = "bad_payload"  # the signed payload is not a CBOR map of claims
EXPIRED = "expired"  # now is after the expiry claim (4, exp)
NOT_YET_VALID = "not_yet_valid"  # now is before the not-before claim (5, nbf)
REVOKED = "revoked"  # on the revocation list
REASONS = (
    PREFIX,
    BASE45,
    TRUNCATED,
    ZLIB,
    OVERSIZED,
    NOT_COSE,
    BAD_HEADER,
    UNKNOWN_KID,
    BAD_SIGNATURE,
    BAD_PAYLOAD,
    EXPIRED,
    NOT_YET_VALID,
    REVOKED,
)

# COSE (RFC 9052/9053) and CWT (RFC 8392) numbers
COSE_SIGN1_TAG = 18
HEADER_ALG = 1
HEADER_KID = 4
ALG_ES256 = -7
ALG_EDDSA = -8
ALG_PS256 = -37  # verify only: some EU certificate signers use RSA-PSS
ALGORITHMS = {"ES256": ALG_ES256, "EdDSA": ALG_EDDSA, "PS256": ALG_PS256}
CLAIM_ISS = 1
CLAIM_EXP = 4
CLAIM_NBF = 5
CLAIM_IAT = 6
CLAIM_CTI = 7

# bounds for untrusted input: an EU certificate is ~0.5-2 kB; a HATIX ticket ~200 bytes
MAX_CODE_LENGTH = 8_000
MAX_DECOMPRESSED = 16_384


class CodecError(ValueError):
    """A code is refused; `reason` is one of REASONS, `kid` the key id if it was read."""

    def __init__(self, reason: str, detail: str = "", kid: bytes = b""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.kid = kid


@dataclass(frozen=True)
class Signer:
    """Private signing material: the key id, the algorithm name and a cryptography private key."""

    kid: bytes
    alg: str  # "ES256" or "EdDSA"
    private_key: Any


@dataclass(frozen=True)
class Decoded:
    """A verified code: its claims, the key id and algorithm it was signed with."""

    claims: dict
    kid: bytes
    alg: int
    protected: dict = field(default_factory=dict)
    unprotected: dict = field(default_factory=dict)


# --- the layers one by one (each usable alone; the round-trip tests cover every one) ---------


def b45encode(data: bytes) -> str:
    return base45.b45encode(data).decode("ascii")


_B45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_VALUES = bytes(_B45_ALPHABET.find(chr(i)) % 256 for i in range(256))  # 255: not Base45
_B45_WEIGHTS = np.array([1, 45, 45 * 45], dtype=np.uint32)


def b45decode(text: str) -> bytes:
    """RFC 9285 Base45 → bytes. The same result as base45.b45decode (a test compares them)
    in a third of its time: the triples are summed by numpy, not one by one in Python."""
    if len(text) % 3 == 1:
        # a Base45 text is made of triples and a final pair: one character left is a cut code
        raise CodecError(TRUNCATED, "Base45 text of impossible length")
    try:
        values = text.encode("ascii").translate(_B45_VALUES)
    except UnicodeEncodeError:
        raise CodecError(BASE45, "not ASCII") from None
    if 255 in values:
        raise CodecError(BASE45, "a character outside Base45")
    whole = len(values) - len(values) % 3
    triples = np.frombuffer(values, dtype=np.uint8, count=whole).reshape(-1, 3)
    numbers = triples.astype(np.uint32) @ _B45_WEIGHTS
    if whole and numbers.max() > 0xFFFF:
        raise CodecError(BASE45, "a triple above 65535")
    out = numbers.astype(">u2").tobytes()
    if whole < len(values):
        last = values[whole] + values[whole + 1] * 45
        if last > 0xFF:
            raise CodecError(BASE45, "a final pair above 255")
        out += bytes((last,))
    return out


def compress(data: bytes) -> bytes:
    return zlib.compress(data, 9)


def decompress(data: bytes, limit: int = MAX_DECOMPRESSED) -> bytes:
    """zlib-inflate at most `limit` bytes: a larger result is refused without inflating it all."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise CodecError(ZLIB, str(exc)) from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise CodecError(OVERSIZED, f"more than {limit} bytes after zlib")
    if not inflater.eof:
        raise CodecError(TRUNCATED, "zlib stream ends early")
    if inflater.unused_data:
        raise CodecError(ZLIB, "data after the zlib stream")
    return out


def _loads(data: bytes, reason: str) -> Any:
    try:
        return cbor2.loads(data)
    except Exception as exc:  # noqa: BLE001 - any failure of a parser of untrusted bytes
        raise CodecError(reason, f"CBOR: {exc.__class__.__name__}") from None


def sign1(payload: bytes, signer: Signer, unprotected: Mapping | None = None) -> bytes:
    """COSE_Sign1 (tagged, like HCERT) with alg and kid in the protected header."""
    protected = cbor2.dumps({HEADER_ALG: ALGORITHMS[signer.alg], HEADER_KID: signer.kid})
    to_sign = _sig_structure(protected, payload)
    if signer.alg == "ES256":
        der = signer.private_key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
        r, s = utils.decode_dss_signature(der)
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    elif signer.alg == "EdDSA":
        signature = signer.private_key.sign(to_sign)
    else:
        raise ValueError(f"cannot sign with {signer.alg}")
    return cbor2.dumps(
        cbor2.CBORTag(COSE_SIGN1_TAG, [protected, dict(unprotected or {}), payload, signature])
    )


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def open_sign1(data: bytes) -> tuple[dict, dict, bytes, bytes, bytes]:
    """Parse COSE_Sign1 (tagged or not) → protected header, unprotected header, protected
    bytes, payload bytes, signature. Nothing is verified yet."""
    obj = _loads(data, NOT_COSE)
    if isinstance(obj, cbor2.CBORTag):
        if obj.tag != COSE_SIGN1_TAG:
            raise CodecError(NOT_COSE, f"CBOR tag {obj.tag}")
        obj = obj.value
    if not (isinstance(obj, list | tuple) and len(obj) == 4):
        raise CodecError(NOT_COSE, "not a four-element array")
    protected_bytes, unprotected, payload, signature = obj
    if not (
        isinstance(protected_bytes, bytes)
        and isinstance(unprotected, Mapping)
        and isinstance(payload, bytes)
        and isinstance(signature, bytes)
    ):
        raise CodecError(NOT_COSE, "wrong element types")
    protected = _loads(protected_bytes, BAD_HEADER) if protected_bytes else {}
    if not isinstance(protected, Mapping):
        raise CodecError(BAD_HEADER, "protected header is not a map")
    return dict(protected), dict(unprotected), protected_bytes, payload, signature


def verify_signature(alg: int, public_key: Any, protected: bytes, payload: bytes, sig: bytes):
    """Raise CodecError(BAD_SIGNATURE) unless `sig` signs the Sig_structure with `public_key`."""
    to_sign = _sig_structure(protected, payload)
    try:
        if alg == ALG_ES256 and isinstance(public_key, ec.EllipticCurvePublicKey):
            if len(sig) != 64:
                raise InvalidSignature
            der = utils.encode_dss_signature(
                int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
            )
            public_key.verify(der, to_sign, ec.ECDSA(hashes.SHA256()))
        elif alg == ALG_EDDSA and isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(sig, to_sign)
        elif alg == ALG_PS256 and isinstance(public_key, rsa.RSAPublicKey):
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
            public_key.verify(sig, to_sign, pss, hashes.SHA256())
        else:
            raise CodecError(BAD_SIGNATURE, f"key does not fit algorithm {alg}")
    except InvalidSignature:
        raise CodecError(BAD_SIGNATURE) from None


# --- the whole stack -------------------------------------------------------------------------


def encode(claims: Mapping, signer: Signer, prefix: str = "HX1:") -> str:
    """claims (a CBOR-able map) → signed, compressed, Base45 text with `prefix`."""
    return prefix + b45encode(compress(sign1(cbor2.dumps(dict(claims)), signer)))


KeyLookup = Mapping[bytes, Any] | Callable[[bytes], Any]


def decode(
    code: str,
    *,
    prefix: str,
    keys: KeyLookup,
    now: float | None = None,
    is_revoked: Callable[[dict], bool] | None = None,
    check_time: bool = True,
) -> Decoded:
    """Unwrap and verify `code`; return its claims or raise CodecError(reason).

    `keys` maps a key id (bytes) to a cryptography public key (or None/absent: unknown_kid); it
    may be a callable. Times are checked against the CWT claims exp (4) and nbf (5) with `now`
    (epoch seconds, default the current time); `is_revoked(claims)` says whether the code was
    revoked. The kid is taken from the protected header, else the unprotected one (as HCERT
    allows), and the signature is checked before anything in the payload is trusted.
    """
    if not isinstance(code, str):
        raise CodecError(PREFIX, "not text")
    if len(code) > MAX_CODE_LENGTH:
        raise CodecError(OVERSIZED, f"longer than {MAX_CODE_LENGTH} characters")
    if not code.startswith(prefix):
        raise CodecError(PREFIX, f"expected {prefix!r}")
    raw = decompress(b45decode(code[len(prefix) :]))
    protected, unprotected, protected_bytes, payload, signature = open_sign1(raw)
    kid = protected.get(HEADER_KID, unprotected.get(HEADER_KID))
    alg = protected.get(HEADER_ALG)
    if not isinstance(kid, bytes) or not kid:
        raise CodecError(BAD_HEADER, "no key id")
    if alg not in ALGORITHMS.values():
        raise CodecError(BAD_HEADER, f"algorithm {alg!r} not supported", kid)
    public_key = keys(kid) if callable(keys) else keys.get(kid)
    if public_key is None:
        raise CodecError(UNKNOWN_KID, kid.hex(), kid)
    try:
        verify_signature(alg, public_key, protected_bytes, payload, signature)
    except CodecError as exc:
        exc.kid = kid
        raise
    claims = _loads(payload, BAD_PAYLOAD)
    if not isinstance(claims, Mapping):
        raise CodecError(BAD_PAYLOAD, "claims are not a map", kid)
    claims = dict(claims)
    if check_time:
        now = time.time() if now is None else now
        exp, nbf = claims.get(CLAIM_EXP), claims.get(CLAIM_NBF)
        if exp is not None and not isinstance(exp, int | float):
            raise CodecError(BAD_PAYLOAD, "exp is not a number", kid)
        if nbf is not None and not isinstance(nbf, int | float):
            raise CodecError(BAD_PAYLOAD, "nbf is not a number", kid)
        if exp is not None and now >= exp:
            raise CodecError(EXPIRED, str(exp), kid)
        if nbf is not None and now < nbf:
            raise CodecError(NOT_YET_VALID, str(nbf), kid)
    if is_revoked is not None and is_revoked(claims):
        raise CodecError(REVOKED, "", kid)
    return Decoded(claims=claims, kid=kid, alg=alg, protected=protected, unprotected=unprotected)
