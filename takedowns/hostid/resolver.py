"""DNS for host identification, through dnspython (pinned in requirements.txt): A and AAAA records with a hard
time limit, plus the canonical name at the end of any CNAME chain (``*.cdn.cloudflare.net``,
``*.cloudfront.net`` and the like name the provider even when its ranges are not shipped).

The resolver is an object with one method, ``lookup(host) -> HostAddresses``, so that tests pass a stub that
answers from a dict and no test ever asks the internet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import dns.exception
import dns.resolver
from django.conf import settings


class DnsError(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass
class HostAddresses:
    addresses: list[str] = field(default_factory=list)
    canonical_name: str = ""


class HostResolver(Protocol):
    def lookup(self, host: str) -> HostAddresses: ...


class DnsResolver:
    """The system's configured name servers, asked for A and AAAA within ``lifetime`` seconds each."""

    def __init__(self, *, lifetime: float = 4.0, nameservers: list[str] | None = None, port: int = 53):
        self.lifetime = lifetime
        self.nameservers = nameservers  # None: the system's (/etc/resolv.conf)
        self.port = port

    def lookup(self, host: str) -> HostAddresses:
        resolver = dns.resolver.Resolver(configure=self.nameservers is None)
        if self.nameservers is not None:
            resolver.nameservers = list(self.nameservers)
            resolver.port = self.port
        result = HostAddresses()
        missing = 0
        for rdtype in ("A", "AAAA"):
            try:
                answer = resolver.resolve(host, rdtype, lifetime=self.lifetime, search=False)
            except dns.resolver.NXDOMAIN as exc:
                raise DnsError(f"The host name {host} does not exist.") from exc
            except (dns.resolver.NoAnswer, dns.resolver.NoNameservers):
                missing += 1
                continue
            except dns.exception.Timeout as exc:
                raise DnsError(f"No DNS answer for {host} in time.") from exc
            except dns.exception.DNSException as exc:
                raise DnsError(f"DNS lookup for {host} failed: {exc.__class__.__name__}.") from exc
            result.addresses.extend(rdata.address for rdata in answer)
            canonical = str(answer.canonical_name).rstrip(".")
            if canonical and canonical.lower() != host.lower():
                result.canonical_name = canonical
        if missing == 2:
            raise DnsError(f"The host name {host} has no address.")
        return result


def configured_resolver() -> DnsResolver:
    """The resolver ``settings.HOSTID_NAMESERVERS`` names (``ip`` or ``ip:port``; one port for all), else the
    system's. Lets an operator use a resolver of their own, and the browser tests a local one."""
    entries = list(getattr(settings, "HOSTID_NAMESERVERS", []) or [])
    if not entries:
        return DnsResolver()
    servers, port = [], 53
    for entry in entries:
        host, sep, number = entry.rpartition(":")
        if sep and number.isdigit() and "]" not in number and host.count(":") == 0:
            servers.append(host)
            port = int(number)
        else:
            servers.append(entry.strip("[]"))
    return DnsResolver(nameservers=servers, port=port)
