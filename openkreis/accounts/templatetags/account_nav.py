from django import template

from ..navigation import links_for

register = template.Library()


@register.simple_tag(takes_context=True)
def account_links(context):
    """The links other apps add to the account menu (accounts.navigation)."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return []
    return links_for(user)
