"""Settings shared by every environment.

Environment-specific files (dev, test, production) import from here. Anything
secret or deployment-specific comes from environment variables; a county's
configuration is data (tenants/<slug>/), never code.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PACKAGE_DIR = BASE_DIR / "openkreis"


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("OPENKREIS_SECRET_KEY", "insecure-dev-key-change-me")
DEBUG = False
ALLOWED_HOSTS = env_list("OPENKREIS_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("OPENKREIS_CSRF_TRUSTED_ORIGINS")

# Which tenant's data the demo loader picks by default.
OPENKREIS_TENANT = env("OPENKREIS_TENANT", "harz")
OPENKREIS_TENANTS_DIR = Path(env("OPENKREIS_TENANTS_DIR", str(BASE_DIR / "tenants")))

INSTALLED_APPS = [
    "openkreis.core",
    "openkreis.catalog",
    "openkreis.portal",
    "openkreis.cases",
    "openkreis.intake",
    "openkreis.accounts",
    "openkreis.forms",
    "openkreis.appointments",
    "openkreis.cockpit",
    "openkreis.schools",
    "openkreis.reports",
    "openkreis.capacity",
    "openkreis.tickets",
    "openkreis.participation",
    "openkreis.directory",
    "openkreis.jobs",
    "openkreis.marketplace",
    "openkreis.learning",
    "openkreis.radar",
    "openkreis.programme",
    "openkreis.assistant",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "openkreis.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "openkreis.core.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # NUL characters and requests above the limits below: a 400 page that says why
    "openkreis.core.middleware.RequestLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "openkreis.core.middleware.AdminMfaMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Login throttling (django-axes): after 5 failed logins for one user name from one
# address, that pair is locked for 15 minutes; a success resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["password"]
AXES_VERBOSE = False
# the client behind OPENKREIS_TRUSTED_PROXIES reverse proxies (core/net.py), for lockouts,
# rate limits and DRF's throttle alike
OPENKREIS_TRUSTED_PROXIES = int(env("OPENKREIS_TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "openkreis.core.net.client_ip"
ALLAUTH_TRUSTED_PROXY_COUNT = OPENKREIS_TRUSTED_PROXIES  # allauth's login rate limits

# Accounts and login (django-allauth): one login for citizens and staff; staff pages also
# demand a second factor (TOTP) proven in the session (openkreis.core.staff).
LOGIN_URL = "account_login"
OPENKREIS_LOGIN_PATH = "/konto/login/"
WAGTAILADMIN_LOGIN_URL = OPENKREIS_LOGIN_PATH
LOGIN_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "openkreis.core.adapter.AccountAdapter"  # staff land on their workplace
OPENKREIS_MFA_SETUP_URL = "/konto/2fa/totp/activate/"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
# allauth's forms with the portal's labels and hints (openkreis/accounts/forms.py)
ACCOUNT_FORMS = {
    name: f"openkreis.accounts.forms.{cls}"
    for name, cls in {
        "login": "LoginForm",
        "signup": "SignupForm",
        "change_password": "ChangePasswordForm",
        "set_password": "SetPasswordForm",
        "reset_password": "ResetPasswordForm",
        "reset_password_from_key": "ResetPasswordKeyForm",
        "add_email": "AddEmailForm",
        "reauthenticate": "ReauthenticateForm",
    }.items()
}
MFA_FORMS = {
    "authenticate": "openkreis.accounts.forms.AuthenticateForm",
    "reauthenticate": "openkreis.accounts.forms.MfaReauthenticateForm",
    "activate_totp": "openkreis.accounts.forms.ActivateTOTPForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# One time step either side (RFC 6238 §5.2): a code typed as it changes still counts. A used
# code is refused anyway (shared cache), so this widens nothing an attacker can replay.
MFA_TOTP_TOLERANCE = 1
MFA_TOTP_ISSUER = env("OPENKREIS_MFA_ISSUER", "openkreis")
# Login through OpenID Connect (BundID/Nutzerkonto Bund, a state account, any OIDC issuer)
# as an alternative to the password: configured per deployment, off when no issuer is set.
OPENKREIS_OIDC_ISSUER = env("OPENKREIS_OIDC_ISSUER", "")
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": env("OPENKREIS_OIDC_ID", "oidc"),
                "name": env("OPENKREIS_OIDC_NAME", "BundID"),
                "client_id": env("OPENKREIS_OIDC_CLIENT_ID", ""),
                "secret": env("OPENKREIS_OIDC_CLIENT_SECRET", ""),
                "settings": {
                    "server_url": OPENKREIS_OIDC_ISSUER,
                    "token_auth_method": env("OPENKREIS_OIDC_TOKEN_AUTH", "client_secret_basic"),
                    "scope": env_list("OPENKREIS_OIDC_SCOPES", "openid,profile,email,address"),
                },
            }
        ]
        if OPENKREIS_OIDC_ISSUER
        else [],
    }
}
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # never join an existing account by e-mail alone
DEFAULT_FROM_EMAIL = env("OPENKREIS_FROM_EMAIL", "openkreis <noreply@localhost>")
EMAIL_HOST = env("OPENKREIS_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(env("OPENKREIS_SMTP_PORT", "25"))
EMAIL_HOST_USER = env("OPENKREIS_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env("OPENKREIS_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("OPENKREIS_SMTP_TLS", False)
# A mail server that stops answering must not hold a sender (or a booking's row) for long.
EMAIL_TIMEOUT = int(env("OPENKREIS_SMTP_TIMEOUT", "20"))

ROOT_URLCONF = "openkreis.urls"
WSGI_APPLICATION = "openkreis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "openkreis.core.context_processors.tenant",
                "openkreis.core.context_processors.staff_areas",
                "openkreis.accounts.context_processors.mailbox",
            ],
        },
    },
]

# Database: SQLite (WAL, immediate transactions) by default; PostgreSQL via DATABASE_URL.
SQLITE_PATH = Path(env("OPENKREIS_SQLITE_PATH", str(BASE_DIR / "var" / "openkreis.sqlite3")))


def database_config(url: str | None, sqlite_path: Path) -> dict:
    """Return the Django DATABASES['default'] entry for a URL or the embedded SQLite file."""
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        if config["ENGINE"] == "django.db.backends.postgresql":
            # Django's backend with compiled time parsing and a health check that asks the
            # socket instead of the server (openkreis/core/db/postgresql/base.py)
            config["ENGINE"] = "openkreis.core.db.postgresql"
            # No JIT: our queries are short, and PostgreSQL compiled the plan of any query
            # estimated as costly (a search over a million documents) for 12–18 ms of a
            # 40 ms query (bench/cases.py, docs/scaling.md).
            options = config.setdefault("OPTIONS", {})
            options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    else:
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(sqlite_path)}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside one writer; BEGIN IMMEDIATE takes the write lock
        # at the start of a transaction, so two writers queue (busy timeout) instead of
        # failing later with "database is locked" when a read lock cannot be upgraded.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
            ),
        }
    return config


DATABASES = {"default": database_config(env("DATABASE_URL"), SQLITE_PATH)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Read replica (issue 26, docs/scaling.md "Read replicas"). With OPENKREIS_REPLICA_URL (or
# DATABASE_REPLICA_URL) set, the GET pages named below read from the replica; writes, reads in a
# transaction, reads after a write and a browser's requests for a few seconds after it wrote go
# to the primary (openkreis/core/dbrouter.py). Unset: one database, nothing of this runs.
OPENKREIS_REPLICA_URL = env("OPENKREIS_REPLICA_URL", env("DATABASE_REPLICA_URL", ""))
OPENKREIS_REPLICA_VIEWS = env_list(
    "OPENKREIS_REPLICA_VIEWS",
    "cases:inbox,cockpit:dashboard,cockpit:process,cockpit:alerts,cockpit:reports,cockpit:kita,"
    "cockpit:tickets,cockpit:participation,cockpit:directory,cockpit:marketplace,"
    "cockpit:learning,cockpit:transparency",
)
OPENKREIS_REPLICA_PIN_SECONDS = int(env("OPENKREIS_REPLICA_PIN_SECONDS", "10"))
# The cockpit's derived tables (facts, daily and monthly rows) unlogged on PostgreSQL: no WAL for
# what the nightly recompute writes again from the event log; emptied by a crash and then built
# again by the next refresh. A physical replica cannot read unlogged tables: with a replica they
# stay logged (the setting takes effect at the next full recompute; docs/scaling.md).
OPENKREIS_COCKPIT_UNLOGGED = env_bool("OPENKREIS_COCKPIT_UNLOGGED", not OPENKREIS_REPLICA_URL)
if OPENKREIS_REPLICA_URL:
    DATABASES["replica"] = database_config(OPENKREIS_REPLICA_URL, SQLITE_PATH)
    DATABASE_ROUTERS = ["openkreis.core.dbrouter.ReplicaRouter"]
    MIDDLEWARE.insert(0, "openkreis.core.dbrouter.ReplicaMiddleware")

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# One rule people are told (openkreis/accounts/passwords.py): at least 12 characters and not
# one of the most used or breached passwords; no composition rules (NIST SP 800-63B).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "openkreis.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "openkreis.accounts.passwords.CommonPasswordValidator"},
]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("de", "Deutsch"), ("en", "English")]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("OPENKREIS_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def object_storage(bucket: str, **options) -> dict:
    """STORAGES["default"] for an S3-compatible object store (django-storages; issue 26,
    docs/scaling.md "Documents in object storage"): private objects, never overwritten
    (document paths are content hashes), links signed for five minutes."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "default_acl": None,  # the bucket's policy: private
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 300,
            "signature_version": "s3v4",
            **{key: value for key, value in options.items() if value not in (None, "")},
        },
    }


# With OPENKREIS_S3_BUCKET set, uploaded files (case documents, photos, letters) go to the
# object store; static files stay with whitenoise, quarantined originals on a local disk.
if env("OPENKREIS_S3_BUCKET"):
    STORAGES["default"] = object_storage(
        env("OPENKREIS_S3_BUCKET"),
        endpoint_url=env("OPENKREIS_S3_ENDPOINT_URL"),
        region_name=env("OPENKREIS_S3_REGION"),
        access_key=env("OPENKREIS_S3_ACCESS_KEY"),
        secret_key=env("OPENKREIS_S3_SECRET_KEY"),
        location=env("OPENKREIS_S3_PREFIX"),
        addressing_style=env("OPENKREIS_S3_ADDRESSING_STYLE"),
    )

# Request limits (issue 16 F7; the reverse proxy's limit is in docs/deployment.md). Form
# fields (not files) of one request: 2.5 MB, 5000 fields (a FIM form repeats groups up to
# 50 times), 50 files (the mail room takes 20 scans at once). A file above 2.5 MB is written
# to a temporary file while the request is read, never held in memory; each upload entry
# point compares `upload.size` with OPENKREIS_MAX_UPLOAD_BYTES before it reads a byte.
# Above a limit the answer is a 400 page saying why (core.middleware.RequestLimitsMiddleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(env("OPENKREIS_MAX_FORM_BYTES", str(2_621_440)))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
DATA_UPLOAD_MAX_NUMBER_FILES = 50
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
OPENKREIS_MAX_UPLOAD_BYTES = int(env("OPENKREIS_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))

WAGTAIL_SITE_NAME = "openkreis"
# Four-eyes (issue 16 F9): a workflow publishes only what its approver did not write
WAGTAIL_FINISH_WORKFLOW_ACTION = "openkreis.portal.wagtail_hooks.publish_after_second_person"
WAGTAILADMIN_BASE_URL = env("OPENKREIS_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "odt", "docx", "xlsx", "csv", "txt"]

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "openkreis.core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # Only the session: allauth grants it after the second factor. HTTP Basic would skip
    # the second factor and CSRF (issue 16 F2).
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env("OPENKREIS_API_ANON_RATE", "600/minute")},
    "EXCEPTION_HANDLER": "openkreis.core.api.exception_handler",
    "NUM_PROXIES": OPENKREIS_TRUSTED_PROXIES or None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "openkreis API",
    "DESCRIPTION": "Service catalogue, competence finder and organisations of a German county.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PREPROCESSING_HOOKS": ["openkreis.core.api.docs.only_our_api"],
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "openkreis",
    }
}
if env("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("REDIS_URL"),
    }
    # Sessions read from Redis, written to both (Django's cached_db, hardened in
    # core/sessions.py): a logged-in request asks the database one query less, and a Redis
    # that lost its keys or does not answer logs nobody out (docs/scaling.md).
    SESSION_ENGINE = "openkreis.core.sessions"

# Rendered parts of the page layout that are the same for every visitor of a language (brand,
# navigation, footer: `{% cache … using="fragments" %}` in base.html), kept in each process —
# cheaper than rendering them, and than a round trip to a shared cache (docs/scaling.md).
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "openkreis-fragments",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}

# The portal's anonymous search log written in batches of this many seconds per process
# (docs/scaling.md, "Search results page"); 0 writes every search at once.
OPENKREIS_SEARCH_LOG_BATCH_SECONDS = float(env("OPENKREIS_SEARCH_LOG_BATCH_SECONDS", "0"))

# How long a process keeps where a new case of a service goes (unit, office, procedure, file-plan
# item; docs/scaling.md, "Case creation"); changes in this process apply at once, another
# process's after at most this many seconds; 0 asks the database for every case.
OPENKREIS_ROUTING_CACHE_SECONDS = float(env("OPENKREIS_ROUTING_CACHE_SECONDS", "5"))

# How long a process keeps an appointment branch's set-up (opening hours, closures, counters,
# services; docs/scaling.md, "Appointments at release time"), with the same rule.
OPENKREIS_APPOINTMENT_SETUP_SECONDS = float(env("OPENKREIS_APPOINTMENT_SETUP_SECONDS", "5"))

# Celery: a broker in production; in the embedded mode tasks run in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", env("REDIS_URL", "memory://"))
CELERY_TASK_ALWAYS_EAGER = env("CELERY_BROKER_URL") is None and env("REDIS_URL") is None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies is delivered again (tasks are idempotent)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Queues per kind of work (issue 26, docs/scaling.md "Celery queues"): OCR and PDF checks do
# not wait behind a cockpit recompute, nor mail behind either. Tasks not named go to the
# default queue "celery". A worker takes its queues with -Q (commands in docs/scaling.md).
CELERY_TASK_ROUTES = {
    "openkreis.intake.tasks.process_scan": {"queue": "documents"},
    "openkreis.forms.tasks.register_application": {"queue": "documents"},
    "openkreis.cases.tasks.deliver": {"queue": "mail"},
    "openkreis.cases.tasks.retry_due_deliveries": {"queue": "mail"},
    "openkreis.cases.tasks.send_reminders": {"queue": "mail"},
    "openkreis.appointments.tasks.send_reminders": {"queue": "mail"},
    "openkreis.appointments.tasks.send_confirmations": {"queue": "mail"},
    "openkreis.appointments.tasks.send_confirmation": {"queue": "mail"},
    "openkreis.reports.tasks.send_follow_ups": {"queue": "mail"},
    "openkreis.capacity.tasks.remind_offers": {"queue": "mail"},
    "openkreis.cockpit.tasks.*": {"queue": "cockpit"},
}
# GTFS-Realtime TripUpdates for the guest's day planning (delays); empty: timetable only
TICKETS_GTFS_REALTIME_URL = env("TICKETS_GTFS_REALTIME_URL", "")
# The password of the HATIX signing keys stored in the database (docs/tickets.md); empty:
# derived from SECRET_KEY. Production sets its own and keeps it apart from SECRET_KEY.
OPENKREIS_TICKET_KEY_SECRET = env("OPENKREIS_TICKET_KEY_SECRET", "")
CELERY_BEAT_SCHEDULE = {
    "cases-reminders": {"task": "openkreis.cases.tasks.send_reminders", "schedule": 3600.0},
    "cases-deliveries": {"task": "openkreis.cases.tasks.retry_due_deliveries", "schedule": 60.0},
    "cases-verify-audit": {"task": "openkreis.cases.tasks.verify_audit_chain", "schedule": 86400.0},
    "cases-seal-audit": {"task": "openkreis.cases.tasks.seal_audit", "schedule": 5.0},
    # sent online applications whose registration task was lost (killed worker, broker down)
    "forms-requeue-unregistered": {
        "task": "openkreis.forms.tasks.requeue_unregistered",
        "schedule": 30.0,
    },
    "intake-recover-stale-scans": {
        "task": "openkreis.intake.tasks.recover_stale_scans",
        "schedule": 300.0,
    },
    # the confirmation outbox: bookings and moves whose e-mail is due (a few seconds late)
    "appointments-confirmations": {
        "task": "openkreis.appointments.tasks.send_confirmations",
        "schedule": 5.0,
        "options": {"expires": 5},  # workers away: no pile of sweeps waiting for them
    },
    "appointments-reminders": {
        "task": "openkreis.appointments.tasks.send_reminders",
        "schedule": 3600.0,
    },
    "appointments-no-shows": {
        "task": "openkreis.appointments.tasks.record_no_shows",
        "schedule": 600.0,
    },
    "cockpit-refresh": {"task": "openkreis.cockpit.tasks.refresh", "schedule": 60.0},
    "cockpit-alerts": {"task": "openkreis.cockpit.tasks.evaluate_alerts", "schedule": 900.0},
    "cockpit-recompute": {"task": "openkreis.cockpit.tasks.recompute", "schedule": 86400.0},
    "reports-follow-up": {"task": "openkreis.reports.tasks.send_follow_ups", "schedule": 3600.0},
    "portal-delete-old-barrier-reports": {
        "task": "openkreis.portal.tasks.delete_old_barrier_reports",
        "schedule": 86400.0,
    },
    # Kapazitätsfinder: offers past their deadline, reminders before it, retention
    "capacity-expire": {"task": "openkreis.capacity.tasks.expire_offers", "schedule": 3600.0},
    "capacity-remind": {"task": "openkreis.capacity.tasks.remind_offers", "schedule": 3600.0},
    "capacity-purge": {"task": "openkreis.capacity.tasks.purge_kita_data", "schedule": 86400.0},
    "capacity-calendar-feeds": {
        "task": "openkreis.capacity.tasks.refresh_calendar_feeds",
        "schedule": 3600.0,
    },
    # guest tickets (HATIX): stays, guests, tickets and check events past the retention time
    "tickets-purge": {"task": "openkreis.tickets.tasks.purge_ticket_data", "schedule": 86400.0},
    # Beteiligung: seal surveys whose closing date passed (unused codes deleted, ballots
    # rewritten in receipt order), code letter files after download, hidden proposals
    "participation-seal": {
        "task": "openkreis.participation.tasks.seal_expired_surveys",
        "schedule": 900.0,
    },
    "participation-purge-letters": {
        "task": "openkreis.participation.tasks.purge_letter_files",
        "schedule": 3600.0,
    },
    "participation-purge-hidden": {
        "task": "openkreis.participation.tasks.purge_hidden_proposals",
        "schedule": 86400.0,
    },
    # Harz-Kompass: OpenInterval rows ("open now") for the next 14 days, daily
    "directory-open-intervals": {
        "task": "openkreis.directory.tasks.rebuild_open_intervals",
        "schedule": 86400.0,
    },
    # Harz-Kompass: searches without result (the words only) are deleted after 90 days
    "directory-purge-missed-searches": {
        "task": "openkreis.directory.tasks_retention.purge_missed_searches",
        "schedule": 86400.0,
    },
    # job board: withdrawn, refused and long-expired postings are deleted (jobs/board.py)
    "jobs-expire": {"task": "openkreis.jobs.tasks.expire_jobs", "schedule": 86400.0},
    # Einkaufen im Harz (M4): reservations past their time expire (their pieces are free
    # again); closed reservations are deleted after the retention time
    "marketplace-expire-reservations": {
        "task": "openkreis.marketplace.tasks.expire_reservations",
        "schedule": 300.0,
    },
    "marketplace-purge-reservations": {
        "task": "openkreis.marketplace.tasks.purge_reservations",
        "schedule": 86400.0,
    },
    # --- end M4 beat
    # loyalty points (M5): the previous month's settlement per shop, once
    "marketplace-settle": {
        "task": "openkreis.marketplace.tasks.settle_loyalty",
        "schedule": 86400.0,
    },
    # Frag den Landkreis: scrubbed unanswered questions past their retention time
    "assistant-purge": {"task": "openkreis.assistant.tasks.purge_questions", "schedule": 86400.0},
    # the event log's monthly partitions ahead (PostgreSQL; issue 26, docs/scaling.md)
    "core-event-partitions": {
        "task": "openkreis.core.tasks.create_event_partitions",
        "schedule": 86400.0,
    },
}

# Subscribed calendar feeds of practices and rooms (capacity/feeds.py) are fetched from
# public https addresses only; true lifts that for tests and closed networks.
OPENKREIS_CALENDAR_FEEDS_ALLOW_PRIVATE = env_bool("OPENKREIS_CALENDAR_FEEDS_ALLOW_PRIVATE", False)

# Security defaults (tightened further in production.py)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Map tiles for the Mängelmelder's maps (docs/reports.md). The map works without them (markers
# and the list stay); an empty URL switches the background off. The tile host is allowed in
# the CSP's img-src.
OPENKREIS_MAP_TILE_URL = env(
    "OPENKREIS_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
# The Harz-Kompass maps (docs/directory.md): their own tile source, by default the same as
# the Mängelmelder's (e.g. basemap.de: https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/
# de_basemapde_web_raster_farbe/default/GLOBAL_WEBMERCATOR/{z}/{y}/{x}.png); "local" serves
# plain placeholder tiles from the portal itself (directory:tile, for the demo and tests, no
# network); empty switches the background off.
OPENKREIS_DIRECTORY_TILE_URL = env("OPENKREIS_DIRECTORY_TILE_URL", OPENKREIS_MAP_TILE_URL)
OPENKREIS_MAP_ATTRIBUTION = env(
    "OPENKREIS_MAP_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>-Mitwirkende',
)
# The Mängelmelder's place search (reports/geocoding.py): "local" (the county's gazetteer,
# no network) or "nominatim" (an OpenStreetMap Nominatim server at OPENKREIS_NOMINATIM_URL).
OPENKREIS_GEOCODER = env("OPENKREIS_GEOCODER", "local")
OPENKREIS_NOMINATIM_URL = env("OPENKREIS_NOMINATIM_URL", "")


def _tile_origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


_TILE_ORIGINS = " ".join(
    sorted({_tile_origin(u) for u in (OPENKREIS_MAP_TILE_URL, OPENKREIS_DIRECTORY_TILE_URL)} - {""})
)
CONTENT_SECURITY_POLICY = (
    f"default-src 'self'; img-src 'self' data: {_TILE_ORIGINS}; "
    "style-src 'self'; script-src 'self'; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)
# Wagtail's admin needs inline styles/scripts; it gets a looser policy on its own paths.
CONTENT_SECURITY_POLICY_ADMIN = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'; connect-src 'self'; font-src 'self' data:; "
    "frame-ancestors 'self'; form-action 'self'; base-uri 'self'; object-src 'none'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("OPENKREIS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Wagtail logs every page action and background task at INFO; keep the console quiet.
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "django.tasks": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Search: the upper bound for a query string; longer input is cut, never an error.
OPENKREIS_SEARCH_MAX_QUERY = 200
