from itertools import groupby

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def grouped_hours(location):
    """Opening hours as rows 'Montag: 08:30–12:00, 13:00–15:00' in weekday order."""
    rows = []
    hours = sorted(location.opening_hours.all(), key=lambda h: (h.weekday, h.opens))
    for _weekday, items in groupby(hours, key=lambda h: h.weekday):
        items = list(items)
        times = ", ".join(f"{h.opens:%H:%M}–{h.closes:%H:%M}" for h in items)
        rows.append({"day": items[0].get_weekday_display(), "times": times})
    return rows


@register.filter
def maturity_label(service, maturity=None):
    """The service's online level in words; `maturity` overrides the catalogue's figure
    (a form imported for the service makes it "Apply online")."""
    labels = {
        0: _("Only at the office"),
        1: _("Information online"),
        2: _("Form online, submit on paper"),
        3: _("Apply online"),
        4: _("Fully digital"),
    }
    level = service.maturity if maturity is None else maturity
    return labels.get(level, _("Level %(n)s") % {"n": level})
