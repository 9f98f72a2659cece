"""Test data for the directory app (each helper adds functions at the end of its own block)."""


# --- D6 (editors, open data, cockpit page, benchmark) ----------------------------------------
def d6_category(slug: str = "d6-museum", group: str = "culture", name: str = "Museum (D6)"):
    from openkreis.directory.models import Category

    category, _ = Category.objects.get_or_create(slug=slug, defaults={"name": name, "group": group})
    return category


def d6_place(name: str = "Schlossmuseum D6", **fields):
    """A published place in Wernigerode with opening hours (override any field)."""
    from django.utils.text import slugify

    from openkreis.directory.models import Place

    values = {
        "slug": slugify(name)[:100] or "ort",
        "name": name,
        "category": fields.pop("category", None) or d6_category(),
        "street": "Am Schloss 1",
        "postcode": "38855",
        "town": "Wernigerode",
        "lat": 51.8358,
        "lon": 10.7853,
        "opening_hours": "Mo-Su 10:00-17:00",
        "wheelchair": "limited",
        "phone": "03943 553030",
    }
    values.update(fields)
    return Place.objects.create(**values)
# --- end D6
