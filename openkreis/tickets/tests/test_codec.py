"""codec.py: every layer round trip, every refusal with its reason, the EU Digital COVID
Certificate test vectors, and random input that must only ever raise CodecError (owner T1).
No database: the codec is pure."""

from __future__ import annotations

import base64
import datetime as dt
import json
import zlib
from pathlib import Path

import base45
import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import given, settings
from hypothesis import strategies as st

from openkreis.tickets import codec

FIXTURES = Path(__file__).parent / "fixtures"
KID = b"\x11\x22\x33\x44\x55\x66\x77\x88"
CLAIMS = {4: 2_000_000_000, 5: 1_700_000_000, 7: b"T-0001", "z": ["harz"], "h": True, "i": "EM"}
NOW = 1_800_000_000


def make_signer(alg: str = "ES256", kid: bytes = KID) -> codec.Signer:
    if alg == "ES256":
        return codec.Signer(kid, alg, ec.generate_private_key(ec.SECP256R1()))
    return codec.Signer(kid, alg, ed25519.Ed25519PrivateKey.generate())


@pytest.fixture(params=["ES256", "EdDSA"])
def signer(request) -> codec.Signer:
    return make_signer(request.param)


def keys_of(signer: codec.Signer) -> dict:
    return {signer.kid: signer.private_key.public_key()}


def wrap(cose: bytes, prefix: str = "HX1:") -> str:
    """The outer layers around hand-made COSE bytes."""
    return prefix + codec.b45encode(codec.compress(cose))


def reason_of(code: str, keys: dict, **kwargs) -> str:
    with pytest.raises(codec.CodecError) as info:
        codec.decode(code, prefix="HX1:", keys=keys, now=kwargs.pop("now", NOW), **kwargs)
    assert info.value.reason in codec.REASONS
    return info.value.reason


# --- round trips, layer by layer and whole ----------------------------------------------------


@given(st.binary(max_size=600))
def test_base45_round_trip(data):
    text = codec.b45encode(data)
    assert set(text) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    assert codec.b45decode(text) == data


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:a\u00e4", max_size=60))
def test_base45_decoder_agrees_with_the_library(text):
    """codec.b45decode is our own (numpy, faster); it must say what the base45 package says."""
    try:
        expected = base45.b45decode(text)
    except (ValueError, KeyError):
        expected = None
    try:
        got = codec.b45decode(text)
    except codec.CodecError as exc:
        assert exc.reason in (codec.BASE45, codec.TRUNCATED)
        got = None
    assert got == expected


@given(st.binary(max_size=2000))
def test_zlib_round_trip(data):
    assert codec.decompress(codec.compress(data)) == data


def test_cose_sign1_round_trip(signer):
    payload = cbor2.dumps(CLAIMS)
    cose = codec.sign1(payload, signer)
    protected, unprotected, protected_bytes, body, signature = codec.open_sign1(cose)
    assert cbor2.loads(cose).tag == 18
    assert protected == {1: codec.ALGORITHMS[signer.alg], 4: KID}
    assert unprotected == {}
    assert body == payload
    assert len(signature) == 64
    codec.verify_signature(
        protected[1], signer.private_key.public_key(), protected_bytes, body, signature
    )


def test_whole_round_trip(signer):
    code = codec.encode(CLAIMS, signer)
    assert code.startswith("HX1:") and len(code) < 250  # fits a small QR code
    decoded = codec.decode(code, prefix="HX1:", keys=keys_of(signer), now=NOW)
    assert decoded.claims == CLAIMS
    assert decoded.kid == KID
    assert decoded.alg == codec.ALGORITHMS[signer.alg]


def test_keys_may_be_a_function(signer):
    code = codec.encode(CLAIMS, signer)
    decoded = codec.decode(code, prefix="HX1:", keys=keys_of(signer).get, now=NOW)
    assert decoded.claims == CLAIMS


# --- refusals ------------------------------------------------------------------------------


def test_refused_wrong_prefix(signer):
    code = codec.encode(CLAIMS, signer)
    assert reason_of("HC1:" + code[4:], keys_of(signer)) == codec.PREFIX
    assert reason_of(code[4:], keys_of(signer)) == codec.PREFIX


def test_refused_bad_base45(signer):
    code = codec.encode(CLAIMS, signer)
    assert reason_of(code[:6] + "a" + code[7:], keys_of(signer)) == codec.BASE45  # lower case
    assert reason_of("HX1:" + ":::", keys_of(signer)) == codec.BASE45  # a triple above 65535


def test_refused_truncated(signer):
    code = codec.encode(CLAIMS, signer)
    body = code[4:]
    # a length no Base45 text can have
    cut = "HX1:" + body[: (len(body) // 3) * 3 + 1]
    assert reason_of(cut, keys_of(signer)) == codec.TRUNCATED
    # whole triples: valid Base45, but the zlib stream ends early
    assert reason_of("HX1:" + body[: len(body) // 2 // 3 * 3], keys_of(signer)) == codec.TRUNCATED


def test_refused_bad_zlib(signer):
    cose = codec.sign1(cbor2.dumps(CLAIMS), signer)
    assert reason_of("HX1:" + codec.b45encode(cose), keys_of(signer)) == codec.ZLIB  # no zlib
    trailing = "HX1:" + codec.b45encode(codec.compress(cose) + b"\x00")
    assert reason_of(trailing, keys_of(signer)) == codec.ZLIB


def test_refused_oversized_zip_bomb(signer):
    bomb = "HX1:" + codec.b45encode(zlib.compress(b"\x00" * 4_000_000, 9))
    assert len(bomb) < codec.MAX_CODE_LENGTH  # a text of a few kB, 4 MB inside
    assert reason_of(bomb, keys_of(signer)) == codec.OVERSIZED
    assert reason_of("HX1:" + "0" * codec.MAX_CODE_LENGTH, keys_of(signer)) == codec.OVERSIZED


def test_refused_not_cose(signer):
    keys = keys_of(signer)
    assert reason_of(wrap(b"\xff\xfe not cbor"), keys) == codec.NOT_COSE
    assert reason_of(wrap(cbor2.dumps([1, 2, 3, 4])), keys) == codec.NOT_COSE
    assert reason_of(wrap(cbor2.dumps({"a": 1})), keys) == codec.NOT_COSE
    assert reason_of(wrap(b"\x81" * 10_000 + b"\x00"), keys) == codec.NOT_COSE  # deep nesting
    sign1 = cbor2.loads(codec.sign1(cbor2.dumps(CLAIMS), signer)).value
    assert reason_of(wrap(cbor2.dumps(cbor2.CBORTag(98, list(sign1)))), keys) == codec.NOT_COSE


def test_refused_bad_header(signer):
    keys = keys_of(signer)
    no_kid = cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps({1: -7}), {}, b"", b"x" * 64]))
    assert reason_of(wrap(no_kid), keys) == codec.BAD_HEADER
    es384 = cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps({1: -35, 4: KID}), {}, b"", b"x" * 96]))
    assert reason_of(wrap(es384), keys) == codec.BAD_HEADER
    not_a_map = cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps([1]), {}, b"", b""]))
    assert reason_of(wrap(not_a_map), keys) == codec.BAD_HEADER


def test_refused_unknown_kid(signer):
    code = codec.encode(CLAIMS, signer)
    with pytest.raises(codec.CodecError) as info:
        codec.decode(code, prefix="HX1:", keys={b"other id": signer.private_key.public_key()})
    assert (info.value.reason, info.value.kid) == (codec.UNKNOWN_KID, KID)


def test_refused_bad_signature(signer):
    keys = keys_of(signer)
    # the same kid, another key (a forgery)
    forged = codec.encode(CLAIMS, make_signer(signer.alg))
    assert reason_of(forged, keys) == codec.BAD_SIGNATURE
    # a tampered payload under the original signature
    protected, unprotected, protected_bytes, body, signature = codec.open_sign1(
        codec.sign1(cbor2.dumps(CLAIMS), signer)
    )
    tampered = cbor2.dumps({**CLAIMS, 4: 2_100_000_000})
    cose = cbor2.dumps(cbor2.CBORTag(18, [protected_bytes, {}, tampered, signature]))
    assert reason_of(wrap(cose), keys) == codec.BAD_SIGNATURE
    # a key of the other algorithm under this kid
    other = make_signer("EdDSA" if signer.alg == "ES256" else "ES256")
    code = codec.encode(CLAIMS, signer)
    assert reason_of(code, {KID: other.private_key.public_key()}) == codec.BAD_SIGNATURE


def test_refused_bad_payload(signer):
    keys = keys_of(signer)
    assert reason_of(wrap(codec.sign1(cbor2.dumps([1, 2]), signer)), keys) == codec.BAD_PAYLOAD
    assert reason_of(wrap(codec.sign1(b"\xff", signer)), keys) == codec.BAD_PAYLOAD
    odd_exp = codec.encode({**CLAIMS, 4: "tomorrow"}, signer)
    assert reason_of(odd_exp, keys) == codec.BAD_PAYLOAD


def test_refused_expired_and_not_yet_valid(signer):
    code = codec.encode(CLAIMS, signer)
    keys = keys_of(signer)
    assert reason_of(code, keys, now=CLAIMS[4]) == codec.EXPIRED
    assert reason_of(code, keys, now=CLAIMS[5] - 1) == codec.NOT_YET_VALID
    # the times may be left unchecked (a checker that applies its own rules)
    assert codec.decode(code, prefix="HX1:", keys=keys, now=0, check_time=False).claims == CLAIMS


def test_refused_revoked(signer):
    code = codec.encode(CLAIMS, signer)
    keys = keys_of(signer)
    assert reason_of(code, keys, is_revoked=lambda claims: claims[7] == b"T-0001") == codec.REVOKED
    codec.decode(code, prefix="HX1:", keys=keys, now=NOW, is_revoked=lambda claims: False)


def test_reasons_are_distinct():
    assert len(set(codec.REASONS)) == len(codec.REASONS) == 13


# --- the EU Digital COVID Certificate, decoded with the same module ----------------------------


@pytest.mark.parametrize("name", ["dcc_at_1", "dcc_de_1"])
def test_eu_dcc_test_vector(name):
    vector = json.loads((FIXTURES / f"{name}.json").read_text())
    context = vector["TESTCTX"]
    certificate = x509.load_der_x509_certificate(base64.b64decode(context["CERTIFICATE"]))
    # the EU kid: the first 8 bytes of SHA-256 over the signer certificate (DER)
    kid = certificate.fingerprint(hashes.SHA256())[:8]
    clock = dt.datetime.fromisoformat(context["VALIDATIONCLOCK"].replace("Z", "+00:00"))
    decoded = codec.decode(
        vector["PREFIX"],
        prefix="HC1:",
        keys={kid: certificate.public_key()},
        now=clock.timestamp(),
    )
    assert decoded.kid == kid
    assert decoded.alg == codec.ALG_ES256
    assert decoded.claims[-260][1] == vector["JSON"]  # hcert → the EU DCC itself
    assert decoded.claims[1] == vector["JSON"]["v"][0]["co"]  # issuer country
    # these test certificates have long expired
    with pytest.raises(codec.CodecError) as info:
        codec.decode(vector["PREFIX"], prefix="HC1:", keys={kid: certificate.public_key()})
    assert info.value.reason == codec.EXPIRED
    # another country's key under this kid: refused
    other = "dcc_de_1" if name == "dcc_at_1" else "dcc_at_1"
    other_certificate = x509.load_der_x509_certificate(
        base64.b64decode(
            json.loads((FIXTURES / f"{other}.json").read_text())["TESTCTX"]["CERTIFICATE"]
        )
    )
    with pytest.raises(codec.CodecError) as info:
        codec.decode(
            vector["PREFIX"],
            prefix="HC1:",
            keys={kid: other_certificate.public_key()},
            now=clock.timestamp(),
        )
    assert info.value.reason == codec.BAD_SIGNATURE


# --- fuzz-ish: nothing but CodecError, whatever comes in --------------------------------------


def _decode_or_codec_error(code, keys):
    try:
        codec.decode(code, prefix="HX1:", keys=keys, now=NOW)
    except codec.CodecError as exc:
        assert exc.reason in codec.REASONS
        return exc.reason
    return "ok"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_random_text_only_raises_codec_error(text):
    _decode_or_codec_error(text, {})
    _decode_or_codec_error("HX1:" + text, {})


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_in_every_layer_only_raise_codec_error(data):
    _decode_or_codec_error("HX1:" + base45.b45encode(data).decode(), {})
    _decode_or_codec_error(wrap(data), {KID: None})
    _decode_or_codec_error(wrap(cbor2.dumps(cbor2.CBORTag(18, [data, {}, data, data]))), {})


def test_every_truncation_and_bit_flip_is_refused_with_a_reason(signer):
    keys = keys_of(signer)
    code = codec.encode(CLAIMS, signer)
    for end in range(len(code)):
        assert _decode_or_codec_error(code[:end], keys) != "ok"
    compressed = codec.compress(codec.sign1(cbor2.dumps(CLAIMS), signer))
    for i in range(len(compressed)):
        for bit in (0x01, 0x80):
            flipped = bytearray(compressed)
            flipped[i] ^= bit
            code = "HX1:" + codec.b45encode(bytes(flipped))
            try:
                decoded = codec.decode(code, prefix="HX1:", keys=keys, now=NOW)
            except codec.CodecError as exc:
                assert exc.reason in codec.REASONS
            else:  # deflate has equivalent encodings: then the signed content is unchanged
                assert decoded.claims == CLAIMS
