"""The assistant's county settings, read lazily from tenants/<slug>/assistant.yaml (optional;
no county-data step: nothing is copied into the database).

    central_unit: dezernat-1   # org unit key that receives handed-over questions
    retention_days: 90         # unanswered (scrubbed) questions are deleted after this

Without the file, or for a key it lacks, the defaults below apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

from openkreis.core.loader import TenantDataError, read_yaml

DEFAULT_CENTRAL_UNIT = "dezernat-1"  # Dezernat I – Hauptverwaltung
DEFAULT_RETENTION_DAYS = 90
KEYS = {"central_unit", "retention_days"}


@dataclass(frozen=True)
class AssistantConfig:
    central_unit: str = DEFAULT_CENTRAL_UNIT
    retention_days: int = DEFAULT_RETENTION_DAYS


def parse(data: dict, where: str) -> AssistantConfig:
    unknown = set(data) - KEYS
    if unknown:
        raise TenantDataError(f"{where}: unknown keys {sorted(unknown)}")
    days = data.get("retention_days", DEFAULT_RETENTION_DAYS)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 730:
        raise TenantDataError(f"{where}: retention_days must be a whole number from 1 to 730")
    unit = str(data.get("central_unit") or DEFAULT_CENTRAL_UNIT)
    return AssistantConfig(central_unit=unit, retention_days=days)


@lru_cache(maxsize=8)
def config_for(slug: str) -> AssistantConfig:
    path = settings.OPENKREIS_TENANTS_DIR / slug / "assistant.yaml"
    if not path.exists():
        return AssistantConfig()
    return parse(read_yaml(path) or {}, str(path))


def current() -> AssistantConfig:
    return config_for(settings.OPENKREIS_TENANT)
