"""`{{ field|portal_input }}`: a form field's input as the portal renders it.

allauth's pages (and any form without its own widget classes) get the portal's input: the
class that makes it full width and at least 48 px high, `aria-describedby` naming its hint
and its error, `aria-invalid` when it has one, and no placeholder (a placeholder is no
label and disappears while typing)."""

from __future__ import annotations

import copy

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()

NO_BOX = {"checkbox", "radio", "hidden", "file"}


@register.filter
def portal_input(field: BoundField) -> SafeString:
    widget = copy.copy(field.field.widget)
    widget.attrs = {k: v for k, v in widget.attrs.items() if k != "placeholder"}
    attrs: dict[str, str] = {}
    if getattr(widget, "input_type", "text") not in NO_BOX:
        attrs["class"] = " ".join(filter(None, [widget.attrs.get("class"), "input"]))
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-hint")
    if field.errors:
        described.append(f"{field.auto_id}-error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(widget=widget, attrs=attrs)


@register.filter
def in_groups(value: str, size: int = 4) -> str:
    """A key to type in, in groups of four ("ABCD EFGH …"): easier to read and compare."""
    text = str(value or "")
    return " ".join(text[i : i + size] for i in range(0, len(text), size))
