"""The client address of a request, for rate limits (web pages, the API and django-axes share it)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The address of the person making the request, for rate limits (never stored).

    ``REMOTE_ADDR`` is the client, unless it is one of ``TRUSTED_PROXIES``: then ``X-Forwarded-For`` is read from
    the right, skipping the trusted proxies, and the first other address is the client. Anything left of it was
    written by the client itself and is ignored, so a forged header cannot choose another person's limit.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    remote_ip = _ip(remote)
    if not networks or remote_ip is None or not any(remote_ip in net for net in networks):
        return remote or "unknown"
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:
            break  # a malformed hop: trust nothing further left
        if not any(ip in net for net in networks):
            return str(ip)
    # Only proxies (or nothing usable) in the header: the nearest proxy is all we know.
    return remote


def axes_client_address(request: HttpRequest) -> str | None:
    """The same address for django-axes (AXES_CLIENT_IP_CALLABLE), or None when there is none: axes stores it in
    an IP-address column, which PostgreSQL refuses to fill with "unknown" (Django's force_login, for one, makes
    a request without REMOTE_ADDR)."""
    address = client_address(request)
    return address if _ip(address) is not None else None


# An IPv6 user is normally given a whole /64 (RFC 6177): counting single addresses there would hand each guesser
# 2^64 fresh limits. IPv4 addresses are counted one by one.
IPV6_LIMIT_PREFIX = 64


def rate_limit_subject(address: str) -> str:
    """What a per-client rate limit counts for ``address``: the IPv4 address itself, or the IPv6 /64 it is in
    (an IPv4-mapped IPv6 address counts as its IPv4 address)."""
    ip = _ip(address)
    if ip is None:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/{IPV6_LIMIT_PREFIX}", strict=False))
    return str(ip)


def client_rate_limit_subject(request: HttpRequest) -> str:
    """``rate_limit_subject`` of the request's client address."""
    return rate_limit_subject(client_address(request))
