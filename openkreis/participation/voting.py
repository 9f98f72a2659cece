"""Taking part in a survey (owner: P2): one-time codes, one vote per person, receipts.

The code functions below are shared with the code letters (letters.py) and must stay as
they are: a code is 12 characters of an alphabet without look-alikes, shown in groups of
four ("ABCD-EFGH-JKLM", 60 bits); the database keeps only its HMAC (`code_hash`), keyed
with a secret derived from SECRET_KEY, so a copy of the table cannot be checked offline.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 12
RECEIPT_LENGTH = 10


def new_code() -> str:
    """A fresh participation code, grouped for reading: "ABCD-EFGH-JKLM"."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(text: str) -> str:
    """What the person typed → the bare code (upper case, no spaces or dashes; O→0 is not
    in the alphabet, so a typed O or 0 is read as… nothing: it stays and fails the lookup)."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def code_hash(text: str) -> str:
    key = hashlib.sha256(b"openkreis-participation-code:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, normalise_code(text).encode(), hashlib.sha256).hexdigest()


def new_receipt() -> str:
    """The voter's random receipt code, stored with the ballot (never with the token)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(RECEIPT_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"
