"""The foundation: paths, DEBUG, the secrets, applications, data, files, languages, e-mail and logging.

Every other settings module imports what it needs from here; ``portal/settings/__init__.py`` puts them together.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.env import email_settings, env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Production is the default: development mode is asked for explicitly (`make run`, the demo, the test settings
# and CI set DEBUG=true), so a deployment that forgets the variable never runs with development shortcuts.
DEBUG = env.bool("DEBUG", default=False)
# Runtime files of the embedded default (SQLite, broker folder, cache, private storage); the test settings
# (portal/settings_test.py) point it at var/test. Nothing here creates folders: importing settings must not
# touch the disk. Each folder is created by what writes to it (the SQLite backend, the folder broker's
# Celery hook, Django's file cache, storage and file e-mail backend) or by `python -m portal.embedded`.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var" / "run")))

# --- secrets -----------------------------------------------------------------------------------------------
_DEV_SECRET_KEY = "dev-only-secret-key-not-for-production-recourse-0000000000000000000000000"
SECRET_KEY = env.str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "Production mode (DEBUG=false) needs a real SECRET_KEY of at least 50 random characters. "
        'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(64))"'
    )


def _dev_field_key(secret: str) -> str:
    # Development only: a key derived from the development SECRET_KEY, so that `make run` works with no
    # configuration. Production refuses to start without an explicit FIELD_ENCRYPTION_KEY (below).
    return base64.urlsafe_b64encode(hashlib.sha256(b"recourse-field-key:" + secret.encode()).digest()).decode()


# A comma-separated list of Fernet keys: the first encrypts, all decrypt (key rotation).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEY", default=[] if not DEBUG else [_dev_field_key(SECRET_KEY)])
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "Production mode (DEBUG=false) needs FIELD_ENCRYPTION_KEY (one or more Fernet keys, comma-separated). "
        'Generate one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
    )
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        if len(base64.urlsafe_b64decode(_key.encode())) != 32:
            raise ValueError
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64-encoded bytes)."
        ) from exc

# Production without ALLOWED_HOSTS answers only on localhost (safe, and useless until configured). Local
# names are always allowed so that container health checks can reach /healthz.
ALLOWED_HOSTS = [
    *env.list("ALLOWED_HOSTS", default=["[::1]", "testserver"] if DEBUG else []),
    "127.0.0.1",
    "localhost",
]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The address the portal is reached at, for links inside notices and e-mails.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- applications ------------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "drf_spectacular",
    # Swagger UI's files for /api/docs/, served from our own static files (no CDN; takedowns/api/docs.py).
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "takedowns",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "takedowns.middleware.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "takedowns.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "takedowns.context_processors.portal",
            ],
        },
    },
]

# --- data --------------------------------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default="")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{VAR_DIR / 'recourse.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend, plus creating the database file's folder on first connection (a fresh clone).
    DATABASES["default"]["ENGINE"] = "portal.sqlite3"
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The web server, the worker and beat share this file: WAL lets readers run beside a writer, IMMEDIATE
    # takes the write lock at BEGIN so that two writers queue up instead of failing half-way.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# The cache (throttles, job locks) may live in its own Redis database, apart from the broker's queues.
CACHE_URL = env.str("CACHE_URL", default="") or REDIS_URL
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "recourse",
        }
    }
else:
    # A file cache, not local memory: throttles and job locks must be shared by the web server, the worker
    # and beat, which are separate processes even on the embedded default.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

PRIVATE_STORAGE_ROOT = Path(env.str("PRIVATE_STORAGE_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "takedowns.storage.EncryptedPrivateStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
STATIC_URL = "/static/"
# Created by collectstatic (the Dockerfile runs it at build time); in DEBUG WhiteNoise does not need it.
STATIC_ROOT = Path(env.str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# There is deliberately no MEDIA_URL: reference images never have a public URL (DESIGN.md §8).
MEDIA_ROOT = PRIVATE_STORAGE_ROOT
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploads are never spooled to a temporary file (unencrypted, in /tmp): every uploaded file stays in memory, up
# to IMAGE_MAX_BYTES each; a larger file is cut off and refused by the form (portal/uploads.py).
FILE_UPLOAD_HANDLERS = ["portal.uploads.MemoryOnlyUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# --- internationalisation ----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- e-mail ------------------------------------------------------------------------------------------------
for _name, _value in email_settings(env.str("EMAIL_URL", default=""), var_dir=VAR_DIR).items():
    globals()[_name] = _value
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "Recourse <notices@recourse.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Replies from platforms come back through per-notice relay addresses at this domain.
RELAY_EMAIL_DOMAIN = env.str("RELAY_EMAIL_DOMAIN", "relay.recourse.localhost")
# Where `manage.py relay_smtpd` listens (host:port; MX or forwarding for RELAY_EMAIL_DOMAIN points here).
RELAY_SMTP_LISTEN = env.str("RELAY_SMTP_LISTEN", "127.0.0.1:2525")
# Larger messages are refused with 552 before they are stored anywhere: a written reply is a few kilobytes,
# and attachments are dropped anyway, so 5 MB leaves room for HTML mail with inline logos.
RELAY_MAX_MESSAGE_BYTES = env.int("RELAY_MAX_MESSAGE_BYTES", 5 * 1024 * 1024)
# The authserv-id (usually the host name) of the operator's own front mail server, whose topmost
# Authentication-Results header is believed; empty: only the relay's own DKIM check counts (docs/DEPLOYING.md).
RELAY_TRUSTED_AUTHSERV_ID = env.str("RELAY_TRUSTED_AUTHSERV_ID", "")

# The development outbox page (advocates read the .eml files of the file backend) exists in development only.
DEV_OUTBOX_ENABLED = DEBUG and globals().get("EMAIL_BACKEND") == "django.core.mail.backends.filebased.EmailBackend"


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_secrets": {"()": "portal.logsafe.RedactSecretsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # runserver's access lines (make run) go through the redacting handler too.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
        # faiss logs every CPU-specific build it tries before the one that loads.
        "faiss": {"level": "WARNING"},
    },
}
