"""Who serves a website: the CDN, host and registrar an upstream notice can go to when a platform does not act."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.utils.text import slugify

from takedowns.models import (
    Case,
    Channel,
    HostIdentity,
    LocationState,
    Notice,
    PlatformKind,
)

# The states in which a URL is still online, so worth an upstream notice.
OPEN_LOCATION_STATES = (LocationState.REPORTED, LocationState.REAPPEARED)


def _contact(identity: HostIdentity, source: str) -> dict:
    return next((c for c in identity.abuse_contacts or [] if c.get("source") == source), {})


@dataclass
class Target:
    """One provider that serves some of a notice's URLs: who, how to reach them, and which URLs."""

    kind: str
    key: str
    name: str
    email: str = ""
    webform_url: str = ""
    facts: dict = field(default_factory=dict)
    location_ids: list[int] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return f"{self.kind}-{slugify(self.key)}"[:50] or self.kind

    @property
    def channel(self) -> str:
        return Channel.EMAIL if self.email else Channel.WEBFORM


def _targets_for(identity: HostIdentity) -> list[Target]:
    targets = []
    if identity.cdn:
        contact = _contact(identity, "cdn")
        targets.append(
            Target(
                kind=PlatformKind.CDN,
                key=identity.cdn_slug or identity.cdn,
                name=identity.cdn,
                email=contact.get("email", ""),
                webform_url=contact.get("url", ""),
                facts={"cdn_slug": identity.cdn_slug},
            )
        )
    # Behind a CDN the addresses are the CDN's own: its network is not the site's host (the origin is unknown),
    # so no host notice; the CDN passes the report to the host (reference/escalation.md §3).
    if identity.network_owner and not identity.cdn:
        contact = _contact(identity, "network")
        targets.append(
            Target(
                kind=PlatformKind.HOST,
                key=identity.network_owner,
                name=identity.network_owner,
                email=contact.get("email", ""),
                webform_url=contact.get("url", ""),
                facts={
                    "country": str((identity.network or {}).get("country") or "").upper(),
                    "handle": (identity.network or {}).get("handle", ""),
                },
            )
        )
    if identity.registrar:
        contact = _contact(identity, "registrar")
        targets.append(
            Target(
                kind=PlatformKind.REGISTRAR,
                key=identity.registrar_iana_id or identity.registrar,
                name=identity.registrar,
                email=contact.get("email", ""),
                webform_url=contact.get("url", ""),
                facts={"registrar_iana_id": identity.registrar_iana_id},
            )
        )
    return targets


def notice_identities(notice: Notice) -> dict[str, HostIdentity]:
    hosts = {loc.host for loc in notice.locations.all() if loc.host}
    return {h.host: h for h in HostIdentity.objects.filter(host__in=hosts)}


def upstream_targets(notice: Notice, identities: dict[str, HostIdentity] | None = None) -> list[Target]:
    """Every CDN, host and registrar serving the notice's URLs still online, one per provider (a CDN in front of
    two of the notice's hosts gets one notice with both hosts' URLs), CDN first: it is the quickest route."""
    identities = notice_identities(notice) if identities is None else identities
    by_key: dict[tuple[str, str], Target] = {}
    for loc in notice.locations.all():
        if loc.state not in OPEN_LOCATION_STATES:
            continue
        identity = identities.get((loc.host or urlsplit(loc.url).hostname or "").lower())
        if identity is None:
            continue
        for target in _targets_for(identity):
            found = by_key.setdefault((target.kind, target.slug), target)
            found.location_ids.append(loc.pk)
            if identity.host not in found.hosts:
                found.hosts.append(identity.host)
    order = {PlatformKind.CDN: 0, PlatformKind.HOST: 1, PlatformKind.REGISTRAR: 2}
    return sorted(by_key.values(), key=lambda t: (order[t.kind], t.name.lower()))


def host_identities(case: Case) -> dict[str, HostIdentity]:
    """Who can act on each website of a case (takedowns/services/hosts.py), by host: one query for the page."""
    return {h.host: h for h in HostIdentity.objects.filter(host__in=case.locations.values("host"))}
