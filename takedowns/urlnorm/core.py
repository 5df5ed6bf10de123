"""Normalise one reported URL or host: the rules that decide whether an address names a page on a public website.

Plain Python with no Django imports, so the intake form, the REST API, the registry loader and the
management commands all share one definition of "the same address".

A takedown notice must name the exact location of the content (the TAKE IT DOWN Act and its EU/UK/AU
counterparts all require it), so this module refuses anything that is not the address of a page on a public
website: other schemes, bare domains, embedded credentials, private and loopback hosts. Its error messages
are shown to people in crisis, so each one is calm, plain and says what to do next.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import SplitResult, quote, unquote_plus, urlsplit, urlunsplit

# IDNA 2008 + UTS #46 mapping, as browsers do. Pinned in requirements.txt and required: Python's own "idna"
# codec is IDNA 2003, which maps "faß.de" to "fass.de" instead of "xn--fa-hia.de", so the same report would
# normalise (and deduplicate, and match a platform) differently from one installation to the next.
import idna as _idna

__all__ = [
    "DEFAULT_LIST_LIMIT",
    "E_TOO_MANY",
    "MAX_URL_LENGTH",
    "UrlError",
    "host_of",
    "normalise_host",
    "normalise_url",
]

# The de facto limit browsers, CDNs and most web forms accept; anything longer is almost always a paste
# accident (several addresses run together, or a data: blob).
MAX_URL_LENGTH = 2048
DEFAULT_LIST_LIMIT = 200

# Error codes (stable: the API and templates may branch on them).
E_EMPTY = "empty"
E_TOO_LONG = "too_long"
E_UNSUPPORTED_SCHEME = "unsupported_scheme"
E_BARE_DOMAIN = "bare_domain"
E_CREDENTIALS = "credentials"
E_NOT_PUBLIC = "not_public"
E_INVALID_HOST = "invalid_host"
E_INVALID_PORT = "invalid_port"
E_INVALID_URL = "invalid_url"
E_TOO_MANY = "too_many"

ERROR_CODES = frozenset(
    {
        E_EMPTY,
        E_TOO_LONG,
        E_UNSUPPORTED_SCHEME,
        E_BARE_DOMAIN,
        E_CREDENTIALS,
        E_NOT_PUBLIC,
        E_INVALID_HOST,
        E_INVALID_PORT,
        E_INVALID_URL,
        E_TOO_MANY,
    }
)

_COPY_HINT = "Please copy the full address from your browser's address bar — it starts with https://"

# Scheme-specific explanations: a victim who pasted one of these usually copied the wrong thing, and a
# message that says what they copied helps more than "invalid URL".
_SCHEME_MESSAGES: dict[str, str] = {
    "javascript": "This is a piece of browser code, not the address of a page. " + _COPY_HINT,
    "data": "This is the image or file itself written out as text, not the address where it is posted. " + _COPY_HINT,
    "blob": "This is a temporary address that only works inside your own browser. "
    "Please open the post itself and copy the address from the address bar — it starts with https://",
    "file": "This is the address of a file on your own device, not a page on a website. "
    "If you want to add your own copy of the image, please use the image upload instead.",
    "content": "This is the address of a file on your phone, not a page on a website. "
    "If you want to add your own copy of the image, please use the image upload instead.",
    "ftp": "Addresses starting with ftp:// cannot be reported here. "
    "Please send the address of the web page that shows the content — it starts with https://",
    "mailto": "This is an e-mail address, not the address of a page. " + _COPY_HINT,
    "tel": "This is a phone number, not the address of a page. " + _COPY_HINT,
    "sms": "This is a phone number, not the address of a page. " + _COPY_HINT,
}
for _alias, _target in (("ftps", "ftp"), ("sftp", "ftp")):
    _SCHEME_MESSAGES[_alias] = _SCHEME_MESSAGES[_target]

# Query keys that only record how a link was shared; dropping them makes the same post de-duplicate and
# keeps the sharer's identifiers (fbclid, igshid, mc_eid) out of notices sent to third parties.
_TRACKING_KEYS = frozenset({"fbclid", "gclid", "igshid", "igsh", "mc_cid", "mc_eid", "ref_src"})
_TRACKING_PREFIXES = ("utm_",)
# `si` is YouTube's share id, but a two-letter key may mean something real elsewhere, and stripping a
# meaningful parameter would make the notice point at the wrong content — so only strip it on YouTube.
_HOST_TRACKING_KEYS: tuple[tuple[tuple[str, ...], frozenset[str]], ...] = (
    (("youtube.com", "youtu.be", "youtube-nocookie.com"), frozenset({"si"})),
)

# Names that resolve to the visitor's own machine or network, never to a public website.
_NON_PUBLIC_SUFFIXES = ("localhost", "local", "internal", "localdomain", "home.arpa", "lan", "intranet")

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
# A legacy IPv4 spelling (2130706433, 0x7f.1, 0177.0.0.1) that browsers and resolvers still accept.
_LEGACY_IPV4_RE = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}$")
_LABEL_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?$")
_STRICT_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$")
_QUOTE_PAIRS = (("<", ">"), ('"', '"'), ("'", "'"), ("\u201c", "\u201d"), ("\u2018", "\u2019"), ("`", "`"))
# Characters left untouched when percent-encoding a path or query: the RFC 3986 reserved and unreserved
# sets plus "%", so existing escapes survive and normalising twice gives the same string.
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = _SAFE_PATH + "?"


class UrlError(ValueError):
    """A reported address that cannot be used, with a stable ``code`` and a message fit to show a victim."""

    def __init__(self, code: str, message: str, *, value: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.value = value

    def __repr__(self) -> str:
        return f"UrlError(code={self.code!r}, message={self.message!r})"


# --- hosts -----------------------------------------------------------------------------------------------


def _idna_encode(host: str) -> str:
    if host.isascii():
        # Already ASCII (including punycode): only case matters. Running the codec over ASCII labels would
        # refuse real-world hostnames with underscores.
        return host.lower()
    try:
        return _idna.encode(host, uts46=True).decode("ascii")
    except _idna.IDNAError:
        pass  # fall through to the IDNA 2003 codec, which browsers still accept for some symbols
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise UrlError(
            E_INVALID_HOST,
            "The website name in this address has characters we cannot read. " + _COPY_HINT,
            value=host,
        ) from exc


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _LEGACY_IPV4_RE.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _not_public(value: str) -> UrlError:
    return UrlError(
        E_NOT_PUBLIC,
        "This address points to a computer on a private network or to your own device, not to a public "
        "website, so no platform can act on it. " + _COPY_HINT,
        value=value,
    )


def normalise_host(host: str, *, strict: bool = False) -> str:
    """Return ``host`` lowercased, IDNA-encoded (punycode) and without a trailing dot.

    IP literals come back in canonical form (IPv6 without brackets). ``strict`` refuses underscores and IP
    literals, for the registry, where every domain is an operator-entered public hostname; reported URLs
    are lenient because real sites do use underscores in subdomains.
    Raises ``UrlError`` (``invalid_host``) when the name cannot be a hostname.
    """
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    # Browsers treat a single trailing dot as the same name (it is the DNS root).
    host = host.removesuffix(".")
    if not host:
        raise UrlError(E_INVALID_HOST, "This address has no website name in it. " + _COPY_HINT, value=host)
    ip = _ip_literal(host.lower())
    if ip is not None:
        if strict:
            raise UrlError(E_INVALID_HOST, f"{host!r} is an IP address, not a domain name.", value=host)
        return str(ip)
    encoded = _idna_encode(host)
    # UTS #46 maps full-width and ideographic dots to ".", which can reintroduce a trailing one.
    encoded = encoded.removesuffix(".")
    labels = encoded.split(".")
    label_re = _STRICT_LABEL_RE if strict else _LABEL_RE
    if len(encoded) > 253 or not all(label_re.match(label) for label in labels):
        raise UrlError(
            E_INVALID_HOST,
            "The website name in this address does not look right. " + _COPY_HINT,
            value=host,
        )
    return encoded


def _check_public(host: str, original: str) -> None:
    ip = _ip_literal(host)
    if ip is not None:
        mapped = getattr(ip, "ipv4_mapped", None)
        target = mapped if mapped is not None else ip
        if not target.is_global or target.is_multicast:
            raise _not_public(original)
        return
    if host == "localhost" or any(host == s or host.endswith("." + s) for s in _NON_PUBLIC_SUFFIXES):
        raise _not_public(original)
    if "." not in host:
        raise UrlError(
            E_INVALID_HOST,
            "The website name in this address looks incomplete (it has no ending such as .com). " + _COPY_HINT,
            value=original,
        )


# --- URLs ------------------------------------------------------------------------------------------------


def _strip_wrapping(value: str) -> str:
    value = value.strip()
    changed = True
    while changed and len(value) >= 2:
        changed = False
        for left, right in _QUOTE_PAIRS:
            if value.startswith(left) and value.endswith(right):
                value = value[1:-1].strip()
                changed = True
    return value


def _split_scheme(value: str) -> tuple[str | None, str]:
    """Return (scheme or None, rest). ``www.reddit.com:443/x`` and ``localhost:8000/x`` have no scheme."""
    m = _SCHEME_RE.match(value)
    if not m:
        return None, value
    candidate = m.group(1)
    after = value[m.end() :]
    known = candidate.lower() in _SCHEME_MESSAGES or candidate.lower() in ("http", "https")
    if not known and ("." in candidate or re.match(r"^\d", after)):
        # A dotted "scheme" or digits after the colon means host:port with the scheme left off.
        return None, value
    return candidate.lower(), after


def _under(host: str, suffixes: tuple[str, ...]) -> bool:
    return any(host == s or host.endswith("." + s) for s in suffixes)


def _clean_query(query: str, host: str) -> str:
    if not query:
        return ""
    extra: set[str] = set()
    for suffixes, keys in _HOST_TRACKING_KEYS:
        if _under(host, suffixes):
            extra |= keys
    kept = []
    for piece in query.split("&"):
        if not piece:
            continue
        key = unquote_plus(piece.split("=", 1)[0]).strip().lower()
        if key.startswith(_TRACKING_PREFIXES) or key in _TRACKING_KEYS or key in extra:
            continue
        # Re-encode only what is unsafe (spaces, non-ASCII) so the parameter reaches the platform unchanged.
        kept.append(quote(piece, safe=_SAFE_QUERY))
    return "&".join(kept)


def _split(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError as exc:  # unbalanced IPv6 brackets and similar
        raise UrlError(E_INVALID_URL, "This address is not complete or has a typing error. " + _COPY_HINT) from exc


def normalise_url(raw: str) -> str:
    """Return the canonical form of a reported page address, or raise ``UrlError``.

    Canonical form: http(s) scheme and host lowercased, host IDNA-encoded without a trailing dot, default
    port dropped, path kept as typed (only unsafe characters percent-encoded), query kept in order minus
    share-tracking parameters, fragment dropped unless it is a client-side route (``#/`` or ``#!/``).
    Applying it twice gives the same string.
    """
    value = _strip_wrapping(raw or "")
    if not value:
        raise UrlError(E_EMPTY, "Please paste the address of the page where the content appears.", value=raw)
    parts = _split(_with_web_scheme(value, raw))
    host, port = _public_host(parts, raw)
    scheme = parts.scheme.lower()
    netloc_host = f"[{host}]" if ":" in host else host
    if port is not None and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc_host = f"{netloc_host}:{port}"

    path = quote(parts.path, safe=_SAFE_PATH)
    query = _clean_query(parts.query, host)
    fragment = parts.fragment
    # Single-page apps put the real location after "#/" or "#!/"; any other fragment is a scroll position.
    fragment = quote(fragment, safe=_SAFE_QUERY) if fragment.startswith(("/", "!/")) else ""

    if path in ("", "/") and not query and not fragment:
        raise UrlError(
            E_BARE_DOMAIN,
            "This looks like a website name, not the address of a page. A removal request has to name the "
            "exact page where the content appears. " + _COPY_HINT,
            value=raw,
        )
    if not path:
        path = "/"
    normalised = urlunsplit((scheme, netloc_host, path, query, fragment))
    if len(normalised) > MAX_URL_LENGTH:
        raise UrlError(
            E_TOO_LONG,
            f"This address is longer than {MAX_URL_LENGTH} characters. Please paste each address on its own line.",
            value=raw,
        )
    return normalised


def _with_web_scheme(value: str, raw: str) -> str:
    """``value`` with an http(s) scheme (https added when none was copied); any other scheme is refused."""
    # Scheme first, so a pasted data: blob gets the message that explains what was copied.
    scheme, rest = _split_scheme(value)
    if len(value) > MAX_URL_LENGTH and scheme in (None, "http", "https"):
        raise UrlError(
            E_TOO_LONG,
            f"This address is longer than {MAX_URL_LENGTH} characters, which usually means several addresses "
            "were pasted together or something other than an address was copied. "
            "Please paste each address on its own line.",
            value=raw,
        )
    if scheme is None:
        # People often copy "www.reddit.com/r/..." without the scheme; https is what every platform serves.
        value = "https:" + value if value.startswith("//") else "https://" + value
    elif scheme not in ("http", "https"):
        message = _SCHEME_MESSAGES.get(
            scheme,
            "Only web addresses can be reported here — they start with https:// or http://. " + _COPY_HINT,
        )
        raise UrlError(E_UNSUPPORTED_SCHEME, message, value=raw)
    elif not rest.startswith("//"):
        raise UrlError(E_INVALID_URL, "This address is not complete. " + _COPY_HINT, value=raw)
    return value


def _public_host(parts: SplitResult, raw: str) -> tuple[str, int | None]:
    """(normalised host, port) of a split address; refuses credentials, a bad port and a non-public host."""
    netloc = parts.netloc
    if "@" in netloc:
        # Refused rather than stripped: "https://facebook.com@evil.example/" is a classic disguise, and the
        # victim should see which site the link really goes to.
        raise UrlError(
            E_CREDENTIALS,
            "This address contains a user name or password before the website name. Please remove it, or "
            "copy the address again from the address bar of the page showing the content.",
            value=raw,
        )
    try:
        port = parts.port
    except ValueError as exc:
        raise UrlError(
            E_INVALID_PORT,
            "The number after the website name in this address is not valid. " + _COPY_HINT,
            value=raw,
        ) from exc
    raw_host = parts.hostname if parts.hostname is not None else ""
    if not raw_host:
        raise UrlError(E_INVALID_HOST, "This address has no website name in it. " + _COPY_HINT, value=raw)
    if any(ch.isspace() for ch in raw_host):
        raise UrlError(
            E_INVALID_HOST,
            "The website name in this address contains a space, so it may be two addresses run together. "
            "Please paste each address on its own line.",
            value=raw,
        )
    host = normalise_host(raw_host)
    _check_public(host, raw)
    return host, port


def _host_from(value: str) -> str:
    value = _strip_wrapping(value)
    if not value:
        raise UrlError(E_EMPTY, "Please paste the address of the page where the content appears.", value=value)
    scheme, _rest = _split_scheme(value)
    if scheme is None:
        value = "https:" + value if value.startswith("//") else "https://" + value
    parts = _split(value)
    raw_host = parts.hostname or ""
    if not raw_host:
        raise UrlError(E_INVALID_HOST, "This address has no website name in it. " + _COPY_HINT, value=value)
    return normalise_host(raw_host)


def host_of(url: str) -> str:
    """Return the normalised host of ``url`` (a full URL, or a scheme-less ``host[:port][/path]``).

    Lenient about everything except the host itself, so it also works on bare domains.
    """
    return _host_from(url)
