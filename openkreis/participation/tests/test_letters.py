"""Code letters (letters.py, views_letters.py): reading resident lists, one code per
resident stored only as a hash in a shuffled order, the PDF and the mail-merge CSV, the
files' deletion, the staff pages and who may use them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
import urllib.parse

import pytest
import segno
from django.utils import timezone

from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.core.testing import login_staff, make_staff
from openkreis.participation import letters, voting
from openkreis.participation.models import LetterBatch, ParticipationCode, Survey

from . import _p3data as data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def letters_in_the_request(settings):
    settings.PARTICIPATION_LETTERS_THREAD = False


FIRST = ["Jürgen", "Anna-Lena Sophie", "Björn", "Özlem", "Maximilian-Alexander", "Grete"]
LAST = ["Müller", "Weiß", "Groß-Schäfer", "von Lüdinghausen-Wolff", "Çelik", "Straßburger"]
STREETS = ["Breite Straße", "Große Schulstraße", "Am Schloßberg", "Lindenallee"]


def resident_list(n: int, *, delimiter=";", english=False, encoding="utf-8") -> bytes:
    header = (
        ["Salutation", "First name", "Last name", "Street", "House number", "Postcode", "Town"]
        if english
        else ["Anrede", "Vorname", "Nachname", "Straße", "Hausnummer", "PLZ", "Ort"]
    )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for i in range(n):
        writer.writerow(
            [
                "Frau" if i % 2 else "Herrn",
                FIRST[i % len(FIRST)],
                f"{LAST[i % len(LAST)]}{'' if i < len(LAST) else f' {i}'}",
                STREETS[i % len(STREETS)],
                f"{i % 97 + 1}{'a' if i % 5 == 0 else ''}",
                "38855",
                "Wernigerode",
            ]
        )
    return out.getvalue().encode(encoding)


# -- reading the list ------------------------------------------------------------------------
def test_a_german_windows_1252_list_with_semicolons_is_read():
    parsed = letters.parse_residents(resident_list(1000, encoding="cp1252"))
    assert parsed.problems == [] and len(parsed.valid) == 1000
    first = parsed.rows[0]
    assert (first.salutation, first.first_name, first.last_name) == ("Herrn", "Jürgen", "Müller")
    assert first.street_line == "Breite Straße 1a" and first.town_line == "38855 Wernigerode"
    assert parsed.rows[0].line == 2  # the header is line 1


def test_an_english_utf8_list_with_commas_and_a_bom_is_read():
    raw = "\ufeff".encode() + resident_list(3, delimiter=",", english=True)
    parsed = letters.parse_residents(raw)
    assert parsed.problems == []
    assert [r.last_name for r in parsed.valid] == ["Müller", "Weiß", "Groß-Schäfer"]


def test_rows_with_errors_carry_their_line_numbers():
    raw = (
        "Vorname;Nachname;Straße;Hausnummer;PLZ;Ort\n"
        "Anna;Müller;Breite Straße;1;38855;Wernigerode\n"
        ";;Breite Straße;2;38855;Wernigerode\n"
        "Ben;Kurz;Markt;3;3885;Wernigerode\n"
        "Anna;Müller;Breite Straße;1;38855;Wernigerode\n"
        f"{'X' * 120};Lang;Markt;4;38855;Wernigerode\n"
    ).encode()
    parsed = letters.parse_residents(raw)
    assert len(parsed.valid) == 1
    errors = {r.line: " ".join(r.errors) for r in parsed.invalid}
    assert set(errors) == {3, 4, 5, 6}
    assert "Nachname" in errors[3] or "Last name" in errors[3]
    assert "'3885'" in errors[4]
    assert "2" in errors[5]  # the same person as line 2
    assert "100" in errors[6]


@pytest.mark.parametrize(
    "raw, needle",
    [
        (b"", ("empty", "leer")),
        (b"Vorname;Ort\nAnna;Wernigerode\n", ("Nachname",)),
        ("Nachname;Nachname;Straße;PLZ;Ort\n".encode(), ("twice", "doppelt")),
        ("Nachname;Straße;PLZ;Ort\n".encode(), ("no residents", "keine Einwohner")),
    ],
)
def test_whole_file_problems(raw, needle):
    parsed = letters.parse_residents(raw)
    assert parsed.rows == [] and any(n in " ".join(parsed.problems) for n in needle)


def test_the_list_is_bounded(monkeypatch):
    monkeypatch.setattr(letters, "MAX_ROWS", 10)
    parsed = letters.parse_residents(resident_list(11))
    assert parsed.rows == [] and "10" in parsed.problems[0]
    monkeypatch.setattr(letters, "MAX_BYTES", 100)
    assert "MB" in letters.parse_residents(resident_list(5)).problems[0]


# -- making the letters ----------------------------------------------------------------------
def _qr_matrix_from_svg_uri(uri: str) -> list[list[bool]]:
    """The dark modules of segno's SVG (a path of horizontal runs) as a matrix."""
    svg = urllib.parse.unquote(uri.split(",", 1)[1])
    path = re.search(r"""\sd=['"]([^'"]+)['"]""", svg).group(1)
    scale = 1.0  # segno draws in modules (transform='scale(4)' outside the path)
    x = y = 0.0
    dark = set()
    for op, args in re.findall(r"([MmHhVv])([^MmHhVv]*)", path):
        nums = [float(v) for v in re.findall(r"-?[\d.]+", args)]
        if op == "M":
            x, y = nums
        elif op == "m":
            x, y = x + nums[0], y + nums[1]
        elif op == "h":
            for i in range(int(round(nums[0] / scale))):
                dark.add((int((y - scale / 2) / scale), int(x / scale) + i))
            x += nums[0]
    size = max(max(r, c) for r, c in dark) + 1
    return [[(r, c) in dark for c in range(size)] for r in range(size)]


def test_the_qr_code_holds_the_survey_link_with_the_code():
    url = "https://harz.example/beteiligung/umfragen/radwege/?code=ABCD-EFGH-JKLM"
    got = _qr_matrix_from_svg_uri(letters.qr_data_uri(url))
    expected = segno.make(url, error="m", micro=False)
    border = 4
    want = [[bool(v) for v in row] for row in expected.matrix]
    # the drawn symbol starts after the quiet zone
    trimmed = [row[border : border + len(want)] for row in got[border : border + len(want)]]
    assert trimmed == want


def test_create_batch_makes_hashed_codes_in_a_shuffled_order_a_pdf_and_a_csv(harz):
    survey = data.survey()
    place = data.municipality("Wernigerode")
    parsed = letters.parse_residents(resident_list(30))
    batch = letters.create_batch(
        survey, place, parsed.valid, user=None, base="https://harz.example/"
    )
    assert batch.size == 30 and batch.municipality == place
    rows = list(csv.reader(io.StringIO(batch.csv.read().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][-2:] == ["Code", "Link"] and len(rows) == 31
    codes = [r[-2] for r in rows[1:]]
    assert rows[1][:3] == ["Herrn", "Jürgen", "Müller"]
    assert rows[1][-1] == f"https://harz.example/beteiligung/umfragen/{survey.key}/?code={codes[0]}"
    stored = list(
        ParticipationCode.objects.filter(batch=batch)
        .order_by("id")
        .values_list("code_hash", "municipality_id", "used")
    )
    assert {h for h, _m, _u in stored} == {voting.code_hash(c) for c in codes}
    assert {(m, u) for _h, m, u in stored} == {(place.id, False)}
    # the table's order does not follow the list (30! orders: the same one is 1 in 2.6e32)
    assert [h for h, _m, _u in stored] != [voting.code_hash(c) for c in codes]
    event = Event.objects.filter(kind=event_kinds.PARTICIPATION_LETTERS_CREATED).last()
    assert event.data == {"survey": survey.key, "municipality": place.ars, "letters": 30}
    assert event.subject == f"survey:{survey.key}"
    # the PDF: one page per letter, German text, the address, the code
    text = subprocess.run(
        ["pdftotext", "-layout", batch.pdf.path, "-"], capture_output=True, check=True, text=True
    ).stdout
    assert text.count("\f") >= 29
    assert "Ihr persönlicher Code für die Umfrage" in text or "personal code" in text
    assert "Radwege im Harz" in text and "Groß-Schäfer" in text and "Breite Straße 1a" in text
    assert codes[0] in text and codes[-1] in text
    assert "Landkreis Harz" in text


def test_letters_only_for_an_open_survey_by_code(harz):
    place = data.municipality("Wernigerode")
    rows = letters.parse_residents(resident_list(2)).valid
    public = data.survey(audience=Survey.Audience.PUBLIC)
    with pytest.raises(letters.LetterError):
        letters.create_batch(public, place, rows, user=None, base="https://x/")
    closed = data.survey(closes_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(letters.LetterError):
        letters.create_batch(closed, place, rows, user=None, base="https://x/")
    own = data.survey(region=data.municipality("Thale"))
    with pytest.raises(letters.LetterError):  # Thale's survey, Wernigerode's residents
        letters.create_batch(own, place, rows, user=None, base="https://x/")
    assert not ParticipationCode.objects.filter(survey__in=[public, closed, own]).exists()


def test_files_are_deleted_after_the_first_download_and_a_grace_period_or_after_a_week(harz):
    survey = data.survey()
    place = data.municipality("Wernigerode")
    rows = letters.parse_residents(resident_list(2)).valid
    fetched = letters.create_batch(survey, place, rows, user=None, base="https://x/")
    forgotten = letters.create_batch(survey, place, rows[:1], user=None, base="https://x/")
    now = timezone.now()
    letters.note_download(fetched, now)
    assert letters.purge_files(now + dt.timedelta(hours=23)) == 0
    assert letters.purge_files(now + dt.timedelta(hours=25)) == 1
    fetched.refresh_from_db()
    assert fetched.files_deleted_at and not fetched.pdf and not fetched.csv
    assert letters.purge_files(now + dt.timedelta(days=6)) == 0
    assert letters.purge_files(now + dt.timedelta(days=7, minutes=1)) == 1
    forgotten.refresh_from_db()
    assert forgotten.files_deleted_at
    # the codes stay: only the plain-text files go
    assert ParticipationCode.objects.filter(batch=fetched).count() == 2


def test_the_state_of_a_batch(harz):
    survey = data.survey()
    now = timezone.now()
    batch = LetterBatch.objects.create(survey=survey, size=1, created_at=now)
    assert letters.state(batch, now) == "making"
    assert letters.state(batch, now + dt.timedelta(hours=2)) == "failed"
    batch.files_deleted_at = now
    assert letters.state(batch, now) == "deleted"


# -- the staff pages -------------------------------------------------------------------------
def _url(survey):
    return f"/beteiligung/verwaltung/{survey.key}/briefe/"


ROLES = {
    "editor": (data.UNIT, ["survey_editor"]),
    "other-editor": (data.OTHER_UNIT, ["survey_editor"]),
    "moderator": (data.UNIT, ["proposal_moderator"]),
}


@pytest.mark.parametrize(
    "who, status",
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("moderator", 403),
        ("other-editor", 404),
        ("editor", 200),
    ],
)
def test_who_may_make_letters(client, harz, django_user_model, who, status):
    survey = data.survey()
    if who == "citizen":
        client.force_login(django_user_model.objects.create_user("p3-citizen", password="x"))
    elif who != "anonymous":
        user, secret = make_staff(f"p3-{who}", *ROLES[who][:1], *ROLES[who][1])
        login_staff(client, user, secret)
    assert client.get(_url(survey)).status_code == status
    batch = LetterBatch.objects.create(survey=survey, size=0, files_deleted_at=timezone.now())
    got = client.get(f"{_url(survey)}{batch.pk}/codebriefe.pdf")
    assert got.status_code == (410 if status == 200 else status)  # no files: 410 Gone


def test_check_then_create_then_download(client, harz):
    survey = data.survey()
    user, secret = make_staff("p3-letters", data.UNIT, "survey_editor")
    login_staff(client, user, secret)
    place = data.municipality("Wernigerode")
    raw = resident_list(4) + b"Herrn;Kurt;;Markt;1;38855;Wernigerode\r\n"

    def upload(**extra):
        return client.post(
            _url(survey),
            {"municipality": place.pk, "file": _file(raw), **extra},
        )

    preview = upload(action="check")
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "4 Briefe werden erstellt" in html or "4 letters will be made" in html
    assert '<th scope="row">6</th>' in html  # the row with the missing name, by line
    digest = re.search(r'name="checked" value="([0-9a-f]{64})"', html).group(1)
    assert not ParticipationCode.objects.filter(survey=survey).exists()  # nothing made yet

    changed = client.post(
        _url(survey),
        {
            "municipality": place.pk,
            "file": _file(resident_list(3)),
            "checked": digest,
            "action": "create",
        },
    )
    assert changed.status_code == 400 and 'role="alert"' in changed.content.decode()

    made = upload(action="create", checked=digest)
    assert made.status_code == 302
    batch = LetterBatch.objects.get(survey=survey)
    assert batch.size == 4 and batch.created_by == user
    assert client.get(made["Location"]).status_code == 200
    pdf = client.get(f"{_url(survey)}{batch.pk}/codebriefe.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert letters.downloaded_at(batch) is not None
    mail_merge = client.get(f"{_url(survey)}{batch.pk}/codebriefe.csv")
    assert b"".join(mail_merge.streaming_content).decode("utf-8-sig").count("\r\n") == 5
    letters.purge_files(timezone.now() + dt.timedelta(days=2))
    assert client.get(f"{_url(survey)}{batch.pk}/codebriefe.pdf").status_code == 410


def test_form_errors_are_400_with_a_summary(client, harz):
    survey = data.survey()
    user, secret = make_staff("p3-letters-err", data.UNIT, "survey_editor")
    login_staff(client, user, secret)
    empty = client.post(_url(survey), {"action": "check"})
    html = empty.content.decode()
    assert (
        empty.status_code == 400 and 'href="#id_file"' in html and 'href="#id_municipality"' in html
    )
    bad = client.post(
        _url(survey),
        {
            "action": "check",
            "municipality": data.municipality("Thale").pk,
            "file": _file(b"Vorname\nA\n"),
        },
    )
    assert bad.status_code == 400 and "Nachname" in bad.content.decode()
    public = data.survey(audience=Survey.Audience.PUBLIC)
    page = client.get(_url(public))
    assert page.status_code == 200 and 'role="alert"' in page.content.decode()
    assert 'name="file"' not in page.content.decode()


def _file(raw: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("einwohner.csv", raw, content_type="text/csv")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_files_are_written_in_a_thread(settings):
    import threading

    settings.PARTICIPATION_LETTERS_THREAD = True
    survey = data.survey()
    rows = letters.parse_residents(resident_list(3)).valid
    batch = letters.create_batch(
        survey, data.municipality("Wernigerode"), rows, user=None, base="https://x/"
    )
    assert ParticipationCode.objects.filter(batch=batch).count() == 3  # before the files
    worker = next(t for t in threading.enumerate() if t.name == f"participation-letters-{batch.pk}")
    worker.join(timeout=120)
    batch.refresh_from_db()
    assert letters.state(batch) == "ready" and batch.pdf.read().startswith(b"%PDF")
