"""County data of Beteiligung: tenants/<slug>/participation.yaml (owner: P1).

    surveys:
      min_group: 5              # default small-cell threshold of a new survey (2–100)
      max_ranked: 10            # a ranking question ranks at most this many options (2–20)
      max_options: 30           # options of one question (2–100)
      max_questions: 60         # questions of one survey (1–200)
    proposals:
      moderation: after         # before: a proposal is public once a moderator approved it;
                                # after: public at once, moderators hide it afterwards
      reasons:                  # why a moderator hides a proposal or comment (shown to its author)
        - {key: beleidigung, name: Beleidigend oder herabwürdigend, name_en: Offensive}
    letters:
      sender:                   # the sender of the code letters (letters.py)
        name: Landkreis Harz
        unit: Bürgerbeteiligung                    # optional
        address: [Friedrich-Ebert-Straße 42, 38820 Halberstadt]
        contact: "Telefon 03941 5970"              # optional, one line
        signature: Ihr Landkreis Harz              # optional

Every key is optional; a county without the file has no participation settings and gets the
defaults below. Loading only checks the file (nothing is stored): the pages read it through
`settings_for_tenant()`, which caches the parsed file per process and reads it again when it
changed. A mistake raises TenantDataError naming the file and the entry.

API for the other parts:
    settings_for_tenant(slug=None) -> ParticipationSettings
        .min_group, .max_ranked, .max_options, .max_questions
        .moderation ("before" | "after"), .moderation_before (bool), .reasons (tuple of Reason)
        .letter_sender (LetterSender: name, unit, address (tuple of lines), contact, signature)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings as django_settings
from django.utils.translation import get_language

from openkreis.core.loader import LoadReport, TenantDataError, read_yaml

log = logging.getLogger(__name__)

FILE = "participation.yaml"
TOP_LEVEL = {"surveys", "proposals", "letters"}
SURVEY_KEYS = {"min_group", "max_ranked", "max_options", "max_questions"}
PROPOSAL_KEYS = {"moderation", "reasons"}
SENDER_KEYS = {"name", "unit", "address", "contact", "signature"}
MODERATION = ("before", "after")
LIMITS = {  # key: (default, least, most)
    "min_group": (5, 2, 100),
    "max_ranked": (10, 2, 20),
    "max_options": (30, 2, 100),
    "max_questions": (60, 1, 200),
}


@dataclass(frozen=True)
class Reason:
    key: str
    name: str
    name_en: str = ""

    @property
    def display_name(self) -> str:
        if (get_language() or "de").startswith("en") and self.name_en:
            return self.name_en
        return self.name


@dataclass(frozen=True)
class LetterSender:
    name: str = ""
    unit: str = ""
    address: tuple[str, ...] = ()
    contact: str = ""
    signature: str = ""


DEFAULT_REASONS = (
    Reason("beleidigung", "Beleidigend oder herabwürdigend", "Offensive or degrading"),
    Reason("persoenliche-daten", "Enthält persönliche Daten", "Contains personal data"),
    Reason("werbung", "Werbung oder Spam", "Advertising or spam"),
    Reason("rechtswidrig", "Rechtswidriger Inhalt", "Unlawful content"),
    Reason("thema", "Kein Thema des Landkreises", "Not a matter for the county"),
)


@dataclass(frozen=True)
class ParticipationSettings:
    min_group: int = LIMITS["min_group"][0]
    max_ranked: int = LIMITS["max_ranked"][0]
    max_options: int = LIMITS["max_options"][0]
    max_questions: int = LIMITS["max_questions"][0]
    moderation: str = "after"
    reasons: tuple[Reason, ...] = DEFAULT_REASONS
    letter_sender: LetterSender = field(default_factory=LetterSender)

    @property
    def moderation_before(self) -> bool:
        return self.moderation == "before"


def load(tenant, folder: Path, report: LoadReport) -> None:
    """The county-data step: check participation.yaml (nothing to store)."""
    path = Path(folder) / FILE
    if path.exists():
        parse(path)
        _cache.clear()


def parse(path: Path) -> ParticipationSettings:
    data = read_yaml(path)
    if data is None:
        return ParticipationSettings()
    if not isinstance(data, dict):
        raise TenantDataError(f"{path}: the file must be a mapping (surveys, proposals, letters)")
    unknown = set(data) - TOP_LEVEL
    if unknown:
        raise TenantDataError(f"{path}: unknown top-level keys {sorted(unknown)}")
    values: dict = {}
    surveys = _mapping(path, "surveys", data.get("surveys"), SURVEY_KEYS)
    for key, (_default, low, high) in LIMITS.items():
        if key in surveys:
            values[key] = _int(path, f"surveys.{key}", surveys[key], low, high)
    proposals = _mapping(path, "proposals", data.get("proposals"), PROPOSAL_KEYS)
    if "moderation" in proposals:
        if proposals["moderation"] not in MODERATION:
            raise TenantDataError(
                f"{path}: proposals.moderation must be 'before' or 'after' "
                f"({proposals['moderation']!r})"
            )
        values["moderation"] = proposals["moderation"]
    if "reasons" in proposals:
        values["reasons"] = _reasons(path, proposals["reasons"])
    letters = _mapping(path, "letters", data.get("letters"), {"sender"})
    if "sender" in letters:
        values["letter_sender"] = _sender(path, letters["sender"])
    return ParticipationSettings(**values)


def _mapping(path: Path, where: str, value, allowed: set[str]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TenantDataError(f"{path}: {where} must be a mapping")
    unknown = set(value) - allowed
    if unknown:
        raise TenantDataError(f"{path}: {where}: unknown keys {sorted(unknown)}")
    return value


def _int(path: Path, where: str, value, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise TenantDataError(f"{path}: {where} must be a whole number {low}–{high} ({value!r})")
    return value


def _text(path: Path, where: str, value, *, required: bool = False, most: int = 200) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > most:
        raise TenantDataError(f"{path}: {where} must be a text of at most {most} characters")
    return value.strip()


def _reasons(path: Path, value) -> tuple[Reason, ...]:
    if not isinstance(value, list) or not value:
        raise TenantDataError(f"{path}: proposals.reasons must be a non-empty list")
    result = []
    for index, spec in enumerate(value):
        where = f"proposals.reasons[{index}]"
        if not isinstance(spec, dict) or set(spec) - {"key", "name", "name_en"}:
            raise TenantDataError(f"{path}: {where} must be {{key, name, name_en}}")
        key = _text(path, f"{where}.key", spec.get("key"), required=True, most=40)
        if any(r.key == key for r in result):
            raise TenantDataError(f"{path}: {where}: the key {key!r} is used twice")
        result.append(
            Reason(
                key,
                _text(path, f"{where}.name", spec.get("name"), required=True),
                _text(path, f"{where}.name_en", spec.get("name_en")),
            )
        )
    return tuple(result)


def _sender(path: Path, value) -> LetterSender:
    spec = _mapping(path, "letters.sender", value, SENDER_KEYS)
    address = spec.get("address") or []
    if not isinstance(address, list) or len(address) > 5:
        raise TenantDataError(f"{path}: letters.sender.address must be a list of at most 5 lines")
    return LetterSender(
        name=_text(path, "letters.sender.name", spec.get("name"), required=True),
        unit=_text(path, "letters.sender.unit", spec.get("unit")),
        address=tuple(
            _text(path, f"letters.sender.address[{i}]", line, required=True, most=120)
            for i, line in enumerate(address)
        ),
        contact=_text(path, "letters.sender.contact", spec.get("contact")),
        signature=_text(path, "letters.sender.signature", spec.get("signature")),
    )


_cache: dict[str, tuple[float, ParticipationSettings]] = {}


def settings_for_tenant(slug: str | None = None) -> ParticipationSettings:
    """The county's participation settings (defaults without participation.yaml). A file
    broken after it was loaded is logged and the defaults are used (pages keep working)."""
    slug = slug or django_settings.OPENKREIS_TENANT
    path = Path(django_settings.OPENKREIS_TENANTS_DIR) / slug / FILE
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return ParticipationSettings()
    cached = _cache.get(slug)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    try:
        result = parse(path)
    except TenantDataError:
        log.exception("participation settings: %s is broken, using the defaults", path)
        result = ParticipationSettings()
    _cache[slug] = (mtime, result)
    return result


def moderation_mode() -> str:
    """`before` or `after` for the current county (proposals.moderation_mode reads it)."""
    return settings_for_tenant().moderation
