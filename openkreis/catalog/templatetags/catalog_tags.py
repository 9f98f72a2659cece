"""Language of parts (WCAG 3.1.2): the catalogue and the editorial pages are written in the
county's language (German). A page in another language that shows such text untranslated
marks it, so that a screen reader reads it with a German voice and the browser hyphenates
it as German.

    {% load catalog_tags %}
    <h1{{ service|lang_of:"name" }}>{{ service.display_name }}</h1>   name_en or German
    <section{% content_lang %}>{{ service.description }}</section>     German only
"""

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

from openkreis.catalog.models import CONTENT_LANGUAGE

register = template.Library()


def _attribute(lang: str) -> str:
    return format_html(' lang="{}"', lang) if lang else ""


@register.filter
def lang_of(item, field: str) -> str:
    """` lang="de"` when `item`'s `field` is shown in German on a page in another language
    (no translation in `<field>_en`), else nothing. Works on services and life events."""
    return _attribute(item.lang_of(field)) if item is not None else ""


@register.simple_tag
def content_lang() -> str:
    """` lang="de"` on a page in another language, for county text that has no translation
    (a service's description, fees, an editorial page's body), else nothing."""
    language = get_language() or CONTENT_LANGUAGE
    return _attribute("" if language.startswith(CONTENT_LANGUAGE) else CONTENT_LANGUAGE)
