"""What the Mängelmelder tells the cockpit: the names of its categories in the active
language, for the cockpit's figures per category (cockpit.reportfacts.report_labels; the
cockpit sits below this app and reads only the `report.*` events, which carry the key)."""

from __future__ import annotations


def category_labels() -> dict[str, str]:
    from .models import Category

    return {c.key: c.label for c in Category.objects.all()}
