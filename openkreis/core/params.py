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
