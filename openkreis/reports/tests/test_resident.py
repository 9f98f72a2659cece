"""The resident's form: validation, photos (EXIF stripped), idempotency, duplicate proposal,
rate limits, public pages without personal data. Bad input is a 4xx with a message."""

import io
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.reports import services
from openkreis.reports.models import Category, Follower, Photo, Report
from openkreis.reports.photos import PhotoRejected, clean_photo

URL = "/maengelmelder/melden/"
HALBERSTADT = (51.8957, 11.0468)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _jpeg_with_gps_and_camera() -> bytes:
    image = Image.new("RGB", (3000, 2000), (120, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "Examplecam"  # Make
    exif[0x0110] = "Model X 12"  # Model
    exif[0x0131] = "PhoneOS 17.2"  # Software
    exif[0x9003] = "2026:11:30 08:15:00"  # DateTimeOriginal (in the Exif IFD in reality)
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 53.0, 44.52)  # 51.8957 N
    gps[3] = "E"
    gps[4] = (11.0, 2.0, 48.48)  # 11.0468 E
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 128, 0)).save(out, "PNG")
    return out.getvalue()


def _png_bomb() -> bytes:
    # 30000×30000 pixels of one colour: a few hundred KB that unpack to 2.7 GB
    out = io.BytesIO()
    Image.new("1", (30000, 30000)).save(out, "PNG")
    return out.getvalue()


def _form(**overrides):
    category = Category.objects.get(key="strasse")
    data = {
        "category": str(category.pk),
        "lat": str(HALBERSTADT[0]),
        "lon": str(HALBERSTADT[1]),
        "street": "Breiter Weg 12",
        "place": "",
        "description": "Tiefes Schlagloch mitten auf der Fahrbahn.",
        "email": "anwohnerin@example.org",
        "key": "k" * 20 + overrides.pop("key_suffix", "a"),
    }
    data.update(overrides)
    return data


def test_exif_is_stripped_and_the_position_read():
    original = _jpeg_with_gps_and_camera()
    assert b"Examplecam" in original
    photo = clean_photo(original)
    assert photo.lat == pytest.approx(51.8957, abs=1e-4)
    assert photo.lon == pytest.approx(11.0468, abs=1e-4)
    assert max(photo.width, photo.height) == 2048
    with Image.open(io.BytesIO(photo.data)) as stored:
        assert stored.format == "JPEG"
        assert len(stored.getexif()) == 0
        assert "exif" not in stored.info and "icc_profile" not in stored.info
    for marker in (b"Examplecam", b"Model X 12", b"PhoneOS", b"2026:11:30", b"Exif\x00\x00"):
        assert marker not in photo.data


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4 not an image",
        b"<html><script>alert(1)</script></html>",
        b"\xff\xd8\xff\xe0" + b"<html>" * 100,  # a JPEG header in front of HTML
        b"",
    ],
)
def test_fakes_are_refused(data):
    with pytest.raises(PhotoRejected):
        clean_photo(data)


def test_a_png_bomb_is_refused():
    with translation.override("en"), pytest.raises(PhotoRejected, match="too many pixels"):
        clean_photo(_png_bomb())
    with translation.override("de"), pytest.raises(PhotoRejected, match="zu viele Pixel"):
        clean_photo(_png_bomb())


@pytest.mark.django_db
def test_form_page_works_without_javascript(client):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="key"' in html and 'name="area"' in html and 'name="place"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "Halberstadt" in html and "Straßenbeleuchtung" in html


@pytest.mark.django_db
def test_report_with_position_is_routed_and_confirmed(client):
    response = client.post(URL, _form())
    assert response.status_code == 302, response.content.decode()[:2000]
    report = Report.objects.get()
    assert response["Location"] == f"/maengelmelder/melden/danke/{report.public_id}/"
    assert report.area.region.name == "Halberstadt"
    assert report.unit.key == "gem-halberstadt-bauamt"
    assert report.email == "anwohnerin@example.org"
    thanks = client.get(response["Location"])
    assert report.public_id in thanks.content.decode()
    event = Event.objects.get(kind=event_kinds.REPORT_RECEIVED, subject=f"report:{report.pk}")
    assert event.data == {"category": "strasse", "area": report.area.region.ars}
    assert "example.org" not in str(event.data)


@pytest.mark.django_db
def test_without_javascript_municipality_street_and_place(client):
    from openkreis.reports.models import Area

    area = Area.objects.get(region__name="Thale")
    response = client.post(
        URL, _form(lat="", lon="", area=str(area.pk), street="", place="Am Bodeufer, Bank 3")
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.lat is None and report.area == area and report.place == "Am Bodeufer, Bank 3"


@pytest.mark.django_db
def test_photo_position_is_used_and_photo_stored_without_exif(client):
    upload = SimpleUploadedFile("IMG_0001.jpg", _jpeg_with_gps_and_camera(), "image/jpeg")
    response = client.post(URL, {**_form(lat="", lon="", street=""), "photos": [upload]})
    assert response.status_code == 302, response.content.decode()[:3000]
    report = Report.objects.get()
    assert report.lat == pytest.approx(51.8957, abs=1e-4)
    assert report.area.region.name == "Halberstadt"
    photo = Photo.objects.get(report=report)
    stored = photo.image.read()
    assert b"Examplecam" not in stored and not photo.approved
    # not approved: not public
    assert client.get(f"/maengelmelder/foto/{photo.pk}/").status_code == 404
    photo.approved = True
    photo.save()
    assert client.get(f"/maengelmelder/foto/{photo.pk}/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"category": "999999"}, "category", "Please choose one of the listed categories."),
        ({"category": "²"}, "category", "Please choose one of the listed categories."),
        ({"category": ""}, "category", "Please choose what the problem is."),
        ({"description": "x" * 2001}, "description", "2000"),
        ({"description": ""}, "description", "Please describe the defect."),
        ({"email": "not-an-address"}, "email", ""),
        ({"email": ""}, "email", "Please give your e-mail address, or log in."),
        ({"lat": "", "lon": "", "area": ""}, "area", "Please choose the municipality"),
        ({"lat": "", "lon": "", "area": "99999999"}, "area", "listed municipalities"),
        ({"lat": "52.52", "lon": "13.405"}, None, "outside the county"),
        ({"lat": "nan", "lon": "11.0"}, None, "position could not be read"),
        ({"lat": "1e400", "lon": "11.0"}, None, "position could not be read"),
        ({"key": ""}, None, "load it again"),
        ({"street": "s" * 201}, "street", "200"),
    ],
)
def test_bad_input_is_a_400_with_a_message(client, overrides, field, message):
    with translation.override("en"):
        response = client.post("/en" + URL, _form(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    if message:
        assert message in html
    if field:
        assert f'id="id_{field}-error"' in html
    assert not Report.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("fake.jpg", b"\xff\xd8\xff\xe0" + b"<html>" * 100),
        ("doc.pdf", b"%PDF-1.4\n%%EOF"),
        ("bomb.png", None),
    ],
)
def test_bad_photos_are_refused_at_the_field(client, name, content):
    data = content if content is not None else _png_bomb()
    upload = SimpleUploadedFile(name, data, "image/jpeg")
    response = client.post("/en" + URL, {**_form(), "photos": [upload]})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_photos-error"' in html and name in html
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_four_photos_are_too_many(client):
    uploads = [SimpleUploadedFile(f"p{i}.png", _png(), "image/png") for i in range(4)]
    response = client.post("/en" + URL, {**_form(), "photos": uploads})
    assert response.status_code == 400
    assert "at most three photos" in response.content.decode()


@pytest.mark.django_db
def test_the_same_key_twice_is_one_report(client):
    first = client.post(URL, _form())
    second = client.post(URL, _form())
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Report.objects.count() == 1
    report, created = services.submit(
        services.Submission(
            category=Category.objects.get(key="strasse"),
            description="again",
            lat=HALBERSTADT[0],
            lon=HALBERSTADT[1],
            email="x@example.org",
            idempotency_key="k" * 20 + "a",
        )
    )
    assert not created and Report.objects.count() == 1


@pytest.mark.django_db
def test_nearby_open_report_is_proposed_and_joining_adds_a_follower(client):
    client.post(URL, _form())
    existing = Report.objects.get()
    # 20 m further north, same category: proposed
    response = client.post(URL, _form(key_suffix="b", lat="51.89588", email="nachbar@example.org"))
    assert response.status_code == 200
    html = response.content.decode()
    assert existing.public_id in html and 'name="new" value="1"' in html
    assert Report.objects.count() == 1
    joined = client.post(
        f"/maengelmelder/meldung/{existing.public_id}/betroffen/",
        {"email": "nachbar@example.org"},
    )
    assert joined.status_code == 302
    assert Follower.objects.get(report=existing).email == "nachbar@example.org"
    # the same person again: no second follower
    client.post(
        f"/maengelmelder/meldung/{existing.public_id}/betroffen/",
        {"email": "Nachbar@example.org"},
    )
    assert Follower.objects.filter(report=existing).count() == 1
    # "send as new" makes a second report
    response = client.post(URL, _form(key_suffix="c", lat="51.89588", new="1"))
    assert response.status_code == 302
    assert Report.objects.count() == 2


@pytest.mark.django_db
def test_far_away_or_other_category_is_not_proposed(client):
    client.post(URL, _form())
    other = Category.objects.get(key="beleuchtung")
    response = client.post(URL, _form(key_suffix="b", category=str(other.pk)))
    assert response.status_code == 302
    response = client.post(URL, _form(key_suffix="c", lat="51.8967"))  # about 110 m
    assert response.status_code == 302


@pytest.mark.django_db
def test_rate_limit_per_email(client, monkeypatch):
    monkeypatch.setenv("OPENKREIS_REPORTS_PER_EMAIL_HOUR", "2")
    for i, lat in enumerate(("51.8957", "51.8990", "51.9030")):
        response = client.post(URL, _form(key_suffix=str(i), lat=lat))
        if i < 2:
            assert response.status_code == 302
    assert response.status_code == 429
    assert Report.objects.count() == 2


@pytest.mark.django_db
def test_public_pages_show_no_personal_data(client):
    client.post(URL, _form())
    report = Report.objects.get()
    for url in (
        "/maengelmelder/",
        f"/maengelmelder/meldung/{report.public_id}/",
        f"/maengelmelder/?gemeinde={report.area_id}&kategorie={report.category_id}",
    ):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert report.public_id in html
        assert "anwohnerin" not in html
    for bad in ("?seite=²", "?seite=99999999999999999999999", "?gemeinde=²&kategorie=-1"):
        assert client.get("/maengelmelder/" + bad).status_code == 200
    assert client.get("/maengelmelder/meldung/M-NOPE/").status_code == 404
    assert client.get("/maengelmelder/foto/999999/").status_code == 404


@pytest.mark.django_db
def test_no_mail_on_submission_only_on_status_change(client):
    client.post(URL, _form())
    assert mail.outbox == []
    assert re.match(r"^M-[A-Z2-9]{8}$", Report.objects.get().public_id)


@pytest.mark.django_db
def test_a_logged_in_resident_reports_with_the_account(client, django_user_model):
    user = django_user_model.objects.create_user("erika", "erika@example.org", "pw-123456!x")
    client.force_login(user)
    page = client.get(URL).content.decode()
    assert 'name="email"' not in page and "erika@example.org" in page
    data = _form()
    del data["email"]
    response = client.post(URL, data)
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.user == user and report.email == ""
    assert services.recipients(report) == ["erika@example.org"]


@pytest.mark.django_db
def test_only_the_form_may_ask_for_the_position(client):
    form = client.get(URL)
    assert "geolocation=(self)" in form["Permissions-Policy"]
    assert "camera=()" in form["Permissions-Policy"]
    assert "geolocation=()" in client.get("/maengelmelder/")["Permissions-Policy"]
