"""Outbound HTTP with guard rails (CONVENTIONS.md §8): the one way Recourse talks to other servers.

Verification, webhooks and anything later that fetches go through :func:`request`:

- http/https only, no credentials in the URL.
- The host is resolved once (through an injectable ``resolver``) and every address is screened: loopback,
  private, link-local, carrier-grade NAT, multicast, reserved, documentation, benchmarking, 6to4 (2002::/16),
  NAT64 (64:ff9b::/96, 64:ff9b:1::/48), Teredo, site-local (fec0::/10), IETF protocol (192.0.0.0/24),
  IPv4-mapped/compatible IPv6 and cloud-metadata addresses are refused. One bad address among several is
  enough to refuse: a name that resolves to both is a DNS-rebinding trick. ``FETCH_ALLOW_PRIVATE_ADDRESSES``
  (tests with local servers only) lets loopback and private addresses through; metadata addresses and the
  unspecified address stay refused even then.
- The socket goes to the address that was screened; TLS SNI and the certificate are checked against the host
  name. There is no second DNS lookup that could be rebound.
- At most :data:`MAX_REDIRECTS` redirects, each one re-screened like the first URL.
- The body is streamed and cut at ``max_bytes`` (a larger ``Content-Length`` is refused before reading), and
  the whole exchange, redirects included, must finish within ``total_timeout`` seconds.
- The type is sniffed from the bytes (:attr:`Response.sniffed_type`), because servers mislabel.

Built on urllib3 (maintained, already installed under requests, now pinned in requirements.txt): its
connection pools take a separate ``server_hostname``/``assert_hostname``, which is exactly "connect to this
IP, verify the certificate for that name", with no monkeypatching of sockets or DNS.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ProtocolError, ReadTimeoutError, SSLError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from hashing.formats import MEDIA_TYPES, picture_format

USER_AGENT = "RecourseVerifier/1.0 (+https://github.com/recourse; checks reported NCII URLs for removal notices)"
DEFAULT_TIMEOUT = 10.0  # per connect / per read
DEFAULT_TOTAL_TIMEOUT = 30.0  # the whole exchange, redirects included
DEFAULT_MAX_BYTES = 30 * 1024 * 1024
MAX_REDIRECTS = 5
REDIRECT_STATUSES = (301, 302, 303, 307, 308)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class FetchError(Exception):
    """Refused or failed; ``code`` is stable, ``message`` is plain words. Not worth retrying."""

    code = "fetch_error"
    transient = False

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class AddressNotAllowed(FetchError):
    code = "address_not_allowed"


class ResponseTooLarge(FetchError):
    code = "too_large"


class TooManyRedirects(FetchError):
    code = "too_many_redirects"


class FetchFailed(FetchError):
    """Network trouble (connection refused or reset, DNS failure): worth retrying later."""

    code = "network"
    transient = True


class FetchTimeout(FetchFailed):
    code = "timeout"


class TlsError(FetchError):
    """The certificate does not verify for the host name (or TLS failed): a retry would see the same."""

    code = "tls"


class HostNotFound(FetchError):
    """The name does not exist (NXDOMAIN): retrying will not help."""

    code = "host_not_found"


_NO_SUCH_HOST = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


# --- address screening -------------------------------------------------------------------------------------

# Cloud instance-metadata endpoints: never a legitimate target, refused even when private addresses are
# allowed for tests. 168.63.129.16 (Azure) is a public address, so only this list catches it.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "168.63.129.16", "fd00:ec2::254")
)

# (network, reason, allowed_when_private_allowed)
_NETWORKS: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str, bool], ...] = tuple(
    (ipaddress.ip_network(net), reason, lenient)
    for net, reason, lenient in (
        ("0.0.0.0/8", "an unspecified / 'this network' address", False),
        ("10.0.0.0/8", "a private address", True),
        ("100.64.0.0/10", "a carrier-grade NAT address", True),
        ("127.0.0.0/8", "a loopback address", True),
        ("169.254.0.0/16", "a link-local address", True),
        ("172.16.0.0/12", "a private address", True),
        ("192.0.0.0/24", "an IETF protocol-assignment address", True),
        ("192.0.2.0/24", "a documentation address", True),
        ("192.88.99.0/24", "a 6to4 relay address", True),
        ("192.168.0.0/16", "a private address", True),
        ("198.18.0.0/15", "a benchmarking address", True),
        ("198.51.100.0/24", "a documentation address", True),
        ("203.0.113.0/24", "a documentation address", True),
        ("224.0.0.0/4", "a multicast address", True),
        ("240.0.0.0/4", "a reserved address", True),
        ("::/128", "the unspecified address", False),
        ("::1/128", "a loopback address", True),
        ("::/96", "an IPv4-compatible IPv6 address", True),
        # SIIT's IPv4-translated form (RFC 2765): a translator turns ::ffff:0:a.b.c.d into a.b.c.d.
        ("::ffff:0:0:0/96", "an IPv4-translated address (it reaches an IPv4 address indirectly)", True),
        ("64:ff9b::/96", "a NAT64 address (it reaches an IPv4 address indirectly)", True),
        ("64:ff9b:1::/48", "a NAT64 address (it reaches an IPv4 address indirectly)", True),
        ("100::/64", "a discard-only address", True),
        ("2001::/32", "a Teredo address (it reaches an IPv4 address indirectly)", True),
        ("2001:db8::/32", "a documentation address", True),
        ("2002::/16", "a 6to4 address (it reaches an IPv4 address indirectly)", True),
        # Segment-routing SIDs (RFC 9602): steer packets through an operator's network, not a public host.
        ("5f00::/16", "a segment-routing (SRv6) address", True),
        ("fc00::/7", "a private (unique local) address", True),
        ("fe80::/10", "a link-local address", True),
        ("fec0::/10", "a site-local address", True),
        ("ff00::/8", "a multicast address", True),
    )
)


def address_refusal(ip: Address, *, allow_private: bool = False) -> str | None:
    """Why ``ip`` must not be contacted, or None when it may be."""
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            # ::ffff:a.b.c.d reaches the IPv4 address: judge that one.
            return address_refusal(ip.ipv4_mapped, allow_private=allow_private)
        ip = ipaddress.IPv6Address(int(ip))  # drop any %zone
    for network, reason, lenient in _NETWORKS:
        if ip.version == network.version and ip in network:
            return None if (allow_private and lenient) else reason
    if not ip.is_global and not allow_private:
        return "not a public address"
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """The default resolver: every address the system resolver gives for ``host``."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as exc:
        raise HostNotFound(f"The host name {host!r} is not valid.") from exc
    except socket.gaierror as exc:
        if exc.errno in _NO_SUCH_HOST:
            raise HostNotFound(f"The host name {host!r} does not exist.") from exc
        raise FetchFailed(f"The host name {host!r} could not be resolved.") from exc
    return [str(info[4][0]) for info in infos]


def resolve(host: str, port: int, *, resolver: Resolver | None = None) -> str:
    """Resolve ``host`` once and return one screened address; refuse if any address is not allowed."""
    allow_private = settings.FETCH_ALLOW_PRIVATE_ADDRESSES
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    raw = [host] if literal is not None else list((resolver or system_resolver)(host, port))
    if not raw:
        raise FetchFailed(f"The host name {host!r} has no address.")
    addresses = []
    for text in raw:
        try:
            ip = ipaddress.ip_address(str(text).split("%")[0])
        except ValueError as exc:
            raise FetchFailed(f"The host name {host!r} resolved to something that is not an address.") from exc
        if reason := address_refusal(ip, allow_private=allow_private):
            raise AddressNotAllowed(f"{host} resolves to {ip}, {reason}; it is not fetched.")
        addresses.append(ip)
    return str(addresses[0])


# --- URLs --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def check_url(url: str, *, allow_http: bool = True) -> Target:
    """Parse ``url`` and refuse what can never be fetched (scheme, credentials, no host, bad port)."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError as exc:
        raise AddressNotAllowed("The address is not a valid URL.") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or (scheme == "http" and not allow_http):
        raise AddressNotAllowed(f"Only {'http(s)' if allow_http else 'https'} addresses can be fetched.")
    if not parts.hostname or parts.username or parts.password:
        raise AddressNotAllowed("The address has no host, or carries a user name or password.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, parts.hostname.rstrip("."), port or (443 if scheme == "https" else 80), path)


# --- sniffing ----------------------------------------------------------------------------------------------

_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<!--", b"<div", b"<img")


def sniff(body: bytes, declared: str = "") -> str:
    """The media type the bytes really are (pictures by magic number, as the decoder names them: hashing.formats;
    HTML by its opening markup), falling back on the declared type."""
    picture = picture_format(body)
    if picture is not None:
        return MEDIA_TYPES[picture]
    text = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(_HTML_STARTS):
        return "text/html"
    if declared.startswith("image/") or declared == "text/html":
        # Declared an image or a page but is neither: say what it is not, rather than trust the label.
        return "application/octet-stream"
    return declared or "application/octet-stream"


@dataclass
class Response:
    url: str  # the final URL, after redirects
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    redirects: list[str] = field(default_factory=list)  # every URL visited before ``url``

    @property
    def content_type(self) -> str:
        """The declared type (``Content-Type`` without parameters)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def sniffed_type(self) -> str:
        return sniff(self.body, self.content_type)

    @property
    def is_image(self) -> bool:
        return self.sniffed_type.startswith("image/")

    @property
    def is_html(self) -> bool:
        return self.sniffed_type == "text/html"


# --- the exchange ------------------------------------------------------------------------------------------

_TLS_CONTEXTS: dict[str | None, ssl.SSLContext] = {}


def _tls_context() -> ssl.SSLContext:
    cafile = settings.FETCH_CA_FILE or None
    if cafile not in _TLS_CONTEXTS:
        context = ssl.create_default_context(cafile=cafile)
        # urllib3 checks the name itself against assert_hostname (the URL's host), not the IP it connects to.
        context.check_hostname = False
        _TLS_CONTEXTS[cafile] = context
    return _TLS_CONTEXTS[cafile]


def _pool(target: Target, address: str, timeout: urllib3.Timeout):
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            maxsize=1,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ssl_context=_tls_context(),
            server_hostname=target.host,  # SNI
            assert_hostname=target.host,  # certificate name check
        )
    return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, maxsize=1, retries=False)


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_http: bool = True,
    follow_redirects: bool = True,
    resolver: Resolver | None = None,
) -> Response:
    """One HTTP exchange under the rules in the module docstring; redirects re-run every check."""
    deadline = time.monotonic() + total_timeout
    current = url
    visited: list[str] = []
    for _hop in range(MAX_REDIRECTS + 1):
        target = check_url(current, allow_http=allow_http)
        address = resolve(target.host, target.port, resolver=resolver)
        status, response_headers, data = _exchange(
            target, address, method, body, headers, timeout=timeout, deadline=deadline, max_bytes=max_bytes
        )
        if follow_redirects and status in REDIRECT_STATUSES and response_headers.get("location"):
            visited.append(current)
            current = urljoin(current, response_headers["location"].strip())
            if status == 303 or (status in (301, 302) and method == "POST"):
                method, body = "GET", None
            continue
        return Response(url=current, status=status, headers=response_headers, body=data, redirects=visited)
    raise TooManyRedirects(f"More than {MAX_REDIRECTS} redirects, starting at {url}.")


def _exchange(target, address, method, body, headers, *, timeout, deadline, max_bytes):
    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchTimeout(f"{target.host} took longer than the time allowed.")
        return left

    per_op = min(timeout, remaining())
    pool = _pool(target, address, urllib3.Timeout(connect=per_op, read=per_op))
    all_headers = {
        "Host": target.host_header,
        "User-Agent": USER_AGENT,
        "Accept": "*/*",
        "Accept-Encoding": "identity",
        **(headers or {}),
    }
    raw = None
    try:
        raw = pool.urlopen(
            method,
            target.path,
            body=body,
            headers=all_headers,
            redirect=False,
            retries=False,
            preload_content=False,
            decode_content=False,
            assert_same_host=False,
        )
        response_headers = {k.lower(): v for k, v in raw.headers.items()}
        length = response_headers.get("content-length", "").strip()
        if length.isdigit() and int(length) > max_bytes:
            raise ResponseTooLarge(
                f"{target.host} announces {int(length):,} bytes; the limit is {max_bytes:,} bytes, so it is not read."
            )
        chunks, total = [], 0
        while True:
            remaining()
            # read1: at most one recv, so a server dripping a byte at a time cannot outlast the deadline.
            chunk = raw.read1(64 * 1024, decode_content=False)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise ResponseTooLarge(f"{target.host} sent more than the limit of {max_bytes:,} bytes; cut off.")
            chunks.append(chunk)
        return raw.status, response_headers, b"".join(chunks)
    except (ReadTimeoutError, Urllib3Timeout, TimeoutError) as exc:
        raise FetchTimeout(f"{target.host} did not answer in time.") from exc
    except (SSLError, ssl.SSLError) as exc:
        raise TlsError(f"The TLS certificate of {target.host} could not be verified for that name.") from exc
    except (ProtocolError, Urllib3Error, OSError) as exc:
        if "timed out" in str(exc).lower():
            raise FetchTimeout(f"{target.host} did not answer in time.") from exc
        raise FetchFailed(f"Could not fetch from {target.host}: {exc.__class__.__name__}.") from exc
    finally:
        if raw is not None:
            raw.release_conn()
        pool.close()
