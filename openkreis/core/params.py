"""Ids from request parameters. `"²".isdigit()` is true in Python and a 26-digit number
overflows every database integer: both answered 500 (issue 16 F6). An id is ASCII digits
within a signed 64-bit integer, else it is no id."""

from __future__ import annotations

MAX_ID = 2**63 - 1


def id_param(value: str | None) -> int | None:
    """The number in `value`, or None when it is not a plain id."""
    if not value or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def oversized_upload(files) -> str | None:
    """The refusal of the first upload above OPENKREIS_MAX_UPLOAD_BYTES, or None — decided
    from `upload.size` before a byte is read (issue 16 F7: a 200 MB attachment was read whole
    before the size check; Django keeps files above FILE_UPLOAD_MAX_MEMORY_SIZE on disk)."""
    from django.conf import settings
    from django.template.defaultfilters import filesizeformat
    from django.utils.translation import gettext as _

    limit = settings.OPENKREIS_MAX_UPLOAD_BYTES
    for upload in files:
        if getattr(upload, "size", 0) > limit:
            return _("The file %(name)s is larger than %(limit)s.") % {
                "name": upload.name,
                "limit": filesizeformat(limit),
            }
    return None
