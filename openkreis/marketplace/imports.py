"""Product lists and stock levels of a shop from CSV files (owner: M3), and the one function
that sets stock (`set_stock`), which the CSV import and the stock API share.

Files as shops have them: the columns' names in German or English (`COLUMNS`), the delimiter
";" or "," (or a tab), UTF-8 (with or without BOM) or Windows-1252 (what Excel writes on a
German Windows), German numbers ("12,99", "1.234,50 €"), GTIN-8/12/13/14 with their check
digit. Every good row is written; a bad row is left out and reported with its line, column
and a plain message — it costs nothing else. At most `MAX_BYTES` and `MAX_ROWS`.

Stock is what the shop holds, including what it put aside for click & collect
(`Product.reserved`): a reported stock below `reserved` keeps stock = reserved (the items are
there, the customer will collect them) and says so as a warning. The update computes
`GREATEST(new, reserved)` in the database, so a reservation made while a file is imported
is never lost (the constraint reserved ≤ stock holds).

Fast: one read of the shop's products, then bulk INSERT / UPDATE in batches; 50,000 rows take
a few seconds (docs/marketplace.md has the figures).
"""

from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from openkreis.catalog import fulltext

from .models import Product, Shop

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_STOCK = 1_000_000
MAX_PRICE = Decimal("9999999.99")
MAX_REPORTED = 500  # problems kept in the report (all are counted)
BATCH = 2000
REPORT_DAYS = 90  # how long the last import's report is kept

# field → the header names it is recognised by (lower case, without spaces, "-", "_", ".")
COLUMNS = {
    "sku": ("artikelnummer", "sku", "artnr", "artikelnr", "artikel", "itemnumber"),
    "gtin": ("gtin", "ean", "ean13", "barcode", "gtinean"),
    "name": ("name", "bezeichnung", "artikelname", "produkt", "product", "title"),
    "brand": ("marke", "brand", "hersteller", "manufacturer"),
    "category": ("kategorie", "category", "warengruppe"),
    "description": ("beschreibung", "description", "text"),
    "price": ("preis", "price", "vk", "verkaufspreis", "vkpreis"),
    "stock": ("bestand", "stock", "menge", "lagerbestand", "quantity", "qty"),
}
LIMITS = {"sku": 64, "name": 200, "brand": 100, "category": 100, "description": 5000}
TEXT_FIELDS = ("name", "brand", "category", "description", "gtin")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (too large, no CSV, a needed column missing)."""


@dataclass
class Problem:
    line: int
    column: str
    message: str
    value: str = ""


@dataclass
class ImportResult:
    kind: str  # "products" or "stock"
    filename: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    hidden: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    seconds: float = 0.0
    finished_at: str = ""
    changed_pks: list[int] = field(default_factory=list, repr=False)

    def error(self, line: int, column: str, message: str, value: str = "") -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(Problem(line, column, message, value[:80]))

    def warn(self, line: int, column: str, message: str, value: str = "") -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_REPORTED:
            self.warnings.append(Problem(line, column, message, value[:80]))

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("changed_pks")
        return data


# -- reading ----------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The file's text: UTF-16 or UTF-8 (BOM or not), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportFileError(_("The file could not be read as text.")) from exc
    if b"\x00" in data[:4096]:
        raise ImportFileError(
            _("This is not a CSV file. Save the list as CSV (for example from Excel).")
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; Latin-1 reads them (they are rare)
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _header_key(text: str) -> str:
    return re.sub(r"[\s\-_./]", "", text.strip().lower()).replace("ä", "ae")


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def read_csv(data: bytes) -> tuple[dict[str, int], list[str], list[tuple[int, list[str]]]]:
    """The columns found ({field: index}), the header as written, and the rows as (line
    number, cells). Raises ImportFileError for a file that is no readable CSV."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)d MB. Split it into several files.")
            % {"size": MAX_BYTES // (1024 * 1024)}
        )
    text = decode(data)
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    try:
        header = next(reader)
    except (csv.Error, StopIteration) as exc:
        raise ImportFileError(_("The file could not be read as CSV.")) from exc
    columns: dict[str, int] = {}
    names = {name: key for key, names in COLUMNS.items() for name in names}
    for index, cell in enumerate(header):
        key = names.get(_header_key(cell))
        if key and key not in columns:
            columns[key] = index
    rows = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(rows)s rows. Split it into several files.")
                    % {"rows": f"{MAX_ROWS:,}".replace(",", ".")}
                )
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise ImportFileError(
            _("Line %(line)d cannot be read: %(problem)s")
            % {"line": reader.line_num, "problem": exc}
        ) from exc
    return columns, header, rows


def _need(columns: dict[str, int], key: str, label: str) -> None:
    if key not in columns:
        raise ImportFileError(
            _('The column "%(label)s" is missing (header: %(names)s).')
            % {"label": label, "names": " / ".join(COLUMNS[key][:2])}
        )


# -- values -----------------------------------------------------------------------------


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit of the digits before it (weights 3, 1, … from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_valid(code: str) -> bool:
    """True for a GTIN-8, -12, -13 or -14 whose last digit is its check digit."""
    return (
        code.isascii()
        and code.isdigit()
        and len(code) in (8, 12, 13, 14)
        and gtin_check_digit(code[:-1]) == int(code[-1])
    )


def normalise_gtin(code: str) -> str:
    """One spelling per article: a UPC-A (12 digits) and a GTIN-14 with a leading 0 are
    stored as the EAN-13 they equal; GTIN-8 and other GTIN-14 stay as they are."""
    if len(code) in (12, 13, 14):
        code = code.zfill(14)
        return code[1:] if code.startswith("0") else code
    return code


def parse_gtin(value: str) -> str:
    """'4 006381 333931' → '4006381333931'; raises ValueError with a plain message."""
    code = re.sub(r"[\s\-]", "", value)
    if code.endswith(".0") or re.fullmatch(r"\d(,\d+)?E\+\d+", code, re.IGNORECASE):
        raise ValueError(
            _(
                "The GTIN was saved as a number by the spreadsheet (%(value)s). "
                "Format the column as text and save again."
            )
            % {"value": value}
        )
    if not code.isascii() or not code.isdigit():
        raise ValueError(_("A GTIN (EAN) has digits only."))
    if len(code) not in (8, 12, 13, 14):
        raise ValueError(
            _("A GTIN (EAN) has 8, 12, 13 or 14 digits, this one %(n)d.") % {"n": len(code)}
        )
    if not gtin_valid(code):
        raise ValueError(_("The GTIN's check digit is wrong: please check the number."))
    return normalise_gtin(code)


def parse_price(value: str) -> Decimal:
    """'12,99' '12.99' '1.234,50 €' 'EUR 3,-' → Decimal; ValueError with a message."""
    text = re.sub(r"(?i)\s|€|eur", "", value).replace(",-", ",00").replace("'", "")
    if "," in text and "." in text:
        # the last separator is the decimal one: 1.234,50 or 1,234.50
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        text = text.replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")  # 1.234 = one thousand two hundred …
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("This is not a price. Write it like 12,99.")) from None
    if not price.is_finite() or price < 0:
        raise ValueError(_("A price cannot be negative."))
    if price > MAX_PRICE:
        raise ValueError(_("This price is too high."))
    return price.quantize(Decimal("0.01"))


def parse_stock(value: str) -> int:
    """'3' '3,0' '1.200' → int; ValueError with a message."""
    text = value.strip().replace(" ", "")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")
    match = re.fullmatch(r"(-?\d+)(?:[.,]0+)?", text)
    if not match:
        raise ValueError(_("Stock is a whole number of pieces, like 3."))
    number = int(match.group(1))
    if number < 0:
        raise ValueError(_("Stock cannot be negative. Write 0 if nothing is left."))
    if number > MAX_STOCK:
        raise ValueError(_("This stock is too high."))
    return number


def _cell(cells: list[str], columns: dict[str, int], key: str) -> str | None:
    """The cell's text (stripped), or None when the file has no such column."""
    index = columns.get(key)
    if index is None:
        return None
    return cells[index].strip() if index < len(cells) else ""


# -- the product list ---------------------------------------------------------------------


def _product_values(cells, columns, header, line, result) -> dict | None:
    """The row's values by field (only columns the file has), or None after an error."""
    values: dict = {}
    for key in ("sku", "name", "brand", "category", "description"):
        text = _cell(cells, columns, key)
        if text is None:
            continue
        if len(text) > LIMITS[key]:
            result.error(
                line,
                header[columns[key]],
                _("Longer than %(n)d characters.") % {"n": LIMITS[key]},
                text,
            )
            return None
        values[key] = text
    if not values.get("sku"):
        result.error(line, header[columns["sku"]], _("The article number is missing."))
        return None
    parsers = (("gtin", parse_gtin), ("price", parse_price), ("stock", parse_stock))
    for key, parse in parsers:
        text = _cell(cells, columns, key)
        if text is None:
            continue
        if not text:
            values[key] = "" if key == "gtin" else None
            continue
        try:
            values[key] = parse(text)
        except ValueError as exc:
            result.error(line, header[columns[key]], str(exc), text)
            return None
    return values


def import_products(
    shop: Shop, data: bytes, *, hide_missing: bool = False, filename: str = ""
) -> ImportResult:
    """Upsert the shop's products from a product list (by article number). New articles
    need a name. `hide_missing`: articles that are not in the list (not even in a bad row)
    are hidden (`active=False`); an article in the list is shown again."""
    started = time.perf_counter()
    result = ImportResult(kind="products", filename=filename[:200])
    columns, header, rows = read_csv(data)
    _need(columns, "sku", _("article number"))
    _need(columns, "name", _("name"))
    result.rows = len(rows)
    wanted: dict[str, tuple[int, dict]] = {}
    seen: set[str] = set()  # every article number in the file, also of bad rows
    for line, cells in rows:
        sku = (_cell(cells, columns, "sku") or "")[: LIMITS["sku"]]
        if sku in wanted:
            result.error(
                line,
                header[columns["sku"]],
                _("The article number appears twice (first in line %(line)d).")
                % {"line": wanted[sku][0]},
                sku,
            )
            continue
        seen.add(sku)
        values = _product_values(cells, columns, header, line, result)
        if values is not None:
            wanted[sku] = (line, values)
    with transaction.atomic():
        _write_products(shop, wanted, seen, hide_missing, header, columns, result)
    _finish(shop, result, started)
    return result


def _write_products(shop, wanted, seen, hide_missing, header, columns, result) -> None:
    now = timezone.now()
    existing = {
        p.sku: p
        for p in Product.objects.filter(shop=shop).only(
            "pk", "sku", *TEXT_FIELDS, "price", "stock", "reserved", "active"
        )
    }
    new, changed_text, changed = [], [], []
    update_fields: set[str] = set()
    for sku, (line, values) in wanted.items():
        product = existing.get(sku)
        if product is None:
            if not values.get("name"):
                result.error(line, header[columns["name"]], _("A new article needs a name."))
                continue
            stock = values.get("stock") or 0
            new.append(
                Product(
                    shop=shop,
                    sku=sku,
                    name=values["name"],
                    gtin=values.get("gtin") or "",
                    brand=values.get("brand") or "",
                    category=values.get("category") or "",
                    description=values.get("description") or "",
                    price=values.get("price"),
                    stock=stock,
                    stock_updated_at=now if values.get("stock") is not None else None,
                )
            )
            continue
        fields = []
        for key in (*TEXT_FIELDS, "price"):
            if key not in values:
                continue
            value = values[key]
            if key in TEXT_FIELDS:
                value = value or ""
                if key == "name" and not value:
                    continue  # an empty name keeps the old one
            if getattr(product, key) != value:
                setattr(product, key, value)
                fields.append(key)
        text_changed = any(key in TEXT_FIELDS for key in fields)
        if not product.active:
            product.active = True
            fields.append("active")
        stock_changed = False
        if values.get("stock") is not None:
            stock_changed = values["stock"] != product.stock
            _stock_onto(product, values["stock"], line, header[columns["stock"]], result)
            fields += ["stock", "stock_updated_at"]
            product.stock_updated_at = now
        if fields:
            product.updated_at = now
            update_fields.update(fields, {"updated_at"})
            (changed_text if text_changed else changed).append(product)
        # a stock reported again (same number) only renews its time: not a change
        if stock_changed or any(f not in ("stock", "stock_updated_at") for f in fields):
            result.updated += 1
        else:
            result.unchanged += 1
    _bulk_create(shop, new, now)
    result.created = len(new)
    _bulk_update(changed_text + changed, update_fields)
    result.changed_pks = [p.pk for p in new] + [p.pk for p in changed_text]
    if hide_missing:
        missing = [p.pk for sku, p in existing.items() if sku not in seen and p.active]
        for start in range(0, len(missing), BATCH):
            Product.objects.filter(pk__in=missing[start : start + BATCH]).update(
                active=False, updated_at=now
            )
        result.hidden = len(missing)


def _stock_onto(product: Product, stock: int, line: int, column: str, result) -> None:
    """Set the reported stock as an expression that keeps what is reserved (the database
    decides at write time); warn when the known reservation is larger."""
    if stock < product.reserved:
        result.warn(
            line,
            column,
            _(
                "Stock %(stock)d is less than what customers reserved: %(reserved)d pieces are "
                "put aside for customers, the stock stays at %(reserved)d."
            )
            % {"stock": stock, "reserved": product.reserved},
            product.sku,
        )
    product.stock = Greatest(Value(stock), F("reserved"))


COPY_COLUMNS = ("sku", "gtin", "name", "brand", "category", "description", "price", "stock")
COPY_COLUMNS += ("stock_updated_at",)


def _bulk_create(shop: Shop, products: list[Product], now) -> None:
    """INSERT the new products; on PostgreSQL by COPY (a tenth of the time of multi-row
    INSERTs for 50,000 rows), then their ids are read back by article number."""
    if not products:
        return
    if connection.vendor != "postgresql":
        Product.objects.bulk_create(products, batch_size=BATCH)
        return
    table = connection.ops.quote_name(Product._meta.db_table)
    columns = ("shop_id", *COPY_COLUMNS, "reserved", "active", "created_at", "updated_at")
    with connection.cursor() as cursor:
        copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            for p in products:
                copy.write_row((shop.pk, *(getattr(p, c) for c in COPY_COLUMNS), 0, True, now, now))
    ids = dict(
        Product.objects.filter(shop=shop, created_at=now).values_list("sku", "pk").iterator()
    )
    for product in products:
        product.pk = ids[product.sku]


def _bulk_update(products: list[Product], fields: set[str]) -> None:
    """UPDATE the products' `fields`; `stock` may be the expression GREATEST(new, reserved).
    On PostgreSQL the values go by COPY into a temporary table and one UPDATE … FROM joins
    them (Django's bulk_update writes a CASE per field and row: slow for 50,000 rows)."""
    if not products or not fields:
        return
    if connection.vendor != "postgresql":
        Product.objects.bulk_update(products, sorted(fields), batch_size=BATCH // 2)
        return
    table = connection.ops.quote_name(Product._meta.db_table)
    plain = sorted(f for f in fields if f != "stock")
    types = {"price": "numeric(9,2)", "active": "boolean", "stock": "integer"}
    types |= {"stock_updated_at": "timestamptz", "updated_at": "timestamptz"}
    defs = ", ".join(f"{f} {types.get(f, 'text')}" for f in plain)
    stock = "stock" in fields
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS market_import_rows")
        cursor.execute(
            f"CREATE TEMP TABLE market_import_rows (id bigint, new_stock integer"
            f"{', ' + defs if defs else ''}) ON COMMIT DROP"
        )
        with cursor.cursor.copy(
            f"COPY market_import_rows (id, new_stock{''.join(', ' + f for f in plain)}) FROM STDIN"
        ) as copy:
            for p in products:
                copy.write_row(
                    (p.pk, _stock_value(p) if stock else None, *(getattr(p, f) for f in plain))
                )
        sets = [f"{f} = t.{f}" for f in plain]
        if stock:
            sets.append(
                "stock = CASE WHEN t.new_stock IS NULL THEN p.stock "
                "ELSE GREATEST(t.new_stock, p.reserved) END"
            )
        # column names from the model's fields, no input
        update = f"UPDATE {table} AS p SET {', '.join(sets)} FROM market_import_rows AS t "  # noqa: S608
        cursor.execute(update + "WHERE p.id = t.id")
        cursor.execute("DROP TABLE market_import_rows")


def _stock_value(product: Product) -> int | None:
    """The reported number of `Greatest(Value(n), F("reserved"))`, or a plain number."""
    value = product.stock
    if isinstance(value, Greatest):
        return value.get_source_expressions()[0].value
    return value if isinstance(value, int) else None


def _finish(shop: Shop, result: ImportResult, started: float) -> None:
    if result.changed_pks:
        fulltext.index("products", result.changed_pks)
    result.seconds = round(time.perf_counter() - started, 2)
    result.finished_at = timezone.now().isoformat()
    cache.set(report_key(shop, result.kind), result.as_dict(), REPORT_DAYS * 86400)


def report_key(shop: Shop, kind: str) -> str:
    return f"marketplace:import:{shop.key}:{kind}"


def last_report(shop: Shop, kind: str) -> dict | None:
    """The report of the shop's last import of this kind (kept for REPORT_DAYS days)."""
    return cache.get(report_key(shop, kind))


# -- stock --------------------------------------------------------------------------------


@dataclass
class StockItem:
    """One stock report: by article number or GTIN. `line` names it in messages (a CSV
    line, or the position in an API request)."""

    line: int
    stock: int
    sku: str = ""
    gtin: str = ""


@dataclass
class StockOutcome:
    line: int
    sku: str = ""
    stock: int | None = None
    reserved: int = 0
    error: str = ""
    warning: str = ""
    column: str = ""
    code: str = "updated"  # or "not_found", "ambiguous", "duplicate"


def set_stock(shop: Shop, items: list[StockItem]) -> list[StockOutcome]:
    """Set the stock of the shop's articles (one transaction, bulk); an unknown article is
    an error of its item, not of the others. Returns one outcome per item, in order."""
    now = timezone.now()
    skus = {item.sku for item in items if item.sku}
    gtins = {item.gtin for item in items if item.gtin and not item.sku}
    outcomes: list[StockOutcome] = []
    with transaction.atomic():
        products = Product.objects.filter(shop=shop).only("pk", "sku", "gtin", "reserved")
        by_sku = {p.sku: p for p in products.filter(sku__in=skus)} if skus else {}
        by_gtin: dict[str, list[Product]] = {}
        if gtins:
            for product in products.filter(gtin__in=gtins):
                by_gtin.setdefault(product.gtin, []).append(product)
        touched: dict[int, tuple[Product, StockOutcome]] = {}
        for item in items:
            outcome = StockOutcome(line=item.line, sku=item.sku)
            outcomes.append(outcome)
            if item.sku:
                product = by_sku.get(item.sku)
                if product is None:
                    outcome.column, outcome.code = "sku", "not_found"
                    outcome.error = _("There is no article with this article number.")
                    continue
            else:
                found = by_gtin.get(item.gtin, [])
                outcome.column = "gtin"
                if not found:
                    outcome.code = "not_found"
                    outcome.error = _("There is no article with this GTIN.")
                    continue
                if len(found) > 1:
                    outcome.code = "ambiguous"
                    outcome.error = _(
                        "Several articles have this GTIN; give the article number instead."
                    )
                    continue
                product = found[0]
                outcome.sku = product.sku
                outcome.column = ""
            if product.pk in touched:
                outcome.code = "duplicate"
                outcome.error = _("This article was given twice; the first value counts.")
                continue
            outcome.stock = max(item.stock, product.reserved)
            outcome.reserved = product.reserved
            if item.stock < product.reserved:
                outcome.warning = _(
                    "%(reserved)d pieces are put aside for customers: the stock stays at "
                    "%(reserved)d."
                ) % {"reserved": product.reserved}
            product.stock = Greatest(Value(item.stock), F("reserved"))
            product.stock_updated_at = now
            product.updated_at = now
            touched[product.pk] = (product, outcome)
        _bulk_update(
            [product for product, _outcome in touched.values()],
            {"stock", "stock_updated_at", "updated_at"},
        )
    return outcomes


def import_stock(shop: Shop, data: bytes, *, filename: str = "") -> ImportResult:
    """Stock levels from a CSV (article number or GTIN; stock)."""
    started = time.perf_counter()
    result = ImportResult(kind="stock", filename=filename[:200])
    columns, header, rows = read_csv(data)
    if "sku" not in columns and "gtin" not in columns:
        _need(columns, "sku", _("article number"))
    _need(columns, "stock", _("stock"))
    result.rows = len(rows)
    items = []
    for line, cells in rows:
        sku = _cell(cells, columns, "sku") or ""
        gtin_text = _cell(cells, columns, "gtin") or ""
        stock_text = _cell(cells, columns, "stock") or ""
        if not sku and not gtin_text:
            column = header[columns.get("sku", columns.get("gtin"))]
            result.error(line, column, _("The article number (or GTIN) is missing."))
            continue
        gtin = ""
        if not sku:
            try:
                gtin = parse_gtin(gtin_text)
            except ValueError as exc:
                result.error(line, header[columns["gtin"]], str(exc), gtin_text)
                continue
        if not stock_text:
            result.error(line, header[columns["stock"]], _("The stock is missing."))
            continue
        try:
            stock = parse_stock(stock_text)
        except ValueError as exc:
            result.error(line, header[columns["stock"]], str(exc), stock_text)
            continue
        items.append(StockItem(line=line, stock=stock, sku=sku[: LIMITS["sku"]], gtin=gtin))
    for outcome in set_stock(shop, items):
        column = outcome.column or ("sku" if outcome.sku else "gtin")
        name = header[columns[column]] if column in columns else column
        if outcome.error:
            result.error(outcome.line, name, outcome.error, outcome.sku)
        else:
            result.updated += 1
            if outcome.warning:
                result.warn(outcome.line, header[columns["stock"]], outcome.warning, outcome.sku)
    _finish(shop, result, started)
    return result
