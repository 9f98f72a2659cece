"""`{% booking_url service as url %}`: the booking start for a catalogue service, or ''."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from openkreis.appointments import services

register = template.Library()


@register.simple_tag
def booking_url(service) -> str:
    found = services.booking_service_for(service)
    if found is None:
        return ""
    return reverse("appointments:location") + "?" + urlencode({"leistung": found.key})
