"""`{% booking_url service as url %}`: the booking start for a catalogue service, or '';
`{% slot_radios slots "z" %}`: a day's free times as radio buttons."""

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from openkreis.appointments import services

register = template.Library()


@register.simple_tag
def booking_url(service) -> str:
    found = services.booking_service_for(service)
    if found is None:
        return ""
    return reverse("appointments:location") + "?" + urlencode({"leistung": found.key})


@register.simple_tag
def slot_radios(slots, prefix: str, required: bool = False) -> str:
    """One radio button per free time: the form posts the local wall time
    (2026-03-30T08:20), the citizen reads 08:20, the id is `prefix`-0820. Written here in one
    pass instead of a template loop: a day has up to a hundred times, and the loop's variable
    lookups and date formatting were most of the time page's rendering (issue 26). The
    times are digits the code formats itself, so only the prefix needs escaping (once, not
    five values per time: that was a fifth of the page's rendering at release time)."""
    prefix = escape(prefix)
    rows = []
    for i, slot in enumerate(slots):
        value = slot.value
        hm = value[11:]
        ref = f"{prefix}-{hm[:2]}{hm[3:]}"
        mark = " required" if required and i == 0 else ""
        rows.append(
            f'<div class="appt-slot"><input type="radio" name="zeit" value="{value}" '
            f'id="{ref}"{mark}><label for="{ref}">{hm}</label></div>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - digits and the escaped prefix only
