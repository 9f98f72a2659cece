"""Test settings: PostgreSQL when DATABASE_URL is set, else SQLite."""

from .base import *  # noqa: F403
from .base import BASE_DIR, database_config, env

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
ALLOWED_HOSTS = ["*"]
DATABASES = {
    "default": database_config(env("DATABASE_URL"), BASE_DIR / "var" / "test-openkreis.sqlite3")
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file (not the shared-cache in-memory default) so WAL and locking behave as in production.
    # OPENKREIS_TEST_SQLITE lets two test runs in one checkout use separate files.
    DATABASES["default"]["TEST"] = {
        "NAME": env("OPENKREIS_TEST_SQLITE", str(BASE_DIR / "var" / "test-db.sqlite3"))
    }
# Issue 26: a "replica" alias that mirrors the test database (no second database is made);
# the router stays off here, tests/scaling switch it on (override_settings) where they test it.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = []
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK}  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = []
# No network in tests: the maps run without a tile background (markers and outlines only).
OPENKREIS_MAP_TILE_URL = ""
