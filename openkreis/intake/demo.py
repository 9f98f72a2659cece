"""Demo for the mail room: a login and two scanned letters (image-only PDFs with German
text) that went through the real OCR pipeline — one names a demo case's file number."""

from __future__ import annotations

import io

from django.db import transaction
from PIL import Image, ImageDraw, ImageFont

from openkreis.cases.models import Case
from openkreis.core.models import OrgUnit
from openkreis.core.staff import Role, add_staff, ensure_totp

from . import services
from .models import ScanJob

USERNAME, SECRET = "poststelle", "POSTSTELLEDEMOAAAAAAAAAAAAAAAAAA"
PASSWORD = "harz-post-demo-2026"  # noqa: S105 (printed demo login)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _letter(lines: list[str]) -> bytes:

    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 34)
    for n, line in enumerate(lines):
        draw.text((120, 180 + n * 80), line, font=font, fill=0)
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=150)
    return buffer.getvalue()


def load_demo(tenant, folder, report) -> None:

    unit = OrgUnit.objects.filter(key="dezernat-1").first()
    if unit is not None:
        user = add_staff(USERNAME, f"{USERNAME}@example.org", PASSWORD, unit, [Role.MAIL_ROOM])
        ensure_totp(user, SECRET)
        report.write(
            f"\nPoststelle (/eingang/poststelle/): {USERNAME} / {PASSWORD}  TOTP secret {SECRET}"
        )
    if ScanJob.objects.exists():
        return
    case = Case.objects.filter(state_kind="applicant").order_by("id").first()
    letters = [
        (
            "brief-nachreichung.pdf",
            [
                "Erika Beispiel, Markt 3, 38820 Halberstadt",
                "An den Landkreis Harz",
                f"Aktenzeichen: {case.file_number if case else '–'}",
                "Sehr geehrte Damen und Herren,",
                "anbei sende ich die angeforderte Meldebescheinigung.",
                "Mit freundlichen Grüßen",
            ],
        ),
        (
            "antrag-papier.pdf",
            [
                "Max Muster, Lindenallee 7, 38855 Wernigerode",
                "Antrag auf Erteilung einer Waffenbesitzkarte",
                "Hiermit beantrage ich eine Waffenbesitzkarte für Sportschützen.",
            ],
        ),
    ]
    for name, lines in letters:
        with transaction.atomic():
            services.receive_scan(name, _letter(lines))
