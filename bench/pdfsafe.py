"""How long neutralising a PDF takes (issue 16 F1), run by hand:
`.venv/bin/python bench/pdfsafe.py`. No database.

Files: a 50-page text PDF (WeasyPrint, as letters and decisions are made) and a 20-page
scan (A4 greyscale at 300 dpi, JPEG, one image per page — what the mail room's scanner
delivers), each clean (nothing to remove: the file is parsed, walked and scanned and comes
back byte for byte) and with a JavaScript OpenAction, a Link with /AA and an embedded .exe
(the file is written anew). Prints the median of --runs runs of `validate_upload`'s two PDF
steps: the pypdf check and `neutralise` (clean + scan).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openkreis.settings.test")


def text_pdf(pages: int) -> bytes:
    from weasyprint import HTML

    paragraph = (
        "Sehr geehrte Frau Mustermann, wir haben Ihren Antrag auf Erteilung einer "
        "Fahrerlaubnis erhalten und bitten Sie, die folgenden Unterlagen nachzureichen. "
    ) * 6
    body = "".join(
        f"<section style='page-break-after: always'><h1>Seite {n + 1}</h1>"
        + f"<p>{paragraph}</p>" * 8
        + "</section>"
        for n in range(pages)
    )
    return HTML(string=f"<html lang='de'><body>{body}</body></html>").write_pdf()


def scanned_pdf(pages: int, dpi: int = 300) -> bytes:
    """A4 greyscale pages at `dpi`, JPEG, one image per page, 30 lines of text each (also
    bench/submit.py's upload: one page at 100 dpi, about 86 kB, as a phone scan)."""
    from PIL import Image, ImageDraw, ImageFont

    def px(at_300: int) -> int:
        return at_300 * dpi // 300

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", px(40))
    frames = []
    for n in range(pages):
        image = Image.new("L", (px(2480), px(3508)), 255)
        draw = ImageDraw.Draw(image)
        for line in range(30):
            draw.text(
                (px(200), px(200 + line * 100)), f"Seite {n + 1} Zeile {line} " * 3, font=font
            )
        frames.append(image)
    out = io.BytesIO()
    frames[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=frames[1:], quality=75)
    return out.getvalue()


def with_payload(data: bytes) -> bytes:
    import pikepdf

    from openkreis.cases.tests import pdf_corpus

    pdf = pikepdf.open(io.BytesIO(data))
    pdf.Root.OpenAction = pdf_corpus._js()
    pdf_corpus._annot(pdf, Subtype=pikepdf.Name.Link, AA=pikepdf.Dictionary(E=pdf_corpus._js()))
    pdf_corpus._embedded_files_exe(pdf)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def measure(label: str, data: bytes, runs: int) -> None:
    import pikepdf

    from openkreis.cases.pdfsafe import neutralise, scan
    from openkreis.cases.services.uploads import _check_pdf

    check, clean, total, floor = [], [], [], []
    for _ in range(runs):
        t = time.perf_counter()
        with pikepdf.open(io.BytesIO(data)) as plain:  # the floor: read and write it once
            plain.save(io.BytesIO())
        floor.append(time.perf_counter() - t)
        t0 = time.perf_counter()
        _check_pdf("x.pdf", data)
        t1 = time.perf_counter()
        result = neutralise(data)
        t2 = time.perf_counter()
        check.append(t1 - t0)
        clean.append(t2 - t1)
        total.append(t2 - t0)
    assert scan(result.data) == []
    print(
        f"{label:<38} {len(data) / 1e6:6.2f} MB  pypdf check {statistics.median(check):6.3f} s"
        f"  neutralise {statistics.median(clean):6.3f} s  total {statistics.median(total):6.3f} s"
        f"  floor (pikepdf open+save) {statistics.median(floor):6.3f} s"
        f"  ratio {statistics.median(total) / statistics.median(floor):5.1f}x"
        f"  removed={result.removed or '-'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import django

    django.setup()
    text, scan_ = text_pdf(50), scanned_pdf(20)
    measure("50 pages text, clean", text, args.runs)
    measure("50 pages text, with payload", with_payload(text), args.runs)
    measure("20 pages scan (300 dpi), clean", scan_, args.runs)
    measure("20 pages scan (300 dpi), with payload", with_payload(scan_), args.runs)


if __name__ == "__main__":
    main()
