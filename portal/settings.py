"""Django settings for Recourse, read from the environment only (see portal/env.py and .env.example).

``DEBUG=true`` (set by `make run`, the demo, the test settings and CI) is the *embedded default*: SQLite in
``var/``, a Celery broker backed by a local folder (no server), a file-based cache and e-mail written to
``var/outbox``. ``DATABASE_URL`` switches to PostgreSQL, ``REDIS_URL`` to Redis for the broker and the cache.
Without ``DEBUG`` (or with ``DEBUG=false``) this is production mode: it refuses to start without real secrets,
with placeholder values or with development e-mail (see "production refuses placeholders" below), and turns on
every HTTPS protection that ``manage.py check --deploy`` looks for.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.env import Env, email_settings
from portal.production_checks import production_refusals  # noqa: F401  (registers the production refusals)

env = Env(os.environ)

BASE_DIR = Path(__file__).resolve().parent.parent
# Production is the default: development mode is asked for explicitly (`make run`, the demo, the test settings
# and CI set DEBUG=true), so a deployment that forgets the variable never runs with development shortcuts.
DEBUG = env.bool("DEBUG", False)
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
# Uploads are never spooled to a temporary file (unencrypted, in /tmp): every uploaded file stays in memory, up
# to IMAGE_MAX_BYTES each; a larger file is cut off and refused by the form (portal/uploads.py).
FILE_UPLOAD_HANDLERS = ["portal.uploads.MemoryOnlyUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# --- auth --------------------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Django's default hashers for staff passwords, plus the fast one for victims' random access codes (only ever
# chosen by name: takedowns/hashers.py says why it is safe for those codes and nothing else).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "takedowns.hashers.AccessCodeHasher",
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
AXES_CLIENT_IP_CALLABLE = "takedowns.addresses.axes_client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", True)
# Staff (advocates, platform staff, admins) confirm every sign-in with a one-time code from an authenticator app
# (django-otp TOTP) or a recovery code. Required in production; STAFF_2FA_REQUIRED=false is for development.
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", not DEBUG)
# The admin never shows a staff member's TOTP secret (django-otp's "config" and "QR code" admin pages): whoever
# could view it could copy that person's second factor. A lost phone means a new enrolment, not a copied key.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# The issuer name shown in the authenticator app next to the account.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", "Recourse")
STAFF_RECOVERY_CODES = 10
# The admin's URL prefix (portal/urls.py); production refuses the guessable default (below).
ADMIN_PATH = env.str("ADMIN_PATH", "admin/").strip("/") + "/"
# API tokens (django-rest-knox: only a hash is stored) expire after this many days; a new one is printed by
# `manage.py create_portal_user`. Wrong tokens are limited per address (takedowns/api/authentication.py).
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", 90)
API_TOKEN_FAILURES_PER_ADDRESS = env.int("API_TOKEN_FAILURES_PER_ADDRESS", 20)
API_TOKEN_FAILURE_WINDOW_SECONDS = 15 * 60

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
# Where `manage.py relay_smtpd` listens (host:port; MX or forwarding for RELAY_EMAIL_DOMAIN points here).
RELAY_SMTP_LISTEN = env.str("RELAY_SMTP_LISTEN", "127.0.0.1:2525")
# Larger messages are refused with 552 before they are stored anywhere: a written reply is a few kilobytes,
# and attachments are dropped anyway, so 5 MB leaves room for HTML mail with inline logos.
RELAY_MAX_MESSAGE_BYTES = env.int("RELAY_MAX_MESSAGE_BYTES", 5 * 1024 * 1024)

# The development outbox page (advocates read the .eml files of the file backend) exists in development only.
DEV_OUTBOX_ENABLED = DEBUG and globals().get("EMAIL_BACKEND") == "django.core.mail.backends.filebased.EmailBackend"

# --- production refuses placeholders: secrets, keys, e-mail, admin path, staff 2FA ----------------------------
# Kept apart from the operator block (who runs the portal, PUBLIC_BASE_URL, relay domain): each refuses its own
# values. A value copied from .env.example or typed by hand ("change-me") is as good as no secret at all.
_PLACEHOLDER_MARKERS = (
    "change-me",
    "changeme",
    "change_me",
    "replace-me",
    "replaceme",
    "placeholder",
    "not-a-secret",
    "not-for-production",
    "dev-only",
    "insecure",
    "example",
    "your-secret",
    "secret-here",
)


def _looks_like_placeholder(value: str) -> bool:
    lowered = value.lower()
    return any(marker in lowered for marker in _PLACEHOLDER_MARKERS)


def _typed_not_generated(key: str) -> bool:
    # 32 random bytes are all printable ASCII with a probability of about 1e-14: a key that decodes to
    # readable text ("build-only-not-a-secret-…") was typed, not generated with Fernet.generate_key().
    raw = base64.urlsafe_b64decode(key.encode())
    return all(32 <= b < 127 for b in raw) or len(set(raw)) < 16


def _derived_from_secret_key(key: str, secret: str) -> bool:
    raw = base64.urlsafe_b64decode(key.encode())
    candidates = {
        _dev_field_key(secret),
        _dev_field_key(_DEV_SECRET_KEY),
        base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()).decode(),
    }
    return key in candidates or raw == hashlib.sha256(secret.encode()).digest() or raw == secret.encode()[:32]


if not DEBUG:
    _refused = []
    if _looks_like_placeholder(SECRET_KEY):
        _refused.append("SECRET_KEY is a placeholder: generate a random one.")
    for _key in FIELD_ENCRYPTION_KEYS:
        if _looks_like_placeholder(_key) or _typed_not_generated(_key):
            _refused.append("FIELD_ENCRYPTION_KEY is a placeholder, not a key from Fernet.generate_key().")
        elif _derived_from_secret_key(_key, SECRET_KEY):
            _refused.append(
                "FIELD_ENCRYPTION_KEY is derived from SECRET_KEY: use an independent key from Fernet.generate_key()."
            )
    _db_password = urlsplit(DATABASE_URL).password if DATABASE_URL else None
    if _db_password and (_looks_like_placeholder(_db_password) or _db_password.lower() in {"password", "postgres"}):
        _refused.append("DATABASE_URL has a placeholder password.")
    if globals().get("EMAIL_BACKEND") != "django.core.mail.backends.smtp.EmailBackend":
        _refused.append(
            "EMAIL_URL must be an SMTP server (smtp://, smtp+tls://, smtps://): file:// and console:// are for "
            "development, and notices would never leave the machine."
        )
    elif _looks_like_placeholder(globals().get("EMAIL_HOST_PASSWORD", "")) or globals().get("EMAIL_HOST_PASSWORD") in {
        "password",
        "pass",
    }:
        _refused.append("EMAIL_URL has a placeholder password.")
    if ADMIN_PATH == "admin/":
        _refused.append("ADMIN_PATH must not be the default admin/: choose a non-obvious prefix.")
    if not STAFF_2FA_REQUIRED:
        _refused.append("STAFF_2FA_REQUIRED=false is for development only: staff sign in with two factors.")
    if _refused:
        raise ImproperlyConfigured("Production mode (DEBUG=false) refuses to start:\n- " + "\n- ".join(_refused))

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
    # Tasks are acknowledged late (below): a message stays in Redis's "unacked" set while its task runs, and a
    # message whose worker died with it (the whole worker, not just a pool process: Celery requeues a lost pool
    # process's task at once) is delivered again after ``visibility_timeout``. It must be longer than anything
    # a worker legitimately holds a message for, or a running task is delivered twice: the longest hard time
    # limit (crawl_step, 960 s) and the longest retry countdown (the fifth delivery retry, 16 min). One hour is
    # well past both; tests/test_settings.py checks it. The fault tests (tests/faults) use a few seconds.
    _visibility = env.int("BROKER_VISIBILITY_TIMEOUT", 3600)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _visibility,
        # How often a worker looks for such messages: every 100 s (kombu's default), or a tenth of a short
        # timeout so that the fault tests do not wait on the sweep.
        "unacked_restore_interval": min(10, max(1, _visibility // 10)),
        "unacked_restore_throttle": 10 if _visibility >= 1000 else 1,
        # A broker that vanished without closing the connection must not hang a web request or a worker.
        "socket_connect_timeout": 5,
        "socket_timeout": 30,
    }
# Publishing from a web request while the broker is down: give up after ~1 s (two quick retries) instead of
# Celery's default of ~3 s, log, and leave the work to the reconcile job (services/jobs.enqueue_on_commit).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.5}
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
    # Crawl steps fetch pages and images and hash the images in the same task, for the same reason.
    "takedowns.tasks.crawl_step": {"queue": "io"},
    # Matching crawled fingerprints against references is CPU work (one vectorised scan, then the rule).
    "takedowns.tasks.crawled_images_match": {"queue": "hashing"},
    "takedowns.tasks.discovery_reference_match": {"queue": "hashing"},
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
    # Watched sites are re-crawled at their own interval (hours to days); every 15 minutes starts a due crawl
    # promptly and re-enqueues a crawl whose worker died (idle for 20 minutes) within the quarter hour.
    "crawls-due": {"task": "takedowns.tasks.crawls_due", "schedule": 15 * 60},
    # Crawled images whose match was missed (a lost task) are matched within the hour.
    "crawled-images-match": {"task": "takedowns.tasks.crawled_images_match", "schedule": 60 * 60},
    # The escalation ladder (issue 14): its steps are planned in hours after a deadline, so a 5-minute run starts
    # each step within 5 minutes of its time, like the deadline sweep it follows.
    "escalation-ladder": {"task": "takedowns.tasks.escalation_ladder_run", "schedule": 5 * 60},
    # Originals kept "as evidence" and erased cases are purged nightly, off-peak.
    "retention-purge": {"task": "takedowns.tasks.retention_purge", "schedule": crontab(hour=3, minute=17)},
}

# --- REST API ----------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # JSON bodies must be valid Unicode (no lone surrogate escapes): takedowns/api/parsers.py.
    "DEFAULT_PARSER_CLASSES": [
        "takedowns.api.parsers.UnicodeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "takedowns.api.authentication.ThrottledKnoxTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env.str("API_RATE_LIMIT", "600/hour")},
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Recourse API",
    "DESCRIPTION": "Cases, notices and outcomes for NCII removal. Token authentication.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ loads Swagger UI from the portal itself (drf-spectacular-sidecar), never from a CDN: the CSP
    # allows scripts from 'self' only, and the portal must work with no internet (takedowns/api/docs.py).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # A finding's status shares its field name with a notice's: the notice's keeps the name it always had.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "takedowns.models.notices.NoticeStatus",
        "FindingStatusEnum": "takedowns.models.discovery.FindingStatus",
    },
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
# Name servers for host identification ("ip" or "ip:port", comma-separated); empty = the system's resolv.conf.
HOSTID_NAMESERVERS = env.list("HOSTID_NAMESERVERS", [])
# Retries of a location check after timeouts, connection resets and 5xx (back-off 30 s, 1, 2, 4 min).
VERIFY_MAX_RETRIES = 4
# New cases wait for an advocate's review before notices go out, unless the case overrides it.
NOTICES_REVIEW_FIRST = env.bool("NOTICES_REVIEW_FIRST", False)
RESPONSE_LINK_MAX_AGE_DAYS = 90
# Publish the anonymised platform accountability report at /transparency/platforms/ (no case data; small
# counts suppressed). Off by default: an operator decides to make it public.
PUBLIC_ACCOUNTABILITY_REPORT = env.bool("PUBLIC_ACCOUNTABILITY_REPORT", False)
# Where advocate alerts go when a case has no assigned advocate (a shared helpline inbox); empty = every advocate.
ADVOCATE_ALERTS_EMAIL = env.optional("ADVOCATE_ALERTS_EMAIL")
# Delivery retries: exponential back-off from 60 s, at most this many retries before "delivery failed".
NOTICE_SEND_MAX_RETRIES = env.int("NOTICE_SEND_MAX_RETRIES", 5)
# The first back-off of e-mail, notification and webhook retries (doubling each time). 60 s in production: a
# mail server that refuses connections is usually back within minutes. The fault tests shorten it.
DELIVERY_RETRY_BASE_SECONDS = env.int("DELIVERY_RETRY_BASE_SECONDS", 60)
IMAGE_MAX_BYTES = 25 * 1024 * 1024
# Pixel budget, read from the header before any decoding (web request and worker alike).
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", 40_000_000)
IMAGE_MAX_PER_CASE = 10
# Originals a victim chose to keep as evidence are purged this long after the case is withdrawn or closed.
EVIDENCE_RETENTION_DAYS = env.int("EVIDENCE_RETENTION_DAYS", 90)
# Days a built evidence bundle stays downloadable; it can be built again at any time (its SHA-256 stays in
# the audit log), so the personal data it holds is not kept longer than the download needs.
EVIDENCE_BUNDLE_DAYS = env.int("EVIDENCE_BUNDLE_DAYS", 14)

# --- who sends the notices (issue 10) ----------------------------------------------------------------------
# Printed in every notice's "Sent by" block: a platform reviewer must know which organisation is writing,
# and the DMCA needs the agent's postal address and phone (17 U.S.C. 512(c)(3)(A)(iv)).
_PLACEHOLDER_OPERATOR = "Recourse demo portal (not a real organisation)"
OPERATOR_NAME = env.str("OPERATOR_NAME", _PLACEHOLDER_OPERATOR)
OPERATOR_POSTAL_ADDRESS = env.str("OPERATOR_POSTAL_ADDRESS", "1 Example Street, Example City, 00000, Nowhere")
OPERATOR_EMAIL = env.str("OPERATOR_EMAIL", "help@recourse.localhost")
OPERATOR_PHONE = env.str("OPERATOR_PHONE", "+1 555 010 0000")
OPERATOR_WEBSITE = env.str("OPERATOR_WEBSITE", PUBLIC_BASE_URL)
# The organisation's DSA Art. 22 trusted-flagger designation (e.g. "Helpline X, designated by the Irish DSC,
# 2025"); empty = none. Only notices the organisation files as itself say so.
NOTICES_TRUSTED_FLAGGER = env.str("NOTICES_TRUSTED_FLAGGER", "")
# The UK's 48-hour removal duty (Online Safety Act 2023 s.10(3A), added by the Crime and Policing Bill) is
# stated as in force only once an operator sets this, after its commencement.
NOTICES_UK_48H_IN_FORCE = env.bool("NOTICES_UK_48H_IN_FORCE", False)
# The DSA sets no hours (Art. 16(6) "timely"): the portal's target, labelled as one.
NOTICES_DSA_TARGET_HOURS = env.int("NOTICES_DSA_TARGET_HOURS", 48)
# A TTF to use for notice PDFs instead of the packaged Noto Sans (manimgx-fonts); empty = the packaged one.
NOTICES_PDF_FONT = env.str("NOTICES_PDF_FONT", "")

# --- escalation (issue 14) --------------------------------------------------------------------------------
# The ladder every delivered platform notice gets: "step:hours after the deadline", comma-separated. Steps:
# reminder (to the platform, by the resend mechanism), upstream (notices to the CDN, host and registrar from the
# host identification), deindex (Google/Bing requests made ready), regulator (the complaint made ready).
# Defaults: a reminder the moment the deadline passes (a missed deadline is often a lost or misrouted e-mail, and
# a reminder costs nothing); upstream and de-indexing one day later (the platform has had its statutory window
# plus a day — the 24 h that eSafety's removal notices and Cloudflare's customers are given); the regulator after
# three days, when the upstream notices have had their own window too (UPSTREAM_RESPONSE_HOURS).
ESCALATION_LADDER = env.str("ESCALATION_LADDER", "reminder:0,upstream:24,deindex:24,regulator:72")
_LADDER_STEPS = ("reminder", "upstream", "deindex", "regulator")


def _parse_ladder(text: str) -> list[tuple[str, int]]:
    plan: list[tuple[str, int]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        step, _sep, hours = part.partition(":")
        if step.strip() not in _LADDER_STEPS or not hours.strip().isdigit() or int(hours) > 24 * 60:
            raise ImproperlyConfigured(
                f"ESCALATION_LADDER: {part!r} is not step:hours (steps: {', '.join(_LADDER_STEPS)}; hours 0-1440)."
            )
        if step.strip() in {s for s, _h in plan}:
            raise ImproperlyConfigured(f"ESCALATION_LADDER names {step.strip()!r} twice.")
        plan.append((step.strip(), int(hours)))
    return plan


ESCALATION_PLAN = _parse_ladder(ESCALATION_LADDER)
# The upstream step drafts the notices and alerts the advocate; with this on, it also sends those whose provider
# takes e-mail at a known abuse address (a web form always needs a person).
ESCALATION_UPSTREAM_SEND = env.bool("ESCALATION_UPSTREAM_SEND", False)
# Notices sent before this long ago get no ladder when first seen (a deployment must not fire every step of years
# of old notices at once).
ESCALATION_PLAN_MAX_AGE_DAYS = 7
# Hours a CDN, host or registrar is asked to act in. No law sets one (DSA Art. 16(6): "timely"); hosts forward a
# complaint to their customer with a 24-72 h deadline of their own (reference/escalation.md §4), so 72 h lets
# that run its course before the notice counts as overdue.
UPSTREAM_RESPONSE_HOURS = env.int("UPSTREAM_RESPONSE_HOURS", 72)

if not DEBUG:
    _placeholders = [
        name
        for name, value in (
            ("OPERATOR_NAME", OPERATOR_NAME),
            ("OPERATOR_POSTAL_ADDRESS", OPERATOR_POSTAL_ADDRESS),
            ("OPERATOR_EMAIL", OPERATOR_EMAIL),
            ("OPERATOR_PHONE", OPERATOR_PHONE),
            ("OPERATOR_WEBSITE", OPERATOR_WEBSITE),
            ("PUBLIC_BASE_URL", PUBLIC_BASE_URL),
            ("RELAY_EMAIL_DOMAIN", RELAY_EMAIL_DOMAIN),
        )
        if not value.strip()
        or value in (_PLACEHOLDER_OPERATOR, "1 Example Street, Example City, 00000, Nowhere", "+1 555 010 0000")
        or any(marker in value.lower() for marker in ("localhost", "127.0.0.1", "example.", "[::1]"))
    ]
    if _placeholders:
        raise ImproperlyConfigured(
            "Production mode (DEBUG=false) refuses to send notices in a placeholder's name: set real values for "
            + ", ".join(_placeholders)
            + " (see .env.example). Platforms' reviewers read them in every notice."
        )

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
