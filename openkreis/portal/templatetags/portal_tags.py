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


@register.simple_tag(takes_context=True)
def userbar(context):
    """Wagtail's user bar ("edit this page", "go to the admin"), which asks the database for
    the user's permissions (two queries): on a page of the CMS for everyone who may edit it,
    elsewhere only for staff accounts. Other views name their own things `page` too (a form's
    page, a list's page of results): those are no CMS page, and a citizen's form pages,
    lists and receipts ask no permission."""
    from wagtail.admin.templatetags.wagtailuserbar import wagtailuserbar
    from wagtail.models import Page

    request = context.get("request")
    user = getattr(request, "user", None)
    if (
        isinstance(context.get("page"), Page)
        or isinstance(context.get("self"), Page)
        or getattr(user, "is_staff", False)
        or context.get("staff_areas")
    ):
        return wagtailuserbar(context)
    return ""
