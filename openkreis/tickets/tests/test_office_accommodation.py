"""The guest levy office registers a host's accommodation; the host's members then register
its stays. Only the office may; bad input answers 400 with the reason, nothing is stored."""

import pytest
from django.core.cache import cache

from openkreis.core.testing import login_as
from openkreis.tickets import services
from openkreis.tickets.models import Accommodation

from .factories import host

STAFF = {"office": ("wirtschaftsfoerderung", ["ticket_office"])}
URL = "/hatix/amt/unterkunft/neu/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def municipality(db):
    return services.levy_municipalities().first()


def _data(host_company, place, **extra):
    data = {
        "company": host_company.pk,
        "name": "Pension Bodeblick",
        "municipality": place.pk,
        "street": "Bodeweg 1",
        "postcode": "06502",
        "town": "Thale",
    }
    data.update(extra)
    return data


@pytest.mark.django_db
def test_the_office_registers_an_accommodation_the_host_then_sees(client, municipality):
    member, company = host("bodeblick", "Bodeblick GmbH")
    login_as(client, "office", STAFF)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Bodeblick GmbH" in body and municipality.name in body
    response = client.post(URL, _data(company, municipality), HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 302
    made = Accommodation.objects.get(company=company)
    assert (made.name, made.municipality, made.postcode) == (
        "Pension Bodeblick",
        municipality,
        "06502",
    )
    client.logout()
    client.force_login(member)
    home = client.get("/hatix/gastgeber/", HTTP_ACCEPT_LANGUAGE="de")
    assert home.status_code == 200 and "Pension Bodeblick" in home.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, value, message",
    [
        ("postcode", "0650", "Eine Postleitzahl hat fünf Ziffern."),
        ("name", "", "Dieses Feld muss ausgefüllt werden."),
        ("company", "999999", "Bitte eine gültige Auswahl treffen."),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(client, municipality, field, value, message):
    _member, company = host("bodeblick", "Bodeblick GmbH")
    login_as(client, "office", STAFF)
    data = _data(company, municipality, **{field: value})
    response = client.post(URL, data, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Accommodation.objects.exists()


@pytest.mark.django_db
def test_only_the_office_may_register(client, municipality):
    member, company = host("bodeblick", "Bodeblick GmbH")
    client.force_login(member)
    assert client.get(URL).status_code == 403
    assert client.post(URL, _data(company, municipality)).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302  # to the login
    assert not Accommodation.objects.exists()
