"""keys.py: signing, verification with reasons, rotation, withdrawal, the published documents,
the tickets_keys command (owner T1)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import uuid

import cbor2
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation

from openkreis.accounts.tests.factories import CompanyFactory
from openkreis.core.models import Event
from openkreis.core.tests.factories import RegionFactory
from openkreis.tickets import codec, keys
from openkreis.tickets.models import Accommodation, Guest, Stay, Ticket
from openkreis.tickets.models_keys import SigningKey

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2030, 7, 1, 12, 0, tzinfo=dt.UTC)  # after any real clock of a test run


def payload(serial: str = "T-0001", days: int = 3, **extra) -> dict:
    return {
        "serial": serial,
        "valid_from": NOW - dt.timedelta(hours=12),
        "valid_until": NOW + dt.timedelta(days=days),
        "zones": ["harz"],
        "initials": "EM",
        "harzcard": True,
        **extra,
    }


def store_ticket(
    code_payload: dict, key: SigningKey, revoked: bool = False, code: str = ""
) -> Ticket:
    """A Ticket row as services would store it (the key, the validity, the code)."""
    stay = Stay.objects.create(
        accommodation=Accommodation.objects.create(
            company=CompanyFactory(), name="Pension", municipality=RegionFactory()
        ),
        arrival=NOW.date(),
        departure=NOW.date() + dt.timedelta(days=3),
    )
    guest = Guest.objects.create(stay=stay, number=1)
    return Ticket.objects.create(
        serial=code_payload["serial"],
        access_key=uuid.uuid4().hex,
        guest=guest,
        valid_from=code_payload["valid_from"],
        valid_until=code_payload["valid_until"],
        key=key,
        code=code or keys.sign(code_payload, key),
        revoked_at=NOW if revoked else None,
    )


def test_current_key_is_made_once_and_stored_encrypted():
    assert not SigningKey.objects.exists()
    key = keys.current_key()
    assert keys.current_key() == key
    assert SigningKey.objects.count() == 1
    assert key.algorithm == "ES256" and len(key.kid) == 16
    assert "ENCRYPTED PRIVATE KEY" in key.private_key
    with pytest.raises(TypeError):  # no password: unreadable
        serialization.load_pem_private_key(key.private_key.encode(), password=None)
    # kid: the first 8 bytes of SHA-256 over the SubjectPublicKeyInfo
    public = serialization.load_pem_public_key(key.public_key.encode())
    assert key.kid == keys.kid_of(public).hex()


def test_dedicated_secret_setting_encrypts_the_keys(settings):
    settings.OPENKREIS_TICKET_KEY_SECRET = "a dedicated secret"
    key = keys.generate_key()
    serialization.load_pem_private_key(key.private_key.encode(), password=b"a dedicated secret")


@pytest.mark.parametrize("algorithm", ["ES256", "EdDSA"])
def test_sign_and_verify_round_trip(algorithm):
    key = keys.rotate(algorithm)
    code = keys.sign(payload(), key)
    assert code.startswith("HX1:")
    result = keys.verify(code, now=NOW)
    assert result == keys.Verified(
        ok=True,
        reason="",
        payload={
            "serial": "T-0001",
            "valid_from": int((NOW - dt.timedelta(hours=12)).timestamp()),
            "valid_until": int((NOW + dt.timedelta(days=3)).timestamp()),
            "zones": ["harz"],
            "initials": "EM",
            "harzcard": True,
        },
        kid=key.kid,
    )


def test_payload_claims_are_the_documented_ones():
    key = keys.current_key()
    code = keys.sign(payload(initials=None, harzcard=False), key)
    decoded = codec.decode(
        code,
        prefix="HX1:",
        keys={bytes.fromhex(key.kid): keys.public_key_of(key)},
        now=NOW.timestamp(),
    )
    assert set(decoded.claims) == {4, 5, 7, "z", "h"}  # no initials: no "i"
    assert decoded.claims[7] == b"T-0001"
    assert decoded.protected == {1: -7, 4: bytes.fromhex(key.kid)}
    with pytest.raises(ValueError, match="unknown ticket payload keys"):
        keys.sign({**payload(), "name": "Erika Mustermann"}, key)


def test_refusals_have_their_reasons():
    key = keys.current_key()
    good = payload()
    code = keys.sign(good, key)
    assert keys.verify(code, now=NOW - dt.timedelta(days=1)).reason == codec.NOT_YET_VALID
    assert keys.verify(code, now=NOW + dt.timedelta(days=4)).reason == codec.EXPIRED
    assert keys.verify("HC1:" + code[4:], now=NOW).reason == codec.PREFIX
    assert keys.verify(code[:-1], now=NOW).reason == codec.TRUNCATED
    whole_triples = 4 + (len(code[4:]) // 3 - 1) * 3  # still Base45, the zlib stream cut
    assert keys.verify(code[:whole_triples], now=NOW).reason == codec.TRUNCATED
    assert keys.verify(code[:10] + "a" + code[11:], now=NOW).reason == codec.BASE45
    # a ticket of a key the scheme never had
    stranger = codec.Signer(b"\x01" * 8, "ES256", ec.generate_private_key(ec.SECP256R1()))
    foreign = codec.encode(keys.claims_of(good), stranger, "HX1:")
    result = keys.verify(foreign, now=NOW)
    assert (result.ok, result.reason, result.kid) == (False, codec.UNKNOWN_KID, "01" * 8)
    # the scheme's kid on a stranger's signature (a forged ticket)
    forged = codec.encode(
        keys.claims_of(good), codec.Signer(bytes.fromhex(key.kid), "ES256", stranger.private_key)
    )
    assert keys.verify(forged, now=NOW).reason == codec.BAD_SIGNATURE
    # tampered payload: re-pack the COSE structure with another serial, keep the signature
    raw = codec.decompress(codec.b45decode(code[4:]))
    protected, unprotected, protected_bytes, body, signature = codec.open_sign1(raw)
    tampered_body = body.replace(b"T-0001", b"T-9999")
    tampered = "HX1:" + codec.b45encode(
        codec.compress(
            cbor2.dumps(cbor2.CBORTag(18, [protected_bytes, unprotected, tampered_body, signature]))
        )
    )
    assert keys.verify(tampered, now=NOW).reason == codec.BAD_SIGNATURE


def test_revoked_ticket_is_refused_and_listed_as_hash_only():
    key = keys.current_key()
    valid = store_ticket(payload("T-OK"), key)
    revoked = store_ticket(payload("T-REVOKED"), key, revoked=True)
    assert keys.verify(valid.code, now=NOW).ok
    assert keys.verify(revoked.code, now=NOW).reason == codec.REVOKED
    document = keys.revocation_list(now=NOW)
    assert document["entries"] == [keys.revocation_hash("T-REVOKED")]
    assert len(document["entries"][0]) == 32
    assert "T-REVOKED" not in json.dumps(document)
    assert document["version"] == int(NOW.timestamp())
    # once expired it needs no listing
    assert keys.revocation_list(now=NOW + dt.timedelta(days=5))["entries"] == []


def test_rotation_old_tickets_stay_valid_until_they_expire():
    old = keys.current_key()
    old_ticket = store_ticket(payload("T-OLD", days=3), old)
    new = keys.rotate()
    assert keys.current_key() == new != old
    old.refresh_from_db()
    assert old.signs_until is not None
    assert old.verify_until == old_ticket.valid_until
    new_code = keys.sign(payload("T-NEW"), None)
    assert keys.verify(new_code, now=NOW).kid == new.kid
    assert keys.verify(old_ticket.code, now=NOW).ok
    with pytest.raises(ValueError, match="no longer signs"):
        keys.sign(payload(), old)
    # both keys in the trust list while the old one verifies
    trusted = keys.trust_list(now=NOW)["keys"]
    assert trusted[old.kid]["signs"] is False and trusted[new.kid]["signs"] is True
    # after the old key's last ticket expired it leaves the list; its tickets are refused
    later = old_ticket.valid_until + dt.timedelta(seconds=1)
    assert old.kid not in keys.trust_list(now=later)["keys"]
    assert keys.verify(old_ticket.code, now=later).reason in (codec.EXPIRED, keys.KEY_EXPIRED)
    event = Event.objects.get(kind="ticket.key_rotated", subject=f"ticket_key:{new.kid}")
    assert event.data == {"algorithm": "ES256", "previous": old.kid}


def test_ticket_stored_with_the_old_key_after_a_rotation_keeps_it_verifying():
    """A request that fetched the key before a rotation stores its ticket after it."""
    old = keys.current_key()
    keys.rotate()
    old.refresh_from_db()
    late = payload("T-LATE", days=10)
    code = codec.encode(keys.claims_of(late), keys.signer_of(old), "HX1:")  # before the rotation
    store_ticket(late, old, code=code)
    assert keys.verify(code, now=NOW + dt.timedelta(days=9)).ok
    assert old.kid in keys.trust_list(now=NOW + dt.timedelta(days=9))["keys"]
    assert keys.verify(code, now=NOW + dt.timedelta(days=11)).reason in (
        codec.EXPIRED,
        keys.KEY_EXPIRED,
    )


def test_withdrawn_key_is_refused_at_once_and_replaced():
    key = keys.current_key()
    ticket = store_ticket(payload("T-1"), key)
    assert keys.verify(ticket.code, now=NOW).ok
    keys.withdraw(key.kid)
    result = keys.verify(ticket.code, now=NOW)
    assert (result.ok, result.reason) == (False, keys.WITHDRAWN)
    assert key.kid not in keys.trust_list()["keys"]
    successor = keys.current_key()
    assert successor != key
    assert keys.verify(keys.sign(payload("T-2")), now=NOW).ok


def test_trust_list_keys_verify_offline():
    """What the inspector does with the published document: import the key, check the code."""
    key = keys.rotate("EdDSA")
    code = keys.sign(payload())
    document = keys.trust_list()
    entry = document["keys"][key.kid]
    assert entry["alg"] == "EdDSA" and entry["jwk"]["crv"] == "Ed25519"
    public = serialization.load_der_public_key(base64.b64decode(entry["spki"]))
    decoded = codec.decode(
        code, prefix=document["prefix"], keys={bytes.fromhex(key.kid): public}, now=NOW.timestamp()
    )
    assert decoded.claims[7] == b"T-0001"


def test_documents_are_public_json_with_etag(client):
    keys.current_key()
    for name in ("tickets:trust_list", "tickets:revocation_list"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert "max-age=" in response["Cache-Control"] and "public" in response["Cache-Control"]
        etag = response["ETag"]
        again = client.get(reverse(name), HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304
        assert client.post(reverse(name)).status_code == 405
    # the German (default) paths the inspector app caches; an earlier test's /en/ request may
    # have left English active in this thread (Django does not reset it after a request)
    with translation.override("de"):
        assert reverse("tickets:trust_list") == "/hatix/schluessel.json"
        assert reverse("tickets:revocation_list") == "/hatix/sperrliste.json"
    body = client.get(reverse("tickets:trust_list")).json()
    assert list(body["keys"]) == [keys.current_key().kid]


def test_tickets_keys_command():
    out = io.StringIO()
    call_command("tickets_keys", "rotate", "--algorithm", "EdDSA", stdout=out)
    new = keys.current_key()
    assert new.algorithm == "EdDSA" and new.kid in out.getvalue()
    out = io.StringIO()
    call_command("tickets_keys", "list", stdout=out)
    assert new.kid in out.getvalue() and "signs" in out.getvalue()
    call_command("tickets_keys", "withdraw", new.kid, stdout=io.StringIO())
    assert SigningKey.objects.get(kid=new.kid).withdrawn_at is not None
    assert keys.current_key().kid != new.kid
    with pytest.raises(CommandError):
        call_command("tickets_keys", "withdraw", "0000000000000000", stdout=io.StringIO())


def test_verify_never_raises_on_garbage():
    keys.current_key()
    for junk in ["", "HX1:", "HX1:%%%", "HX1:" + "0" * 9000, "x" * 5]:
        result = keys.verify(junk)
        assert not result.ok and result.reason in codec.REASONS


def test_now_defaults_to_the_current_time():
    key = keys.current_key()
    now = timezone.now()
    code = keys.sign(
        payload(valid_from=now - dt.timedelta(hours=1), valid_until=now + dt.timedelta(hours=1)),
        key,
    )
    assert keys.verify(code).ok
