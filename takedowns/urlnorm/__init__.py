"""Normalise reported URLs and detect which platform hosts them.

Plain Python with no Django imports, so the intake form, the REST API, the registry loader and the
management commands all share one definition of "the same address". Split by what each part is about:
``core`` (one address or host), ``lists`` (a pasted blob of addresses) and ``platforms`` (which platform
hosts an address); the public names are re-exported here so callers import from ``takedowns.urlnorm``.

Public API:

- ``normalise_url(raw) -> str`` (raises ``UrlError``)
- ``host_of(url) -> str`` (raises ``UrlError``)
- ``normalise_host(host) -> str`` (raises ``UrlError``)
- ``parse_url_list(text, *, limit=200) -> ParsedUrls`` (raises ``UrlError`` with code ``too_many``)
- ``PlatformMatcher(specs).detect(url_or_host) -> str | None``
"""

from takedowns.urlnorm.core import MAX_URL_LENGTH, UrlError, host_of, normalise_host, normalise_url
from takedowns.urlnorm.lists import LineError, ParsedUrls, parse_url_list
from takedowns.urlnorm.platforms import PlatformMatcher

__all__ = [
    "MAX_URL_LENGTH",
    "LineError",
    "ParsedUrls",
    "PlatformMatcher",
    "UrlError",
    "host_of",
    "normalise_host",
    "normalise_url",
    "parse_url_list",
]
