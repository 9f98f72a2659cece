"""The Open311 GET answers pinned byte for byte on a fixed data set (both formats, German
and English): the writers and the row queries are tuned for speed (bench/reports.py,
docs/open311.md "Speed"), and every such change must leave the answers exactly as they
were. The expected bytes were written by the code before the tuning (commit 6cf2361)."""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile

from openkreis.reports.models import Area, Category, Photo, Report, StatusChange
from openkreis.reports.open311 import formats, views

from .factories import ReportFactory

BASE = "/maengelmelder/open311/v2/"
RANGE = "start_date=2026-01-01T00:00:00Z&end_date=2026-03-31T23:59:59Z"

pytestmark = pytest.mark.django_db


def _at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _change(report, to_status, at, from_status="", text=""):
    return StatusChange.objects.create(
        report=report, from_status=from_status, to_status=to_status, at=at, public_text=text
    )


def _data() -> dict:
    """Three reports with everything a request row can show: a closed one with notes, a
    photo (and a hidden one), street and place, a change across the DST boundary; an open
    one without street, place or position in another municipality and category; one whose
    only change is a note without a change of status (updated = requested)."""
    road = Category.objects.get(key="strasse")
    waste = Category.objects.get(key="abfall")
    quedlinburg = Area.objects.get(region__name="Quedlinburg")
    fixed = ReportFactory(
        public_id="M-AAAA2222",
        category=road,
        status="fixed",
        street="Breiter Weg 12",
        place="vor der Post",
        description='Loch & "Riss" <tief>\nzweite Zeile\tmit Tab, äöü ß €',
        lat=51.8957123,
        lon=11.0468,
        created_at=_at(2026, 1, 15, 23, 30, 5, 250_000),
    )
    StatusChange.objects.filter(report=fixed).delete()
    _change(fixed, "open", _at(2026, 1, 15, 23, 30, 5, 250_000))
    seen = _change(fixed, "confirmed", _at(2026, 1, 16, 8, 0), "open", "Wir kümmern uns.")
    _change(fixed, "confirmed", _at(2026, 2, 1, 9, 0), "confirmed", "nur eine Notiz")
    done = _change(fixed, "fixed", _at(2026, 3, 29, 0, 59, 59, 999_999), "confirmed", "Verfüllt.")
    hidden = Photo(report=fixed, width=10, height=10, approved=False)
    hidden.image.save("q.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    hidden.save()
    photo = Photo(report=fixed, width=10, height=10, approved=True)
    photo.image.save("p.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    photo.save()
    bare = ReportFactory(
        public_id="M-BBBB3333",
        category=waste,
        area=quedlinburg,
        status="in_progress",
        description="Sperrmüll",
        lat=None,
        lon=None,
        created_at=_at(2026, 3, 29, 1, 0, 0),
    )
    StatusChange.objects.filter(report=bare).delete()
    _change(bare, "open", _at(2026, 3, 29, 1, 0, 0))
    working = _change(bare, "in_progress", _at(2026, 3, 30, 12, 0), "open")
    quiet = ReportFactory(
        public_id="M-CCCC4444",
        category=road,
        place="am Ortseingang",
        description="-",
        lat=51.9,
        lon=11.05,
        created_at=_at(2026, 2, 28, 23, 0, 0),
    )
    StatusChange.objects.filter(report=quiet).delete()
    _change(quiet, "open", _at(2026, 2, 28, 23, 0, 0))
    _change(quiet, "open", _at(2026, 3, 1, 10, 0), "open", "nur eine Notiz")
    Report.objects.update(updated_at=_at(2026, 4, 1, 0, 0))
    return {"photo": photo.pk, "updates": [seen.pk, done.pk, working.pk]}


def _dirty():
    """A report with characters XML 1.0 cannot carry: both formats leave them out."""
    ReportFactory(
        public_id="M-DDDD5555",
        street="Weg\x01 \ufffe7",
        description="Loch\x1b[31m <b>&amp;</b> \x7f\uffff\x0c\x08 \\u0001 \\b",
        lat=51.0,
        lon=11.0,
        created_at=_at(2026, 2, 2, 2, 2, 2),
    )
    StatusChange.objects.filter(report__public_id="M-DDDD5555").update(at=_at(2026, 2, 2, 2, 2, 2))


def _body(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", ["", "/en"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_requests_are_pinned(client, fmt, language):
    ids = _data()
    got = _body(client, f"{language}{BASE}requests.{fmt}?{RANGE}")
    assert got == EXPECTED[f"requests{language}.{fmt}"].replace("{photo}", str(ids["photo"]))
    one = _body(client, f"{language}{BASE}requests/M-BBBB3333.{fmt}")
    assert one == EXPECTED[f"one{language}.{fmt}"]
    listed = _body(client, f"{language}{BASE}requests.{fmt}?service_request_id=M-CCCC4444")
    assert listed == EXPECTED[f"listed{language}.{fmt}"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_updates_are_pinned(client, fmt):
    ids = _data()
    got = _body(client, f"{BASE}servicerequestupdates.{fmt}?{RANGE}")
    want = EXPECTED[f"updates.{fmt}"]
    for n, pk in enumerate(ids["updates"]):
        want = want.replace(f"{{u{n}}}", str(pk))
    assert got == want


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_characters_xml_cannot_carry_are_left_out_in_both_formats(client, fmt):
    _dirty()
    got = _body(client, f"{BASE}requests.{fmt}?service_request_id=M-DDDD5555")
    assert got == EXPECTED[f"dirty.{fmt}"]


def _reference_time(text: str, tz) -> str:
    """What views._utc answered before its per-hour table."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz).isoformat(timespec="seconds")


def test_the_hour_table_gives_what_astimezone_gives():
    """views._utc copies minutes and seconds into a local hour looked up once per UTC hour:
    the same text as astimezone + isoformat for the county's zone and for zones with
    half-hour and 45-minute offsets or a 30-minute DST shift, around every change of
    offset, in PostgreSQL's text (`+00`, fractions without trailing zeros) and SQLite's."""
    rng = random.Random(17)
    zones = ["Europe/Berlin", "UTC", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe"]
    zones += ["America/St_Johns", "Pacific/Chatham", "America/Sao_Paulo"]
    for name in zones:
        tz = ZoneInfo(name)
        moments = [
            datetime(2026, 3, 29, 0, 0, tzinfo=UTC),
            datetime(2026, 10, 25, 0, 0, tzinfo=UTC),
        ]
        moments += [
            datetime(1890, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(220 * 365 * 86400))
            for _ in range(120)
        ]
        for moment in moments:
            for step in range(0, 4 * 3600, 599):  # across the hours around each moment
                at = moment + timedelta(seconds=step, microseconds=rng.choice([0, 7, 250_000]))
                naive = at.replace(tzinfo=None).isoformat(sep=" ")
                postgres = naive.rstrip("0").rstrip(".") if "." in naive else naive
                for text in (postgres + "+00", naive):
                    assert views._utc(text, tz) == _reference_time(text, tz), (name, text)
    berlin = ZoneInfo("Europe/Berlin")
    for text in ("2026-12-04 04:05:02+05", "2026-12-04 04:05:02.5-03", "2026-12-04T04:05:02Z"):
        assert views._utc(text, berlin) == _reference_time(text, berlin)


def test_the_quick_search_finds_what_the_expression_finds():
    rng = random.Random(5)
    pieces = ["\\", "u00", "u001f", "b", "f", "a", "\ufffe", "\uffff", "ä", '"', "0", "1"]
    for _ in range(5000):
        body = "".join(rng.choices(pieces, k=rng.randint(0, 8)))
        assert formats._maybe_not_xml(body) == bool(formats._MAYBE_NOT_XML.search(body)), body


def test_flat_rows_with_a_list_or_a_character_xml_cannot_carry_take_the_general_writer():
    rows = [{"a": "x", "b": None, "c": 1.5, "d": True}]
    assert formats._flat_xml("r", "i", rows) is not None
    for odd in ([{"a": [1]}], [{"a": {"b": 1}}], [{"a": "x\x01"}], [{"a": "x\ufffe"}], [[1]]):
        assert formats._flat_xml("r", "i", odd) is None


EXPECTED: dict[str, str] = {
    "requests.json": (
        '[{"service_request_id": "M-BBBB3333", "status": "open", '
        '"status_notes": null, "service_name": "Abfall und illegale Müllablagerung", '
        '"service_code": "abfall", "description": "Sperrmüll", '
        '"agency_responsible": "Abfallwirtschaft – Kundenservice (Abfallgebühren, '
        "Tonnen, Sperrmüll, Abfuhrtermine), "
        'Entsorgungswirtschaft des Landkreises Harz AöR (enwi)", '
        '"service_notice": null, "requested_datetime": "2026-03-29T03:00:00+02:00", '
        '"updated_datetime": "2026-03-30T14:00:00+02:00", "expected_datetime": null, '
        '"address": "Quedlinburg", "address_id": null, "zipcode": null, "lat": null, '
        '"long": null, "media_url": null}, {"service_request_id": "M-CCCC4444", '
        '"status": "open", "status_notes": null, "service_name": "Straßen, '
        'Wege und Schlaglöcher", "service_code": "strasse", "description": "-", '
        '"agency_responsible": "Bauamt, Stadt Halberstadt", "service_notice": null, '
        '"requested_datetime": "2026-03-01T00:00:00+01:00", '
        '"updated_datetime": "2026-03-01T00:00:00+01:00", "expected_datetime": null, '
        '"address": "am Ortseingang, Halberstadt", "address_id": null, '
        '"zipcode": null, "lat": 51.9, "long": 11.05, "media_url": null}, '
        '{"service_request_id": "M-AAAA2222", "status": "closed", '
        '"status_notes": "Verfüllt.", "service_name": "Straßen, '
        'Wege und Schlaglöcher", "service_code": "strasse", '
        '"description": "Loch & \\"Riss\\" <tief>\\nzweite Zeile\\tmit Tab, äöü ß €", '
        '"agency_responsible": "Bauamt, Stadt Halberstadt", "service_notice": null, '
        '"requested_datetime": "2026-01-16T00:30:05+01:00", '
        '"updated_datetime": "2026-03-29T01:59:59+01:00", "expected_datetime": null, '
        '"address": "Breiter Weg 12, vor der Post, Halberstadt", "address_id": null, '
        '"zipcode": null, "lat": 51.8957123, "long": 11.0468, '
        '"media_url": "http://testserver/maengelmelder/foto/{photo}/"}]'
    ),
    "one.json": (
        '[{"service_request_id": "M-BBBB3333", "status": "open", '
        '"status_notes": null, "service_name": "Abfall und illegale Müllablagerung", '
        '"service_code": "abfall", "description": "Sperrmüll", '
        '"agency_responsible": "Abfallwirtschaft – Kundenservice (Abfallgebühren, '
        "Tonnen, Sperrmüll, Abfuhrtermine), "
        'Entsorgungswirtschaft des Landkreises Harz AöR (enwi)", '
        '"service_notice": null, "requested_datetime": "2026-03-29T03:00:00+02:00", '
        '"updated_datetime": "2026-03-30T14:00:00+02:00", "expected_datetime": null, '
        '"address": "Quedlinburg", "address_id": null, "zipcode": null, "lat": null, '
        '"long": null, "media_url": null}]'
    ),
    "listed.json": (
        '[{"service_request_id": "M-CCCC4444", "status": "open", '
        '"status_notes": null, "service_name": "Straßen, Wege und Schlaglöcher", '
        '"service_code": "strasse", "description": "-", '
        '"agency_responsible": "Bauamt, Stadt Halberstadt", "service_notice": null, '
        '"requested_datetime": "2026-03-01T00:00:00+01:00", '
        '"updated_datetime": "2026-03-01T00:00:00+01:00", "expected_datetime": null, '
        '"address": "am Ortseingang, Halberstadt", "address_id": null, '
        '"zipcode": null, "lat": 51.9, "long": 11.05, "media_url": null}]'
    ),
    "requests.xml": (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<service_requests>\n"
        "  <request>\n"
        "    <service_request_id>M-BBBB3333</service_request_id>\n"
        "    <status>open</status>\n"
        "    <status_notes />\n"
        "    <service_name>Abfall und illegale Müllablagerung</service_name>\n"
        "    <service_code>abfall</service_code>\n"
        "    <description>Sperrmüll</description>\n"
        "    <agency_responsible>Abfallwirtschaft – Kundenservice (Abfallgebühren, Tonnen, "
        "Sperrmüll, Abfuhrtermine), Entsorgungswirtschaft des Landkreises Harz AöR "
        "(enwi)</agency_responsible>\n"
        "    <service_notice />\n"
        "    <requested_datetime>2026-03-29T03:00:00+02:00</requested_datetime>\n"
        "    <updated_datetime>2026-03-30T14:00:00+02:00</updated_datetime>\n"
        "    <expected_datetime />\n"
        "    <address>Quedlinburg</address>\n"
        "    <address_id />\n"
        "    <zipcode />\n"
        "    <lat />\n"
        "    <long />\n"
        "    <media_url />\n"
        "  </request>\n"
        "  <request>\n"
        "    <service_request_id>M-CCCC4444</service_request_id>\n"
        "    <status>open</status>\n"
        "    <status_notes />\n"
        "    <service_name>Straßen, Wege und Schlaglöcher</service_name>\n"
        "    <service_code>strasse</service_code>\n"
        "    <description>-</description>\n"
        "    <agency_responsible>Bauamt, Stadt Halberstadt</agency_responsible>\n"
        "    <service_notice />\n"
        "    <requested_datetime>2026-03-01T00:00:00+01:00</requested_datetime>\n"
        "    <updated_datetime>2026-03-01T00:00:00+01:00</updated_datetime>\n"
        "    <expected_datetime />\n"
        "    <address>am Ortseingang, Halberstadt</address>\n"
        "    <address_id />\n"
        "    <zipcode />\n"
        "    <lat>51.9</lat>\n"
        "    <long>11.05</long>\n"
        "    <media_url />\n"
        "  </request>\n"
        "  <request>\n"
        "    <service_request_id>M-AAAA2222</service_request_id>\n"
        "    <status>closed</status>\n"
        "    <status_notes>Verfüllt.</status_notes>\n"
        "    <service_name>Straßen, Wege und Schlaglöcher</service_name>\n"
        "    <service_code>strasse</service_code>\n"
        '    <description>Loch &amp; "Riss" &lt;tief&gt;\n'
        "zweite Zeile\tmit Tab, äöü ß €</description>\n"
        "    <agency_responsible>Bauamt, Stadt Halberstadt</agency_responsible>\n"
        "    <service_notice />\n"
        "    <requested_datetime>2026-01-16T00:30:05+01:00</requested_datetime>\n"
        "    <updated_datetime>2026-03-29T01:59:59+01:00</updated_datetime>\n"
        "    <expected_datetime />\n"
        "    <address>Breiter Weg 12, vor der Post, Halberstadt</address>\n"
        "    <address_id />\n"
        "    <zipcode />\n"
        "    <lat>51.8957123</lat>\n"
        "    <long>11.0468</long>\n"
        "    <media_url>http://testserver/maengelmelder/foto/{photo}/</media_url>\n"
        "  </request>\n"
        "</service_requests>"
    ),
    "one.xml": (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<service_requests>\n"
        "  <request>\n"
        "    <service_request_id>M-BBBB3333</service_request_id>\n"
        "    <status>open</status>\n"
        "    <status_notes />\n"
        "    <service_name>Abfall und illegale Müllablagerung</service_name>\n"
        "    <service_code>abfall</service_code>\n"
        "    <description>Sperrmüll</description>\n"
        "    <agency_responsible>Abfallwirtschaft – Kundenservice (Abfallgebühren, Tonnen, "
        "Sperrmüll, Abfuhrtermine), Entsorgungswirtschaft des Landkreises Harz AöR "
        "(enwi)</agency_responsible>\n"
        "    <service_notice />\n"
        "    <requested_datetime>2026-03-29T03:00:00+02:00</requested_datetime>\n"
        "    <updated_datetime>2026-03-30T14:00:00+02:00</updated_datetime>\n"
        "    <expected_datetime />\n"
        "    <address>Quedlinburg</address>\n"
        "    <address_id />\n"
        "    <zipcode />\n"
        "    <lat />\n"
        "    <long />\n"
        "    <media_url />\n"
        "  </request>\n"
        "</service_requests>"
    ),
    "listed.xml": (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<service_requests>\n"
        "  <request>\n"
        "    <service_request_id>M-CCCC4444</service_request_id>\n"
        "    <status>open</status>\n"
        "    <status_notes />\n"
        "    <service_name>Straßen, Wege und Schlaglöcher</service_name>\n"
        "    <service_code>strasse</service_code>\n"
        "    <description>-</description>\n"
        "    <agency_responsible>Bauamt, Stadt Halberstadt</agency_responsible>\n"
        "    <service_notice />\n"
        "    <requested_datetime>2026-03-01T00:00:00+01:00</requested_datetime>\n"
        "    <updated_datetime>2026-03-01T00:00:00+01:00</updated_datetime>\n"
        "    <expected_datetime />\n"
        "    <address>am Ortseingang, Halberstadt</address>\n"
        "    <address_id />\n"
        "    <zipcode />\n"
        "    <lat>51.9</lat>\n"
        "    <long>11.05</long>\n"
        "    <media_url />\n"
        "  </request>\n"
        "</service_requests>"
    ),
    "requests/en.json": (
        '[{"service_request_id": "M-BBBB3333", "status": "open", '
        '"status_notes": null, "service_name": "Waste and illegal dumping", '
        '"service_code": "abfall", "description": "Sperrmüll", '
        '"agency_responsible": "Abfallwirtschaft – Kundenservice (Abfallgebühren, '
        "Tonnen, Sperrmüll, Abfuhrtermine), "
        'Entsorgungswirtschaft des Landkreises Harz AöR (enwi)", '
        '"service_notice": null, "requested_datetime": "2026-03-29T03:00:00+02:00", '
        '"updated_datetime": "2026-03-30T14:00:00+02:00", "expected_datetime": null, '
        '"address": "Quedlinburg", "address_id": null, "zipcode": null, "lat": null, '
        '"long": null, "media_url": null}, {"service_request_id": "M-CCCC4444", '
        '"status": "open", "status_notes": null, "service_name": "Roads, '
        'paths and potholes", "service_code": "strasse", "description": "-", '
        '"agency_responsible": "Bauamt, Stadt Halberstadt", "service_notice": null, '
        '"requested_datetime": "2026-03-01T00:00:00+01:00", '
        '"updated_datetime": "2026-03-01T00:00:00+01:00", "expected_datetime": null, '
        '"address": "am Ortseingang, Halberstadt", "address_id": null, '
        '"zipcode": null, "lat": 51.9, "long": 11.05, "media_url": null}, '
        '{"service_request_id": "M-AAAA2222", "status": "closed", '
        '"status_notes": "Verfüllt.", "service_name": "Roads, paths and potholes", '
        '"service_code": "strasse", '
        '"description": "Loch & \\"Riss\\" <tief>\\nzweite Zeile\\tmit Tab, äöü ß €", '
        '"agency_responsible": "Bauamt, Stadt Halberstadt", "service_notice": null, '
        '"requested_datetime": "2026-01-16T00:30:05+01:00", '
        '"updated_datetime": "2026-03-29T01:59:59+01:00", "expected_datetime": null, '
        '"address": "Breiter Weg 12, vor der Post, Halberstadt", "address_id": null, '
        '"zipcode": null, "lat": 51.8957123, "long": 11.0468, '
        '"media_url": "http://testserver/en/maengelmelder/foto/{photo}/"}]'
    ),
    "one/en.json": (
        '[{"service_request_id": "M-BBBB3333", "status": "open", '
        '"status_notes": null, "service_name": "Waste and illegal dumping", '
        '"service_code": "abfall", "description": "Sperrmüll", '
        '"agency_responsible": "Abfallwirtschaft – Kundenservice (Abfallgebühren, '
        "Tonnen, Sperrmüll, Abfuhrtermine), "
        'Entsorgungswirtschaft des Landkreises Harz AöR (enwi)", '
        '"service_notice": null, "requested_datetime": "2026-03-29T03:00:00+02:00", '
        '"updated_datetime": "2026-03-30T14:00:00+02:00", "expected_datetime": null, '
        '"address": "Quedlinburg", "address_id": null, "zipcode": null, "lat": null, '
        '"long": null, "media_url": null}]'
    ),
    "listed/en.json": (
        '[{"service_request_id": "M-CCCC4444", "status": "open", '
        '"status_notes": null, "service_name": "Roads, paths and potholes", '
        '"service_code": "strasse", "description": "-", '
        '"agency_responsible": "Bauamt, Stadt Halberstadt", "service_notice": null, '
        '"requested_datetime": "2026-03-01T00:00:00+01:00", '
        '"updated_datetime": "2026-03-01T00:00:00+01:00", "expected_datetime": null, '
        '"address": "am Ortseingang, Halberstadt", "address_id": null, '
        '"zipcode": null, "lat": 51.9, "long": 11.05, "media_url": null}]'
    ),
    "requests/en.xml": (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<service_requests>\n"
        "  <request>\n"
        "    <service_request_id>M-BBBB3333</service_request_id>\n"
        "    <status>open</status>\n"
        "    <status_notes />\n"
        "    <service_name>Waste and illegal dumping</service_name>\n"
        "    <service_code>abfall</service_code>\n"
        "    <description>Sperrmüll</description>\n"
        "    <agency_responsible>Abfallwirtschaft – Kundenservice (Abfallgebühren, Tonnen, "
        "Sperrmüll, Abfuhrtermine), Entsorgungswirtschaft des Landkreises Harz AöR "
        "(enwi)</agency_responsible>\n"
        "    <service_notice />\n"
        "    <requested_datetime>2026-03-29T03:00:00+02:00</requested_datetime>\n"
        "    <updated_datetime>2026-03-30T14:00:00+02:00</updated_datetime>\n"
        "    <expected_datetime />\n"
        "    <address>Quedlinburg</address>\n"
        "    <address_id />\n"
        "    <zipcode />\n"
        "    <lat />\n"
        "    <long />\n"
        "    <media_url />\n"
        "  </request>\n"
        "  <request>\n"
        "    <service_request_id>M-CCCC4444</service_request_id>\n"
        "    <status>open</status>\n"
        "    <status_notes />\n"
        "    <service_name>Roads, paths and potholes</service_name>\n"
        "    <service_code>strasse</service_code>\n"
        "    <description>-</description>\n"
        "    <agency_responsible>Bauamt, Stadt Halberstadt</agency_responsible>\n"
        "    <service_notice />\n"
        "    <requested_datetime>2026-03-01T00:00:00+01:00</requested_datetime>\n"
        "    <updated_datetime>2026-03-01T00:00:00+01:00</updated_datetime>\n"
        "    <expected_datetime />\n"
        "    <address>am Ortseingang, Halberstadt</address>\n"
        "    <address_id />\n"
        "    <zipcode />\n"
        "    <lat>51.9</lat>\n"
        "    <long>11.05</long>\n"
        "    <media_url />\n"
        "  </request>\n"
        "  <request>\n"
        "    <service_request_id>M-AAAA2222</service_request_id>\n"
        "    <status>closed</status>\n"
        "    <status_notes>Verfüllt.</status_notes>\n"
        "    <service_name>Roads, paths and potholes</service_name>\n"
        "    <service_code>strasse</service_code>\n"
        '    <description>Loch &amp; "Riss" &lt;tief&gt;\n'
        "zweite Zeile\tmit Tab, äöü ß €</description>\n"
        "    <agency_responsible>Bauamt, Stadt Halberstadt</agency_responsible>\n"
        "    <service_notice />\n"
        "    <requested_datetime>2026-01-16T00:30:05+01:00</requested_datetime>\n"
        "    <updated_datetime>2026-03-29T01:59:59+01:00</updated_datetime>\n"
        "    <expected_datetime />\n"
        "    <address>Breiter Weg 12, vor der Post, Halberstadt</address>\n"
        "    <address_id />\n"
        "    <zipcode />\n"
        "    <lat>51.8957123</lat>\n"
        "    <long>11.0468</long>\n"
        "    <media_url>http://testserver/en/maengelmelder/foto/{photo}/</media_url>\n"
        "  </request>\n"
        "</service_requests>"
    ),
    "one/en.xml": (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<service_requests>\n"
        "  <request>\n"
        "    <service_request_id>M-BBBB3333</service_request_id>\n"
        "    <status>open</status>\n"
        "    <status_notes />\n"
        "    <service_name>Waste and illegal dumping</service_name>\n"
        "    <service_code>abfall</service_code>\n"
        "    <description>Sperrmüll</description>\n"
        "    <agency_responsible>Abfallwirtschaft – Kundenservice (Abfallgebühren, Tonnen, "
        "Sperrmüll, Abfuhrtermine), Entsorgungswirtschaft des Landkreises Harz AöR "
        "(enwi)</agency_responsible>\n"
        "    <service_notice />\n"
        "    <requested_datetime>2026-03-29T03:00:00+02:00</requested_datetime>\n"
        "    <updated_datetime>2026-03-30T14:00:00+02:00</updated_datetime>\n"
        "    <expected_datetime />\n"
        "    <address>Quedlinburg</address>\n"
        "    <address_id />\n"
        "    <zipcode />\n"
        "    <lat />\n"
        "    <long />\n"
        "    <media_url />\n"
        "  </request>\n"
        "</service_requests>"
    ),
    "listed/en.xml": (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<service_requests>\n"
        "  <request>\n"
        "    <service_request_id>M-CCCC4444</service_request_id>\n"
        "    <status>open</status>\n"
        "    <status_notes />\n"
        "    <service_name>Roads, paths and potholes</service_name>\n"
        "    <service_code>strasse</service_code>\n"
        "    <description>-</description>\n"
        "    <agency_responsible>Bauamt, Stadt Halberstadt</agency_responsible>\n"
        "    <service_notice />\n"
        "    <requested_datetime>2026-03-01T00:00:00+01:00</requested_datetime>\n"
        "    <updated_datetime>2026-03-01T00:00:00+01:00</updated_datetime>\n"
        "    <expected_datetime />\n"
        "    <address>am Ortseingang, Halberstadt</address>\n"
        "    <address_id />\n"
        "    <zipcode />\n"
        "    <lat>51.9</lat>\n"
        "    <long>11.05</long>\n"
        "    <media_url />\n"
        "  </request>\n"
        "</service_requests>"
    ),
    "updates.json": (
        '[{"update_id": "{u0}", "service_request_id": "M-AAAA2222", '
        '"status": "OPEN", "updated_datetime": "2026-01-16T09:00:00+01:00", '
        '"description": "Wir kümmern uns.", "media_url": null}, '
        '{"update_id": "{u1}", "service_request_id": "M-AAAA2222", '
        '"status": "FIXED", "updated_datetime": "2026-03-29T01:59:59+01:00", '
        '"description": "Verfüllt.", "media_url": null}, {"update_id": "{u2}", '
        '"service_request_id": "M-BBBB3333", "status": "IN_PROGRESS", '
        '"updated_datetime": "2026-03-30T14:00:00+02:00", "description": "", '
        '"media_url": null}]'
    ),
    "updates.xml": (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<service_request_updates>\n"
        "  <request_update>\n"
        "    <update_id>{u0}</update_id>\n"
        "    <service_request_id>M-AAAA2222</service_request_id>\n"
        "    <status>OPEN</status>\n"
        "    <updated_datetime>2026-01-16T09:00:00+01:00</updated_datetime>\n"
        "    <description>Wir kümmern uns.</description>\n"
        "    <media_url />\n"
        "  </request_update>\n"
        "  <request_update>\n"
        "    <update_id>{u1}</update_id>\n"
        "    <service_request_id>M-AAAA2222</service_request_id>\n"
        "    <status>FIXED</status>\n"
        "    <updated_datetime>2026-03-29T01:59:59+01:00</updated_datetime>\n"
        "    <description>Verfüllt.</description>\n"
        "    <media_url />\n"
        "  </request_update>\n"
        "  <request_update>\n"
        "    <update_id>{u2}</update_id>\n"
        "    <service_request_id>M-BBBB3333</service_request_id>\n"
        "    <status>IN_PROGRESS</status>\n"
        "    <updated_datetime>2026-03-30T14:00:00+02:00</updated_datetime>\n"
        "    <description />\n"
        "    <media_url />\n"
        "  </request_update>\n"
        "</service_request_updates>"
    ),
    "dirty.json": (
        '[{"service_request_id": "M-DDDD5555", "status": "open", "status_notes"'
        ': null, "service_name": "Straßen, Wege und Schlaglöcher", "service_cod'
        'e": "strasse", "description": "Loch[31m <b>&amp;</b> \x7f \\\\u0001 \\\\b", "'
        'agency_responsible": "Bauamt, Stadt Halberstadt", "service_notice": nu'
        'll, "requested_datetime": "2026-02-02T03:02:02+01:00", "updated_dateti'
        'me": "2026-02-02T03:02:02+01:00", "expected_datetime": null, "address"'
        ': "Weg 7, Halberstadt", "address_id": null, "zipcode": null, "lat": 51'
        '.0, "long": 11.0, "media_url": null}]'
    ),
    "dirty.xml": (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<service_requests>\n"
        "  <request>\n"
        "    <service_request_id>M-DDDD5555</service_request_id>\n"
        "    <status>open</status>\n"
        "    <status_notes />\n"
        "    <service_name>Straßen, Wege und Schlaglöcher</service_name>\n"
        "    <service_code>strasse</service_code>\n"
        "    <description>Loch[31m &lt;b&gt;&amp;amp;&lt;/b&gt; \x7f \\u0001 \\b</description>\n"
        "    <agency_responsible>Bauamt, Stadt Halberstadt</agency_responsible>\n"
        "    <service_notice />\n"
        "    <requested_datetime>2026-02-02T03:02:02+01:00</requested_datetime>\n"
        "    <updated_datetime>2026-02-02T03:02:02+01:00</updated_datetime>\n"
        "    <expected_datetime />\n"
        "    <address>Weg 7, Halberstadt</address>\n"
        "    <address_id />\n"
        "    <zipcode />\n"
        "    <lat>51.0</lat>\n"
        "    <long>11.0</long>\n"
        "    <media_url />\n"
        "  </request>\n"
        "</service_requests>"
    ),
}
