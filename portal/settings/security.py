"""Who may sign in and how, and the HTTP protections: staff lock-out and two factors, the admin's path, API
tokens, cookies, HTTPS, the trusted proxies and the Content-Security-Policy."""

from __future__ import annotations

import ipaddress

from django.core.exceptions import ImproperlyConfigured

from portal.env import env
from portal.settings.base import DEBUG

# --- auth --------------------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "takedowns.web.auth_backends.UsernameSlowDownBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Staff passwords with Argon2id, Django's recommended hasher (argon2-cffi, requirements.txt says why); passwords
# stored with Django's older defaults still verify and are re-hashed at the next sign-in. Plus the fast hasher
# for victims' random access codes (only ever chosen by name: takedowns/hashers.py says why it is safe for those
# codes and nothing else).
PASSWORD_HASHERS = [
    "takedowns.hashers.StaffPasswordHasher",  # Django's Argon2id, a bounded number of checks at a time
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "takedowns.hashers.AccessCodeHasher",
]
# Argon2 checks running at once in one web process (each holds 100 MiB for ~75 ms); more sign-ins wait their turn.
PASSWORD_CHECKS_AT_ONCE = env.int("PASSWORD_CHECKS_AT_ONCE", 2)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "takedowns:dashboard"
LOGOUT_REDIRECT_URL = "takedowns:home"
# Staff logins: five wrong passwords lock the user name/address pair, and an address, for 15 minutes. A user
# name alone is never locked (anyone could lock its owner out): it slows down (takedowns/services/sign_in.py).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
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
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
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
        # blob: for the picture step's thumbnails, made from the chosen file on the device (never uploaded).
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
