"""Secrets that live in URLs never reach a log.

The signed response link (``/respond/<token>/``) is a bearer credential: whoever reads an access log line could
answer a notice with it. Every log line the portal writes (Django's loggers, through a filter on the handler)
and every access-log line gunicorn writes (through :class:`RedactingGunicornLogger`, set in
``portal/gunicorn.conf.py``) has the token replaced — in the path, the request line and the Referer.

Redaction works on the decoded text and ignores case: ``/respond%2F<token>/`` and ``/RESPOND/<token>/`` reach
the same view on some servers, so they must not reach the log either. Case references (``RC-7K3M-Q9TX``) are
redacted too: a reference in an access log ties a person's address to a case.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

_SECRET_PATHS = re.compile(r"(/respond/+)[^/?#\s\"']+", re.IGNORECASE)
REDACTED = r"\1[redacted]"
# The alphabet and layout of ``case_reference_generate``, with or without the dashes (people and
# ``reference_normalise`` accept both).
_CASE_REFERENCES = re.compile(r"\bRC[-_ ]?[0-9A-Z]{4}[-_ ]?[0-9A-Z]{4}\b", re.IGNORECASE)
CASE_REDACTED = "RC-[redacted]"


def _decoded(text: str) -> str:
    # Percent-decoding until nothing changes (at most a few rounds): a double-encoded slash must not hide a
    # token either. Only text that has a '%' is touched, so ordinary log lines stay as they were.
    for _ in range(3):
        if "%" not in text:
            break
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    return text


def redact(text: str) -> str:
    candidate = _decoded(text)
    cleaned = _CASE_REFERENCES.sub(CASE_REDACTED, _SECRET_PATHS.sub(REDACTED, candidate))
    # Keep the original (encoded) line when there was nothing to redact.
    return text if cleaned == candidate else cleaned


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
