"""Photos residents upload (a defect report, a proposal): only real images, every EXIF, XMP,
ICC and comment field dropped by re-encoding the pixels as a fresh JPEG of at most 2048 px;
the EXIF GPS position is read before it is dropped, so a caller can offer it as the place.
One implementation for every app (reports.photos and participation.proposals use it)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps

MAX_BYTES = 15 * 1024 * 1024  # a phone photo is 2–8 MB
MAX_PIXELS = 50_000_000  # a 200 MP phone exists, a 30000×30000 "image" is a bomb
MAX_SIDE = 2048
FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "GIF", "MPO"}


class PhotoRejected(ValueError):
    """The upload is not a usable image; the message is for the person (German/English)."""


@dataclass
class CleanPhoto:
    data: bytes  # JPEG, no metadata
    width: int
    height: int
    lat: float | None  # from the EXIF GPS fields, if any
    lon: float | None


def _ratio(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        num, den = value
        return float(num) / float(den)


def gps_position(exif) -> tuple[float, float] | None:
    """(lat, lon) from EXIF's GPS IFD, or None."""
    try:
        gps = exif.get_ifd(0x8825)
    except Exception:  # noqa: BLE001 - damaged EXIF: no position
        return None
    try:
        lat_ref, lat, lon_ref, lon = gps.get(1), gps.get(2), gps.get(3), gps.get(4)
        if not (lat and lon):
            return None
        lat_v = _ratio(lat[0]) + _ratio(lat[1]) / 60 + _ratio(lat[2]) / 3600
        lon_v = _ratio(lon[0]) + _ratio(lon[1]) / 60 + _ratio(lon[2]) / 3600
        if str(lat_ref).upper().startswith("S"):
            lat_v = -lat_v
        if str(lon_ref).upper().startswith("W"):
            lon_v = -lon_v
    except Exception:  # noqa: BLE001 - odd EXIF values: no position
        return None
    if not (-90 <= lat_v <= 90 and -180 <= lon_v <= 180) or (lat_v == 0 and lon_v == 0):
        return None
    return round(lat_v, 6), round(lon_v, 6)


def clean_photo(data: bytes, *, max_side: int = MAX_SIDE) -> CleanPhoto:
    """Check and re-encode one upload (at most max_side pixels on the long side), or raise
    PhotoRejected with a clear message in the person's language."""
    if len(data) > MAX_BYTES:
        raise PhotoRejected(_("The photo is larger than 15 MB."))
    not_image = _("This file is not a photo. Please choose a JPEG, PNG or WebP image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in FORMATS:
                    raise PhotoRejected(not_image)
                if probe.width * probe.height > MAX_PIXELS:
                    raise PhotoRejected(_("The photo has too many pixels."))
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                position = gps_position(image.getexif())
                image = ImageOps.exif_transpose(image)  # keep it upright, then drop the EXIF
                image.thumbnail((max_side, max_side))
                rgb = image.convert("RGB")
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRejected(_("The photo has too many pixels.")) from exc
    except Exception as exc:  # noqa: BLE001 - Pillow: not an image, truncated, damaged
        raise PhotoRejected(not_image) from exc
    # a fresh image from the pixels only: no EXIF, XMP, ICC or comments survive
    fresh = Image.new("RGB", rgb.size)
    fresh.paste(rgb)
    out = io.BytesIO()
    fresh.save(out, "JPEG", quality=85, optimize=True)
    lat, lon = position if position else (None, None)
    return CleanPhoto(out.getvalue(), fresh.width, fresh.height, lat, lon)
