"""Detect which registered platform hosts a URL, by the longest registered domain suffix."""

from __future__ import annotations

from collections.abc import Iterable

from takedowns.urlnorm.core import UrlError, host_of, normalise_host

__all__ = ["PlatformMatcher"]


class PlatformMatcher:
    """Map a URL or host to the platform slug whose registered domain covers it.

    A domain covers itself and every subdomain, matched at a label boundary, and the longest registered
    suffix wins: with ``onedrive.live.com`` registered, ``x.onedrive.live.com`` matches but
    ``outlook.live.com`` and ``notonedrive.live.com`` do not.
    """

    def __init__(self, specs: Iterable[tuple[str, Iterable[str]]]) -> None:
        self._by_domain: dict[str, str] = {}
        for slug, domains in specs:
            for domain in domains:
                key = normalise_host(domain)
                owner = self._by_domain.get(key)
                if owner is not None and owner != slug:
                    raise ValueError(f"domain {key!r} is claimed by both {owner!r} and {slug!r}")
                self._by_domain[key] = slug

    def __len__(self) -> int:
        return len(self._by_domain)

    def detect(self, url_or_host: str) -> str | None:
        """Return the slug for ``url_or_host`` or ``None`` for an unknown (or unreadable) host."""
        try:
            host = host_of(url_or_host)
        except UrlError:
            return None
        labels = host.split(".")
        # Longest suffix first, so a more specific registration beats a broader one.
        for i in range(len(labels)):
            slug = self._by_domain.get(".".join(labels[i:]))
            if slug is not None:
                return slug
        return None
