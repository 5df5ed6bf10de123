"""Absolute links for what leaves the portal (e-mails, notices, webhooks): the one base URL, joined to a path
that ``reverse()`` builds, so a renamed route can never leave a dead link in a notice."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse


def absolute_url(viewname: str, *, query: dict[str, str] | None = None, **kwargs) -> str:
    """``PUBLIC_BASE_URL`` + the route's path (+ the query string, encoded)."""
    url = settings.PUBLIC_BASE_URL.rstrip("/") + reverse(viewname, kwargs=kwargs or None)
    return f"{url}?{urlencode(query)}" if query else url
