"""Django settings for Recourse, read from the environment only (see portal/env.py and .env.example).

With no variables set this is the *embedded default*: SQLite in ``var/``, a Celery broker backed by a local
folder (no server), a file-based cache and e-mail written to ``var/outbox``. ``DATABASE_URL`` switches to
PostgreSQL, ``REDIS_URL`` to Redis for the broker and the cache. ``DEBUG=false`` is production mode: it
refuses to start without a real ``SECRET_KEY`` and ``FIELD_ENCRYPTION_KEY`` and turns on every HTTPS
protection that ``manage.py check --deploy`` looks for.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.env import Env, email_settings

env = Env(os.environ)

BASE_DIR = Path(__file__).resolve().parent.parent
DEBUG = env.bool("DEBUG", True)
# Runtime files of the embedded default (SQLite, broker folder, cache, private storage); the test settings
# (portal/settings_test.py) point it at var/test. Nothing here creates folders: importing settings must not
# touch the disk. Each folder is created by what writes to it (the SQLite backend, the folder broker's
# Celery hook, Django's file cache, storage and file e-mail backend) or by `python -m portal.embedded`.
VAR_DIR = Path(env.str("VAR_DIR", str(BASE_DIR / "var" / "run")))

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
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEY", [] if not DEBUG else [_dev_field_key(SECRET_KEY)])
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
    *env.list("ALLOWED_HOSTS", ["[::1]", "testserver"] if DEBUG else []),
    "127.0.0.1",
    "localhost",
]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [])

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
    "rest_framework.authtoken",
    "drf_spectacular",
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
DATABASE_URL = env.optional("DATABASE_URL")
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

REDIS_URL = env.optional("REDIS_URL")
# The cache (throttles, job locks) may live in its own Redis database, apart from the broker's queues.
CACHE_URL = env.optional("CACHE_URL") or REDIS_URL
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
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# --- auth --------------------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "takedowns:dashboard"
LOGOUT_REDIRECT_URL = "takedowns:home"
# Staff logins: five wrong passwords lock the account/address pair for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25
# Failed staff sign-ins are limited per address and per user name separately (one address cannot try many
# accounts; many addresses cannot try one account).
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "takedowns.web.common.axes_client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", True)

# --- internationalisation ----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- security ----------------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_ENGINE = "django.contrib.sessions.backends.db"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: browsers send "Origin: null" on POSTs under no-referrer, which CSRF refuses.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # Behind a TLS-terminating proxy (the compose deployment), trust its X-Forwarded-Proto header.
    if env.bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated): without this, every
# visitor behind the proxy would share its address, and one person's wrong codes would lock out everyone.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network.") from exc

# A strict policy: nothing from other origins, no inline script or style (Bootstrap is vendored).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- e-mail ------------------------------------------------------------------------------------------------
for _name, _value in email_settings(env.optional("EMAIL_URL"), var_dir=VAR_DIR).items():
    globals()[_name] = _value
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "Recourse <notices@recourse.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Replies from platforms come back through per-notice relay addresses at this domain.
RELAY_EMAIL_DOMAIN = env.str("RELAY_EMAIL_DOMAIN", "relay.recourse.localhost")

# --- Celery ------------------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _broker_dir = VAR_DIR / "broker"
    # One folder is both "in" and "out": the web server, the worker and beat all read and write it. The folders
    # are created when the Celery app is first configured (portal/celery.py), not here.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "io"
CELERY_TASK_ROUTES = {
    # CPU-bound work (decode, hash, keypoints) has its own queue so it never delays mail and fetching.
    "takedowns.tasks.image_hash": {"queue": "hashing"},
    # Location checks fetch (network-bound) and hash what they fetched in the same task, because the fetched
    # bytes may not be stored or passed through the broker; the hash stages cost ~25 ms an image.
    "takedowns.tasks.location_verify": {"queue": "io"},
    # DNS and RDAP: network-bound, a few seconds at most.
    "takedowns.tasks.host_identify": {"queue": "io"},
    "takedowns.tasks.*": {"queue": "io"},
}
# Every real deployment uses a worker; the test settings run tasks in-process (integration tests switch it off).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Every periodic job, in one place (CONVENTIONS.md §11). Each job also takes a cache lock so that two runs
# never overlap, even if a run outlasts its interval or two beat processes are started by mistake.
CELERY_BEAT_SCHEDULE = {
    # The 48-hour clock is checked every 5 minutes: alerts are at worst 5 minutes late on a 48 h window.
    "sweep-deadlines": {"task": "takedowns.tasks.deadlines_sweep", "schedule": 5 * 60},
    # Work left behind by a broker outage or a killed worker is re-enqueued; 10 minutes is well past the
    # longest task time limit, so nothing still running is re-sent.
    "reconcile": {"task": "takedowns.tasks.reconcile", "schedule": 10 * 60},
    # Removal re-checks fall due at notice deadlines (hours matter there) and 7 / 30 days after a verified
    # removal: hourly catches a deadline within the hour and costs one indexed query when nothing is due.
    "locations-recheck": {"task": "takedowns.tasks.locations_recheck", "schedule": 60 * 60},
    # Uploads of abandoned intakes: hourly, for files older than 24 h (well past the 8 h session length).
    "intake-pending-purge": {"task": "takedowns.tasks.intake_pending_purge", "schedule": 60 * 60},
    # Expired sessions (a sign-in lasts 8 hours): hourly, so none outlives its expiry by much.
    "sessions-purge": {"task": "takedowns.tasks.sessions_purge", "schedule": 60 * 60},
    # Originals kept "as evidence" and erased cases are purged nightly, off-peak.
    "retention-purge": {"task": "takedowns.tasks.retention_purge", "schedule": crontab(hour=3, minute=17)},
}

# --- REST API ----------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env.str("API_RATE_LIMIT", "600/hour")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Recourse API",
    "DESCRIPTION": "Cases, notices and outcomes for NCII removal. Token authentication.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "takedowns.api.schema.add_error_responses",
    ],
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Recourse ----------------------------------------------------------------------------------------------
# Outbound fetches refuse private, loopback and link-local addresses; tests with local servers turn this on.
FETCH_ALLOW_PRIVATE_ADDRESSES = env.bool("FETCH_ALLOW_PRIVATE_ADDRESSES", False)
# Extra CA bundle for outbound TLS (a corporate proxy's CA; tests with their own CA). Empty = the system's.
FETCH_CA_FILE = env.str("FETCH_CA_FILE", "")
# Check reported URLs automatically (match evidence once references are hashed; every removal a platform
# reports). Unit tests turn it off so that no test fetches a URL it did not serve itself.
VERIFY_LOCATIONS = env.bool("VERIFY_LOCATIONS", True)
# Look up who can act on a site with no known channel (DNS, CDN ranges, RDAP) when its URL is added. Unit tests
# turn it off: their made-up hosts must not reach a real resolver.
IDENTIFY_HOSTS = env.bool("IDENTIFY_HOSTS", True)
# Host identities (takedowns/hostid) are looked up again after this many days, or hours when a part failed.
HOST_IDENTITY_MAX_AGE_DAYS = env.int("HOST_IDENTITY_MAX_AGE_DAYS", 30)
HOST_IDENTITY_RETRY_HOURS = 6
# The shipped data files the lookup reads (refreshed by `manage.py refresh_host_data`).
CDN_RANGES_FILE = env.str("CDN_RANGES_FILE", str(BASE_DIR / "takedowns" / "data" / "cdn_ranges.json"))
RDAP_BOOTSTRAP_DIR = env.str("RDAP_BOOTSTRAP_DIR", str(BASE_DIR / "takedowns" / "data" / "rdap"))
# Retries of a location check after timeouts, connection resets and 5xx (back-off 30 s, 1, 2, 4 min).
VERIFY_MAX_RETRIES = 4
# New cases wait for an advocate's review before notices go out, unless the case overrides it.
NOTICES_REVIEW_FIRST = env.bool("NOTICES_REVIEW_FIRST", False)
RESPONSE_LINK_MAX_AGE_DAYS = 90
# Where advocate alerts go when a case has no assigned advocate (a shared helpline inbox); empty = every advocate.
ADVOCATE_ALERTS_EMAIL = env.optional("ADVOCATE_ALERTS_EMAIL")
# Delivery retries: exponential back-off from 60 s, at most this many retries before "delivery failed".
NOTICE_SEND_MAX_RETRIES = env.int("NOTICE_SEND_MAX_RETRIES", 5)
IMAGE_MAX_BYTES = 25 * 1024 * 1024
IMAGE_MAX_PER_CASE = 10
# Originals a victim chose to keep as evidence are purged this long after the case is withdrawn or closed.
EVIDENCE_RETENTION_DAYS = env.int("EVIDENCE_RETENTION_DAYS", 90)

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
