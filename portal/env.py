"""The one reader of the process environment (CONVENTIONS.md §9): django-environ, with Recourse's rules on top.

Every setting (portal/settings/) and gunicorn's configuration (portal/gunicorn.conf.py) read the environment
through :data:`env`, and every variable they read is listed, with a comment, in ``.env.example``
(tests/test_env_example.py). Development defaults work with nothing installed; production (``DEBUG=false``)
refuses to start without the secrets it needs.

django-environ does the reading; this module keeps only what it does differently from what deployments
already rely on (docs/DECISIONS.md, "One environment reader"): an empty value counts as unset (``.env.example``
ships ``VAR_DIR=`` and friends, copied to ``.env`` by docker compose), a boolean that is neither true nor
false stops the start instead of silently meaning false, and ``EMAIL_URL`` keeps its documented schemes
(``smtps://`` is implicit TLS, ``console://`` and ``file:///path`` work, a timeout by default).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
NOTSET = environ.Env.NOTSET


class Env(environ.Env):
    """django-environ's reader, where an empty value is no value and a mistyped boolean is an error."""

    def _raw(self, var: str) -> str | None:
        return self.ENVIRON.get(f"{self.prefix}{var}")

    def _missing(self, var: str, default):
        if default is NOTSET:
            raise ImproperlyConfigured(f"Set the {var} environment variable (see .env.example).")
        return default

    def str(self, var: str, default=NOTSET, multiline: bool = False, choices=NOTSET) -> str:
        if not self._raw(var):
            return self._missing(var, default)
        return super().str(var, default=default, multiline=multiline, choices=choices)

    def bool(self, var: str, default=NOTSET) -> bool:
        raw = self._raw(var)
        if raw is None:
            return self._missing(var, default)
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        # django-environ reads any unknown word as false: "AXES_ENABLED=flase" would switch lock-outs off.
        raise ImproperlyConfigured(f"{var} must be true or false, not {raw!r}.")

    def int(self, var: str, default=NOTSET) -> int:
        return self._number(var, default, super().int, "a whole number")

    def float(self, var: str, default=NOTSET) -> float:
        return self._number(var, default, super().float, "a number")

    def _number(self, var: str, default, read, what: str):
        raw = self._raw(var)
        if raw is None or not raw.strip():
            return self._missing(var, default)
        try:
            return read(var, default=default)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{var} must be {what}, not {raw!r}.") from exc

    def list(self, var: str, cast=None, default=NOTSET) -> list:
        if self._raw(var) is None:
            return self._missing(var, default)
        return [item.strip() for item in super().list(var, cast=cast, default=default) if item.strip()]


env = Env()


def email_settings(url: str, *, var_dir: Path) -> dict:
    """Translate ``EMAIL_URL`` into Django's e-mail settings.

    ``smtp://user:pass@host:25``, ``smtp+tls://...:587`` (STARTTLS), ``smtps://...:465`` (implicit TLS),
    ``console://`` and ``file:///path`` (one .eml file per message: the development outbox).
    django-environ's ``email_url`` reads ``smtps://`` as STARTTLS, leaves the port unset, turns ``file:///path``
    into a relative path and knows neither ``console://`` nor ``file://``: deployments already use these.
    """
    if not url:
        url = f"file://{var_dir / 'outbox'}"
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": unquote(parts.path) or str(var_dir / "outbox"),
        }
    if scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme in {"smtp", "smtp+tls", "smtps"}:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or {"smtp": 25, "smtp+tls": 587, "smtps": 465}[scheme],
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": scheme == "smtp+tls",
            "EMAIL_USE_SSL": scheme == "smtps",
            "EMAIL_TIMEOUT": int(query.get("timeout", 20)),
        }
    raise ImproperlyConfigured(
        f"EMAIL_URL scheme {scheme!r} is not supported: use smtp://, smtp+tls://, smtps://, console:// or file://."
    )
