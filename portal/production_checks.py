"""Production refuses to start with a development or test switch left on.

Each of these settings is legitimate in development or in a test, and each silently removes a protection in
production: ``FETCH_ALLOW_PRIVATE_ADDRESSES`` lets the crawler and URL checker reach the operator's own
network, ``AXES_ENABLED=false`` removes the staff sign-in lock-out, a ``TRUSTED_PROXIES`` entry that covers the
whole internet lets every client choose its own address for the rate limits, and ``SECURE_HSTS_SECONDS=0``
lets a network attacker strip TLS. With ``DEBUG`` off they are refused twice over: as a Django system check
(``manage.py check``, ``migrate`` and ``runserver`` fail) and when a server starts (``portal/wsgi.py`` for
gunicorn and a Celery signal for workers and beat, which run no system checks).

Importing this module registers the check; ``settings.py`` imports it in one line.
"""

from __future__ import annotations

import ipaddress

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# A trusted-proxy network this wide is not a proxy: it is "believe X-Forwarded-For from anyone". The widest
# ranges real CDNs publish for their proxies are about /12 (IPv4) and /29 (IPv6).
MIN_PROXY_PREFIX = {4: 8, 6: 16}


def production_refusals(config) -> list[str]:
    """Why ``config`` (Django's settings) must not run in production; empty when it may, or in DEBUG."""
    if getattr(config, "DEBUG", False):
        return []
    refused = []
    if getattr(config, "FETCH_ALLOW_PRIVATE_ADDRESSES", False):
        refused.append(
            "FETCH_ALLOW_PRIVATE_ADDRESSES=true is for tests with local servers: in production it lets the crawler "
            "and the URL checker reach private and loopback addresses."
        )
    if not getattr(config, "AXES_ENABLED", True):
        refused.append("AXES_ENABLED=false switches off the staff sign-in lock-out.")
    for proxy in getattr(config, "TRUSTED_PROXIES", []) or []:
        try:
            network = ipaddress.ip_network(str(proxy).strip(), strict=False)
        except ValueError:
            continue  # settings.py already refuses a malformed entry with its own message
        if network.prefixlen < MIN_PROXY_PREFIX[network.version]:
            refused.append(
                f"TRUSTED_PROXIES: {proxy!r} covers a large part of the internet; list your reverse proxies' own "
                "addresses, or every client could choose the address its rate limits count."
            )
    if int(getattr(config, "SECURE_HSTS_SECONDS", 0) or 0) <= 0:
        refused.append("SECURE_HSTS_SECONDS must be positive in production: browsers must keep to HTTPS.")
    return refused


@checks.register(checks.Tags.security)
def check_production_switches(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from django.conf import settings

    return [checks.Error(reason, id="recourse.E101") for reason in production_refusals(settings)]


def refuse_unsafe_production() -> None:
    """Raise ImproperlyConfigured when production runs with a development switch on (called as a server starts)."""
    from django.conf import settings

    refused = production_refusals(settings)
    if refused:
        raise ImproperlyConfigured("Production mode (DEBUG=false) refuses to start:\n- " + "\n- ".join(refused))
