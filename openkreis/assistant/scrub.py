"""Remove personal data from a question before the content team may read it.

Kept: the words that say what people look for. Removed (replaced by a placeholder): e-mail
addresses, IBANs, phone numbers, dates (a date of birth is a date), street + house number,
names after "ich heiße / mein Name ist / Herr / Frau", and every remaining number (file
numbers, licence plates' digits, tax numbers, postcodes). Deliberately greedy: a lost
number costs the content team nothing, a kept one may identify a person.
"""

from __future__ import annotations

import re

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", re.UNICODE)
IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.I)
DATE_RE = re.compile(
    r"\b\d{1,2}\s*[./-]\s*\d{1,2}\s*[./-]\s*\d{2,4}\b"
    r"|\b\d{1,2}\.\s*(januar|februar|märz|maerz|april|mai|juni|juli|august|september|oktober"
    r"|november|dezember)\s*\d{0,4}\b",
    re.I,
)
PHONE_RE = re.compile(r"(?<![\w])(\+|00)?\d[\d ()/-]{5,}\d")
STREET_RE = re.compile(
    r"\b[\wäöüÄÖÜß.-]*(straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee)"
    r"\s*\d+(?:\s?[a-zA-Z](?![\wäöüÄÖÜß]))?",
    re.I,
)
# the trigger in any case, the name itself capitalised ("Frau Schulze hat": not "hat")
NAME_RE = re.compile(r"\b((?i:herr|frau|hr\.|fr\.))\s+([A-ZÄÖÜ][\wäöüß-]+)(\s+[A-ZÄÖÜ][\wäöüß-]+)?")
# after "ich heiße" the next word is a name in any case, the one after it if capitalised
INTRO_RE = re.compile(
    r"\b((?i:ich hei(?:ß|ss)e|mein name ist|my name is))\s+([\wäöüß-]+)(\s+[A-ZÄÖÜ][\wäöüß-]+)?"
)
NUMBER_RE = re.compile(r"\d+")


def scrub(text: str) -> str:
    """The question without personal data; never raises."""
    text = " ".join((text or "").split())
    text = EMAIL_RE.sub("[E-Mail]", text)
    text = IBAN_RE.sub("[IBAN]", text)
    text = DATE_RE.sub("[Datum]", text)
    text = STREET_RE.sub("[Adresse]", text)
    text = PHONE_RE.sub("[Telefon]", text)
    text = INTRO_RE.sub(lambda m: f"{m.group(1)} [Name]", text)
    text = NAME_RE.sub(lambda m: f"{m.group(1)} [Name]", text)
    text = NUMBER_RE.sub("#", text)
    return text[:300]
