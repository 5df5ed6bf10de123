"""Outbound HTTP with guard rails (CONVENTIONS.md §8): the only way Recourse talks to other servers.

- The host is resolved first and every address is screened: private, loopback, link-local (including cloud
  metadata at 169.254.169.254), multicast, reserved and unspecified addresses are refused, unless
  ``FETCH_ALLOW_PRIVATE_ADDRESSES`` is set (tests with local servers only).
- The connection goes to the address that was screened (no second DNS lookup that could be rebound).
- Redirects are followed only through the same checks, a few times at most.
- Time and size are capped; the body is streamed and cut off at the cap.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from django.conf import settings

USER_AGENT = "Recourse/1.0 (+https://github.com/recourse; NCII removal notices)"
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 3


class FetchError(Exception):
    code = "fetch_error"

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class AddressNotAllowed(FetchError):
    code = "address_not_allowed"


class ResponseTooLarge(FetchError):
    code = "too_large"


class FetchFailed(FetchError):
    """Network trouble: worth retrying later."""

    code = "network"


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def _address_allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_link_local)


def resolve(host: str, port: int) -> str:
    """Resolve ``host`` and return one screened address; refuse if any address is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchFailed(f"The host name {host!r} could not be resolved.") from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise FetchFailed(f"The host name {host!r} has no address.")
    if not settings.FETCH_ALLOW_PRIVATE_ADDRESSES:
        for address in addresses:
            if not _address_allowed(ipaddress.ip_address(address.split("%")[0])):
                # One bad address is enough to refuse: a name that resolves to both is a rebinding trick.
                raise AddressNotAllowed(f"{host} resolves to {address}, which is not a public address.")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # Certificate and SNI are checked against the host name, while the socket goes to the screened address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _split(url: str, *, allow_http: bool):
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or (scheme == "http" and not allow_http):
        raise AddressNotAllowed(f"Only {'http(s)' if allow_http else 'https'} addresses can be fetched.")
    if not parts.hostname or parts.username or parts.password:
        raise AddressNotAllowed("The address has no host, or carries a user name or password.")
    port = parts.port or (443 if scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port, path


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_http: bool = True,
    follow_redirects: bool = True,
) -> Response:
    """One HTTP exchange under the rules above; redirects re-run every check on the new address."""
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        scheme, host, port, path = _split(current, allow_http=allow_http)
        address = resolve(host, port)
        connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = connection_class(host, port, address, timeout)
        all_headers = {"User-Agent": USER_AGENT, "Accept": "*/*", **(headers or {})}
        try:
            connection.request(method, path, body=body, headers=all_headers)
            raw = connection.getresponse()
            response_headers = {k.lower(): v for k, v in raw.getheaders()}
            length = response_headers.get("content-length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise ResponseTooLarge(f"The response is {int(length)} bytes; the limit is {max_bytes}.")
            chunks, total = [], 0
            while True:
                chunk = raw.read(64 * 1024)
                if not chunk:
                    break
                total += len(chunk)
                if total > max_bytes:
                    raise ResponseTooLarge(f"The response is larger than the limit of {max_bytes} bytes.")
                chunks.append(chunk)
        except (OSError, http.client.HTTPException) as exc:
            raise FetchFailed(f"Could not fetch {host}: {exc.__class__.__name__}: {exc}") from exc
        finally:
            connection.close()
        if follow_redirects and raw.status in (301, 302, 303, 307, 308) and "location" in response_headers:
            current = urljoin(current, response_headers["location"])
            if raw.status == 303:
                method, body = "GET", None
            continue
        return Response(url=current, status=raw.status, headers=response_headers, body=b"".join(chunks))
    raise FetchFailed(f"More than {MAX_REDIRECTS} redirects.")
