"""Django settings. Every value comes from the environment (see docs/deploy.md).

The defaults are safe for production: HTTPS on, DEBUG off, SMTP email. The `ledgerlink demo`
command and the test settings set their own environment before this module loads.
"""

from __future__ import annotations

import base64
from pathlib import Path

import dj_database_url

from ledgerlink.conf.env import (
    ConfigurationError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_optional,
    env_str,
)

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("LEDGERLINK_VAR_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ConfigurationError("SECRET_KEY must be at least 50 random characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1"])
# Absolute links in emails (request links, invitations, password resets) start with this.
LEDGERLINK_BASE_URL = env_str("LEDGERLINK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ledgerlink.tenancy",
    "ledgerlink.audit",
    "ledgerlink.relationships",
    "ledgerlink.ledger",
    "ledgerlink.connectors",
    "ledgerlink.sync",
    "ledgerlink.imports",
    "ledgerlink.reports",
    "ledgerlink.financials",
    "ledgerlink.sandbox",
    "ledgerlink.notifications",
    "ledgerlink.journey",
    "ledgerlink.portal",
    "ledgerlink.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ledgerlink.tenancy.middleware.CurrentOrganisationMiddleware",
]

ROOT_URLCONF = "ledgerlink.urls"
WSGI_APPLICATION = "ledgerlink.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ledgerlink.portal.context_processors.portal",
            ],
        },
    },
]

DATABASE_URL = env_optional("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "ledgerlink.sqlite3"),
            # WAL lets the web server read while the task worker writes.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "tenancy.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:company-list"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Set STATIC_ROOT and run `collectstatic` in production for compressed, cached files;
# without it WhiteNoise serves straight from the installed packages.
STATIC_ROOT = env_optional("STATIC_ROOT")
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media"))))},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Static files are served from the installed packages directly: no collectstatic step needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

TASKS = {
    "default": {
        "BACKEND": {
            "db": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[env_choice("LEDGERLINK_TASKS_BACKEND", ("db", "immediate"), "db")],
        "QUEUES": ["default"],
    }
}

# Email: "smtp" in production, "outbox" captures mail in the portal's Outbox page (demo).
EMAIL_BACKEND = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "outbox": "ledgerlink.notifications.backends.OutboxEmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}[env_choice("EMAIL_BACKEND", ("smtp", "outbox", "console", "locmem"), "smtp")]
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ConfigurationError("Set at most one of EMAIL_USE_TLS and EMAIL_USE_SSL.")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ledgerlink <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. HTTPS is assumed unless LEDGERLINK_HTTPS=false (the local demo).
HTTPS = env_bool("LEDGERLINK_HTTPS", True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("SECURE_HSTS_PRELOAD", True)
if env_bool("LEDGERLINK_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60, minimum=300)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

LEDGERLINK_OUTBOX_ENABLED = EMAIL_BACKEND.endswith("OutboxEmailBackend")

# OAuth tokens and other secrets are encrypted at rest (AES-256-GCM, bound to their row) with
# these keys: comma-separated, newest first, each 32 random bytes in url-safe base64;
# `ledgerlink rotate-keys` re-encrypts everything with the first. Generate one with
# `python -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"`.
LEDGERLINK_ENCRYPTION_KEYS = env_list("LEDGERLINK_ENCRYPTION_KEYS", [])
if not LEDGERLINK_ENCRYPTION_KEYS:
    raise ConfigurationError(
        "Environment variable LEDGERLINK_ENCRYPTION_KEYS is required: one or more keys of "
        "32 random bytes in url-safe base64."
    )
for _key in LEDGERLINK_ENCRYPTION_KEYS:
    try:
        _raw = base64.urlsafe_b64decode(_key.encode())
    except ValueError:
        _raw = b""
    if len(_raw) != 32 or len(set(_raw)) < 8:
        raise ConfigurationError(
            "Each key in LEDGERLINK_ENCRYPTION_KEYS must be 32 random bytes in url-safe base64."
        )

# The built-in sandbox accounting platform (served by this server under /sandbox/).
# Off by default on real (HTTPS) deployments: clients must never connect pretend books.
LEDGERLINK_SANDBOX_ENABLED = env_bool("LEDGERLINK_SANDBOX_ENABLED", not HTTPS)
LEDGERLINK_SANDBOX_URL = env_str("LEDGERLINK_SANDBOX_URL", LEDGERLINK_BASE_URL + "/sandbox")
# Records per sandbox API page the connector asks for (the platform allows up to 10,000).
LEDGERLINK_SANDBOX_PAGE_SIZE = env_int("LEDGERLINK_SANDBOX_PAGE_SIZE", 10_000, minimum=1)
SANDBOX_CLIENT_ID = env_str("SANDBOX_CLIENT_ID", "ledgerlink-sandbox")
SANDBOX_CLIENT_SECRET = env_str("SANDBOX_CLIENT_SECRET", "sandbox-secret")
# The sandbox only redirects back to ledgerlink's own OAuth callback.
SANDBOX_REDIRECT_URIS = env_list(
    "SANDBOX_REDIRECT_URIS", [LEDGERLINK_BASE_URL + "/connect/callback/"]
)
# Lets tests and the demo inject faults into the sandbox over HTTP. Never in production.
SANDBOX_CONTROL_ENABLED = env_bool("SANDBOX_CONTROL_ENABLED", False)

# Xero and QuickBooks Online (see docs/deploy.md: registering the apps). Each platform is
# offered to clients only when its client id and secret are set. The URLs default to the
# platforms' own; tests, benchmarks and the demo point them at the fakes.
XERO_CLIENT_ID = env_str("XERO_CLIENT_ID", "")
XERO_CLIENT_SECRET = env_str("XERO_CLIENT_SECRET", "")
XERO_AUTHORIZE_URL = env_str(
    "XERO_AUTHORIZE_URL", "https://login.xero.com/identity/connect/authorize"
)
XERO_TOKEN_URL = env_str("XERO_TOKEN_URL", "https://identity.xero.com/connect/token")
XERO_REVOKE_URL = env_str("XERO_REVOKE_URL", "https://identity.xero.com/connect/revocation")
XERO_API_URL = env_str("XERO_API_URL", "https://api.xero.com")
# Empty: the granular read scopes plus offline_access (apps created from March 2026).
XERO_SCOPES = env_list("XERO_SCOPES", [])
XERO_CALLS_PER_MINUTE = env_int("XERO_CALLS_PER_MINUTE", 60, minimum=1)
XERO_CONCURRENT_CALLS = env_int("XERO_CONCURRENT_CALLS", 5, minimum=1)
QBO_CLIENT_ID = env_str("QBO_CLIENT_ID", "")
QBO_CLIENT_SECRET = env_str("QBO_CLIENT_SECRET", "")
QBO_AUTHORIZE_URL = env_str("QBO_AUTHORIZE_URL", "https://appcenter.intuit.com/connect/oauth2")
QBO_TOKEN_URL = env_str(
    "QBO_TOKEN_URL", "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
)
QBO_REVOKE_URL = env_str(
    "QBO_REVOKE_URL", "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"
)
# Production; Intuit's development keys use https://sandbox-quickbooks.api.intuit.com
QBO_API_URL = env_str("QBO_API_URL", "https://quickbooks.api.intuit.com")
QBO_MINOR_VERSION = env_int("QBO_MINOR_VERSION", 75, minimum=1)
QBO_CALLS_PER_MINUTE = env_int("QBO_CALLS_PER_MINUTE", 500, minimum=1)
QBO_CALLS_PER_SECOND = env_int("QBO_CALLS_PER_SECOND", 10, minimum=1)
QBO_CONCURRENT_CALLS = env_int("QBO_CONCURRENT_CALLS", 10, minimum=1)
# Benchmarks and fakes only: run every rate-limit window this many times faster.
LEDGERLINK_RATE_LIMIT_SPEEDUP = env_int("LEDGERLINK_RATE_LIMIT_SPEEDUP", 1, minimum=1)

# Sync engine: a run's lease must be renewed within this many seconds or the sweeper
# hands the run to another worker.
LEDGERLINK_SYNC_LEASE_SECONDS = env_int("LEDGERLINK_SYNC_LEASE_SECONDS", 120, minimum=2)
LEDGERLINK_SWEEP_INTERVAL_SECONDS = env_int("LEDGERLINK_SWEEP_INTERVAL_SECONDS", 30, minimum=1)
# A report build holds its lease this long; a heartbeat renews it every third of it.
LEDGERLINK_REPORT_LEASE_SECONDS = env_int("LEDGERLINK_REPORT_LEASE_SECONDS", 120, minimum=2)
LEDGERLINK_SYNC_MAX_RETRIES = env_int("LEDGERLINK_SYNC_MAX_RETRIES", 8, minimum=0)
# A run whose worker died this many times (lease lapsed mid-run) is failed, not resumed again.
LEDGERLINK_SYNC_MAX_CRASHES = env_int("LEDGERLINK_SYNC_MAX_CRASHES", 3, minimum=1)
# A queued run no worker started within this many minutes is enqueued again by the sweeper.
LEDGERLINK_SYNC_REQUEUE_MINUTES = env_int("LEDGERLINK_SYNC_REQUEUE_MINUTES", 10, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Bearer tokens travel in some URLs (request links, invitations, resets, OAuth codes):
    # every log line goes through the redaction filter first.
    "filters": {"redact": {"()": "ledgerlink.conf.logging.RedactSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        # One line per HTTP request of a sync is noise; errors still show.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
