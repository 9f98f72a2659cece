"""HarzCard: attractions (county data) and entries recorded at the attraction's desk.

County data: the `attractions:` key of tenants/<slug>/tickets.yaml (the `scheme` and `levy`
keys are config.py's):

    attractions:
      - key: schloss-wernigerode            # lower-case letters, digits, '-'
        name: Schloss Wernigerode
        kind: castle                        # museum castle pool cable_car railway cave other
        benefit: free                       # free | discount
        discount_percent: 50                # with benefit discount (1–99)
        municipality: "150850370370"        # ARS of a municipality of the county
        town: Wernigerode                   # optional
        lat: 51.8283                        # optional, with lon
        lon: 10.7906
        url: https://www.schloss-wernigerode.de   # optional
        demo: true                          # the benefit is a demo value (optional)

Loading is idempotent (natural key `key`); attractions no longer listed are made inactive
(their entries stay for the statistics). Each attraction gets an org unit
"harzcard-<key>" (a team of its municipality's administration) whose members with the role
`attraction_staff` record its entries. Any mistake raises TenantDataError naming the entry.

An entry is one scan of a valid HarzCard ticket at one attraction: at most one per
attraction and card (a second is refused with a clear message). The desk records entries
offline too; the upload is idempotent by the device's client_id.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.db.models.functions import TruncDay, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openkreis.core.loader import LoadReport, TenantDataError, read_yaml, upsert
from openkreis.core.models import Organisation, OrgUnit, Region

from . import codec, keys
from .models import Ticket
from .models_harzcard import Attraction, AttractionEntry

FILE = "tickets.yaml"
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
FIELDS = {
    "key",
    "name",
    "kind",
    "benefit",
    "discount_percent",
    "municipality",
    "town",
    "lat",
    "lon",
    "url",
    "demo",
}
UNIT_PREFIX = "harzcard-"
# an entry recorded offline may be uploaded days later, never from the future
MAX_CLOCK_SKEW = dt.timedelta(minutes=10)
MAX_AGE = dt.timedelta(days=60)


# why a code is refused, in plain words (keys.verify's reasons; the app has the same texts)
REASONS = {
    "": gettext_lazy("This is not a HATIX ticket."),
    "expired": gettext_lazy("The ticket has expired."),
    "not_yet_valid": gettext_lazy("The ticket is not valid yet."),
    "revoked": gettext_lazy("The ticket was revoked."),
    "bad_signature": gettext_lazy("The signature is not genuine: the code was changed."),
    "unknown_kid": gettext_lazy("The ticket was signed with an unknown key."),
    "withdrawn": gettext_lazy("The ticket's key was withdrawn."),
    "key_expired": gettext_lazy("The ticket's key is no longer valid."),
}


# -- county data ------------------------------------------------------------------------------
def load(tenant, folder: Path, report: LoadReport) -> None:
    path = folder / FILE
    if not path.exists():
        return
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise TenantDataError(f"{path}: the file must be a mapping (scheme, levy, attractions)")
    spec = data.get("attractions")
    if spec is None:
        return
    if not isinstance(spec, list):
        raise TenantDataError(f"{path}: attractions: must be a list")
    county = tenant.region if tenant is not None else None
    seen: set[str] = set()
    for entry in spec:
        values = _attraction(path, entry, county)
        key = values.pop("key")
        if key in seen:
            raise TenantDataError(f"{path}: attractions: {key} listed twice")
        seen.add(key)
        attraction = upsert(Attraction, report, {"key": key}, {**values, "active": True})
        _ensure_unit(attraction)
    stale = Attraction.objects.filter(active=True).exclude(key__in=seen)
    report.updated += stale.count()
    stale.update(active=False)


def _attraction(path: Path, entry, county: Region | None) -> dict:
    if not isinstance(entry, dict):
        raise TenantDataError(f"{path}: attractions: {entry!r} must be a mapping")
    key = str(entry.get("key") or "")
    where = f"{path}: attractions: {key or entry!r}"
    if not KEY.match(key):
        raise TenantDataError(f"{where}: key must be lower-case letters, digits, '-'")
    unknown = set(entry) - FIELDS
    if unknown:
        raise TenantDataError(f"{where}: unknown keys {sorted(unknown)}")
    name = str(entry.get("name") or "").strip()
    if not name or len(name) > 200:
        raise TenantDataError(f"{where}: name missing or longer than 200 characters")
    kind = entry.get("kind")
    if kind not in Attraction.Kind.values:
        raise TenantDataError(f"{where}: kind {kind!r} must be one of {Attraction.Kind.values}")
    benefit = entry.get("benefit")
    if benefit not in Attraction.Benefit.values:
        raise TenantDataError(f"{where}: benefit {benefit!r} must be free or discount")
    percent = entry.get("discount_percent")
    if benefit == Attraction.Benefit.DISCOUNT:
        if not isinstance(percent, int) or isinstance(percent, bool) or not 1 <= percent <= 99:
            raise TenantDataError(f"{where}: discount_percent must be a whole number 1–99")
    elif percent is not None:
        raise TenantDataError(f"{where}: discount_percent only with benefit discount")
    lat, lon = entry.get("lat"), entry.get("lon")
    if (lat is None) != (lon is None):
        raise TenantDataError(f"{where}: lat and lon go together")
    if lat is not None:
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon)):
            raise TenantDataError(f"{where}: lat/lon must be numbers")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise TenantDataError(f"{where}: lat/lon out of range")
    url = str(entry.get("url") or "")
    if url and not url.startswith("https://"):
        raise TenantDataError(f"{where}: url must start with https://")
    qs = Region.objects.filter(kind=Region.Kind.MUNICIPALITY, ars=str(entry.get("municipality")))
    if county is not None:
        qs = qs.filter(ars__startswith=county.ars[:5])
    municipality = qs.first()
    if municipality is None:
        raise TenantDataError(
            f"{where}: unknown municipality {entry.get('municipality')!r} (ARS of the county)"
        )
    return {
        "key": key,
        "name": name,
        "kind": kind,
        "benefit": benefit,
        "discount_percent": percent,
        "municipality": municipality,
        "town": str(entry.get("town") or "").strip()[:100],
        "lat": float(lat) if lat is not None else None,
        "lon": float(lon) if lon is not None else None,
        "url": url,
    }


def _ensure_unit(attraction: Attraction) -> None:
    """The attraction's own unit (its desk staff are members), a team of the municipality's
    administration (or of its Verbandsgemeinde's); none while organisations are missing."""
    if attraction.unit_id is not None:
        return
    region = attraction.municipality
    organisation = (
        Organisation.objects.filter(region=region).order_by("pk").first()
        or Organisation.objects.filter(region_id=region.parent_id).order_by("pk").first()
    )
    if organisation is None:
        return
    unit, _created = OrgUnit.objects.get_or_create(
        key=f"{UNIT_PREFIX}{attraction.key}"[:120],
        defaults={
            "organisation": organisation,
            "name": attraction.name[:250],
            "kind": OrgUnit.Kind.TEAM,
        },
    )
    attraction.unit = unit
    attraction.save(update_fields=["unit"])


# -- who may record where ---------------------------------------------------------------------
def attractions_for(unit_ids: set[int]):
    """The active attractions whose unit is one of `unit_ids` (the desk's scope)."""
    return Attraction.objects.filter(active=True, unit_id__in=unit_ids).order_by("name")


# -- entries ----------------------------------------------------------------------------------
@dataclass
class UploadResult:
    """The answer for one uploaded item (an entry here, a check event in inspection.py)."""

    client_id: str
    status: str  # stored | duplicate | refused
    message: str = ""

    def as_dict(self) -> dict:
        return {"client_id": self.client_id, "status": self.status, "message": self.message}


def parse_time(value, now: dt.datetime) -> dt.datetime | None:
    """An ISO time or epoch milliseconds from a device; None if it is not one or lies in the
    future or too far back."""
    when = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            when = dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(value, str) and len(value) <= 40:
        try:
            when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if timezone.is_naive(when):
            when = timezone.make_aware(when)
    if when is None or when > now + MAX_CLOCK_SKEW or when < now - MAX_AGE:
        return None
    return when


def parse_client_id(value) -> uuid.UUID | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def record_entry(item, allowed: dict[str, Attraction], user, now=None) -> UploadResult:
    """Store one uploaded entry {client_id, attraction, code, entered_at}. The code is
    verified again (signature, validity at the time of entry, revocation, HarzCard)."""
    now = now or timezone.now()
    if not isinstance(item, dict):
        return UploadResult("", "refused", _("The entry is not readable."))
    client_id = parse_client_id(item.get("client_id"))
    if client_id is None:
        return UploadResult(str(item.get("client_id", ""))[:40], "refused", _("Bad client id."))
    cid = str(client_id)
    existing = AttractionEntry.objects.filter(client_id=client_id).first()
    if existing is not None:
        return UploadResult(cid, "duplicate", _("Already recorded."))
    attraction = allowed.get(str(item.get("attraction") or ""))
    if attraction is None:
        return UploadResult(cid, "refused", _("You may not record entries for this attraction."))
    entered_at = parse_time(item.get("entered_at"), now)
    if entered_at is None:
        return UploadResult(cid, "refused", _("The time of entry is missing or not plausible."))
    code = item.get("code")
    if not isinstance(code, str) or not code or len(code) > codec.MAX_CODE_LENGTH:
        return UploadResult(cid, "refused", _("The ticket code is missing or too long."))
    verified = keys.verify(code.strip(), now=entered_at)
    if not verified.ok:
        return UploadResult(cid, "refused", str(REASONS.get(verified.reason, REASONS[""])))
    if not verified.payload.get("harzcard"):
        return UploadResult(cid, "refused", _("This ticket does not include the HarzCard."))
    ticket = Ticket.objects.filter(serial=verified.payload["serial"]).first()
    if ticket is None:
        return UploadResult(cid, "refused", _("This ticket is not known to the county."))
    earlier = AttractionEntry.objects.filter(attraction=attraction, ticket=ticket).first()
    if earlier is not None:
        return UploadResult(cid, "refused", _second_entry(earlier))
    try:
        with transaction.atomic():
            AttractionEntry.objects.create(
                attraction=attraction,
                ticket=ticket,
                client_id=client_id,
                entered_at=entered_at,
                recorded_by=user if getattr(user, "is_authenticated", False) else None,
            )
    except IntegrityError:  # the same upload or the same card at the same time
        if AttractionEntry.objects.filter(client_id=client_id).exists():
            return UploadResult(cid, "duplicate", _("Already recorded."))
        earlier = AttractionEntry.objects.filter(attraction=attraction, ticket=ticket).first()
        return UploadResult(cid, "refused", _second_entry(earlier))
    return UploadResult(cid, "stored")


def _second_entry(earlier: AttractionEntry | None) -> str:
    if earlier is None:
        return str(_("This HarzCard was already used here."))
    day = timezone.localtime(earlier.entered_at).strftime("%d.%m.%Y")
    return str(_("This HarzCard was already used here on %(day)s: one entry per card.")) % {
        "day": day
    }


# -- statistics -------------------------------------------------------------------------------
def entry_stats(attraction_ids, period: str = "day", since: dt.date | None = None) -> list[dict]:
    """Entries per attraction and day (or month), newest first: no ticket, no person."""
    trunc = TruncMonth if period == "month" else TruncDay
    qs = AttractionEntry.objects.filter(attraction_id__in=list(attraction_ids))
    if since is not None:
        qs = qs.filter(entered_at__date__gte=since)
    rows = (
        qs.annotate(period=trunc("entered_at"))
        .values("attraction_id", "attraction__name", "period")
        .annotate(entries=Count("id"))
        .order_by("-period", "attraction__name")
    )
    return [
        {
            "attraction": row["attraction__name"],
            "period": _day(row["period"]),
            "entries": row["entries"],
        }
        for row in rows
    ]


def _day(value) -> dt.date:
    return timezone.localtime(value).date() if isinstance(value, dt.datetime) else value


def entry_totals(attraction_ids) -> dict[int, int]:
    rows = (
        AttractionEntry.objects.filter(attraction_id__in=list(attraction_ids))
        .values("attraction_id")
        .annotate(n=Count("id"))
    )
    return {row["attraction_id"]: row["n"] for row in rows}
