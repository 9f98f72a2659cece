"""Product lists and stock from CSV (imports.py): files as shops have them, bad rows reported
with line and column while the good rows are written, stock never below what is reserved."""

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openkreis.catalog import fulltext
from openkreis.marketplace import imports
from openkreis.marketplace.models import Product

from . import factories

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


def _csv(*lines: str, encoding="utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def _problems(problems):
    return {(p.line, p.column) for p in problems}


def test_a_real_world_file_imports_its_good_rows_and_reports_the_bad_ones(harz):
    shop = factories.shop("Eisenwaren Test")
    data = (FIXTURES / "produkte_eisenwaren_cp1252.csv").read_bytes()

    result = imports.import_products(shop, data, filename="produkte.csv")

    assert result.rows == 13
    assert result.created == 7
    assert _problems(result.errors) == {
        (5, "EAN"),  # wrong check digit
        (7, "Bestand"),  # negative stock
        (8, "Bezeichnung"),  # a new article without a name
        (9, "VK-Preis"),  # "zwölf"
        (11, "Artikelnummer"),  # no article number
        (12, "Artikelnummer"),  # 10001 twice
    }
    assert result.error_count == 6
    products = {p.sku: p for p in Product.objects.filter(shop=shop)}
    assert set(products) == {"10001", "10002", "10003", "10005", "10009", "10010", "10011"}
    drill = products["10001"]
    assert drill.name == "Akkuschrauber 18 V mit 2 Akkus"  # the first 10001, not the double
    assert drill.description == "Bohrschrauber, Koffer, Ladegerät"  # Windows-1252 umlaut
    assert drill.gtin == "4006381333931" and drill.price == Decimal("129.99")
    assert drill.stock == 4 and drill.stock_updated_at is not None
    assert products["10003"].gtin == "40170725" and products["10003"].price == Decimal("19.90")
    assert products["10005"].price == Decimal("12.50")
    assert products["10009"].gtin == "0036000291452"  # UPC-A as EAN-13
    assert products["10010"].price == Decimal("1234.50") and products["10010"].stock == 1200
    assert products["10011"].description == "mit Schalter; weiß"  # quoted delimiter
    # the report of the last import is kept for the back office
    report = imports.last_report(shop, "products")
    assert report["created"] == 7 and len(report["errors"]) == 6
    assert report["errors"][0]["line"] == 5


def test_a_second_run_of_the_same_file_changes_nothing(harz):
    shop = factories.shop()
    data = (FIXTURES / "produkte_eisenwaren_cp1252.csv").read_bytes()
    imports.import_products(shop, data)
    before = {p.sku: (p.name, p.price, p.stock) for p in Product.objects.filter(shop=shop)}

    again = imports.import_products(shop, data)

    assert again.created == 0 and again.updated == 0 and again.unchanged == 7
    after = {p.sku: (p.name, p.price, p.stock) for p in Product.objects.filter(shop=shop)}
    assert after == before


def test_english_headers_commas_and_utf8_with_bom(harz):
    shop = factories.shop()
    data = "\ufeff".encode() + _csv(
        "SKU,GTIN,Name,Brand,Category,Description,Price,Stock",
        'B-1,,Brötchen-Tüte,,Bäckerei,"Papier, braun",0.10,500',
        "B-2,,Semmel,,Bäckerei,,0.45,",
    )
    result = imports.import_products(shop, data)
    assert result.created == 2 and not result.errors
    bag = Product.objects.get(shop=shop, sku="B-1")
    assert bag.name == "Brötchen-Tüte" and bag.description == "Papier, braun"
    assert bag.price == Decimal("0.10") and bag.stock == 500
    roll = Product.objects.get(shop=shop, sku="B-2")
    assert roll.stock == 0 and roll.stock_updated_at is None  # no stock given


def test_utf16_from_excel_is_read(harz):
    shop = factories.shop()
    data = "artikelnummer\tbezeichnung\tpreis\nU-1\tHarzer Käse\t2,49\n".encode("utf-16")
    result = imports.import_products(shop, data)
    assert result.created == 1
    assert Product.objects.get(shop=shop, sku="U-1").name == "Harzer Käse"


def test_an_update_changes_only_what_differs_and_keeps_other_shops_alone(harz):
    shop, other = factories.shop(), factories.shop()
    factories.product(shop, "Alter Name", sku="X-1", price=Decimal("5.00"), stock=2)
    theirs = factories.product(other, "Fremd", sku="X-1", stock=9)
    result = imports.import_products(
        shop, _csv("artikelnummer;bezeichnung;preis", "X-1;Neuer Name;5")
    )
    assert result.updated == 1 and result.created == 0
    mine = Product.objects.get(shop=shop, sku="X-1")
    assert mine.name == "Neuer Name" and mine.price == Decimal("5.00") and mine.stock == 2
    theirs.refresh_from_db()
    assert theirs.name == "Fremd" and theirs.stock == 9


def test_articles_missing_from_the_list_are_hidden_only_when_asked(harz):
    shop = factories.shop()
    keep = factories.product(shop, "Bleibt", sku="K-1")
    gone = factories.product(shop, "Fehlt in der Liste", sku="K-2")
    bad = factories.product(shop, "Zeile mit Fehler", sku="K-3")
    data = _csv("artikelnummer;bezeichnung;preis", "K-1;Bleibt;1,00", "K-3;Zeile mit Fehler;teuer")

    imports.import_products(shop, data)
    assert Product.objects.filter(shop=shop, active=True).count() == 3

    result = imports.import_products(shop, data, hide_missing=True)
    assert result.hidden == 1
    gone.refresh_from_db()
    keep.refresh_from_db()
    bad.refresh_from_db()
    assert not gone.active and keep.active
    assert bad.active  # its row had an error: nothing else is lost

    imports.import_products(shop, _csv("artikelnummer;bezeichnung", "K-2;Fehlt in der Liste"))
    gone.refresh_from_db()
    assert gone.active  # in the list again: shown again


@pytest.mark.parametrize(
    "header, message_part",
    [
        ("bezeichnung;preis", "article number"),
        ("artikelnummer;preis", "name"),
    ],
)
def test_a_missing_column_stops_the_file(harz, header, message_part):
    shop = factories.shop()
    with pytest.raises(imports.ImportFileError):
        imports.import_products(shop, _csv(header, "1;2"))
    assert not Product.objects.filter(shop=shop).exists()


def test_files_that_are_no_csv_or_too_large_are_refused(harz, monkeypatch):
    shop = factories.shop()
    with pytest.raises(imports.ImportFileError):
        imports.import_products(shop, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(imports.ImportFileError):
        imports.import_products(shop, b"")
    monkeypatch.setattr(imports, "MAX_BYTES", 100)
    with pytest.raises(imports.ImportFileError):
        imports.import_products(shop, _csv("artikelnummer;bezeichnung", *["1;x" * 20] * 10))
    monkeypatch.setattr(imports, "MAX_BYTES", 10_000)
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    with pytest.raises(imports.ImportFileError):
        imports.import_products(
            shop, _csv("artikelnummer;bezeichnung", *[f"{n};Artikel {n}" for n in range(4)])
        )
    assert not Product.objects.filter(shop=shop).exists()


@pytest.mark.parametrize(
    "code",
    ["4006381333931", "40170725", "036000291452", "10614141000415", "96385074", "5901234123457"],
)
def test_valid_gtins(code):
    assert imports.gtin_valid(code)


@pytest.mark.parametrize(
    "code", ["4006381333932", "40170726", "036000291453", "123", "abcdefgh", "400638133393١"]
)
def test_invalid_gtins(code):
    assert not imports.gtin_valid(code)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(1, 9))
def test_the_check_digit_is_what_makes_a_gtin_valid(body, shift):
    digit = imports.gtin_check_digit(body)
    assert imports.gtin_valid(body + str(digit))
    assert not imports.gtin_valid(body + str((digit + shift) % 10))


def test_a_gtin_saved_as_a_number_by_excel_is_explained():
    with pytest.raises(ValueError, match="Tabellenkalkulation"):
        imports.parse_gtin("4,00638E+12")


@pytest.mark.parametrize(
    "text, value",
    [
        ("12,99", "12.99"),
        ("12.99", "12.99"),
        ("1.234,50 €", "1234.50"),
        ("1,234.50", "1234.50"),
        ("EUR 3,-", "3.00"),
        ("1.234", "1234.00"),
        ("0", "0.00"),
    ],
)
def test_prices_as_shops_write_them(text, value):
    assert imports.parse_price(text) == Decimal(value)


@pytest.mark.parametrize("text", ["zwölf", "-1,00", "1e9", "NaN", "12,99,1"])
def test_prices_that_are_not(text):
    with pytest.raises(ValueError):
        imports.parse_price(text)


def test_stock_below_what_is_reserved_keeps_the_reserved_pieces(harz):
    shop = factories.shop()
    product = factories.product(shop, "Wanderschuhe Gr. 42", sku="W-42", stock=5, reserved=2)
    other = factories.product(shop, "Wanderschuhe Gr. 43", sku="W-43", stock=5, reserved=0)

    result = imports.import_stock(shop, _csv("artikelnummer;bestand", "W-42;0", "W-43;1"))

    product.refresh_from_db()
    other.refresh_from_db()
    assert product.stock == 2 and product.reserved == 2  # two pieces are put aside
    assert other.stock == 1
    assert result.updated == 2 and not result.errors
    assert _problems(result.warnings) == {(2, "bestand")}
    assert "2" in result.warnings[0].message


def test_stock_by_gtin_and_unknown_articles(harz):
    shop = factories.shop()
    drill = factories.product(shop, "Akkuschrauber", sku="A-1", gtin="4006381333931", stock=1)
    factories.product(shop, "Zange", sku="Z-1", gtin="40170725", stock=1)
    data = _csv(
        "EAN;Menge",
        "4006381333931;7",
        "4006381333932;1",  # wrong check digit
        "5901234123457;1",  # valid but not this shop's
        "40170725;x",
    )
    result = imports.import_stock(shop, data)
    drill.refresh_from_db()
    assert drill.stock == 7
    assert result.updated == 1
    assert _problems(result.errors) == {(3, "EAN"), (4, "EAN"), (5, "Menge")}


def test_the_stock_file_needs_a_stock_column(harz):
    with pytest.raises(imports.ImportFileError):
        imports.import_stock(factories.shop(), _csv("artikelnummer;preis", "1;2"))


def test_imported_products_are_found_by_the_search(harz):
    shop = factories.shop()
    imports.import_products(
        shop,
        _csv("artikelnummer;bezeichnung;marke", "S-1;Akkuschrauber 18 V;Makita", "S-2;Gießkanne;"),
    )
    found = fulltext.match("products", "akkuschrauber", Product.objects.filter(shop=shop))
    assert [p.sku for p in found] == ["S-1"]
    imports.import_products(shop, _csv("artikelnummer;bezeichnung", "S-2;Gießkanne 10 l Zink"))
    found = fulltext.match("products", "zink", Product.objects.filter(shop=shop))
    assert [p.sku for p in found] == ["S-2"]
