"""Read and validate the platform registry file (``takedowns/data/platforms.json``).

Plain Python with no Django imports: ``manage.py load_platforms FILE`` calls ``load_registry_file`` and then
writes the rows, and tests can check the shipped file without a database.

The file is edited by hand by operators, so validation is strict and all-or-nothing: any error refuses the
whole file (a half-loaded registry would silently send notices to the wrong place), and every error names
the file, the item, its slug when known, the line and the field at fault. Unknown keys are refused so a typo
such as ``"contact_emial"`` cannot silently drop a contact address.

File format (DESIGN.md §10): a JSON list of objects with ``slug``, ``name``, ``domains``, ``channel``
(required) and ``contact_email``, ``webform_url``, ``regime``, ``response_hours``, ``hash_programmes``,
``channel_verified``, ``notes`` (optional), and ``tida_covered`` (``true`` | ``false`` |
``"unknown"``: whether the service is a TAKE IT DOWN Act "covered platform", §4(3)), ``regimes`` (every regime
the platform is under, e.g. ``["US", "EU"]``; ``regime`` is the one whose clock the portal runs and is always
included), ``policy_name`` and ``policy_url`` (the platform's own NCII policy, cited for its reviewers),
``tida_process`` and ``tida_process_verified`` (the https address or e-mail of the platform's own TAKE IT DOWN
Act notice-and-removal process, §3(a)(1)(A)(ii), and the ``YYYY-MM-DD`` date an operator last confirmed it: the
48 hours of §3(a)(3) run only for a request made through that process), and ``service_type``
(``user_to_user`` | ``search`` | ``other``; the UK Online Safety Act's s.10(3A) duty binds user-to-user
services only, search services have their own duty), and ``dmca_agent_email``, ``dmca_agent_source`` and
``dmca_agent_verified`` (the copyright agent the platform designated under 17 U.S.C. 512(c)(2), where the address
was read and on which day, ``YYYY-MM-DD``; a DMCA notice goes only there, so a platform without one gets none).

The fields are defined once, by :class:`PlatformSpec`: ``FIELD_NAMES`` (derived from it) is what the upsert
service writes, what the model stores and what the API serializes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from takedowns.registry_json import DuplicateKey, element_spans, line_of, refuse_duplicate_keys
from takedowns.urlnorm import UrlError, normalise_host

__all__ = [
    "CHANNELS",
    "DEFAULT_REGISTRY_PATH",
    "FIELD_NAMES",
    "HASH_PROGRAMMES",
    "REGIMES",
    "STORED_FIELDS",
    "PlatformSpec",
    "RegistryError",
    "load_registry_file",
    "parse_registry",
    "platform_validate",
]

DEFAULT_REGISTRY_PATH = Path(__file__).resolve().parent / "data" / "platforms.json"

CHANNELS = frozenset({"email", "webform", "api"})
REGIMES = frozenset({"US", "EU", "UK", "AU"})
HASH_PROGRAMMES = frozenset({"stopncii", "takeitdown"})
# Online Safety Act 2023 s.3: a "user-to-user service" and a "search service" carry different duties; "other"
# (a CDN, a host, an app store) carries neither. Empty = not known.
SERVICE_TYPES = frozenset({"user_to_user", "search", "other"})
# Bounds on a platform's response window: the shortest statutory clock is hours, and anything beyond
# 30 days is a data-entry error rather than a policy.
MIN_RESPONSE_HOURS = 1
MAX_RESPONSE_HOURS = 720

REQUIRED_FIELDS = ("slug", "name", "domains", "channel")

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Deliberately loose: one "@", no spaces, a dotted domain. Deliverability is proven by sending, not by regex.
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RegistryError(ValueError):
    """The registry file was refused; the message says where and why."""

    def __init__(
        self,
        message: str,
        *,
        source: str,
        index: int | None = None,
        slug: str | None = None,
        field: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        location = [source]
        if line is not None:
            location.append(f"line {line}" + (f", column {column}" if column is not None else ""))
        if index is not None:
            location.append(f"item {index}" + (f" (slug {slug!r})" if slug else ""))
        if field is not None:
            location.append(f"field {field!r}")
        super().__init__(": ".join([", ".join(location), message]))
        self.source = source
        self.index = index
        self.slug = slug
        self.field = field
        self.line = line
        self.column = column
        self.reason = message


@dataclass(frozen=True)
class PlatformSpec:
    """One platform as described by the registry file, already validated and normalised."""

    slug: str
    name: str
    domains: tuple[str, ...]
    channel: str
    contact_email: str = ""
    webform_url: str = ""
    regime: str = "US"
    response_hours: int = 48
    hash_programmes: tuple[str, ...] = ()
    channel_verified: bool = False
    notes: str = ""
    # None = "unknown" in the file. False for search engines, CDNs, hosts and legacy abuse inboxes, which
    # are probably not "covered platforms" (TAKE IT DOWN Act §4(3)): they get a request claiming no deadline.
    tida_covered: bool | None = None
    regimes: tuple[str, ...] = ("US",)
    policy_name: str = ""
    policy_url: str = ""
    # TAKE IT DOWN Act §3(a)(1)(A)(ii): the platform's own process for removal requests, an https address or an
    # e-mail address, and the day an operator last confirmed it (None = never: the duty is not claimed).
    tida_process: str = ""
    tida_process_verified: dt.date | None = None
    service_type: str = ""
    # 17 U.S.C. 512(c)(3)(A): a DMCA notice must be "provided to the designated agent" (512(c)(2), listed in the
    # Copyright Office's directory); one sent elsewhere gives no actual knowledge (512(c)(3)(B)(i)).
    dmca_agent_email: str = ""
    dmca_agent_source: str = ""
    dmca_agent_verified: str = ""

    def file_value(self, name: str) -> Any:
        """The value as the registry file (and the API) spells it: lists, not tuples; "unknown" for None."""
        value = getattr(self, name)
        if name == "tida_covered":
            return tida_to_file(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return list(value) if isinstance(value, tuple) else value


def tida_to_file(value: bool | None) -> bool | str:
    return "unknown" if value is None else value


# The one list of registry fields (DESIGN.md §10 names first, the legal-route fields after), in file order.
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(PlatformSpec))
OPTIONAL_FIELDS = tuple(name for name in FIELD_NAMES if name not in REQUIRED_FIELDS)
KNOWN_FIELDS = frozenset(FIELD_NAMES)
# What a Platform row stores from the file (the slug is its key).
STORED_FIELDS = tuple(name for name in FIELD_NAMES if name != "slug")


class _Item:
    """Validation context for one list element, so every error carries the same location."""

    def __init__(self, *, text: str, source: str, index: int | None, span: tuple[int, int] | None) -> None:
        self.text = text
        self.source = source
        self.index = index
        self.span = span
        self.slug: str | None = None

    def line(self, field: str | None = None) -> int | None:
        if self.span is None:
            return None
        start, end = self.span
        if field is not None:
            # The key's own line is more useful than the object's first line; a key text can only occur
            # once per object (duplicates are refused), though it could appear inside a string value first.
            found = self.text.find(json.dumps(field), start, end)
            if found != -1:
                return line_of(self.text, found)
        return line_of(self.text, start)

    def error(self, message: str, field: str | None = None) -> RegistryError:
        return RegistryError(
            message, source=self.source, index=self.index, slug=self.slug, field=field, line=self.line(field)
        )


def _type_name(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "true/false",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _require_str(item: _Item, data: dict[str, Any], key: str, *, non_empty: bool = False) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise item.error(f"must be a string, not {_type_name(value)}", key)
    value = value.strip()
    if non_empty and not value:
        raise item.error("must not be empty", key)
    return value


def _domain(item: _Item, raw: Any, position: int) -> str:
    field = "domains"
    if not isinstance(raw, str):
        raise item.error(f"entry {position} must be a string, not {_type_name(raw)}", field)
    value = raw.strip()
    if "://" in value:
        raise item.error(f"entry {position} {raw!r}: give the host name only, without a scheme", field)
    if "/" in value or "?" in value or "#" in value:
        raise item.error(f"entry {position} {raw!r}: give the host name only, without a path", field)
    if "@" in value:
        raise item.error(f"entry {position} {raw!r}: give the host name only, without a user name", field)
    if ":" in value:
        raise item.error(f"entry {position} {raw!r}: give the host name only, without a port", field)
    if "*" in value:
        raise item.error(f"entry {position} {raw!r}: no wildcards; a domain already covers all its subdomains", field)
    try:
        host = normalise_host(value, strict=True)
    except UrlError as exc:
        raise item.error(f"entry {position} {raw!r} is not a valid host name", field) from exc
    if "." not in host:
        raise item.error(f"entry {position} {raw!r} is not a full domain name (no dot)", field)
    return host


def platform_validate(
    data: Any,
    *,
    source: str = "<platform>",
    seen_slugs: Collection[str] = frozenset(),
    domain_owner: Callable[[str], str | None] | None = None,
    require_webform_url: bool = False,
) -> PlatformSpec:
    """Validate one platform described as the registry file spells it; raise ``RegistryError`` (its
    ``reason`` is the message without the location). The registry loader and the advocate's "add this
    website" both use it, so a platform is held to the same rules wherever it comes from.

    ``domain_owner`` returns the slug of the platform already holding a domain (None when free);
    ``require_webform_url`` refuses a web-form platform without its form's address."""
    item = _Item(text="", source=source, index=None, span=None)
    return _validate_item(
        item,
        data,
        seen_slugs=seen_slugs,
        domain_owner=domain_owner or (lambda _host: None),
        require_webform_url=require_webform_url,
    )


def _validate_item(
    item: _Item,
    data: Any,
    *,
    seen_slugs: Collection[str],
    domain_owner: Callable[[str], str | None],
    require_webform_url: bool = False,
) -> PlatformSpec:
    if not isinstance(data, dict):
        raise item.error(f"each platform must be a JSON object, not {_type_name(data)}")
    raw_slug = data.get("slug")
    if isinstance(raw_slug, str) and raw_slug:
        item.slug = raw_slug  # known from here on, so later errors can name it
    _check_keys(item, data)
    slug = _slug(item, data, seen_slugs)
    name = _require_str(item, data, "name", non_empty=True)
    domains = _domains(item, data["domains"], domain_owner)
    channel = _one_of(item, data["channel"], CHANNELS, "channel")
    contact_email = _optional_str(item, data, "contact_email")
    if contact_email and not _EMAIL_RE.match(contact_email):
        raise item.error(f"{contact_email!r} does not look like an e-mail address", "contact_email")
    webform_url = _web_address(item, data, "webform_url", schemes=("http", "https"))
    regime = _one_of(item, data.get("regime", "US"), REGIMES, "regime")
    response_hours = _response_hours(item, data.get("response_hours", 48))
    programmes = _list_of(item, data.get("hash_programmes", []), HASH_PROGRAMMES, "hash_programmes", "a list")
    channel_verified = data.get("channel_verified", False)
    if not isinstance(channel_verified, bool):
        raise item.error(f"must be true or false, not {_type_name(channel_verified)}", "channel_verified")
    notes = _optional_str(item, data, "notes")
    tida_covered = data.get("tida_covered", "unknown")
    if tida_covered not in (True, False, "unknown"):
        raise item.error(f'{tida_covered!r} must be true, false or "unknown"', "tida_covered")
    regimes = _list_of(item, data.get("regimes", [regime]), REGIMES, "regimes", "a list of regimes")
    if regime not in regimes:
        raise item.error(f"must include the platform's regime {regime!r}", "regimes")
    policy_name = _optional_str(item, data, "policy_name")
    policy_url = _web_address(item, data, "policy_url", schemes=("https",))
    tida_process = _tida_process(item, data)
    tida_process_verified = _iso_date(item, data, "tida_process_verified")
    if tida_process_verified and not tida_process:
        raise item.error("a verification date needs the tida_process it confirms", "tida_process_verified")
    service_type = _optional_str(item, data, "service_type")
    if service_type:
        service_type = _one_of(item, service_type, SERVICE_TYPES, "service_type")
    if channel == "email" and not contact_email:
        raise item.error("channel 'email' needs a contact_email", "contact_email")
    dmca_agent_email, dmca_agent_source, dmca_agent_verified = _dmca_agent(item, data)
    if require_webform_url and channel == "webform" and not webform_url:
        raise item.error("channel 'webform' needs a webform_url", "webform_url")
    return PlatformSpec(
        slug=slug,
        name=name,
        domains=domains,
        channel=channel,
        contact_email=contact_email,
        webform_url=webform_url,
        regime=regime,
        response_hours=response_hours,
        hash_programmes=programmes,
        channel_verified=channel_verified,
        notes=notes,
        tida_covered=None if tida_covered == "unknown" else tida_covered,
        regimes=regimes,
        policy_name=policy_name,
        policy_url=policy_url,
        tida_process=tida_process,
        tida_process_verified=tida_process_verified,
        service_type=service_type,
        dmca_agent_email=dmca_agent_email,
        dmca_agent_source=dmca_agent_source,
        dmca_agent_verified=dmca_agent_verified,
    )


def _tida_process(item: _Item, data: dict[str, Any]) -> str:
    value = _optional_str(item, data, "tida_process")
    if value and "@" in value and "://" not in value:
        if not _EMAIL_RE.match(value):
            raise item.error(f"{value!r} does not look like an e-mail address", "tida_process")
        return value.lower()
    return _web_address(item, data, "tida_process", schemes=("https",))


def _iso_date(item: _Item, data: dict[str, Any], field: str) -> dt.date | None:
    value = _optional_str(item, data, field)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise item.error(f"{value!r} must be a date written YYYY-MM-DD", field) from None


def _dmca_agent(item: _Item, data: dict[str, Any]) -> tuple[str, str, str]:
    # An address nobody can trace is worse than none: a DMCA notice to the wrong inbox has no legal effect, so the
    # agent's address needs where it was read and when.
    email = _optional_str(item, data, "dmca_agent_email")
    source = _optional_str(item, data, "dmca_agent_source")
    verified = _optional_str(item, data, "dmca_agent_verified")
    if email and not _EMAIL_RE.match(email):
        raise item.error(f"{email!r} does not look like an e-mail address", "dmca_agent_email")
    if verified and not _DATE_RE.match(verified):
        raise item.error(f"{verified!r} must be a date written YYYY-MM-DD", "dmca_agent_verified")
    if email and not (source and verified):
        raise item.error("a DMCA agent address needs dmca_agent_source and dmca_agent_verified", "dmca_agent_email")
    return email, source, verified


def _check_keys(item: _Item, data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - KNOWN_FIELDS)
    if unknown:
        raise item.error(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
            f"(allowed: {', '.join(REQUIRED_FIELDS + OPTIONAL_FIELDS)})",
            unknown[0],
        )
    for key in REQUIRED_FIELDS:
        if key not in data:
            raise item.error("is required", key)


def _slug(item: _Item, data: dict[str, Any], seen_slugs: Collection[str]) -> str:
    slug = _require_str(item, data, "slug", non_empty=True)
    if not _SLUG_RE.match(slug):
        raise item.error(f"{slug!r} must be lowercase letters, digits and hyphens, not starting with a hyphen", "slug")
    if slug in seen_slugs:
        raise item.error(f"{slug!r} is used by an earlier platform", "slug")
    return slug


def _domains(item: _Item, raw_domains: Any, domain_owner: Callable[[str], str | None]) -> tuple[str, ...]:
    if not isinstance(raw_domains, list):
        raise item.error(f"must be a list of host names, not {_type_name(raw_domains)}", "domains")
    domains: list[str] = []
    for position, raw in enumerate(raw_domains):
        host = _domain(item, raw, position)
        if host in domains:
            raise item.error(f"{host!r} is listed twice", "domains")
        owner = domain_owner(host)
        if owner is not None:
            raise item.error(f"{host!r} already belongs to the registry's platform {owner!r}", "domains")
        domains.append(host)
    return tuple(domains)


def _one_of(item: _Item, value: Any, allowed: frozenset[str], field: str) -> str:
    # isinstance first: a list or object here is unhashable and would crash the set lookup.
    if not isinstance(value, str) or value not in allowed:
        raise item.error(f"{value!r} is not one of {', '.join(sorted(allowed))}", field)
    return value


def _list_of(item: _Item, raw: Any, allowed: frozenset[str], field: str, what: str) -> tuple[str, ...]:
    """A list of codes from ``allowed``, duplicates dropped, first-seen order kept."""
    if not isinstance(raw, list):
        raise item.error(f"must be {what}, not {_type_name(raw)}", field)
    values: list[str] = []
    for value in raw:
        if _one_of(item, value, allowed, field) not in values:
            values.append(value)
    return tuple(values)


def _optional_str(item: _Item, data: dict[str, Any], key: str) -> str:
    return _require_str(item, data, key) if key in data else ""


def _web_address(item: _Item, data: dict[str, Any], field: str, *, schemes: tuple[str, ...]) -> str:
    url = _optional_str(item, data, field)
    if url:
        try:
            parts = urlsplit(url)
            valid = parts.scheme in schemes and bool(parts.hostname)
        except ValueError:
            valid = False
        if not valid:
            raise item.error(f"{url!r} must be a full https:// address", field)
    return url


def _response_hours(item: _Item, value: Any) -> int:
    # bool is a subclass of int in Python; `true` is never a number of hours.
    if not isinstance(value, int) or isinstance(value, bool):
        raise item.error(f"must be a whole number of hours, not {_type_name(value)}", "response_hours")
    if not MIN_RESPONSE_HOURS <= value <= MAX_RESPONSE_HOURS:
        raise item.error(f"{value} is outside {MIN_RESPONSE_HOURS}..{MAX_RESPONSE_HOURS}", "response_hours")
    return value


def parse_registry(text: str, *, source: str = "<registry>") -> list[PlatformSpec]:
    """Parse and validate a registry document; raise ``RegistryError`` on the first problem.

    Nothing is returned unless every item is valid, so callers can load the result in one transaction.
    """
    try:
        data = json.loads(text, object_pairs_hook=refuse_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise RegistryError(f"invalid JSON: {exc.msg}", source=source, line=exc.lineno, column=exc.colno) from exc
    except DuplicateKey as exc:
        # Locate the second occurrence so the operator sees which object is affected.
        key = json.dumps(str(exc))
        first = text.find(key)
        second = text.find(key, first + 1) if first != -1 else -1
        line = line_of(text, second) if second != -1 else None
        raise RegistryError(f"key {str(exc)!r} appears twice in one object", source=source, line=line) from exc
    if not isinstance(data, list):
        raise RegistryError(f"the file must contain a JSON list of platforms, not {_type_name(data)}", source=source)

    spans = element_spans(text)
    specs: list[PlatformSpec] = []
    seen_slugs: set[str] = set()
    seen_domains: dict[str, str] = {}
    for index, element in enumerate(data):
        span = spans[index] if index < len(spans) else None
        item = _Item(text=text, source=source, index=index, span=span)
        spec = _validate_item(item, element, seen_slugs=seen_slugs, domain_owner=seen_domains.get)
        seen_slugs.add(spec.slug)
        for domain in spec.domains:
            seen_domains[domain] = spec.slug
        specs.append(spec)
    return specs


def load_registry_file(path: str | Path = DEFAULT_REGISTRY_PATH) -> list[PlatformSpec]:
    """Read ``path`` (UTF-8, a byte-order mark tolerated) and return its validated platforms."""
    path = Path(path)
    try:
        # utf-8-sig: editors on Windows add a BOM, which json.loads would otherwise refuse.
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise RegistryError(f"cannot read the file: {exc.strerror or exc}", source=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise RegistryError(f"the file is not UTF-8 text ({exc.reason})", source=str(path)) from exc
    return parse_registry(text, source=str(path))
