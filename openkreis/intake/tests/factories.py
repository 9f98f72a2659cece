"""Test data of the intake: scanned letters (image-only pages, as a scanner delivers them)
and a factory-boy factory for scan jobs.

`ScanJobFactory` stores the scan like an upload but queues nothing: a job waiting for the
OCR worker (state `queued`), or in any later state you pass. Tests of the upload itself
and of the OCR go through `intake.services.receive_scan`.
"""

from __future__ import annotations

import hashlib
import io

import factory
from django.core.files.base import ContentFile
from factory.django import DjangoModelFactory
from PIL import Image, ImageDraw, ImageFont

from openkreis.intake.models import ScanJob

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def scanned_letter(*lines: str, kind: str = "PDF", pages: int = 1) -> bytes:
    """An image-only page (no text layer): what a scanner delivers; `pages` copies of it in
    one PDF for a longer letter."""
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 36)
    for n, line in enumerate(lines):
        draw.text((120, 200 + n * 90), line, font=font, fill=0)
    buffer = io.BytesIO()
    more = {"save_all": True, "append_images": [image.copy() for _ in range(pages - 1)]}
    image.save(buffer, kind, resolution=150, **(more if pages > 1 else {}))
    return buffer.getvalue()


class ScanJobFactory(DjangoModelFactory):
    """A stored scan of a short letter, waiting for text recognition; `lines=(…)` sets
    what the letter says."""

    class Meta:
        model = ScanJob

    class Params:
        lines = ("Landkreis Harz", "Sehr geehrte Damen und Herren")
        data = factory.LazyAttribute(lambda o: scanned_letter(*o.lines))

    filename = factory.Sequence(lambda n: f"scan-{n}.pdf")
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.data).hexdigest())
    mime = "application/pdf"
    state = ScanJob.State.QUEUED
    file = factory.LazyAttribute(lambda o: ContentFile(o.data, name=o.filename))
