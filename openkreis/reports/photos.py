"""Photos of a defect: the cleaning (only real images, EXIF dropped by re-encoding, at most
2048 px) lives in openkreis.core.images, shared with the proposals of Beteiligung; the EXIF
position it reads is offered as the report's place (forms.py). The names stay importable
from here for the reports app."""

from openkreis.core.images import (
    FORMATS,
    MAX_BYTES,
    MAX_PIXELS,
    MAX_SIDE,
    CleanPhoto,
    PhotoRejected,
    clean_photo,
    gps_position,
)

__all__ = [
    "FORMATS",
    "MAX_BYTES",
    "MAX_PIXELS",
    "MAX_SIDE",
    "CleanPhoto",
    "PhotoRejected",
    "clean_photo",
    "gps_position",
]
