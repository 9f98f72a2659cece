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


# --- D2 (search, place list and page, map) ---------------------------------------------------
def d2_category(slug: str = "d2-hausarzt", group: str = "health", name: str = "Hausarztpraxis"):
    from openkreis.directory.models import Category

    category, _ = Category.objects.get_or_create(slug=slug, defaults={"name": name, "group": group})
    return category


def d2_place(name: str, lat: float = 51.8358, lon: float = 10.7853, **fields):
    """A published place (Wernigerode's centre unless lat/lon are given); any field overrides."""
    from django.utils.text import slugify

    from openkreis.directory.models import Place

    values = {
        "slug": fields.pop("slug", None) or (slugify(name)[:100] or "ort"),
        "name": name,
        "category": fields.pop("category", None) or d2_category(),
        "street": "Marktplatz 1",
        "postcode": "38855",
        "town": "Wernigerode",
        "lat": lat,
        "lon": lon,
    }
    values.update(fields)
    return Place.objects.create(**values)


def d2_open(place, starts_at, ends_at):
    """An OpenInterval of a place (as D1's rebuild writes them)."""
    from openkreis.directory.models import OpenInterval

    return OpenInterval.objects.create(place=place, starts_at=starts_at, ends_at=ends_at)


def d2_municipality(name: str = "Wernigerode", ars: str = "150850370370", lat=51.8358, lon=10.7853):
    """A municipality of the Harz (core Region) with its centre."""
    from openkreis.core.models import Region

    region, _ = Region.objects.get_or_create(
        ars=ars,
        defaults={"name": name, "kind": Region.Kind.MUNICIPALITY, "lat": lat, "lon": lon},
    )
    return region


# --- end D2


# --- D1 (opening hours, imports, county data) ------------------------------------------------
def d1_category(slug: str = "d1-freibad", group: str = "leisure", name: str = "Freibad (D1)"):
    from openkreis.directory.models import Category

    category, _ = Category.objects.get_or_create(slug=slug, defaults={"name": name, "group": group})
    return category


def d1_place(name: str, **fields):
    """A place in Halberstadt (any field overrides); source "manual"."""
    from django.utils.text import slugify

    from openkreis.directory.models import Place

    values = {
        "slug": fields.pop("slug", None) or (slugify(name)[:100] or "ort"),
        "name": name,
        "category": fields.pop("category", None) or d1_category(),
        "town": "Halberstadt",
        "postcode": "38820",
        "lat": 51.8958,
        "lon": 11.0478,
    }
    values.update(fields)
    return Place.objects.create(**values)


# --- end D1


# --- D3 (hiking routes) ----------------------------------------------------------------------
D3_GPX_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<gpx version="1.1" creator="openkreis test" xmlns="http://www.topografix.com/GPX/1/1">'
)


def d3_gpx(
    name: str = "Testrunde D3",
    lat0: float = 51.70,
    lon0: float = 10.60,
    steps: int = 30,
    step: float = 0.0009,
    ele=lambda i: 300 + 10 * i,
) -> str:
    """A GPX track due north from (lat0, lon0): `steps` steps of `step`° latitude (≈100 m
    each), elevation by `ele(i)` (None: no <ele>)."""
    points = []
    for i in range(steps + 1):
        e = ele(i) if ele else None
        tag = f"<ele>{e}</ele>" if e is not None else ""
        points.append(f'<trkpt lat="{lat0 + i * step:.6f}" lon="{lon0:.6f}">{tag}</trkpt>')
    return f"{D3_GPX_HEAD}<trk><name>{name}</name><trkseg>{''.join(points)}</trkseg></trk></gpx>"


def d3_route(slug: str = "d3-testrunde", name: str = "Testrunde D3", **kwargs):
    """A published route imported from `d3_gpx(name=name, **kwargs)`."""
    from openkreis.directory import routes

    route, _changed = routes.import_gpx(d3_gpx(name=name, **kwargs), slug=slug)
    return route


def d3_category(slug: str = "d3-gasthaus", group: str = "leisure", name: str = "Gasthaus (D3)"):
    from openkreis.directory.models import Category

    category, _ = Category.objects.get_or_create(slug=slug, defaults={"name": name, "group": group})
    return category


def d3_place(name: str, lat: float, lon: float, **fields):
    from django.utils.text import slugify

    from openkreis.directory.models import Place

    values = {
        "slug": fields.pop("slug", None) or slugify(name)[:100],
        "name": name,
        "category": fields.pop("category", None) or d3_category(),
        "lat": lat,
        "lon": lon,
    }
    values.update(fields)
    return Place.objects.create(**values)


# --- end D3
