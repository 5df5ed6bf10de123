"""Secrets that live in URLs never reach a log.

The signed response link (``/respond/<token>/``) is a bearer credential: whoever reads an access log line could
answer a notice with it. Every log line the portal writes (Django's loggers, through a filter on the handler)
and every access-log line gunicorn writes (through :class:`RedactingGunicornLogger`, set in
``portal/gunicorn.conf.py``) has the token replaced — in the path, the request line and the Referer.
"""

from __future__ import annotations

import logging
import re

_SECRET_PATHS = re.compile(r"(/respond/)[^/?#\s\"']+")
REDACTED = r"\1[redacted]"


def redact(text: str) -> str:
    return _SECRET_PATHS.sub(REDACTED, text)


class RedactSecretsFilter(logging.Filter):
    """A handler filter: renders the message once, redacted (arguments included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover - gunicorn is a production dependency; tests import it
    _GunicornLogger = object  # type: ignore[assignment,misc]


class RedactingGunicornLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
