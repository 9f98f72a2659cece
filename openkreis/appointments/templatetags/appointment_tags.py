"""`{% booking_url service as url %}`: the booking start for a catalogue service, or '';
`{% slot_radios slots "z" %}`: a day's free times as radio buttons."""

from django import template
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.http import urlencode

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
    lookups and date formatting were most of the time page's rendering (issue 26)."""
    rows = []
    for i, slot in enumerate(slots):
        value = slot.value
        ref = f"{prefix}-{value[11:13]}{value[14:]}"
        rows.append((value, ref, " required" if required and i == 0 else "", ref, value[11:]))
    return format_html_join(
        "\n",
        '<div class="appt-slot"><input type="radio" name="zeit" value="{}" id="{}"{}>'
        '<label for="{}">{}</label></div>',
        rows,
    )
