"""Production: every secret from the environment; refuses unsafe configuration."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool, env_list

DEBUG = env_bool("OPENKREIS_DEBUG", False)
SECRET_KEY = env("OPENKREIS_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("OPENKREIS_ALLOWED_HOSTS")


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


check_production_settings(DEBUG, SECRET_KEY, ALLOWED_HOSTS)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("OPENKREIS_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
