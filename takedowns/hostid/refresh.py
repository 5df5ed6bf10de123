"""Refreshing the shipped data files from their publishers, through :mod:`takedowns.fetch`: the CDN ranges
(each provider's ``sources`` in ``cdn_ranges.json``) and the IANA RDAP bootstrap files. A source that fails
or returns nothing usable leaves that provider's ranges (or that bootstrap file) as they were."""

from __future__ import annotations

import ipaddress
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from takedowns import fetch

IANA_RDAP_BASE = "https://data.iana.org/rdap/"
MAX_BYTES = 16 * 1024 * 1024  # AWS's ip-ranges.json is ~1.5 MB


class SourceError(Exception):
    pass


def _ranges_from(body: bytes, source: dict) -> list[str]:
    fmt = source.get("format", "lines")
    try:
        if fmt == "lines":
            items = [line.strip() for line in body.decode("utf-8").splitlines()]
            items = [line for line in items if line and not line.startswith("#")]
        elif fmt == "fastly":
            data = json.loads(body)
            items = list(data.get("addresses", [])) + list(data.get("ipv6_addresses", []))
        elif fmt == "aws":
            data = json.loads(body)
            service = source.get("service", "CLOUDFRONT")
            items = [p["ip_prefix"] for p in data.get("prefixes", []) if p.get("service") == service]
            items += [p["ipv6_prefix"] for p in data.get("ipv6_prefixes", []) if p.get("service") == service]
        elif fmt == "json-list":
            data = json.loads(body)
            items = [str(x) for x in data] if isinstance(data, list) else []
        else:
            raise SourceError(f"unknown format {fmt!r}")
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise SourceError(f"not in the expected {fmt!r} format ({exc.__class__.__name__})") from exc
    ranges = []
    for item in items:
        try:
            ranges.append(str(ipaddress.ip_network(str(item).strip(), strict=False)))
        except ValueError as exc:
            raise SourceError(f"{str(item)[:60]!r} is not an address range") from exc
    if not ranges:
        raise SourceError("no ranges in the answer")
    return ranges


def _fetch(url: str) -> bytes:
    try:
        response = fetch.request("GET", url, timeout=10, total_timeout=60, max_bytes=MAX_BYTES)
    except fetch.FetchError as exc:
        raise SourceError(exc.message) from exc
    if response.status != 200:
        raise SourceError(f"HTTP {response.status}")
    return response.body


def _write_json(path: Path, data: dict) -> None:
    # Write beside the target and rename, so a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(data, indent=1) + "\n")
    os.replace(tmp, path)


@dataclass
class RefreshReport:
    updated: dict[str, int] = field(default_factory=dict)  # name -> how many ranges / services
    failed: dict[str, str] = field(default_factory=dict)  # name -> why
    skipped: list[str] = field(default_factory=list)  # no published source


def cdn_ranges_refresh(path: Path) -> RefreshReport:
    data = json.loads(path.read_text())
    report = RefreshReport()
    today = timezone.now().date().isoformat()
    for provider in data["providers"]:
        sources = provider.get("sources") or []
        if not sources:
            report.skipped.append(provider["name"])
            continue
        try:
            ranges: list[str] = []
            for source in sources:
                ranges.extend(_ranges_from(_fetch(source["url"]), source))
        except SourceError as exc:
            report.failed[provider["name"]] = str(exc)
            continue
        provider["ranges"] = sorted(set(ranges), key=lambda r: (":" in r, r))
        provider["fetched_at"] = today
        provider["how"] = "Fetched from the sources listed here by `manage.py refresh_host_data --cdn`."
        report.updated[provider["name"]] = len(provider["ranges"])
    if report.updated:
        _write_json(path, data)
    return report


def rdap_bootstrap_refresh(folder: Path, *, base: str = IANA_RDAP_BASE) -> RefreshReport:
    report = RefreshReport()
    base = base if base.endswith("/") else base + "/"
    for name in ("ipv4", "ipv6", "dns"):
        try:
            data = json.loads(_fetch(f"{base}{name}.json"))
            services = data.get("services") if isinstance(data, dict) else None
            if not isinstance(services, list) or not services:
                raise SourceError("no services in the file")
            for keys, urls in services:  # the RFC 9224 shape, or refuse the whole file
                if not (isinstance(keys, list) and isinstance(urls, list)):
                    raise SourceError("a service entry is not [[keys], [urls]]")
        except (SourceError, ValueError, TypeError) as exc:
            report.failed[name] = str(exc)
            continue
        _write_json(folder / f"{name}.json", data)
        report.updated[name] = len(services)
    return report
