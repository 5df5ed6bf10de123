"""Production refuses to start with placeholders: made-up secrets and keys, development e-mail, the default
admin path, staff sign-in without two factors, and a demo operator's name in the notices.

Imported last by ``portal/settings/__init__.py``: it reads values that every other settings module set.
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

import portal.settings.base as base
from portal.production_checks import production_refusals  # noqa: F401  (registers the production refusals)
from portal.settings.base import (
    _DEV_SECRET_KEY,
    DATABASE_URL,
    DEBUG,
    FIELD_ENCRYPTION_KEYS,
    PUBLIC_BASE_URL,
    RELAY_EMAIL_DOMAIN,
    SECRET_KEY,
    _dev_field_key,
)
from portal.settings.recourse import (
    _PLACEHOLDER_OPERATOR,
    OPERATOR_EMAIL,
    OPERATOR_NAME,
    OPERATOR_PHONE,
    OPERATOR_POSTAL_ADDRESS,
    OPERATOR_WEBSITE,
)
from portal.settings.security import ADMIN_PATH, STAFF_2FA_REQUIRED

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
    _email_password = getattr(base, "EMAIL_HOST_PASSWORD", "")
    if getattr(base, "EMAIL_BACKEND", "") != "django.core.mail.backends.smtp.EmailBackend":
        _refused.append(
            "EMAIL_URL must be an SMTP server (smtp://, smtp+tls://, smtps://): file:// and console:// are for "
            "development, and notices would never leave the machine."
        )
    elif _looks_like_placeholder(_email_password) or _email_password in {"password", "pass"}:
        _refused.append("EMAIL_URL has a placeholder password.")
    if ADMIN_PATH == "admin/":
        _refused.append("ADMIN_PATH must not be the default admin/: choose a non-obvious prefix.")
    if not STAFF_2FA_REQUIRED:
        _refused.append("STAFF_2FA_REQUIRED=false is for development only: staff sign in with two factors.")
    if _refused:
        raise ImproperlyConfigured("Production mode (DEBUG=false) refuses to start:\n- " + "\n- ".join(_refused))


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
