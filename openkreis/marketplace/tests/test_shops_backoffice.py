"""The shop's back office: overview, profile (opening hours checked at the field, the
Harz-Kompass place and its opening times follow), photos, the stock API key (shown once,
only its hash kept), and the registration of a new shop."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from PIL import Image

from openkreis.accounts.models import Company, CompanyMembership
from openkreis.core.models import Region
from openkreis.directory.models import OpenInterval
from openkreis.marketplace import access
from openkreis.marketplace.models import Shop

from .factories import customer, product, shop

pytestmark = pytest.mark.django_db


def _profile_data(s, **changes):
    data = {
        "name": s.place.name,
        "kind": s.kind,
        "category": "",
        "description": "Alles für den Garten",
        "street": "Markt 2",
        "postcode": "06484",
        "town": "Quedlinburg",
        "phone": "03946 12345",
        "email": "laden@example.org",
        "website": "www.example.org",
        "opening_hours": "Mo-Fr 10:00-18:00",
        "click_collect": "on",
        "hold_hours": "24",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def owner():
    return customer("inhaberin")


@pytest.fixture
def my_shop(owner):
    return shop("Gartenmarkt", members=[owner], opening_hours="Mo-Sa 09:00-18:00")


def test_start_redirects_to_the_only_shop(client, owner, my_shop):
    client.force_login(owner)
    response = client.get("/einkaufen/haendler/")
    assert response.status_code == 302 and response["Location"].endswith(f"/{my_shop.slug}/")
    shop("Zweiter Laden", members=[owner])
    response = client.get("/einkaufen/haendler/")
    assert response.status_code == 200 and "Zweiter Laden" in response.content.decode()


def test_start_without_shop_explains_registration(client):
    client.force_login(customer())
    response = client.get("/einkaufen/haendler/")
    assert response.status_code == 200
    assert "/einkaufen/haendler/anmelden/" in response.content.decode()


def test_overview_figures(client, owner, my_shop):
    product(my_shop, "Spaten", stock=2)
    product(my_shop, "Harke", stock=0, active=False)
    client.force_login(owner)
    response = client.get(f"/einkaufen/haendler/{my_shop.slug}/")
    assert response.status_code == 200
    assert response.context["products"] == 1
    assert response.context["open_reservations"] == 0
    assert response.context["last_stock"] is not None


def test_profile_saves_shop_and_place_and_rebuilds_intervals(client, owner, my_shop):
    client.force_login(owner)
    before = set(OpenInterval.objects.filter(place=my_shop.place).values_list("starts_at"))
    response = client.post(
        f"/einkaufen/haendler/{my_shop.slug}/profil/", _profile_data(my_shop, repair="on")
    )
    assert response.status_code == 302
    my_shop.refresh_from_db()
    place = my_shop.place
    place.refresh_from_db()
    assert my_shop.description == "Alles für den Garten" and my_shop.repair
    assert my_shop.hold_hours == 24 and not my_shop.loyalty
    assert place.town == "Quedlinburg" and place.website == "https://www.example.org"
    assert place.opening_hours == "Mo-Fr 10:00-18:00"
    after = list(OpenInterval.objects.filter(place=place))
    assert after and {i.starts_at for i in after} != {b[0] for b in before}
    assert all(i.starts_at.astimezone().hour == 10 for i in after)


def test_profile_bad_opening_hours_is_400_at_the_field(client, owner, my_shop):
    client.force_login(owner)
    response = client.post(
        f"/einkaufen/haendler/{my_shop.slug}/profil/",
        _profile_data(my_shop, opening_hours="Montag bis Freitag neun bis sechs"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_opening_hours-error"' in html
    assert 'aria-describedby="id_opening_hours-hint id_opening_hours-error"' in html
    assert "Mo-Fr 08:00-16:00" in html  # the example in the message
    my_shop.place.refresh_from_db()
    assert my_shop.place.opening_hours == "Mo-Sa 09:00-18:00"


def test_profile_other_errors_are_400(client, owner, my_shop):
    client.force_login(owner)
    for changes in ({"postcode": "123"}, {"hold_hours": "0"}, {"name": "  "}, {"kind": "x"}):
        response = client.post(
            f"/einkaufen/haendler/{my_shop.slug}/profil/", _profile_data(my_shop, **changes)
        )
        assert response.status_code == 400, changes


def test_photo_upload_and_delete(client, owner, my_shop):
    client.force_login(owner)
    url = f"/einkaufen/haendler/{my_shop.slug}/profil/foto/"
    upload = SimpleUploadedFile("laden.png", _png(), content_type="image/png")
    response = client.post(url, {"image": upload, "alt": "Das Schaufenster"})
    assert response.status_code == 302
    photo = my_shop.photos.get()
    assert photo.alt == "Das Schaufenster"
    assert photo.image.read().startswith(b"\xff\xd8")  # re-encoded as JPEG
    # the photo on the public page
    assert (
        "Das Schaufenster" in client.get(f"/einkaufen/geschaeft/{my_shop.slug}/").content.decode()
    )
    # another shop's member cannot delete it
    stranger = customer()
    shop("Anderer", members=[stranger])
    client.force_login(stranger)
    delete = f"/einkaufen/haendler/{my_shop.slug}/profil/foto/{photo.pk}/loeschen/"
    assert client.post(delete).status_code == 404
    client.force_login(owner)
    assert client.post(delete).status_code == 302
    assert not my_shop.photos.exists()


def test_photo_rejected(client, owner, my_shop):
    client.force_login(owner)
    url = f"/einkaufen/haendler/{my_shop.slug}/profil/foto/"
    no_alt = SimpleUploadedFile("a.png", _png(), content_type="image/png")
    response = client.post(url, {"image": no_alt, "alt": " "})
    assert response.status_code == 400
    assert _("Please describe what the photo shows.") in response.content.decode()
    fake = SimpleUploadedFile("a.png", b"not a picture", content_type="image/png")
    assert client.post(url, {"image": fake, "alt": "x"}).status_code == 400
    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf")
    assert client.post(url, {"image": pdf, "alt": "x"}).status_code == 400
    big = SimpleUploadedFile("a.png", b"0" * (8 * 1024 * 1024 + 1), content_type="image/png")
    response = client.post(url, {"image": big, "alt": "x"})
    assert response.status_code == 400
    assert _("The photo is larger than 8 MB.") in response.content.decode()
    assert not my_shop.photos.exists()


def test_api_token_shown_once_only_hash_stored(client, owner, my_shop):
    client.force_login(owner)
    response = client.post(f"/einkaufen/haendler/{my_shop.slug}/profil/schluessel/")
    assert response.status_code == 200
    token = response.context["token"]
    assert len(token) >= 40 and token in response.content.decode()
    my_shop.refresh_from_db()
    assert my_shop.api_token_hash == access.token_hash(token) != token
    page = client.get(f"/einkaufen/haendler/{my_shop.slug}/profil/").content.decode()
    assert token not in page
    renewed = client.post(f"/einkaufen/haendler/{my_shop.slug}/profil/schluessel/")
    my_shop.refresh_from_db()
    assert my_shop.api_token_hash == access.token_hash(renewed.context["token"])
    assert renewed.context["token"] != token


# -- registration --------------------------------------------------------------------------


def _register_data(**changes):
    data = {
        "company_name": "Müller Feinkost GmbH",
        "name": "Feinkost Müller",
        "kind": "food",
        "category": "",
        "street": "Breite Straße 10",
        "postcode": "38855",
        "town": "Wernigerode",
        "opening_hours": "Mo-Sa 08:00-18:00",
        "click_collect": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_register_new_company_and_shop(client):
    user = customer("neuhaendler")
    client.force_login(user)
    assert client.get("/einkaufen/haendler/anmelden/").status_code == 200
    response = client.post("/einkaufen/haendler/anmelden/", _register_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    s = Shop.objects.get(place__name="Feinkost Müller")
    assert s.status == Shop.Status.PENDING and s.kind == "food" and s.click_collect
    assert not s.place.published and s.place.category.slug == "gastronomie"
    assert CompanyMembership.objects.get(company=s.company, user=user).role == "admin"
    assert s.company.name == "Müller Feinkost GmbH"
    wernigerode = Region.objects.filter(kind="municipality", name="Wernigerode").first()
    if wernigerode is not None and wernigerode.lat is not None:
        assert s.place.municipality == wernigerode
        assert (s.place.lat, s.place.lon) == (wernigerode.lat, wernigerode.lon)
    assert OpenInterval.objects.filter(place=s.place).exists()
    # the new shop's back office is open to its member, the public page not yet
    assert response["Location"] == f"/einkaufen/haendler/{s.slug}/"
    assert client.get(response["Location"]).status_code == 200
    assert client.get(f"/einkaufen/geschaeft/{s.slug}/").status_code == 404


def test_register_for_existing_company_only_as_admin(client):
    user = customer()
    company = Company.objects.create(name="Bestehende GmbH")
    CompanyMembership.objects.create(company=company, user=user, role="admin")
    other = Company.objects.create(name="Fremde GmbH")
    CompanyMembership.objects.create(company=other, user=user, role="member")
    client.force_login(user)
    response = client.post(
        "/einkaufen/haendler/anmelden/",
        _register_data(company=str(other.pk), company_name="", name="Nicht erlaubt"),
    )
    assert response.status_code == 400
    assert not Shop.objects.filter(place__name="Nicht erlaubt").exists()
    response = client.post(
        "/einkaufen/haendler/anmelden/",
        _register_data(company=str(company.pk), company_name="", name="Zweigstelle"),
    )
    assert response.status_code == 302
    assert Shop.objects.get(place__name="Zweigstelle").company == company


def test_register_errors(client):
    client.force_login(customer())
    url = "/einkaufen/haendler/anmelden/"
    response = client.post(url, _register_data(opening_hours="immer"))
    assert response.status_code == 400
    assert 'id="id_opening_hours-error"' in response.content.decode()
    response = client.post(url, _register_data(company_name=""))
    assert response.status_code == 400
    # an unknown town and no position: the position is asked for
    response = client.post(url, _register_data(postcode="99999", town="Nirgendwo"))
    assert response.status_code == 400
    assert 'id="id_lat-error"' in response.content.decode()
    response = client.post(
        url, _register_data(postcode="99999", town="Nirgendwo", lat="48.1", lon="11.5")
    )
    assert response.status_code == 400  # Munich is not in the county
    response = client.post(
        url,
        _register_data(
            postcode="99999", town="Nirgendwo", lat="51.79", lon="11.14", name="Am Rand"
        ),
    )
    assert response.status_code == 302
    place = Shop.objects.get(place__name="Am Rand").place
    assert (place.lat, place.lon) == (51.79, 11.14)


def test_register_needs_login(client):
    response = client.get("/einkaufen/haendler/anmelden/")
    assert response.status_code == 302 and "/konto/login/" in response["Location"]
