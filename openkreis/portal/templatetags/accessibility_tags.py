"""`{% easy_language_version page as easy %}`: the page's version in Leichte Sprache, if any."""

from django import template

from openkreis.portal.models import easy_language_version as _easy_language_version

register = template.Library()


@register.simple_tag
def easy_language_version(page):
    return _easy_language_version(page) if page is not None and page.pk else None
