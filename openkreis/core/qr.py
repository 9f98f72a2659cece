"""QR codes (segno) for pages and printouts: an inline SVG that scales with its box, or a
data URI for PDFs (WeasyPrint)."""

from __future__ import annotations

import segno


def qr_svg(data: str, title: str = "") -> str:
    """An inline SVG QR code (error correction Q, survives a scratched window sticker; the
    quiet zone of 4 modules is part of the picture)."""
    qr = segno.make(data, error="q", micro=False)
    svg = qr.svg_inline(scale=1, omitsize=True, title=title or None, svgclass="qr-code")
    return svg.replace("<svg ", '<svg role="img" focusable="false" ', 1)


def qr_data_uri(data: str, error: str = "q") -> str:
    """The QR code as an SVG data URI (for <img src> in a PDF; quiet zone of 4 modules).
    `error`: the correction level ("m" leaves room for a longer address on a letter)."""
    return segno.make(data, error=error, micro=False).svg_data_uri(scale=4)
