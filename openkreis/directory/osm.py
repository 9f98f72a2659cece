"""Read places from OpenStreetMap extracts (.osm.pbf, .osm) with pyosmium (`osmium`).

Nodes and ways with tags are read; a way's position is the centroid of its nodes (the
node locations come from osmium's location handler, `FileProcessor.with_locations()`).
Relations (multipolygons) are not read. An object becomes a place when its tags match a rule
of the county's mapping (tenants/<slug>/directory.yaml, `osm_tags`) and it has a name; the
rule with the most matching tags wins (`amenity=school + isced:level=1` → grundschule before
`amenity=school` → schule), on a tie the first in the file.

Tags read: name, addr:street + addr:housenumber, addr:postcode, addr:city (else addr:place,
addr:suburb), opening_hours (checked by the importer: invalid hours are left out with a
report line), wheelchair, toilets:wheelchair, phone / contact:phone, website /
contact:website / url, email / contact:email, description. Data © OpenStreetMap
contributors, ODbL: the source "OpenStreetMap" is shown with every imported place.
"""

from __future__ import annotations

from pathlib import Path

import osmium
from django.utils.translation import gettext as _

# one rule: ({"amenity": "school", "isced:level": "1"}, "grundschule"); value "*": any value
TagRule = tuple[dict[str, str], str]


def match_category(tags: dict[str, str], rules: list[TagRule]) -> str | None:
    """The category slug of the most specific matching rule, or None."""
    best, best_size = None, 0
    for conditions, slug in rules:
        if (
            all(
                key in tags and (value == "*" or tags[key] in value.split("|"))
                for key, value in conditions.items()
            )
            and len(conditions) > best_size
        ):
            best, best_size = slug, len(conditions)
    return best


def _first(tags: dict[str, str], *keys: str) -> str:
    for key in keys:
        if tags.get(key):
            return tags[key].split(";")[0].strip()
    return ""


def place_values(tags: dict[str, str], category: str, lat: float, lon: float) -> dict:
    """The importer's field values (as in a CSV row) from an OSM object's tags."""
    street = " ".join(
        x for x in (tags.get("addr:street", ""), tags.get("addr:housenumber", "")) if x
    )
    return {
        "name": tags.get("name", "").strip(),
        "category": category,
        "lat": lat,
        "lon": lon,
        "street": street,
        "postcode": tags.get("addr:postcode", "").strip(),
        "town": _first(tags, "addr:city", "addr:place", "addr:suburb"),
        "description": tags.get("description", ""),
        "phone": _first(tags, "phone", "contact:phone"),
        "email": _first(tags, "email", "contact:email"),
        "website": _first(tags, "website", "contact:website", "url"),
        "opening_hours": tags.get("opening_hours", ""),
        "wheelchair": tags.get("wheelchair", "")
        if tags.get("wheelchair") in ("yes", "limited", "no", "designated")
        else "",
        "toilet_wheelchair": tags.get("toilets:wheelchair", "")
        if tags.get("toilets:wheelchair") in ("yes", "no", "designated")
        else "",
    }


def read_osm(
    path: Path | str, rules: list[TagRule]
) -> tuple[list[tuple[str, dict]], int, list[str]]:
    """([(source_ref "node/1", values), …], objects ignored, errors) of an OSM file."""
    path = Path(path)
    if not path.exists():
        return [], 0, [_("The file %(name)s does not exist.") % {"name": path}]
    if not rules:
        return [], 0, [_("No mapping of OSM tags to categories (directory.yaml, osm_tags).")]
    keys = {key for conditions, _slug in rules for key in conditions}
    found: list[tuple[str, dict]] = []
    ignored = 0
    errors: list[str] = []
    try:
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter(*sorted(keys)))
        )
        for obj in processor:
            tags = {tag.k: tag.v for tag in obj.tags}
            category = match_category(tags, rules)
            if category is None or not tags.get("name"):
                ignored += 1
                continue
            ref = f"{'node' if obj.is_node() else 'way'}/{obj.id}"
            if obj.is_node():
                if not obj.location.valid():
                    errors.append(_("%(ref)s: the node has no position") % {"ref": ref})
                    continue
                lat, lon = obj.location.lat, obj.location.lon
            else:
                points = [(n.location.lat, n.location.lon) for n in obj.nodes if n.location.valid()]
                if len(points) > 1 and points[0] == points[-1]:
                    points = points[:-1]  # a closed way repeats its first node
                if not points:
                    errors.append(_("%(ref)s: the way's nodes are not in the file") % {"ref": ref})
                    continue
                lat = sum(p[0] for p in points) / len(points)
                lon = sum(p[1] for p in points) / len(points)
            found.append((ref, place_values(tags, category, lat, lon)))
    except RuntimeError as exc:  # osmium: unreadable or truncated file
        errors.append(_("The OSM file cannot be read: %(error)s") % {"error": exc})
    return found, ignored, errors
