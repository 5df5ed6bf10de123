"""Who can act on a site: DNS through a stub resolver, CDN ranges with no network, RDAP from a
local fake server (tests/local_http.py), the cache, the task, the commands and the case page. Nothing here
reaches the internet: the resolver is a stub and every RDAP base URL is 127.0.0.1."""

from __future__ import annotations

import io
import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from takedowns.hostid import cdn, rdap
from takedowns.hostid.resolver import DnsError, HostAddresses
from takedowns.models import Event, EventType, HostIdentity, ReportedLocation
from takedowns.services import hosts
from takedowns.services.cases import locations_add
from takedowns.services.reconcile import work_reconcile
from tests.factories import CaseFactory, LocationFactory
from tests.local_http import LocalServer, Route

DATA = Path(django_settings.BASE_DIR) / "takedowns" / "data"


class StubResolver:
    """Answers from a dict; an unknown host does not exist. Records every question."""

    def __init__(self, table: dict):
        self.table = table
        self.calls: list[str] = []

    def lookup(self, host: str) -> HostAddresses:
        self.calls.append(host)
        if host not in self.table:
            raise DnsError(f"The host name {host} does not exist.")
        addresses, canonical = self.table[host]
        return HostAddresses(addresses=list(addresses), canonical_name=canonical)


def vcard(name: str, email: str = "") -> list:
    props = [["version", {}, "text", "4.0"], ["fn", {}, "text", name]]
    if email:
        props.append(["email", {"type": "work"}, "text", email])
    return ["vcard", props]


# An RIR answer shaped like ARIN's: the abuse contact nested inside the registrant organisation.
IP_RECORD = {
    "objectClassName": "ip network",
    "handle": "NET-198-18-0-0-1",
    "name": "EXAMPLE-HOSTING-NET",
    "startAddress": "93.184.0.0",
    "endAddress": "93.184.255.255",
    "cidr0_cidrs": [{"v4prefix": "93.184.0.0", "length": 16}],
    "country": "NL",
    "entities": [
        {
            "objectClassName": "entity",
            "handle": "EXH-1",
            "roles": ["registrant"],
            "vcardArray": vcard("Example Hosting B.V."),
            "entities": [
                {
                    "objectClassName": "entity",
                    "handle": "ABUSE-EXH",
                    "roles": ["abuse"],
                    "vcardArray": vcard("Abuse desk", "abuse@hosting.example"),
                }
            ],
        }
    ],
}


def domain_record(registrar_link: str) -> dict:
    # A thin registry's answer: the registrar entity with its abuse contact nested inside, and a link to the
    # registrar's own RDAP server.
    return {
        "objectClassName": "domain",
        "ldhName": "LEAKS.EXAMPLE",
        "links": [{"rel": "related", "type": "application/rdap+json", "href": registrar_link}],
        "entities": [
            {
                "objectClassName": "entity",
                "roles": ["registrar"],
                "publicIds": [{"type": "IANA Registrar ID", "identifier": "9999"}],
                "vcardArray": vcard("Example Registrar, Inc."),
                "entities": [
                    {"roles": ["abuse"], "vcardArray": vcard("", "abuse@registrar.example")},
                ],
            },
            {"roles": ["registrant"], "vcardArray": vcard("REDACTED FOR PRIVACY")},
        ],
    }


REGISTRAR_RECORD = {
    "objectClassName": "domain",
    "entities": [{"roles": ["abuse"], "vcardArray": vcard("Registrar abuse", "reports@registrar.example")}],
}


def bootstrap_files(folder: Path, base: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    entries = {
        "ipv4": [[["93.0.0.0/8", "104.0.0.0/8", "151.0.0.0/8"], [base + "/rir/"]]],
        "ipv6": [[["2001:db8::/32", "2606::/16"], [base + "/rir/"]]],
        "dns": [[["example"], [base + "/registry/"]]],
    }
    for name, services in entries.items():
        (folder / f"{name}.json").write_text(json.dumps({"version": "1.0", "services": services}))
    return folder


@pytest.fixture
def rdap_server(settings, tmp_path):
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True
    server = LocalServer().start()
    body = lambda data: Route(body=json.dumps(data).encode(), content_type="application/rdap+json")  # noqa: E731
    server.routes["/rir/ip/93.184.216.34"] = body(IP_RECORD)
    server.routes["/registry/domain/leaks.example"] = body(domain_record(server.base + "/registrar/leaks.example"))
    server.routes["/registrar/leaks.example"] = body(REGISTRAR_RECORD)
    settings.RDAP_BOOTSTRAP_DIR = str(bootstrap_files(tmp_path / "rdap", server.base))
    yield server
    server.stop()


@pytest.fixture
def unreachable_rdap(settings, tmp_path):
    """Bootstrap files naming an RDAP server on a port where nothing listens: every RDAP request fails at once."""
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True
    server = LocalServer()  # bound, never started, then closed: the port refuses connections
    port = server.port
    server.httpd.server_close()
    settings.RDAP_BOOTSTRAP_DIR = str(bootstrap_files(tmp_path / "rdap", f"http://127.0.0.1:{port}"))


RESOLVER = StubResolver(
    {
        "www.leaks.example": (["93.184.216.34", "2001:db8::10"], ""),
        "cdn.leaks.example": (["104.16.5.5"], "cdn.leaks.example.cdn.cloudflare.net"),
    }
)


# --- CDN ranges --------------------------------------------------------------------------------------------


def test_shipped_cdn_file_has_the_published_cloudflare_and_fastly_ranges_with_source_and_date():
    data = json.loads((DATA / "cdn_ranges.json").read_text())
    by_slug = {p["slug"]: p for p in data["providers"]}
    for slug in ("cloudflare", "fastly"):
        assert by_slug[slug]["fetched_at"] and by_slug[slug]["sources"][0]["url"].startswith("https://")
    for net in ("104.16.0.0/13", "172.64.0.0/13", "131.0.72.0/22", "2400:cb00::/32", "2a06:98c0::/29"):
        assert net in by_slug["cloudflare"]["ranges"]
    assert "151.101.0.0/16" in by_slug["fastly"]["ranges"]
    for provider in data["providers"]:  # every provider says where its list comes from, or why there is none
        assert provider["sources"] or provider["how"]


@pytest.mark.parametrize(
    ("ip", "provider"),
    [
        ("104.16.1.1", "Cloudflare"),
        ("172.71.255.254", "Cloudflare"),
        ("2606:4700:10::6814:1", "Cloudflare"),
        ("::ffff:104.16.1.1", "Cloudflare"),
        ("151.101.65.140", "Fastly"),
        ("2a04:4e42:400::1", "Fastly"),
        ("104.15.255.255", None),
        ("8.8.8.8", None),
        ("2001:4860::1", None),
    ],
)
def test_shipped_ranges_name_the_cdn(ip, provider):
    found = cdn.load_ranges().match(ip)
    assert (found.name if found else None) == provider


def test_the_most_specific_range_wins_and_thousands_of_ranges_are_matched_by_prefix_length():
    wide = [f"10.{i}.0.0/16" for i in range(256)] + [f"11.{i}.{j}.0/24" for i in range(16) for j in range(256)]
    ranges = cdn.CdnRanges(
        [
            {"slug": "wide", "name": "Wide", "ranges": ["10.0.0.0/8", *wide]},
            {"slug": "narrow", "name": "Narrow", "ranges": ["10.1.2.0/24"]},
        ]
    )
    assert ranges.range_count == 1 + len(wide) + 1
    assert ranges.match("10.1.2.3").slug == "narrow"
    assert ranges.match("10.1.3.3").slug == "wide"
    assert ranges.match("11.15.255.1").slug == "wide"
    assert ranges.match("11.16.0.1") is None
    # Lookups are per prefix length present (/8, /16, /24 here), never per range.
    assert [length for length, _ in ranges._tables[4]] == [24, 16, 8]


# --- the chain ---------------------------------------------------------------------------------------------


def test_identify_finds_addresses_network_owner_registrar_and_abuse_contacts(db, rdap_server):
    identity = hosts.host_identify(host="https://www.leaks.example/gallery/1", resolver=RESOLVER)
    assert identity.host == "www.leaks.example"
    assert identity.ips == ["93.184.216.34", "2001:db8::10"]
    assert identity.cdn == ""
    assert identity.network_owner == "Example Hosting B.V."
    assert identity.network["range"] == "93.184.0.0/16" and identity.network["country"] == "NL"
    assert identity.registered_domain == "leaks.example"
    assert identity.registrar == "Example Registrar, Inc." and identity.registrar_iana_id == "9999"
    assert [(c["email"], c["source"]) for c in identity.abuse_contacts] == [
        ("abuse@hosting.example", "network"),
        ("abuse@registrar.example", "registrar"),
        ("reports@registrar.example", "registrar"),  # from the registrar's own server, via the related link
    ]
    assert identity.errors == {}
    # The registry was asked for the registered domain, not the www host; the private IPv6 was never asked.
    assert rdap_server.hits("/registry/domain/leaks.example") == 1
    assert rdap_server.hits("/rir/ip/2001") == 0
    event = Event.objects.get(type=EventType.HOST_IDENTIFIED)
    assert event.data["host"] == "www.leaks.example" and event.data["failed_parts"] == []


def test_a_second_identify_uses_the_stored_answer_until_it_is_stale(db, rdap_server):
    first = hosts.host_identify(host="www.leaks.example", resolver=RESOLVER)
    calls = len(RESOLVER.calls)
    again = hosts.host_identify(host="https://www.leaks.example/other", resolver=RESOLVER)
    assert again.pk == first.pk
    assert rdap_server.hits("/rir/") == 1 and rdap_server.hits("/registry/") == 1
    assert len(RESOLVER.calls) == calls
    HostIdentity.objects.filter(pk=first.pk).update(looked_up_at=timezone.now() - timedelta(days=31))
    hosts.host_identify(host="www.leaks.example", resolver=RESOLVER)
    assert rdap_server.hits("/rir/") == 2
    hosts.host_identify(host="www.leaks.example", resolver=RESOLVER, refresh=True)
    assert rdap_server.hits("/rir/") == 3


def test_cdn_is_named_without_any_network_and_other_parts_fail_alone(db, unreachable_rdap):
    identity = hosts.host_identify(host="cdn.leaks.example", resolver=RESOLVER)
    assert identity.cdn == "Cloudflare" and identity.cdn_slug == "cloudflare"
    assert identity.canonical_name == "cdn.leaks.example.cdn.cloudflare.net"
    assert identity.abuse_contacts == [
        {"email": "", "url": "https://abuse.cloudflare.com/", "name": "Cloudflare", "source": "cdn"}
    ]
    assert set(identity.errors) == {"network_owner", "registrar"}
    assert "could not be reached" in identity.errors["network_owner"]
    # A failed part makes the answer stale sooner than a complete one.
    assert identity.is_fresh()
    assert not identity.is_fresh(now=timezone.now() + timedelta(hours=7))


def test_an_unknown_host_and_a_private_address_are_reported_not_raised(db, rdap_server):
    missing = hosts.host_identify(host="gone.leaks.example", resolver=RESOLVER)
    assert missing.ips == [] and "does not exist" in missing.errors["dns"]
    assert missing.registrar == "Example Registrar, Inc."  # the domain still has a registrar
    private = hosts.host_identify(host="http://10.1.2.3/x", resolver=RESOLVER)
    assert "private or reserved" in private.errors["network_owner"] and rdap_server.hits("/rir/ip/10.") == 0
    with pytest.raises(hosts.HostInputError):
        hosts.host_identify(host="not a url at all", resolver=RESOLVER)


def test_rdap_errors_are_plain_words(db, rdap_server):
    rdap_server.routes["/rir/ip/93.184.216.34"] = Route(status=429, body=b"slow down")
    rdap_server.routes["/registry/domain/leaks.example"] = Route(
        body=b"<html>not json</html>", content_type="text/html"
    )
    identity = hosts.host_identify(host="www.leaks.example", resolver=RESOLVER)
    assert "slow down" in identity.errors["network_owner"]
    assert "not JSON" in identity.errors["registrar"]


def test_bootstrap_picks_the_longest_prefix_and_https_only_in_production():
    boot = rdap.Bootstrap(
        ipv4={
            "services": [[["104.0.0.0/8"], ["https://wide.example/"]], [["104.16.0.0/12"], ["https://narrow.example"]]]
        },
        ipv6={"services": []},
        dns={"services": [[["uk"], ["https://uk.example/"]], [["co.uk"], ["http://plain.example/"]]]},
    )
    assert boot.ip_base("104.16.1.1") == "https://narrow.example/"
    assert boot.ip_base("104.1.1.1") == "https://wide.example/"
    assert boot.ip_base("2001:db8::1") is None
    assert boot.domain_base("www.leaks.co.uk") is None  # the longest suffix is http-only: refused
    assert boot.domain_base("www.leaks.uk") == ("uk", "https://uk.example/")


def test_shipped_bootstrap_files_are_rfc9224_and_cover_the_registries():
    boot = rdap.Bootstrap.from_dir(DATA / "rdap")
    assert boot.ip_base("104.16.1.1") == "https://rdap.arin.net/registry/"
    assert boot.ip_base("2a00:1450::1") == "https://rdap.db.ripe.net/"
    assert boot.domain_base("www.example.com") == ("com", "https://rdap.verisign.com/com/v1/")


# --- command, task, hook, reconcile, page ------------------------------------------------------------------


def test_identify_host_command_prints_json_and_names_the_cdn_when_rdap_is_unreachable(db, unreachable_rdap):
    out = io.StringIO()
    call_command("identify_host", "https://104.16.1.1/x", stdout=out)
    data = json.loads(out.getvalue())
    for key in ("ips", "cdn", "network_owner", "abuse_contacts", "registrar"):
        assert key in data
    assert data["ips"] == ["104.16.1.1"] and data["cdn"] == "Cloudflare"
    assert data["network_owner"] is None and data["registrar"] is None
    assert "network_owner" in data["errors"] and "registrar" not in data["errors"]  # an address has no registrar
    with pytest.raises(CommandError, match="not a URL"):
        call_command("identify_host", "http://ex ample/", stdout=io.StringIO())


def test_adding_an_unknown_website_enqueues_the_lookup_which_the_task_completes(
    db, settings, rdap_server, django_capture_on_commit_callbacks
):
    settings.IDENTIFY_HOSTS = True
    rdap_server.routes["/rir/ip/104.16.1.1"] = Route(
        body=json.dumps({**IP_RECORD, "name": "CLOUDFLARENET", "entities": []}).encode(),
        content_type="application/rdap+json",
    )
    case = CaseFactory()
    # A URL on an address, so the task needs no DNS; the known platform's URL is not looked up at all.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        added = locations_add(
            case=case,
            urls=["https://104.16.1.1/leak.jpg", "https://www.reddit.com/r/x/comments/abc/y/"],
            actor_kind="victim",
        )
    assert len(callbacks) == 1
    identity = HostIdentity.objects.get(host="104.16.1.1")
    assert identity.cdn == "Cloudflare" and identity.network_owner == "CLOUDFLARENET"
    assert Event.objects.filter(type=EventType.HOST_IDENTIFIED, case=case).count() == 1
    # Run twice: the stored answer is fresh, so the task asks nothing again.
    hosts.location_host_identify(location_id=added[0].pk)
    assert rdap_server.hits("/rir/ip/104.16.1.1") == 1


def test_reconcile_enqueues_unknown_websites_never_identified(db, settings):
    settings.IDENTIFY_HOSTS = True
    case = CaseFactory()
    old = timezone.now() - timedelta(hours=1)
    lost = [
        LocationFactory(case=case, url=f"https://lost.example/{i}", host="lost.example", platform=None)
        for i in range(2)
    ]
    done = LocationFactory(case=case, url="https://done.example/1", host="done.example", platform=None)
    HostIdentity.objects.create(host="done.example", looked_up_at=timezone.now())
    LocationFactory(case=case)  # a known platform: not looked up
    ReportedLocation.objects.update(created_at=old)
    assert hosts.hosts_reconcile(older_than_seconds=600) == [lost[0].pk]  # one per host
    assert work_reconcile()["host lookups"] == 1
    assert done.pk not in hosts.hosts_reconcile(older_than_seconds=600)


def test_case_page_shows_who_can_act_next_to_the_location(db, client, advocate, unreachable_rdap, settings):
    case = CaseFactory()
    LocationFactory(case=case, url="https://cdn.leaks.example/a", host="cdn.leaks.example", platform=None)
    LocationFactory(case=case, url="https://new.leaks.example/a", host="new.leaks.example", platform=None)
    hosts.host_identify(host="cdn.leaks.example", resolver=RESOLVER)
    HostIdentity.objects.filter(host="cdn.leaks.example").update(
        registrar="Example Registrar, Inc.",
        abuse_contacts=[
            {"email": "", "url": "https://abuse.cloudflare.com/", "name": "Cloudflare", "source": "cdn"},
            {"email": "abuse@registrar.example", "url": "", "name": "", "source": "registrar"},
        ],
    )
    client.force_login(advocate)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("takedowns:case_detail", args=[case.reference])).content.decode()
    assert "Behind Cloudflare; origin host unknown" in page
    assert "Example Registrar, Inc." in page
    assert 'href="mailto:abuse@registrar.example"' in page and "https://abuse.cloudflare.com/" in page
    assert "has not been looked up yet" in page  # the second website
    assert sum("takedowns_hostidentity" in q["sql"] for q in queries.captured_queries) == 1


# --- refreshing the data files -----------------------------------------------------------------------------


def test_refresh_host_data_fetches_each_providers_list_and_the_iana_files(db, settings, tmp_path):
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True
    server = LocalServer().start()
    try:
        server.routes["/cf-v4"] = Route(
            body=b"104.16.0.0/13\n# comment\n\n198.41.128.0/17\n", content_type="text/plain"
        )
        server.routes["/cf-v6"] = Route(body=b"2606:4700::/32\n", content_type="text/plain")
        server.routes["/fastly"] = Route(
            body=json.dumps({"addresses": ["151.101.0.0/16"], "ipv6_addresses": ["2a04:4e42::/32"]}).encode()
        )
        server.routes["/aws"] = Route(
            body=json.dumps(
                {
                    "prefixes": [
                        {"ip_prefix": "13.32.0.0/15", "service": "CLOUDFRONT"},
                        {"ip_prefix": "3.5.140.0/22", "service": "S3"},
                    ],
                    "ipv6_prefixes": [{"ipv6_prefix": "2600:9000::/28", "service": "CLOUDFRONT"}],
                }
            ).encode()
        )
        server.routes["/bunny"] = Route(body=b'["89.187.188.227", "not-an-address"]')
        ranges_file = tmp_path / "cdn_ranges.json"
        data = json.loads((DATA / "cdn_ranges.json").read_text())
        urls = {
            "cloudflare": [server.base + "/cf-v4", server.base + "/cf-v6"],
            "fastly": [server.base + "/fastly"],
            "cloudfront": [server.base + "/aws"],
            "bunny": [server.base + "/bunny", server.base + "/bunny"],
        }
        for provider in data["providers"]:
            for source, url in zip(provider["sources"], urls.get(provider["slug"], []), strict=False):
                source["url"] = url
        ranges_file.write_text(json.dumps(data))
        settings.CDN_RANGES_FILE = str(ranges_file)
        bunny_before = next(p for p in data["providers"] if p["slug"] == "bunny")["ranges"]

        err = io.StringIO()
        with pytest.raises(CommandError):
            call_command("refresh_host_data", "--cdn", stdout=io.StringIO(), stderr=err)
        assert "Bunny CDN not updated" in err.getvalue()
        after = {p["slug"]: p for p in json.loads(ranges_file.read_text())["providers"]}
        assert after["cloudflare"]["ranges"] == ["104.16.0.0/13", "198.41.128.0/17", "2606:4700::/32"]
        assert after["cloudflare"]["fetched_at"] == timezone.now().date().isoformat()
        assert after["cloudfront"]["ranges"] == ["13.32.0.0/15", "2600:9000::/28"]
        assert after["bunny"]["ranges"] == bunny_before  # a bad list changes nothing
        assert cdn.load_ranges().match("13.33.1.1").name == "Amazon CloudFront"  # the file is read again

        folder = tmp_path / "rdap"
        shutil.copytree(DATA / "rdap", folder)
        settings.RDAP_BOOTSTRAP_DIR = str(folder)
        for name in ("ipv4", "ipv6", "dns"):
            server.routes[f"/iana/{name}.json"] = Route(
                body=json.dumps({"version": "1.0", "services": [[["x"], ["https://rdap.example/"]]]}).encode()
            )
        call_command("refresh_host_data", "--rdap", "--iana-base", server.base + "/iana/", stdout=io.StringIO())
        assert json.loads((folder / "dns.json").read_text())["services"] == [[["x"], ["https://rdap.example/"]]]
    finally:
        server.stop()


def test_erasure_forgets_hosts_no_other_case_reports(db, unreachable_rdap):
    from takedowns.services.erasure import case_erase

    erased, other = CaseFactory(), CaseFactory()
    LocationFactory(case=erased, url="https://only.leaks.example/a", host="only.leaks.example", platform=None)
    LocationFactory(case=erased, url="https://shared.leaks.example/a", host="shared.leaks.example", platform=None)
    LocationFactory(case=other, url="https://shared.leaks.example/b", host="shared.leaks.example", platform=None)
    for host in ("only.leaks.example", "shared.leaks.example"):
        HostIdentity.objects.create(host=host, looked_up_at=timezone.now())
    hosts.host_identify(host="cdn.leaks.example", resolver=RESOLVER, case=erased)
    case_erase(case=erased, actor_kind="victim")
    assert set(HostIdentity.objects.values_list("host", flat=True)) == {"shared.leaks.example", "cdn.leaks.example"}
    event = Event.objects.get(type=EventType.HOST_IDENTIFIED, case=erased)
    assert event.redacted and "cdn.leaks.example" not in json.dumps(event.data)


# --- the real resolver, against a local DNS server ---------------------------------------------------------


class LocalDns:
    """A tiny authoritative DNS server on 127.0.0.1 (UDP) answering from a zone dict, built with dnspython's
    own message classes: the production resolver is exercised without asking the internet."""

    def __init__(self, zone: dict[tuple[str, str], list[str]]):
        import socket
        import threading

        self.zone = zone
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        import dns.message
        import dns.rcode
        import dns.rdatatype
        import dns.rrset

        while self.running:
            try:
                wire, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(wire)
            response = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower()
            kind = dns.rdatatype.to_text(question.rdtype)
            cname = self.zone.get((name, "CNAME"))
            target = name
            if cname:
                response.answer.append(dns.rrset.from_text(name + ".", 60, "IN", "CNAME", cname[0] + "."))
                target = cname[0]
            values = self.zone.get((target, kind), [])
            if values:
                response.answer.append(dns.rrset.from_text(target + ".", 60, "IN", kind, *values))
            elif not any(key[0] in (name, target) for key in self.zone):
                response.set_rcode(dns.rcode.NXDOMAIN)
            self.sock.sendto(response.to_wire(), peer)

    def stop(self):
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


def test_dns_resolver_reads_a_aaaa_and_the_cname_target_and_reports_missing_names():
    from takedowns.hostid.resolver import DnsResolver

    server = LocalDns(
        {
            ("www.leaks.example", "CNAME"): ["leaks.example.cdn.cloudflare.net"],
            ("leaks.example.cdn.cloudflare.net", "A"): ["104.16.1.1", "104.16.2.2"],
            ("leaks.example.cdn.cloudflare.net", "AAAA"): ["2606:4700::6810:101"],
            ("v4only.example", "A"): ["93.184.216.34"],
        }
    )
    try:
        resolver = DnsResolver(nameservers=["127.0.0.1"], port=server.port, lifetime=2.0)
        answer = resolver.lookup("www.leaks.example")
        assert sorted(answer.addresses) == ["104.16.1.1", "104.16.2.2", "2606:4700::6810:101"]  # a set: any order
        assert answer.canonical_name == "leaks.example.cdn.cloudflare.net"
        assert resolver.lookup("v4only.example").addresses == ["93.184.216.34"]
        with pytest.raises(DnsError, match="does not exist"):
            resolver.lookup("gone.example")
    finally:
        server.stop()


def test_a_silent_name_server_ends_in_a_dns_error_within_the_lifetime():
    import socket

    from takedowns.hostid.resolver import DnsResolver

    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))  # receives, never answers
    try:
        resolver = DnsResolver(nameservers=["127.0.0.1"], port=silent.getsockname()[1], lifetime=0.5)
        with pytest.raises(DnsError, match="in time"):
            resolver.lookup("www.leaks.example")
    finally:
        silent.close()


def test_host_identify_runs_on_the_io_queue():
    assert django_settings.CELERY_TASK_ROUTES["takedowns.tasks.host_identify"] == {"queue": "io"}


def test_an_advocate_can_look_up_any_location_again_and_a_repeated_task_looks_up_once(
    db, client, advocate, reddit_staff, rdap_server, django_capture_on_commit_callbacks
):
    rdap_server.routes["/rir/ip/104.16.1.1"] = Route(
        body=json.dumps({**IP_RECORD, "name": "CLOUDFLARENET", "entities": []}).encode(),
        content_type="application/rdap+json",
    )
    case = CaseFactory()
    location = LocationFactory(case=case, url="https://104.16.1.1/a", host="104.16.1.1", platform=None)
    HostIdentity.objects.create(host="104.16.1.1", looked_up_at=timezone.now())  # fresh, but empty
    url = reverse("takedowns:location_identify", args=[case.reference, location.pk])

    client.force_login(reddit_staff)
    assert client.post(url).status_code == 404
    client.force_login(advocate)
    assert client.get(url).status_code == 405
    page = client.get(reverse("takedowns:case_detail", args=[case.reference])).content.decode()
    assert f'action="{url}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert HostIdentity.objects.get(host="104.16.1.1").network_owner == "CLOUDFLARENET"
    assert rdap_server.hits("/rir/ip/104.16.1.1") == 1
    # The same request delivered again: the stored answer is newer than the request, so nothing is asked.
    asked = (timezone.now() - timedelta(seconds=5)).isoformat()
    hosts.location_host_identify(location_id=location.pk, requested_at=asked)
    assert rdap_server.hits("/rir/ip/104.16.1.1") == 1
