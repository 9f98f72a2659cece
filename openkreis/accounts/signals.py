"""Receivers for django-allauth's signals."""


def signed_up(sender, request, user, **kwargs):
    """A new account (password registration or OpenID Connect): an empty profile, an event.
    With OpenID Connect, the provider's name claims fill the profile."""
    from . import services

    services.account_created(user, sociallogin=kwargs.get("sociallogin"))
