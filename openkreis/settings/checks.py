"""Checks production runs at import time; kept apart so tests can call them directly."""

from django.core.exceptions import ImproperlyConfigured


def check_production_settings(debug: bool, secret_key: str, allowed_hosts: list[str]) -> None:
    """Raise ImproperlyConfigured for a configuration that must never serve the public."""
    if debug:
        raise ImproperlyConfigured("Production refuses to start with DEBUG on.")
    if not secret_key or secret_key.startswith("insecure") or len(secret_key) < 50:
        raise ImproperlyConfigured(
            "Set OPENKREIS_SECRET_KEY to a random value of at least 50 characters."
        )
    if not allowed_hosts:
        raise ImproperlyConfigured("Set OPENKREIS_ALLOWED_HOSTS (comma separated).")
