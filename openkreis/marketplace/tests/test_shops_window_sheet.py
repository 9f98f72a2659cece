"""The shop-window sheet: an A4 PDF whose QR code is the code of the shop's page with
?via=qr (read back from the printed page: the modules sampled from the rendered PDF equal
segno's code of that address), with the shop's name and opening hours."""

import io
import subprocess
import tempfile
from pathlib import Path

import pytest
import segno
from PIL import Image
from pypdf import PdfReader

from .factories import customer, shop

pytestmark = pytest.mark.django_db

DPI = 150


def _qr_box(pdf: bytes):
    """The QR code's modules as printed: the page rendered, the tallest band of rows with
    ink is the code; its box (without the quiet zone) and the pixels."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sheet.pdf"
        path.write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(DPI),
                "-gray",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                str(path),
                str(Path(folder) / "page"),
            ],
            check=True,
        )
        image = Image.open(next(Path(folder).glob("page*.png"))).convert("L")
    width, height = image.size
    pixels = image.load()
    inked = [any(pixels[x, y] < 128 for x in range(0, width, 2)) for y in range(height)]
    bands, start = [], None
    for y, ink in enumerate([*inked, False]):
        if ink and start is None:
            start = y
        elif not ink and start is not None:
            bands.append((start, y))
            start = None
    top, bottom = max(bands, key=lambda band: band[1] - band[0])
    columns = [x for x in range(width) if any(pixels[x, y] < 128 for y in range(top, bottom, 3))]
    left, right = min(columns), max(columns) + 1
    return top, bottom, left, right, pixels


def _sample(pdf: bytes, size: int) -> list[list[bool]]:
    """The printed modules, sampled at their centres (True: dark)."""
    top, bottom, left, right, pixels = _qr_box(pdf)
    step_x, step_y = (right - left) / size, (bottom - top) / size
    return [
        [
            pixels[int(left + (c + 0.5) * step_x), int(top + (r + 0.5) * step_y)] < 128
            for c in range(size)
        ]
        for r in range(size)
    ]


def test_window_sheet_is_pdf_with_the_shops_qr_code(client, settings):
    settings.OPENKREIS_BASE_URL = "https://portal.example.org"
    owner = customer()
    s = shop("Schuhhaus Quedlinburg", members=[owner], opening_hours="Mo-Fr 09:00-18:00")
    client.force_login(owner)
    response = client.get(f"/einkaufen/haendler/{s.slug}/aushang.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    url = f"https://portal.example.org/einkaufen/geschaeft/{s.slug}/?via=qr"
    expected = segno.make(url, error="q", micro=False)
    wanted = [[bool(v) for v in row] for row in expected.matrix]
    printed = _sample(pdf, len(wanted))
    assert printed == wanted
    # another address gives another code: the comparison can fail
    other = segno.make(url.replace("via=qr", "via=web"), error="q", micro=False)
    assert printed != [[bool(v) for v in row] for row in other.matrix]
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (
        round(float(box.width) / 72 * 25.4) == 210 and round(float(box.height) / 72 * 25.4) == 297
    )
    text = reader.pages[0].extract_text()
    assert "Schuhhaus Quedlinburg" in text and "09:00–18:00" in text
