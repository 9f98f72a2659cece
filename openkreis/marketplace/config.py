"""County data of Einkaufen im Harz (owner: M3): tenants/<slug>/marketplace.yaml → the one
`Scheme` row (`Scheme.current()`). The Harz-Kompass categories of shops' places (einzelhandel,
gastronomie, handwerk, dienstleistung; group "shopping") are the directory's county data
(directory.yaml); `place_category(kind)` picks one.

    name: HarzBonus                       # the loyalty scheme's name
    categories:                           # the shops' categories (Shop.category)
      - {slug: mode, name: "Mode & Schuhe", name_en: "Fashion & shoes"}
    synonyms:                             # words the product search treats as one
      - [Handy, Smartphone, Mobiltelefon]
    loyalty:                              # every key optional (the model's default)
      points_per_euro: 1                  # points per full euro of a purchase
      point_value_cents: 1                # what a point is worth when redeemed
      min_redeem_points: 100              # the smallest voucher
      shop_daily_points: 5000             # at most per shop and day (a shop may set less)
      card_daily_transactions: 3          # at most per card at one shop and day
      card_daily_points: 500
    request_hours: 24                     # a reservation request waits this long for the shop

The file is the county's information: the step writes it as it is (one row, upserted), and a
mistake raises TenantDataError naming the file and the entry; nothing is written then
(`load_tenant --check` shows it). Without the file the scheme keeps the model's defaults.
"""

from __future__ import annotations

import re
from pathlib import Path

from openkreis.core.loader import LoadReport, TenantDataError, read_yaml, upsert
from openkreis.directory.models import Category

from .models import Scheme, Shop

FILE = "marketplace.yaml"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TOP_KEYS = {"name", "categories", "synonyms", "loyalty", "request_hours"}
LOYALTY_LIMITS = {
    # key: (smallest, largest)
    "points_per_euro": (0, 100),
    "point_value_cents": (1, 100),
    "min_redeem_points": (1, 1_000_000),
    "shop_daily_points": (1, 10_000_000),
    "card_daily_transactions": (1, 100),
    "card_daily_points": (1, 1_000_000),
}
MAX_REQUEST_HOURS = 24 * 14
# the Harz-Kompass category of a shop's place by its kind (names: directory.yaml)
PLACE_CATEGORIES = {
    Shop.Kind.RETAIL: ("einzelhandel", "Geschäft", "Shop"),
    Shop.Kind.FOOD: ("gastronomie", "Restaurant, Café", "Restaurant, café"),
    Shop.Kind.CRAFT: ("handwerk", "Handwerksbetrieb", "Craft business"),
    Shop.Kind.SERVICE: ("dienstleistung", "Dienstleister", "Services"),
}


def _error(path: Path, where: str, message: str) -> TenantDataError:
    return TenantDataError(f"{path}: {where}: {message}")


def load(tenant, folder: Path, report: LoadReport) -> None:
    """The county-data step "marketplace": the scheme row and the shops' place categories."""
    path = Path(folder) / FILE
    if not path.exists():
        return
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise TenantDataError(f"{path}: the file must be a mapping (name, categories, synonyms, …)")
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise TenantDataError(f"{path}: unknown top-level keys {sorted(unknown)}")
    values = {
        "name": _name(path, data.get("name")),
        "categories": _categories(path, data.get("categories")),
        "synonyms": _synonyms(path, data.get("synonyms")),
        "request_hours": _number(path, "request_hours", data.get("request_hours", 24), 1),
        **_loyalty(path, data.get("loyalty")),
    }
    if values["request_hours"] > MAX_REQUEST_HOURS:
        raise _error(path, "request_hours", f"at most {MAX_REQUEST_HOURS} (two weeks)")
    scheme = Scheme.objects.order_by("pk").first()
    if scheme is None:
        Scheme.objects.create(**values)
        report.created += 1
    else:
        upsert(Scheme, report, {"pk": scheme.pk}, values)


def _name(path: Path, value) -> str:
    name = str(value or "").strip()
    if not name:
        raise _error(path, "name", "the loyalty scheme's name is missing")
    if len(name) > 100:
        raise _error(path, "name", "longer than 100 characters")
    return name


def _categories(path: Path, items) -> list[dict]:
    if not isinstance(items, list) or not items:
        raise _error(path, "categories", "a list of {slug, name, name_en} is needed")
    seen: set[str] = set()
    result = []
    for number, item in enumerate(items, start=1):
        where = f"categories[{number}]"
        if not isinstance(item, dict):
            raise _error(path, where, "expected {slug, name, name_en}")
        unknown = set(item) - {"slug", "name", "name_en"}
        if unknown:
            raise _error(path, where, f"unknown keys {sorted(unknown)}")
        slug = str(item.get("slug") or "")
        if not SLUG.match(slug) or len(slug) > 60:
            raise _error(path, where, f"slug {slug!r} must be lower-case letters, digits, '-'")
        if slug in seen:
            raise _error(path, where, f"slug {slug!r} is used twice")
        seen.add(slug)
        name = str(item.get("name") or "").strip()
        if not name:
            raise _error(path, f"{where} ({slug})", "name is missing")
        result.append({"slug": slug, "name": name, "name_en": str(item.get("name_en") or name)})
    return result


def _synonyms(path: Path, groups) -> list[list[str]]:
    if groups in (None, ""):
        return []
    if not isinstance(groups, list):
        raise _error(path, "synonyms", "a list of word groups ([Handy, Smartphone]) is needed")
    owner: dict[str, int] = {}
    result = []
    for number, group in enumerate(groups, start=1):
        where = f"synonyms[{number}]"
        if not isinstance(group, list) or len(group) < 2:
            raise _error(path, where, "a group needs at least two words")
        words = []
        for word in group:
            text = str(word if word is not None else "").strip()
            if not text or len(text) > 100 or isinstance(word, dict | list):
                raise _error(path, where, f"{word!r} is not a word (1–100 characters)")
            key = text.lower()
            if key in owner:
                raise _error(
                    path, where, f"{text!r} is already in synonyms[{owner[key]}] (merge the groups)"
                )
            owner[key] = number
            words.append(text)
        result.append(words)
    return result


def _number(path: Path, where: str, value, smallest: int, largest: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _error(path, where, f"{value!r} is not a whole number")
    if value < smallest or (largest is not None and value > largest):
        bounds = f"between {smallest} and {largest}" if largest is not None else f"≥ {smallest}"
        raise _error(path, where, f"{value} must be {bounds}")
    return value


def _loyalty(path: Path, rules) -> dict:
    """The loyalty rules; a key the file leaves out has the model's default."""
    defaults = {key: Scheme._meta.get_field(key).default for key in LOYALTY_LIMITS}
    if rules in (None, ""):
        return defaults
    if not isinstance(rules, dict):
        raise _error(path, "loyalty", "a mapping of rules (points_per_euro: 1, …) is needed")
    unknown = set(rules) - set(LOYALTY_LIMITS)
    if unknown:
        raise _error(path, "loyalty", f"unknown keys {sorted(unknown)}")
    values = defaults | {
        key: _number(path, f"loyalty.{key}", value, *LOYALTY_LIMITS[key])
        for key, value in rules.items()
    }
    card, shop = values["card_daily_points"], values["shop_daily_points"]
    if card > shop:
        raise _error(
            path, "loyalty.card_daily_points", f"{card} is more than shop_daily_points ({shop})"
        )
    return values


def place_category(kind: str) -> Category:
    """The Harz-Kompass category of a shop's place by the shop's kind (created with a default
    name when the county's directory.yaml has not been loaded)."""
    slug, name, name_en = PLACE_CATEGORIES.get(kind, PLACE_CATEGORIES[Shop.Kind.RETAIL])
    category, _ = Category.objects.get_or_create(
        slug=slug,
        defaults={"name": name, "name_en": name_en, "group": Category.Group.SHOPPING},
    )
    return category
