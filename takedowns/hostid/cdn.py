"""CDN and reverse-proxy detection from the providers' published IP ranges (``takedowns/data/cdn_ranges.json``).

Lookup is a longest-prefix match by hashing: the ranges are grouped by prefix length, and an address is masked
once per prefix length present (at most 33 for IPv4, 129 for IPv6; a few dozen in practice) and looked up in a
dict, so the cost does not grow with the number of ranges (AWS alone publishes thousands).
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class CdnProvider:
    slug: str
    name: str
    abuse_url: str = ""
    abuse_email: str = ""
    fetched_at: str | None = None


class CdnRanges:
    def __init__(self, providers: list[dict]):
        self.providers: list[CdnProvider] = []
        # version -> [(prefixlen, {masked network int: provider index})], longest prefix first
        tables: dict[int, dict[int, dict[int, int]]] = {4: {}, 6: {}}
        for index, entry in enumerate(providers):
            self.providers.append(
                CdnProvider(
                    slug=entry["slug"],
                    name=entry["name"],
                    abuse_url=entry.get("abuse_url", ""),
                    abuse_email=entry.get("abuse_email", ""),
                    fetched_at=entry.get("fetched_at"),
                )
            )
            for text in entry.get("ranges", []):
                net = ipaddress.ip_network(text, strict=False)
                tables[net.version].setdefault(net.prefixlen, {}).setdefault(int(net.network_address), index)
        self._tables = {
            version: sorted(by_len.items(), key=lambda item: -item[0]) for version, by_len in tables.items()
        }
        self.range_count = sum(len(t) for by_len in tables.values() for t in by_len.values())

    def match(self, ip: Address | str) -> CdnProvider | None:
        """The provider whose published range holds ``ip`` (the most specific range wins), or None."""
        ip = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        bits = ip.max_prefixlen
        value = int(ip)
        for prefixlen, table in self._tables[ip.version]:
            masked = value >> (bits - prefixlen) << (bits - prefixlen) if prefixlen else 0
            index = table.get(masked)
            if index is not None:
                return self.providers[index]
        return None


def ranges_path() -> Path:
    return Path(settings.CDN_RANGES_FILE)


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> CdnRanges:
    return CdnRanges(json.loads(Path(path).read_text())["providers"])


def load_ranges(path: Path | None = None) -> CdnRanges:
    """The ranges in the data file, parsed once per process and again whenever the file changes."""
    path = Path(path or ranges_path())
    return _load(str(path), path.stat().st_mtime_ns)
