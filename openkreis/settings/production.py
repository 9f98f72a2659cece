"""Production: every secret from the environment; refuses unsafe configuration."""

from .base import *  # noqa: F403
from .base import CACHES, env, env_bool, env_list
from .checks import check_production_settings

DEBUG = env_bool("OPENKREIS_DEBUG", False)
SECRET_KEY = env("OPENKREIS_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("OPENKREIS_ALLOWED_HOSTS")


check_production_settings(DEBUG, SECRET_KEY, ALLOWED_HOSTS)

# One cache for all worker processes: used TOTP codes, login limits and appointment holds
# must hold across processes. Redis when REDIS_URL is set (base.py), else the database's
# cache table (core.CacheEntry, created by migrate) — never a per-process memory cache.
# A new dict, not base.CACHES changed in place: a process that imports this module beside
# other settings (the test suite checks it) must not switch their cache under them.
if not env("REDIS_URL"):
    CACHES = {
        **CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "openkreis_cache",
        },
    }

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("OPENKREIS_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
