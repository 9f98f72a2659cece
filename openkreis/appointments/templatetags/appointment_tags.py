"""`{% booking_url service as url %}`: the booking start for a catalogue service, or ''."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

register = template.Library()


@register.simple_tag
def booking_url(service) -> str:
    from openkreis.appointments.services import booking_service_for

    found = booking_service_for(service)
    if found is None:
        return ""
    return reverse("appointments:location") + "?" + urlencode({"leistung": found.key})
