"""Number formatting of the cockpit (German style), suppressed values as a dash."""

from django import template
from django.utils.formats import number_format

from openkreis.cockpit import presenters, scope, svg
from openkreis.cockpit.engine import K_ANONYMITY
from openkreis.core.models import OrgUnit

register = template.Library()


@register.filter
def num(value):
    if value is None or value == "":
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return number_format(value, 1, use_l10n=True, force_grouping=True)
    return number_format(int(value), 0, use_l10n=True, force_grouping=True)


@register.filter
def cell(value):
    """A table cell: None is a suppressed value."""
    if value is None:
        return "*"
    if isinstance(value, int | float):
        return num(value)
    return value


@register.filter
def pct(value):
    return num(presenters.pct(value))


@register.filter
def small(value):
    """A count of cases: 1–4 are not shown."""
    if isinstance(value, int) and 0 < value < K_ANONYMITY:
        return "< 5"
    return num(value)


@register.filter
def get(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def hours(seconds):
    """Seconds as hours (under two days) or days, with the unit in the page's language."""
    if seconds is None:
        return "–"
    return svg.duration(seconds / 3600)


@register.simple_tag(takes_context=True)
def cockpit_scope(context):
    """The names of the org units whose figures the manager sees, or None (the county)."""
    request = context.get("request")
    if request is None or not getattr(request.user, "is_authenticated", False):
        return None
    units = scope.for_request(request)
    if units is scope.COUNTY:
        return None
    rows = OrgUnit.objects.filter(key__in=units).values_list("name", "parent__key")
    return sorted(name for name, parent in rows if parent not in units)  # the tops only
