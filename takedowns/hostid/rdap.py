"""A small RDAP client (RFC 7480-7484, 9082-9083; bootstrap RFC 9224) on top of :mod:`takedowns.fetch`.

Why not whoisit (the maintained RDAP client): it can be handed a ``requests.Session``, but it keeps that
session and its bootstrap registry as module globals (a passed session becomes the process default; loading
bootstrap data a second time is refused), needs all five IANA files in its own format, and adds requests and
httpx with their own retry and redirect rules beside our fetcher. What we need from RDAP is small: pick the
server from the IANA bootstrap files (shipped in ``takedowns/data/rdap/``, refreshed by
``manage.py refresh_host_data --rdap``), GET one JSON document through the SSRF-screened fetcher, and walk
``entities`` for the roles ``registrant``, ``registrar`` and ``abuse`` and their jCard ``email``.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

from takedowns import fetch

ACCEPT = "application/rdap+json, application/json;q=0.9"
TIMEOUT = 5.0  # per connect / read
TOTAL_TIMEOUT = 10.0  # one RDAP exchange, redirects included (ARIN redirects to the other registries)
MAX_BYTES = 2 * 1024 * 1024
MAX_ENTITY_DEPTH = 4


class RdapError(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class RdapNotFound(RdapError):
    pass


# --- bootstrap (RFC 9224) ----------------------------------------------------------------------------------


@dataclass
class Bootstrap:
    """The three IANA bootstrap registries: ``{"services": [[[keys...], [base URLs...]], ...]}``."""

    ipv4: dict
    ipv6: dict
    dns: dict
    allow_http: bool = False  # RFC 7481 §3: RDAP over HTTPS; tests with a plain local server allow http

    def __post_init__(self):
        self._nets = {4: self._networks(self.ipv4), 6: self._networks(self.ipv6)}
        self._tlds = {key.lower().strip("."): urls for keys, urls in self.dns.get("services", []) for key in keys}

    def _networks(self, registry: dict):
        nets = []
        for keys, urls in registry.get("services", []):
            for key in keys:
                nets.append((ipaddress.ip_network(key, strict=False), urls))
        # Longest prefix first, so the first containing network is the most specific one.
        return sorted(nets, key=lambda item: -item[0].prefixlen)

    def _pick(self, urls: list[str]) -> str | None:
        https = [u for u in urls if u.lower().startswith("https://")]
        chosen = https or ([u for u in urls if u.lower().startswith("http://")] if self.allow_http else [])
        if not chosen:
            return None
        return chosen[0] if chosen[0].endswith("/") else chosen[0] + "/"

    def ip_base(self, ip: str) -> str | None:
        address = ipaddress.ip_address(ip)
        # A few hundred top-level blocks: a plain scan is cheaper than building anything cleverer.
        for net, urls in self._nets[address.version]:
            if address in net:
                return self._pick(urls)
        return None

    def domain_base(self, domain: str) -> tuple[str, str] | None:
        """(the matched TLD or public suffix, the base URL) for ``domain``, the longest match first."""
        labels = domain.lower().strip(".").split(".")
        for start in range(len(labels)):
            suffix = ".".join(labels[start:])
            if suffix in self._tlds:
                base = self._pick(self._tlds[suffix])
                return (suffix, base) if base else None
        return None

    @classmethod
    def from_dir(cls, folder: Path | str, *, allow_http: bool = False) -> Bootstrap:
        folder = Path(folder)
        return cls(
            **{name: json.loads((folder / f"{name}.json").read_text()) for name in ("ipv4", "ipv6", "dns")},
            allow_http=allow_http,
        )


@lru_cache(maxsize=4)
def _shipped(folder: str, stamp: tuple, allow_http: bool) -> Bootstrap:
    return Bootstrap.from_dir(folder, allow_http=allow_http)


def default_bootstrap() -> Bootstrap:
    """The bootstrap files in ``settings.RDAP_BOOTSTRAP_DIR``, parsed once per process and per file change.
    Plain-http RDAP servers are used only where the fetcher may reach local test servers (tests)."""
    folder = Path(settings.RDAP_BOOTSTRAP_DIR)
    stamp = tuple((folder / f"{n}.json").stat().st_mtime_ns for n in ("ipv4", "ipv6", "dns"))
    return _shipped(str(folder), stamp, bool(settings.FETCH_ALLOW_PRIVATE_ADDRESSES))


# --- queries -----------------------------------------------------------------------------------------------


def rdap_get(url: str) -> dict:
    try:
        response = fetch.request(
            "GET",
            url,
            headers={"Accept": ACCEPT},
            timeout=TIMEOUT,
            total_timeout=TOTAL_TIMEOUT,
            max_bytes=MAX_BYTES,
        )
    except fetch.FetchError as exc:
        raise RdapError(f"The RDAP server could not be reached: {exc.message}") from exc
    if response.status == 404:
        raise RdapNotFound(f"The RDAP server has no record ({url}).")
    if response.status == 429:
        raise RdapError("The RDAP server asked us to slow down (HTTP 429); try again later.")
    if response.status != 200:
        raise RdapError(f"The RDAP server answered HTTP {response.status}.")
    try:
        data = json.loads(response.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RdapError("The RDAP server's answer is not JSON.") from exc
    if not isinstance(data, dict):
        raise RdapError("The RDAP server's answer is not an RDAP object.")
    return data


def ip_lookup(ip: str, *, bootstrap: Bootstrap) -> dict:
    base = bootstrap.ip_base(ip)
    if base is None:
        raise RdapError(f"No RDAP server is known for {ip}.")
    return rdap_get(f"{base}ip/{ip}")


def domain_lookup(host: str, *, bootstrap: Bootstrap) -> tuple[str, dict]:
    """(the registered domain, its RDAP record): the name one label below the registry's suffix, then one label
    more if the registry has no such record (``example.co.uk`` under ``uk``)."""
    match = bootstrap.domain_base(host)
    if match is None:
        raise RdapError(f"No RDAP server is known for the domain of {host}.")
    suffix, base = match
    labels = host.lower().strip(".").split(".")
    depth = len(suffix.split("."))
    last: RdapError | None = None
    for extra in (1, 2):
        if len(labels) < depth + extra:
            break
        domain = ".".join(labels[-(depth + extra) :])
        try:
            data = rdap_get(f"{base}domain/{quote(domain)}")
        except RdapNotFound as exc:
            last = exc
            continue
        return domain, _with_registrar_record(data)
    raise last or RdapError(f"{host} is not a registered domain name.")


def _with_registrar_record(data: dict) -> dict:
    """Thin registries (.com, .net) hold the registrar's abuse contact; the registrar's own RDAP server, linked
    as ``related``, may hold more. Follow that one link, best effort: its entities are added to the record's."""
    for link in data.get("links") or []:
        if not isinstance(link, dict) or link.get("rel") != "related":
            continue
        kind = str(link.get("type", ""))
        href = str(link.get("href", ""))
        if not href or "json" not in kind:
            continue
        try:
            related = rdap_get(href)
        except RdapError:
            return data
        merged = dict(data)
        merged["entities"] = list(data.get("entities") or []) + list(related.get("entities") or [])
        return merged
    return data


# --- reading records ---------------------------------------------------------------------------------------


def _vcard(entity: dict) -> dict:
    """``fn``/``org`` and every ``email`` of an entity's jCard (RFC 7095): ``["vcard", [[name, params, type,
    value], ...]]``."""
    out = {"name": "", "emails": []}
    card = entity.get("vcardArray")
    if not (isinstance(card, list) and len(card) == 2 and isinstance(card[1], list)):
        return out
    for prop in card[1]:
        if not (isinstance(prop, list) and len(prop) >= 4):
            continue
        name, value = str(prop[0]).lower(), prop[3]
        if isinstance(value, list):
            value = " ".join(str(v) for v in value if v)
        value = str(value).strip()
        if not value:
            continue
        if name in ("fn", "org") and not out["name"]:
            out["name"] = value
        elif name == "email" and value.lower() not in (e.lower() for e in out["emails"]):
            out["emails"].append(value.removeprefix("mailto:"))
    return out


def entities(record: dict, *, depth: int = 0, parent: str = ""):
    """Every entity of a record, nested ones included (a gTLD registry puts the abuse entity inside the
    registrar's; a regional registry may put it inside the organisation's), as (entity, roles, parent name)."""
    if depth > MAX_ENTITY_DEPTH:
        return
    for entity in record.get("entities") or []:
        if not isinstance(entity, dict):
            continue
        roles = [str(r).lower() for r in entity.get("roles") or []]
        card = _vcard(entity)
        yield entity, roles, card, parent
        yield from entities(entity, depth=depth + 1, parent=card["name"] or str(entity.get("handle", "")))


def _abuse(record: dict, source: str) -> list[dict]:
    contacts, seen = [], set()
    for _entity, roles, card, parent in entities(record):
        if "abuse" not in roles:
            continue
        for email in card["emails"]:
            if email.lower() not in seen:
                seen.add(email.lower())
                contacts.append({"email": email, "url": "", "name": card["name"] or parent, "source": source})
    return contacts


def network_summary(record: dict) -> dict:
    """The owner of an IP network (the registrant organisation, else the network's name), its range and its
    abuse addresses."""
    owner = ""
    for _entity, roles, card, _parent in entities(record):
        if "registrant" in roles and card["name"]:
            owner = card["name"]
            break
    name = str(record.get("name") or "").strip()
    handle = str(record.get("handle") or "").strip()
    start, end = str(record.get("startAddress") or ""), str(record.get("endAddress") or "")
    cidrs = [
        f"{c.get('v4prefix') or c.get('v6prefix')}/{c.get('length')}"
        for c in record.get("cidr0_cidrs") or []
        if isinstance(c, dict) and (c.get("v4prefix") or c.get("v6prefix"))
    ]
    return {
        "owner": owner or name or handle,
        "name": name,
        "handle": handle,
        "range": ", ".join(cidrs) or (f"{start} - {end}" if start and end else ""),
        "country": str(record.get("country") or ""),
        "abuse_contacts": _abuse(record, "network"),
    }


def domain_summary(record: dict) -> dict:
    """The registrar of a domain (name and IANA id) and the registrar's abuse addresses."""
    registrar, iana_id = "", ""
    for entity, roles, card, _parent in entities(record):
        if "registrar" in roles:
            registrar = card["name"] or str(entity.get("handle", ""))
            for public_id in entity.get("publicIds") or []:
                if isinstance(public_id, dict) and "iana" in str(public_id.get("type", "")).lower():
                    iana_id = str(public_id.get("identifier", ""))
            break
    return {
        "registrar": registrar,
        "registrar_iana_id": iana_id,
        "abuse_contacts": _abuse(record, "registrar"),
    }
