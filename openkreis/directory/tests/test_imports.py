"""Imports of places (imports.py, osm.py, import_places): CSV with line-numbered errors, GeoJSON,
a real .osm.pbf written with osmium, re-imports that update, dry runs, municipalities."""

import json

import osmium
import pytest
from django.core.management import CommandError, call_command
from osmium.osm.mutable import Node, Way

from openkreis.core.models import Region
from openkreis.directory import config, imports, osm
from openkreis.directory.models import OpenInterval, Place

from .factories import d1_category

HEADER = "id,name,category,lat,lon,street,postcode,town,opening_hours,wheelchair,languages,email\n"


@pytest.fixture
def categories(harz):
    return {
        "bad": d1_category("d1-bad", "leisure", "Bad (D1)"),
        "museum": d1_category("d1-museum", "culture", "Museum (D1)"),
    }


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def ars(name):
    return Region.objects.get(kind=Region.Kind.MUNICIPALITY, name=name).ars


# --- CSV ----------------------------------------------------------------------------------


def test_csv_good_rows_in_bad_rows_reported_with_line(tmp_path, categories):
    path = write(
        tmp_path,
        "orte.csv",
        HEADER + "a1,D1 Stadtbad,d1-bad,51.8958,11.0478,Am Bad 1,38820,Halberstadt,"
        '"Mo-Fr 10:00-20:00; PH off",yes,de;en,bad@example.org\n'
        + "a2,,d1-bad,51.9,11.05,,,,,,,\n"  # line 3: no name
        + "a3,D1 Falsche Kategorie,d1-kino,51.9,11.05,,,,,,,\n"  # line 4
        + "a4,D1 Vertauscht,d1-museum,11.05,51.9,,,,,,,\n"  # line 5: lat/lon swapped
        + "a5,D1 Zeiten falsch,d1-museum,51.79,11.14,,06484,Quedlinburg,Mo-Fr 8-16 Uhr,,,\n"
        + "a1,D1 Doppelt,d1-museum,51.79,11.14,,,,,,,\n",  # line 7: id again
    )
    report = imports.import_file(path)
    assert report.created == 2
    assert report.skipped == 3
    text = "\n".join(report.errors)
    for line in (3, 4, 5, 7):
        assert f" {line}:" in text
    assert "d1-kino" in text
    assert len(report.warnings) == 1 and " 6:" in report.warnings[0]
    bad = Place.objects.get(source="csv", source_ref="a1")
    assert bad.name == "D1 Stadtbad"
    assert bad.wheelchair == "yes"
    assert bad.languages == ["de", "en"]
    assert bad.municipality.ars == ars("Halberstadt")
    assert OpenInterval.objects.filter(place=bad).exists()
    museum = Place.objects.get(source="csv", source_ref="a5")
    assert museum.opening_hours == ""  # invalid hours kept out, the place is in


def test_csv_reimport_updates_and_does_not_duplicate(tmp_path, categories):
    first = HEADER + "r1,D1 Museum,d1-museum,51.79,11.14,Markt 1,06484,Quedlinburg,,,,\n"
    imports.import_file(write(tmp_path, "a.csv", first))
    slug = Place.objects.get(source_ref="r1").slug
    again = imports.import_file(write(tmp_path, "a.csv", first))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    changed = first.replace("Markt 1", "Markt 2").replace(",,,,\n", ",Tu-Su 10:00-17:00,,,\n")
    report = imports.import_file(write(tmp_path, "a.csv", changed))
    assert (report.created, report.updated) == (0, 1)
    place = Place.objects.get(source_ref="r1")
    assert place.street == "Markt 2"
    assert place.slug == slug
    assert place.opening_hours == "Tu-Su 10:00-17:00"
    assert Place.objects.filter(source="csv", source_ref="r1").count() == 1


def test_csv_semicolon_and_decimal_comma_and_bom(tmp_path, categories):
    text = "\ufeffid;name;category;lat;lon;town\nk1;D1 Komma;d1-museum;51,7511;11,0428;Thale\n"
    path = tmp_path / "excel.csv"
    path.write_bytes(text.encode("utf-8"))
    report = imports.import_file(path)
    assert report.created == 1, report.errors
    place = Place.objects.get(source_ref="k1")
    assert (place.lat, place.lon) == (51.7511, 11.0428)
    assert place.municipality.ars == ars("Thale")  # no postcode: nearest centre


def test_postcode_decides_over_the_nearest_centre(tmp_path, categories):
    # a Halberstadt postcode (only Halberstadt uses 38820) at a point nearer Harsleben
    text = HEADER + "p1,D1 Grenzfall,d1-museum,51.872,11.085,,38820,Halberstadt,,,,\n"
    imports.import_file(write(tmp_path, "p.csv", text))
    assert Place.objects.get(source_ref="p1").municipality.ars == ars("Halberstadt")


def test_dry_run_writes_nothing(tmp_path, categories):
    text = HEADER + "d1,D1 Probe,d1-museum,51.79,11.14,,,,,,,\n"
    report = imports.import_file(write(tmp_path, "d.csv", text), dry_run=True)
    assert report.created == 1
    assert report.dry_run
    assert not Place.objects.filter(source_ref="d1").exists()


def test_strict_writes_nothing_when_one_row_is_bad(tmp_path, categories):
    text = (
        HEADER
        + "s1,D1 Gut,d1-museum,51.79,11.14,,,,,,,\n"
        + "s2,D1 Schlecht,d1-museum,51.79,11.14,,123,,,,,\n"
    )
    with pytest.raises(imports.PlaceImportError) as info:
        imports.import_file(write(tmp_path, "s.csv", text), strict=True)
    assert " 3:" in str(info.value) and "123" in str(info.value)
    assert not Place.objects.filter(source_ref__in=["s1", "s2"]).exists()


def test_missing_columns_and_unreadable_file(tmp_path, categories):
    with pytest.raises(imports.PlaceImportError, match="lat, lon"):
        imports.import_file(write(tmp_path, "x.csv", "id,name,category\n1,a,b\n"))
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "l1,D1 Bär,d1-museum,51.79,11.14,,,,,,,\n").encode("latin-1"))
    with pytest.raises(imports.PlaceImportError, match="UTF-8"):
        imports.import_file(path)


# --- GeoJSON ------------------------------------------------------------------------------


def test_geojson_points(tmp_path, categories):
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "g1",
                "geometry": {"type": "Point", "coordinates": [10.7855, 51.8335]},
                "properties": {"name": "D1 Geo", "category": "d1-museum", "postcode": "38855"},
            },
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[10, 51], [10.1, 51]]},
                "properties": {"id": "g2", "name": "D1 Linie", "category": "d1-museum"},
            },
        ],
    }
    report = imports.import_file(write(tmp_path, "p.geojson", json.dumps(data)))
    assert report.created == 1
    assert any("2" in e and "Point" in e for e in report.errors)
    place = Place.objects.get(source="geojson", source_ref="g1")
    assert place.municipality.ars == ars("Wernigerode")
    with pytest.raises(imports.PlaceImportError):
        imports.import_file(write(tmp_path, "broken.geojson", '{"type": "Feature'))


# --- OSM ----------------------------------------------------------------------------------

RULES = [
    ({"leisure": "swimming_pool"}, "d1-bad"),
    ({"tourism": "museum"}, "d1-museum"),
    ({"amenity": "school"}, "d1-museum"),
    ({"amenity": "school", "isced:level": "1"}, "d1-bad"),
]


def write_pbf(path, museum_hours="Tu-Su 10:00-17:00; PH off"):
    """A small extract: a museum node, a pool as a closed way, an unnamed pool, a bench."""
    with osmium.SimpleWriter(str(path), overwrite=True) as writer:
        writer.add_node(
            Node(
                id=101,
                location=(11.1385, 51.7862),
                tags={
                    "tourism": "museum",
                    "name": "D1 OSM-Museum",
                    "addr:street": "Schlossberg",
                    "addr:housenumber": "11",
                    "addr:postcode": "06484",
                    "addr:city": "Quedlinburg",
                    "opening_hours": museum_hours,
                    "wheelchair": "limited",
                    "toilets:wheelchair": "yes",
                    "contact:phone": "+49 3946 000000",
                    "website": "https://museum.example.org",
                },
            )
        )
        for node_id, lon, lat in (
            (201, 11.04, 51.745),
            (202, 11.05, 51.745),
            (203, 11.05, 51.75),
            (204, 11.04, 51.75),
        ):
            writer.add_node(Node(id=node_id, location=(lon, lat)))
        writer.add_node(Node(id=301, location=(11.0, 51.8), tags={"amenity": "bench"}))
        writer.add_way(
            Way(
                id=401,
                nodes=[201, 202, 203, 204, 201],
                tags={
                    "leisure": "swimming_pool",
                    "name": "D1 OSM-Bad",
                    "opening_hours": "Mo-Fr 8-16 Uhr",
                },
            )
        )
        writer.add_way(Way(id=402, nodes=[201, 202, 203, 201], tags={"leisure": "swimming_pool"}))
    return path


def test_match_category_most_specific_rule_wins():
    assert osm.match_category({"amenity": "school"}, RULES) == "d1-museum"
    assert osm.match_category({"amenity": "school", "isced:level": "1"}, RULES) == "d1-bad"
    assert osm.match_category({"amenity": "bench"}, RULES) is None
    assert osm.match_category({"healthcare": "x"}, [({"healthcare": "*"}, "a")]) == "a"
    assert osm.match_category({"leisure": "b"}, [({"leisure": "a|b"}, "c")]) == "c"


def test_osm_pbf_nodes_and_ways(tmp_path, categories):
    path = write_pbf(tmp_path / "harz.osm.pbf")
    report = imports.import_file(path, osm_tags=RULES)
    assert report.created == 2, report.errors
    assert report.ignored >= 1  # the unnamed pool
    museum = Place.objects.get(source="osm", source_ref="node/101")
    assert museum.category.slug == "d1-museum"
    assert museum.street == "Schlossberg 11"
    assert (museum.postcode, museum.town) == ("06484", "Quedlinburg")
    assert museum.opening_hours == "Tu-Su 10:00-17:00; PH off"
    assert museum.wheelchair == "limited"
    assert museum.toilet_wheelchair is True
    assert museum.phone == "+49 3946 000000"
    assert museum.municipality.ars == ars("Quedlinburg")
    pool = Place.objects.get(source="osm", source_ref="way/401")
    # centroid of the four corners (the closing node counted once)
    assert pool.lat == pytest.approx(51.7475)
    assert pool.lon == pytest.approx(11.045)
    assert pool.opening_hours == ""
    assert any("way/401" in w and "8-16 Uhr" in w for w in report.warnings)
    assert pool.municipality.ars == ars("Thale")
    # a second import of a changed extract updates
    write_pbf(path, museum_hours="Tu-Su 10:00-18:00")
    again = imports.import_file(path, osm_tags=RULES)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert Place.objects.filter(source="osm").count() == 2
    assert Place.objects.get(source_ref="node/101").opening_hours == "Tu-Su 10:00-18:00"


def test_osm_without_rules_or_file(tmp_path, categories):
    report = imports.import_file(write_pbf(tmp_path / "a.osm.pbf"), osm_tags=[])
    assert report.errors and report.created == 0
    broken = write(tmp_path, "broken.osm.pbf", "not a pbf")
    assert imports.import_file(broken, osm_tags=RULES).errors


def test_harz_mapping_reads_schools_and_pools(harz):
    rules = config.osm_tag_rules()
    assert osm.match_category({"amenity": "school", "isced:level": "1"}, rules) == "grundschule"
    assert osm.match_category({"amenity": "school"}, rules) == "schule"
    assert osm.match_category({"leisure": "swimming_pool"}, rules) == "schwimmbad"
    assert osm.match_category({"tourism": "museum"}, rules) == "museum"
    assert osm.match_category({"amenity": "townhall"}, rules) == "buergerbuero"
    assert osm.match_category({"amenity": "doctors"}, rules) == "arztpraxis"


# --- command ------------------------------------------------------------------------------


def test_command_csv_and_osm(tmp_path, categories, capsys):
    text = HEADER + "c1,D1 Kommando,d1-museum,51.79,11.14,,,,,,,\n" + "c2,,d1-museum,1,1,,,,,,,\n"
    path = write(tmp_path, "c.csv", text)
    call_command("import_places", str(path), "--dry-run")
    out = capsys.readouterr()
    assert "1 " in out.out and " 3:" in out.err
    assert not Place.objects.filter(source_ref="c1").exists()
    call_command("import_places", str(path))
    assert Place.objects.filter(source_ref="c1").exists()
    with pytest.raises(CommandError):
        call_command("import_places", str(tmp_path / "missing.csv"))
    # the Harz mapping has no d1 categories: the pbf's museum maps to "museum" (Harz)
    pbf = write_pbf(tmp_path / "x.osm.pbf")
    call_command("import_places", str(pbf), "--format", "osm")
    assert Place.objects.get(source="osm", source_ref="node/101").category.slug == "museum"
