"""Local development and the `make run` demo: SQLite, tasks in-process."""

from .base import *  # noqa: F403

DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
# The demo has no mail server: mails are printed on the console.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
