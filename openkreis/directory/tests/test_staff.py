"""The Harz-Kompass editors (views_staff.py, /kompass/redaktion/): who may enter, creating and
editing a place with its checks (opening hours through hours.validate, position inside the
county, postcode, languages), open intervals rebuilt after a save, photos re-encoded without
EXIF with alt text required, unpublishing, searches without result and their retention."""

import datetime as dt
import io
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from openkreis.core import testing
from openkreis.directory import retention
from openkreis.directory.models import MissedSearch, OpenInterval, Place
from openkreis.directory.tests.factories import d6_category, d6_place

pytestmark = pytest.mark.django_db

ROLES = {
    "editor": ("landrat", ("directory_editor",)),
    "manager": ("landrat", ("manager",)),
    "survey-editor": ("landrat", ("survey_editor",)),
}


@pytest.fixture
def editor(client, harz):
    return testing.login_as(client, "editor", ROLES, prefix="d6")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def form_data(**over):
    data = {
        "name": "Bürgerbüro D6-Test",
        "category": d6_category().pk,
        "description": "",
        "street": "Marktplatz 1",
        "postcode": "38855",
        "town": "Wernigerode",
        "municipality": "",
        "lat": "51.8358",
        "lon": "10.7853",
        "phone": "03943 6540",
        "email": "buergerbuero@example.org",
        "website": "",
        "opening_hours": "Mo-Fr 08:00-16:00; PH off",
        "wheelchair": "yes",
        "toilet_wheelchair": "yes",
        "parking_wheelchair": "",
        "languages": "de, EN",
    }
    data.update(over)
    return data


# -- who may enter ---------------------------------------------------------------------------
URLS = [
    "/kompass/redaktion/",
    "/kompass/redaktion/neu/",
    "/kompass/redaktion/suchen/",
]


@pytest.mark.parametrize("url", URLS)
def test_anonymous_is_sent_to_the_login(client, harz, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/konto/login/" in response["Location"]


@pytest.mark.parametrize("role", ["manager", "survey-editor"])
@pytest.mark.parametrize("url", URLS)
def test_other_staff_roles_are_refused(client, harz, role, url):
    testing.login_as(client, role, ROLES, prefix=f"d6{url.count('/')}")
    assert client.get(url).status_code == 403


def test_other_roles_cannot_edit_a_place_either(client, harz):
    place = d6_place()
    testing.login_as(client, "manager", ROLES, prefix="d6x")
    assert client.get(f"/kompass/redaktion/ort/{place.pk}/").status_code == 403
    response = client.post(
        f"/kompass/redaktion/ort/{place.pk}/veroeffentlichen/", {"published": "0"}
    )
    assert response.status_code == 403
    place.refresh_from_db()
    assert place.published


def test_a_password_only_session_is_not_enough(client, harz):
    user, _secret = testing.make_staff("d6-nomfa", "landrat", "directory_editor")
    client.force_login(user)
    response = client.get("/kompass/redaktion/")
    assert response.status_code == 302  # logged out, back to the MFA login
    assert "/konto/login/" in response["Location"]


@pytest.mark.parametrize("url", URLS)
def test_the_editor_enters(client, editor, url):
    assert client.get(url).status_code == 200


def test_the_staff_area_is_offered_to_editors_only(client, editor):
    from openkreis.core.staff import areas_for

    assert "directory" in [area_id for area_id, _ in areas_for(editor)]
    other, _ = testing.make_staff("d6-other", "landrat", "manager")
    assert "directory" not in [area_id for area_id, _ in areas_for(other)]


# -- places ----------------------------------------------------------------------------------
def test_create_a_place_rebuilds_its_open_intervals(client, editor, caplog):
    with caplog.at_level(logging.INFO, logger="openkreis.directory.audit"):
        response = client.post("/kompass/redaktion/neu/", form_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    place = Place.objects.get(name="Bürgerbüro D6-Test")
    assert response["Location"] == f"/kompass/redaktion/ort/{place.pk}/"
    assert place.slug.startswith("burgerburo-d6-test")
    assert place.source == "manual"
    assert place.languages == ["de", "en"]
    assert place.toilet_wheelchair is True and place.parking_wheelchair is None
    assert OpenInterval.objects.filter(place=place).exists()
    assert f"created place={place.pk} user={editor.pk}" in caplog.text
    assert "03943" not in caplog.text  # names of fields, never their values


def test_a_second_place_of_the_same_name_gets_its_own_slug(client, editor):
    assert client.post("/kompass/redaktion/neu/", form_data()).status_code == 302
    assert client.post("/kompass/redaktion/neu/", form_data()).status_code == 302
    slugs = set(Place.objects.filter(name="Bürgerbüro D6-Test").values_list("slug", flat=True))
    assert len(slugs) == 2


@pytest.mark.parametrize(
    ("field", "value", "german"),
    [
        ("opening_hours", "Mo-Fr 8 bis 16 Uhr", None),
        ("lat", "10.7853", "Dieser Breitengrad liegt außerhalb des Landkreises"),
        ("lon", "51.8358", "Dieser Längengrad liegt außerhalb des Landkreises"),
        ("lat", "nördlich", "Bitte geben Sie eine Zahl ein"),
        ("postcode", "3885", "Eine Postleitzahl hat fünf Ziffern"),
        ("languages", "deutsch", "ist kein zweibuchstabiges Sprachkürzel"),
        ("name", "   ", "Bitte geben Sie den Namen des Ortes ein"),
    ],
)
def test_mistakes_are_a_400_with_a_message_on_the_field(client, editor, field, value, german):
    from django.utils.translation import override

    from openkreis.directory import hours

    response = client.post("/kompass/redaktion/neu/", form_data(**{field: value}))
    assert response.status_code == 400
    body = response.content.decode()
    assert f'id="id_{field}-error"' in body
    if german is None:  # the opening-hours parser's own message, in German
        with override("de"):
            german = str(hours.validate(value)).split("%")[0].split("(")[0].split("„")[0].strip()
        german = german[:25]
    assert german in body.replace("&quot;", '"').replace("&#x27;", "'"), body[:3000]
    assert not Place.objects.filter(name="Bürgerbüro D6-Test").exists()


def test_edit_a_place_and_its_intervals_follow(client, editor):
    place = d6_place(opening_hours="")
    assert not OpenInterval.objects.filter(place=place).exists()
    data = form_data(name=place.name, opening_hours="Mo-Su 00:00-24:00")
    response = client.post(f"/kompass/redaktion/ort/{place.pk}/", data)
    assert response.status_code == 302
    place.refresh_from_db()
    assert place.opening_hours == "Mo-Su 00:00-24:00"
    now = timezone.now()
    assert OpenInterval.objects.filter(place=place, starts_at__lte=now, ends_at__gt=now).exists()


def test_an_unknown_place_is_a_404(client, editor):
    assert client.get("/kompass/redaktion/ort/999999/").status_code == 404


def test_unpublish_and_publish_again(client, editor):
    place = d6_place()
    response = client.post(
        f"/kompass/redaktion/ort/{place.pk}/veroeffentlichen/", {"published": "0"}
    )
    assert response.status_code == 302
    place.refresh_from_db()
    assert not place.published
    client.post(f"/kompass/redaktion/ort/{place.pk}/veroeffentlichen/", {"published": "1"})
    place.refresh_from_db()
    assert place.published


def test_publish_needs_a_post(client, editor):
    place = d6_place()
    assert client.get(f"/kompass/redaktion/ort/{place.pk}/veroeffentlichen/").status_code == 405


def test_the_list_searches_and_filters(client, editor):
    d6_place("Stadtbad D6-Suche", town="Halberstadt")
    d6_place("Museum D6-Versteckt", published=False)
    body = client.get("/kompass/redaktion/", {"q": "d6-suche"}).content.decode()
    assert "Stadtbad D6-Suche" in body and "Museum D6-Versteckt" not in body
    body = client.get("/kompass/redaktion/", {"q": "D6", "status": "hidden"}).content.decode()
    assert "Museum D6-Versteckt" in body and "Stadtbad D6-Suche" not in body
    assert client.get("/kompass/redaktion/", {"status": "nonsense"}).status_code == 400


# -- photos ----------------------------------------------------------------------------------
def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (800, 600), (40, 90, 140))
    exif = Image.Exif()
    exif[0x010F] = "Examplecam"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (51.0, 50.0, 9.0), "E", (10.0, 47.0, 7.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_re_encoded_without_exif(client, editor):
    place = d6_place()
    upload = SimpleUploadedFile("IMG_0001.jpg", _jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(
        f"/kompass/redaktion/ort/{place.pk}/foto/",
        {"image": upload, "alt": "Eingang mit Rampe", "credit": "Landkreis Harz, CC BY 4.0"},
    )
    assert response.status_code == 302
    photo = place.photos.get()
    assert photo.alt == "Eingang mit Rampe"
    assert "IMG_0001" not in photo.image.name
    with Image.open(photo.image.path) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif()
    body = client.get(f"/kompass/redaktion/ort/{place.pk}/").content.decode()
    assert 'alt="Eingang mit Rampe"' in body


def test_a_photo_needs_its_description(client, editor):
    place = d6_place()
    upload = SimpleUploadedFile("a.jpg", _jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(
        f"/kompass/redaktion/ort/{place.pk}/foto/", {"image": upload, "alt": " "}
    )
    assert response.status_code == 400
    assert not place.photos.exists()


def test_a_file_that_is_no_photo_is_refused(client, editor):
    place = d6_place()
    upload = SimpleUploadedFile("a.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    response = client.post(
        f"/kompass/redaktion/ort/{place.pk}/foto/", {"image": upload, "alt": "x"}
    )
    assert response.status_code == 400
    assert not place.photos.exists()


def test_remove_a_photo_only_of_its_own_place(client, editor):
    place, other = d6_place(), d6_place("Anderer Ort D6")
    upload = SimpleUploadedFile("a.jpg", _jpeg_with_gps(), content_type="image/jpeg")
    client.post(f"/kompass/redaktion/ort/{place.pk}/foto/", {"image": upload, "alt": "Eingang"})
    photo = place.photos.get()
    url = f"/kompass/redaktion/ort/{other.pk}/foto/{photo.pk}/loeschen/"
    assert client.post(url).status_code == 404
    url = f"/kompass/redaktion/ort/{place.pk}/foto/{photo.pk}/loeschen/"
    assert client.post(url).status_code == 302
    assert not place.photos.exists()


# -- searches without result -----------------------------------------------------------------
def test_missed_searches_by_count_over_thirty_days(client, editor):
    today = timezone.localdate()
    MissedSearch.objects.create(query="kletterhalle", day=today, count=3)
    MissedSearch.objects.create(query="kletterhalle", day=today - dt.timedelta(days=5), count=4)
    MissedSearch.objects.create(query="eisbahn", day=today, count=2)
    MissedSearch.objects.create(query="uralt", day=today - dt.timedelta(days=40), count=50)
    MissedSearch.objects.create(query="erledigt", day=today, count=9, done=True)
    body = client.get("/kompass/redaktion/suchen/").content.decode()
    assert "uralt" not in body and 'value="erledigt"' not in body
    assert 'value="kletterhalle"' in body
    assert body.index("kletterhalle") < body.index("eisbahn")
    assert ">7<" in body  # 3 + 4


def test_mark_a_missed_search_done(client, editor):
    today = timezone.localdate()
    MissedSearch.objects.create(query="kletterhalle", day=today, count=3)
    MissedSearch.objects.create(query="kletterhalle", day=today - dt.timedelta(days=1), count=1)
    response = client.post("/kompass/redaktion/suchen/erledigt/", {"query": "kletterhalle"})
    assert response.status_code == 302
    assert not MissedSearch.objects.filter(query="kletterhalle", done=False).exists()
    again = client.post("/kompass/redaktion/suchen/erledigt/", {"query": "kletterhalle"})
    assert again.status_code == 400


def test_missed_searches_are_deleted_after_ninety_days(harz):
    today = dt.date(2026, 12, 4)
    MissedSearch.objects.create(query="alt", day=today - dt.timedelta(days=91))
    MissedSearch.objects.create(query="grenze", day=today - dt.timedelta(days=90))
    MissedSearch.objects.create(query="neu", day=today)
    assert retention.purge_missed_searches(today) == 1
    assert set(MissedSearch.objects.values_list("query", flat=True)) == {"grenze", "neu"}


def test_the_beat_task_runs_the_purge(harz):
    from openkreis.directory.tasks_retention import purge_missed_searches

    MissedSearch.objects.create(query="alt", day=timezone.localdate() - dt.timedelta(days=200))
    assert purge_missed_searches() == 1
