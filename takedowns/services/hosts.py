"""Who can act on a site: identify a host — its addresses, the CDN in front of it, the network owner
and the registrar with their abuse contacts — and keep the answer, dated, in ``HostIdentity``.

The lookup itself (takedowns/hostid) touches no database; this module decides when to look up (a fresh answer
is reused), records the audit event, and enqueues lookups for locations on websites with no known channel.
Each part fails on its own: an unreachable RDAP server leaves the CDN and the addresses in place, with the
reason under ``errors``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from takedowns import fetch
from takedowns.audit import event_record
from takedowns.hostid import cdn, rdap
from takedowns.hostid.resolver import DnsError, HostResolver, configured_resolver
from takedowns.models import ActorKind, CaseState, EventType, HostIdentity, ReportedLocation
from takedowns.services.jobs import enqueue_on_commit
from takedowns.urlnorm import UrlError, host_of

IDENTIFY_TASK = "takedowns.tasks.host_identify"


class HostInputError(ValueError):
    pass


def host_from_input(raw: str) -> str:
    """The host of a URL, or a bare host name / address, lower-case; HostInputError for anything else."""
    raw = (raw or "").strip()
    if not raw:
        raise HostInputError("Give a URL or a host name.")
    candidate = raw if "://" in raw else f"https://{raw}"
    try:
        host = host_of(candidate)
    except UrlError as exc:
        raise HostInputError(f"{raw[:100]!r} is not a URL or host name: {exc.message}") from exc
    if not host:
        raise HostInputError(f"{raw[:100]!r} has no host name.")
    return host.strip("[]").rstrip(".").lower()


def _public(ip: str) -> bool:
    return fetch.address_refusal(ipaddress.ip_address(ip)) is None


def host_identity_lookup(
    *,
    host: str,
    resolver: HostResolver | None = None,
    bootstrap: rdap.Bootstrap | None = None,
    cdn_ranges: cdn.CdnRanges | None = None,
) -> dict:
    """The whole chain for ``host``, as the fields of a HostIdentity (no database). Each step that fails
    records its reason under ``errors`` and the chain goes on with what it has."""
    result: dict = {"ips": [], "canonical_name": "", "cdn": "", "cdn_slug": "", "network_owner": "", "network": {}}
    result.update(registered_domain="", registrar="", registrar_iana_id="", abuse_contacts=[], errors={})
    errors = result["errors"]
    try:
        is_address = ipaddress.ip_address(host) is not None
    except ValueError:
        is_address = False
    _lookup_dns(result, host, is_address=is_address, resolver=resolver)
    contacts: list[dict] = []
    _lookup_cdn(result, contacts, cdn_ranges)
    try:
        boot = bootstrap or rdap.default_bootstrap()
    except (OSError, ValueError, KeyError) as exc:
        boot = None
        errors["network_owner"] = errors["registrar"] = f"The RDAP bootstrap files could not be read ({exc})."
    if boot is not None and result["ips"]:
        _lookup_network_owner(result, contacts, boot)
    # The registrar of the domain (RDAP for the domain); an address has none.
    if boot is not None and not is_address:
        _lookup_registrar(result, contacts, host, boot)
    seen = set()
    for contact in contacts:
        key = (contact["email"].lower(), contact["source"])
        if key not in seen:
            seen.add(key)
            result["abuse_contacts"].append(contact)
    return result


def _lookup_dns(result: dict, host: str, *, is_address: bool, resolver: HostResolver | None) -> None:
    if is_address:
        result["ips"] = [str(ipaddress.ip_address(host))]
        return
    try:
        answer = (resolver or configured_resolver()).lookup(host)
        result["ips"] = list(dict.fromkeys(str(ipaddress.ip_address(a)) for a in answer.addresses))
        result["canonical_name"] = answer.canonical_name
    except DnsError as exc:
        result["errors"]["dns"] = exc.message
    except ValueError:
        result["errors"]["dns"] = f"The DNS answer for {host} is not a list of addresses."


def _lookup_cdn(result: dict, contacts: list[dict], cdn_ranges: cdn.CdnRanges | None) -> None:
    """The CDN in front of the host, from the shipped ranges: no network needed."""
    try:
        ranges = cdn_ranges or cdn.load_ranges()
        for ip in result["ips"]:
            provider = ranges.match(ip)
            if provider is not None:
                result["cdn"], result["cdn_slug"] = provider.name, provider.slug
                if provider.abuse_email or provider.abuse_url:
                    contacts.append(
                        {
                            "email": provider.abuse_email,
                            "url": provider.abuse_url,
                            "name": provider.name,
                            "source": "cdn",
                        }
                    )
                break
    except (OSError, ValueError, KeyError) as exc:
        result["errors"]["cdn"] = f"The CDN ranges file could not be read ({exc.__class__.__name__})."


def _lookup_network_owner(result: dict, contacts: list[dict], boot: rdap.Bootstrap) -> None:
    """The network owner of the first public address (RDAP for the IP)."""
    public = [ip for ip in result["ips"] if _public(ip)]
    if not public:
        result["errors"]["network_owner"] = "The host's addresses are private or reserved: no public network owns them."
        return
    try:
        network = rdap.network_summary(rdap.ip_lookup(public[0], bootstrap=boot))
        result["network_owner"] = network.pop("owner")[:255]
        contacts.extend(network.pop("abuse_contacts"))
        result["network"] = {**network, "address": public[0]}
    except rdap.RdapError as exc:
        result["errors"]["network_owner"] = exc.message


def _lookup_registrar(result: dict, contacts: list[dict], host: str, boot: rdap.Bootstrap) -> None:
    try:
        domain, record = rdap.domain_lookup(host, bootstrap=boot)
        summary = rdap.domain_summary(record)
        result["registered_domain"] = domain
        result["registrar"] = summary["registrar"][:255]
        result["registrar_iana_id"] = summary["registrar_iana_id"][:20]
        contacts.extend(summary["abuse_contacts"])
    except rdap.RdapError as exc:
        result["errors"]["registrar"] = exc.message


def host_identify(
    *,
    host: str,
    refresh: bool = False,
    resolver: HostResolver | None = None,
    bootstrap: rdap.Bootstrap | None = None,
    cdn_ranges: cdn.CdnRanges | None = None,
    case=None,
) -> HostIdentity:
    """The identity of ``host``: the stored one while fresh (no lookup), else a new lookup, stored and audited."""
    host = host_from_input(host)
    existing = HostIdentity.objects.filter(host=host).first()
    if existing is not None and not refresh and existing.is_fresh():
        return existing
    # The lookup runs outside any transaction: it takes seconds and holds no row.
    fields = host_identity_lookup(host=host, resolver=resolver, bootstrap=bootstrap, cdn_ranges=cdn_ranges)
    with transaction.atomic():
        identity, _created = HostIdentity.objects.update_or_create(
            host=host, defaults={**fields, "looked_up_at": timezone.now()}
        )
        event_record(
            type=EventType.HOST_IDENTIFIED,
            actor_kind=ActorKind.SYSTEM,
            case=case,
            data={
                "host": host,
                "cdn": identity.cdn,
                "network_owner": identity.network_owner,
                "registrar": identity.registrar,
                "failed_parts": sorted(identity.errors),
            },
        )
    return identity


def location_host_identify(*, location_id: int, requested_at: str | None = None) -> HostIdentity | None:
    """The task's service: identify the host of one reported location. A stored answer ends it early when it
    is fresh, or, for a lookup an advocate asked for at ``requested_at`` (ISO time), when it is newer than
    that request — so a task delivered twice looks up once."""
    location = ReportedLocation.objects.select_related("case").filter(pk=location_id).first()
    if location is None or location.case.state != CaseState.OPEN or not location.host:
        return None
    refresh = False
    if requested_at:
        asked = datetime.fromisoformat(requested_at)
        refresh = not HostIdentity.objects.filter(host=location.host, looked_up_at__gte=asked).exists()
    try:
        return host_identify(host=location.host, case=location.case, refresh=refresh)
    except HostInputError:
        return None


def location_host_identify_request(*, location: ReportedLocation, actor_user=None) -> None:
    """An advocate asks who can act on the website of any location (a known platform too): look up again now,
    in the background, whatever the age of the stored answer."""
    enqueue_on_commit(IDENTIFY_TASK, location.pk, timezone.now().isoformat())


def hosts_identify_request(*, locations: Iterable[ReportedLocation]) -> list[int]:
    """Enqueue lookups (after commit) for the locations on websites with no known channel."""
    if not settings.IDENTIFY_HOSTS:
        return []
    ids = [loc.pk for loc in locations if loc.platform_id is None]
    for pk in ids:
        enqueue_on_commit(IDENTIFY_TASK, pk)
    return ids


def hosts_reconcile(*, older_than_seconds: int = 600) -> list[int]:
    """Locations on unknown websites added a while ago whose host was never identified (the broker was down,
    a worker died): enqueue them again, one per host."""
    if not settings.IDENTIFY_HOSTS:
        return []
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    rows = (
        ReportedLocation.objects.filter(platform__isnull=True, case__state=CaseState.OPEN, created_at__lt=cutoff)
        .exclude(host="")
        .exclude(host__in=HostIdentity.objects.values("host"))
        .order_by("host", "pk")
        .values_list("host", "pk")
    )
    first_per_host = {}
    for host, pk in rows[:5000]:
        first_per_host.setdefault(host, pk)
    ids = list(first_per_host.values())[:500]
    for pk in ids:
        enqueue_on_commit(IDENTIFY_TASK, pk)
    return ids


def host_identities_forget(*, hosts: Iterable[str]) -> int:
    """On erasure: delete what was looked up about these hosts unless another case still reports a URL there
    (that a website was reported at all says something about the person who reported it)."""
    hosts = {h for h in hosts if h}
    still_reported = set(ReportedLocation.objects.filter(host__in=hosts).values_list("host", flat=True))
    deleted, _ = HostIdentity.objects.filter(host__in=hosts - still_reported).delete()
    return deleted
