"""The back office's product page (views_imports.py): only the shop's members, imports with
their report, helpful 4xx answers for wrong files."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from openkreis.marketplace.models import Product

from . import factories

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def owner():
    return factories.customer("laden-inhaberin")


@pytest.fixture
def shop(owner):
    return factories.shop("Eisenwaren Brockenblick", members=[owner])


def _urls(shop):
    return [
        ("get", reverse("marketplace:backoffice_products", args=[shop.slug])),
        ("get", reverse("marketplace:backoffice_products_sample", args=[shop.slug])),
        ("post", reverse("marketplace:backoffice_products_import", args=[shop.slug])),
        ("post", reverse("marketplace:backoffice_stock_import", args=[shop.slug])),
    ]


def test_authorisation_table(client, harz, shop, owner):
    stranger = factories.customer()
    factories.shop("Anderer Laden", members=[stranger])
    for method, url in _urls(shop):
        client.logout()
        answer = getattr(client, method)(url)
        assert answer.status_code == 302 and "/konto/" in answer["Location"], url
        client.force_login(stranger)
        assert getattr(client, method)(url).status_code == 404, url
        client.force_login(owner)
        expected = 200 if method == "get" else 400  # a POST without a file: the form's 400
        assert getattr(client, method)(url).status_code == expected, url


def test_an_import_shows_its_report(client, harz, shop, owner):
    client.force_login(owner)
    data = (FIXTURES / "produkte_eisenwaren_cp1252.csv").read_bytes()
    upload = SimpleUploadedFile("produkte.csv", data, content_type="text/csv")
    answer = client.post(
        reverse("marketplace:backoffice_products_import", args=[shop.slug]),
        {"products-file": upload},
    )
    assert answer.status_code == 302
    assert answer["Location"].endswith("#bericht-artikel")
    assert Product.objects.filter(shop=shop).count() == 7
    page = client.get(answer["Location"])
    html = page.content.decode()
    assert "produkte.csv" in html
    assert "Akkuschrauber 18 V mit 2 Akkus" in html
    assert html.count('class="import-problems"') == 1  # the six bad rows, listed
    assert "VK-Preis" in html and "zwölf" in html


def test_stock_upload_and_filter(client, harz, shop, owner):
    factories.product(shop, "Wanderkarte Brocken", sku="K-1", stock=0)
    factories.product(shop, "Gießkanne", sku="G-1", stock=2, reserved=1)
    client.force_login(owner)
    upload = SimpleUploadedFile("bestand.csv", b"artikelnummer;bestand\nK-1;5\nG-1;0\n")
    answer = client.post(
        reverse("marketplace:backoffice_stock_import", args=[shop.slug]), {"stock-file": upload}
    )
    assert answer.status_code == 302
    assert Product.objects.get(shop=shop, sku="K-1").stock == 5
    assert Product.objects.get(shop=shop, sku="G-1").stock == 1  # one is put aside
    url = reverse("marketplace:backoffice_products", args=[shop.slug])
    listed = client.get(url, {"state": "empty"}).content.decode()
    assert "Gießkanne" in listed and "Wanderkarte Brocken" not in listed
    listed = client.get(url, {"q": "K-1"}).content.decode()
    assert "Wanderkarte Brocken" in listed and "Gießkanne" not in listed


@pytest.mark.parametrize(
    "name, data",
    [
        ("bild.png", b"\x89PNG\r\n\x1a\n"),  # not a CSV by its name
        ("liste.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00"),  # not a CSV by its content
        ("liste.csv", b"preis;menge\n1;2\n"),  # no article number column
    ],
)
def test_wrong_files_answer_400_with_a_message(client, harz, shop, owner, name, data):
    client.force_login(owner)
    answer = client.post(
        reverse("marketplace:backoffice_products_import", args=[shop.slug]),
        {"products-file": SimpleUploadedFile(name, data)},
    )
    assert answer.status_code == 400
    assert 'aria-invalid="true"' in answer.content.decode()
    assert not Product.objects.filter(shop=shop).exists()


def test_the_sample_file_imports_as_it_is(client, harz, shop, owner):
    client.force_login(owner)
    sample = client.get(reverse("marketplace:backoffice_products_sample", args=[shop.slug]))
    assert sample["Content-Type"].startswith("text/csv")
    answer = client.post(
        reverse("marketplace:backoffice_products_import", args=[shop.slug]),
        {"products-file": SimpleUploadedFile("vorlage.csv", sample.content)},
    )
    assert answer.status_code == 302
    assert Product.objects.filter(shop=shop).count() == 3
    stock = client.get(
        reverse("marketplace:backoffice_products_sample", args=[shop.slug]), {"art": "bestand"}
    )
    answer = client.post(
        reverse("marketplace:backoffice_stock_import", args=[shop.slug]),
        {"stock-file": SimpleUploadedFile("bestand.csv", stock.content)},
    )
    assert answer.status_code == 302
    assert Product.objects.get(shop=shop, sku="10001").stock == 3
