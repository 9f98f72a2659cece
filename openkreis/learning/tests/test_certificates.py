"""The certificate's credential: issue → verify round trip; tampering (changed name, another
key, revoked, expired, removed proof, a proof by another issuer's key) each caught with its
own message; the status list's encoding (bit positions per the Bitstring Status List spec);
key rotation (old certificates keep verifying)."""

import copy
import datetime as dt
import gzip

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.utils import timezone, translation

from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.learning import certificates, keys
from openkreis.learning.models import Certificate, IssuerKey, Module

from .factories import certified, learner, module, passed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _base(settings):
    """Our base address; messages asserted in English (the msgids), whatever the catalogue."""
    settings.OPENKREIS_BASE_URL = "https://portal.example.org"
    with translation.override("en"):
        yield


def _failed(document, now=None):
    return certificates.verify(document, now).failed()


def test_round_trip_is_valid_open_badge():
    cert = certified("Erika Mustermann")
    doc = cert.credential
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert doc["issuer"]["id"] == "https://portal.example.org/digital/nachweis/aussteller.json"
    assert doc["credentialSubject"]["achievement"]["name"] == "Digitaler Führerschein Harz"
    assert doc["credentialSubject"]["identifier"][0]["identityHash"] == "Erika Mustermann"
    assert doc["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert doc["credentialStatus"]["statusListIndex"] == str(cert.status_index)
    result = certificates.verify(copy.deepcopy(doc))
    assert result.ok, result.checks
    assert [c.name for c in result.checks] == ["issuer", "signature", "dates", "status"]
    assert result.holder_name == "Erika Mustermann"
    # valid five years
    assert cert.expires_at.year == cert.issued_at.year + certificates.VALID_YEARS
    event = Event.objects.get(kind=event_kinds.LEARNING_CERTIFICATE_ISSUED)
    assert set(event.data) == {"group_kind", "municipality"}


def test_signature_matches_the_spec_hash_data():
    """hashData = SHA-256(JCS(proof config with the document's @context)) ‖ SHA-256(JCS(doc))."""
    import hashlib

    import rfc8785

    doc = certified().credential
    proof = doc["proof"]
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = doc["@context"]
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    data = (
        hashlib.sha256(rfc8785.dumps(config)).digest()
        + hashlib.sha256(rfc8785.dumps(unsecured)).digest()
    )
    kid = proof["verificationMethod"].split("#")[1]
    public = keys.public_key(IssuerKey.objects.get(kid=kid))
    public.verify(keys.b58decode(proof["proofValue"][1:]), data)  # raises if wrong


def test_changed_name_breaks_the_signature():
    doc = copy.deepcopy(certified("Erika Mustermann").credential)
    doc["credentialSubject"]["identifier"][0]["identityHash"] = "Max Mustermann"
    result = certificates.verify(doc)
    assert not result.ok and result.failed() == ["signature"]
    assert "does not match" in [c for c in result.checks if c.name == "signature"][0].message


def test_signed_by_another_key_is_refused():
    doc = copy.deepcopy(certified().credential)
    other = ed25519.Ed25519PrivateKey.generate()
    proof = {k: v for k, v in doc["proof"].items() if k != "proofValue"}
    signature = other.sign(certificates._hash_data(doc, proof))
    doc["proof"]["proofValue"] = "z" + keys.b58encode(signature)
    assert _failed(doc) == ["signature"]


def test_unknown_kid_of_our_issuer_is_refused():
    doc = copy.deepcopy(certified().credential)
    doc["proof"]["verificationMethod"] = certificates.issuer_id() + "#key-unbekannt"
    result = certificates.verify(doc)
    assert "issuer" in result.failed() and "signature" in result.failed()
    assert "not one of the county's keys" in result.checks[0].message


def test_proof_from_another_issuers_key():
    """Another issuer signs a copy (its own key, its own verification method): the signature
    may be fine for that key, but it is not ours."""
    doc = copy.deepcopy(certified().credential)
    other = ed25519.Ed25519PrivateKey.generate()
    doc["issuer"] = {"id": "https://falsch.example/issuer", "type": ["Profile"], "name": "X"}
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": doc["proof"]["created"],
        "verificationMethod": "https://falsch.example/issuer#" + keys.multikey(other.public_key()),
        "proofPurpose": "assertionMethod",
    }
    doc.pop("proof")
    proof["proofValue"] = "z" + keys.b58encode(other.sign(certificates._hash_data(doc, proof)))
    doc["proof"] = proof
    result = certificates.verify(doc)
    assert result.failed() == ["issuer", "signature"]
    assert "not issued by the Landkreis Harz" in result.checks[0].message
    # our issuer named, but the method points elsewhere
    doc["issuer"] = {"id": certificates.issuer_id(), "type": ["Profile"]}
    assert "issuer" in _failed(doc)


def test_removed_proof():
    doc = copy.deepcopy(certified().credential)
    doc.pop("proof")
    result = certificates.verify(doc)
    assert result.failed() == ["signature"] and "no signature" in result.checks[0].message


def test_revoked_is_refused_and_event_written():
    cert = certified()
    assert certificates.verify(cert.credential).ok
    certificates.revoke(cert, "Name falsch geschrieben")
    result = certificates.verify(cert.credential)
    assert result.failed() == ["status"]
    assert "revoked" in result.checks[-1].message
    assert Event.objects.filter(kind=event_kinds.LEARNING_CERTIFICATE_REVOKED).count() == 1
    certificates.revoke(cert, "noch einmal")  # once only
    assert Event.objects.filter(kind=event_kinds.LEARNING_CERTIFICATE_REVOKED).count() == 1


def test_expired_and_not_yet_valid():
    cert = certified()
    after = cert.expires_at + dt.timedelta(seconds=1)
    result = certificates.verify(cert.credential, now=after)
    assert result.failed() == ["dates"] and "expired" in result.checks[2].message
    before = cert.issued_at - dt.timedelta(days=1)
    assert _failed(cert.credential, before) == ["dates"]
    assert certificates.verify(cert.credential, now=cert.expires_at - dt.timedelta(1)).ok


def test_garbage_never_raises():
    for bad in [None, "", "[]", "{", '{"type": 1}', '{"type": ["OpenBadgeCredential"]}']:
        result = certificates.verify(certificates.parse(bad) if isinstance(bad, str) else bad)
        assert not result.ok
    doc = copy.deepcopy(certified().credential)
    doc["proof"]["proofValue"] = "z0OIl"  # not base58
    assert "signature" in _failed(doc)
    doc = copy.deepcopy(certified(user=learner()).credential)
    doc["credentialStatus"]["statusListIndex"] = "x"
    assert "status" in _failed(doc)


def test_issue_needs_every_required_module_and_a_name():
    Module.objects.update(required=False)
    user = learner()
    with pytest.raises(ValueError):  # no required module at all: no certificate
        certificates.issue(user, "Erika")
    a, b = module(), module()
    module(required=False)
    passed(user, a)
    with pytest.raises(ValueError):
        certificates.issue(user, "Erika")
    assert [m.slug for m in certificates.missing_modules(user)] == [b.slug]
    passed(user, b)
    with pytest.raises(ValueError):
        certificates.issue(user, "   ")
    cert = certificates.issue(user, "  Erika   Mustermann ")
    assert cert.holder_name == "Erika Mustermann"
    assert sorted(cert.modules) == sorted([a.slug, b.slug])
    assert certificates.issue(user, "Anders") == cert  # one at a time


def test_status_indexes_are_unique_and_in_range():
    certs = [certified(user=learner()) for _ in range(5)]
    indexes = {c.status_index for c in certs}
    assert len(indexes) == 5
    assert all(0 <= i < certificates.LIST_BITS for i in indexes)


# --- the status list ---------------------------------------------------------------------------


def test_bit_positions_follow_the_spec():
    """Index 0 is the leftmost (most significant) bit of the first byte."""
    bits = certificates.decode_bits(certificates.encode_bits([0, 9, 131_071]))
    assert len(bits) * 8 == 131_072
    assert bits[0] == 0b1000_0000
    assert bits[1] == 0b0100_0000
    assert bits[-1] == 0b0000_0001
    assert sum(bin(b).count("1") for b in bits) == 3
    encoded = certificates.encode_bits([])
    assert encoded.startswith("u") and "=" not in encoded
    # GZIP inside base64url
    import base64

    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert raw[:2] == b"\x1f\x8b" and gzip.decompress(raw) == bytes(16_384)


def test_status_list_credential_is_signed_and_sets_the_revoked_bit():
    kept, gone = certified(user=learner()), certified(user=learner())
    certificates.revoke(gone, "Test")
    doc = certificates.status_list()
    assert doc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = doc["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    bits = certificates.decode_bits(subject["encodedList"])
    assert certificates.bit_set(bits, gone.status_index)
    assert not certificates.bit_set(bits, kept.status_index)
    assert gone.credential["credentialStatus"]["statusListCredential"] == doc["id"]
    # its proof verifies with the issuer's key
    proof = doc["proof"]
    key = IssuerKey.objects.get(kid=proof["verificationMethod"].split("#")[1])
    keys.public_key(key).verify(
        keys.b58decode(proof["proofValue"][1:]), certificates._hash_data(doc, proof)
    )


# --- keys --------------------------------------------------------------------------------------


def test_key_rotation_keeps_old_certificates_valid():
    old = certified(user=learner())
    first = IssuerKey.objects.get()
    new_key = keys.rotate()
    first.refresh_from_db()
    assert first.retired_at is not None and not first.active
    assert keys.current() == new_key
    fresh = certified(user=learner())
    assert fresh.credential["proof"]["verificationMethod"].endswith("#" + new_key.kid)
    assert certificates.verify(old.credential).ok
    assert certificates.verify(fresh.credential).ok
    assert "retired" in certificates.verify(old.credential).checks[0].message
    profile = certificates.issuer_profile()
    assert {m["id"].split("#")[1] for m in profile["verificationMethod"]} == {
        first.kid,
        new_key.kid,
    }
    # a key removed from the table no longer verifies
    first.delete()
    assert certificates.verify(old.credential).failed() == ["issuer", "signature"]


def test_private_key_is_stored_encrypted(settings):
    key = keys.current()
    assert "ENCRYPTED PRIVATE KEY" in key.private_key
    assert keys.public_from_multikey(key.public_key)  # z6Mk…
    assert key.public_key.startswith("z6Mk")
    settings.SECRET_KEY = "ein-anderes-geheimnis"
    with pytest.raises(ValueError):
        keys.private_key(key)


def test_base58_round_trip():
    for data in [b"", b"\0", b"\0\0\x01", bytes(range(256))]:
        assert keys.b58decode(keys.b58encode(data)) == data
    assert keys.b58encode(b"hello world") == "StV1DL6CwTryKyV"


def test_certificate_row_keeps_what_was_issued():
    cert = certified()
    stored = Certificate.objects.get(pk=cert.pk)
    assert stored.credential == cert.credential
    assert stored.key_id.endswith(IssuerKey.objects.get().kid)
    assert stored.issued_at <= timezone.now()
