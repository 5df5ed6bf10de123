"""Split a pasted blob of addresses into normalised, de-duplicated URLs, locating each unusable entry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from takedowns.urlnorm.core import DEFAULT_LIST_LIMIT, E_TOO_MANY, UrlError, normalise_url

__all__ = ["LineError", "ParsedUrls", "parse_url_list"]


@dataclass(frozen=True)
class LineError:
    """One pasted entry that could not be used, located so the form can point at it."""

    line: int  # 1-based line of the pasted text
    raw: str
    error: UrlError

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def message(self) -> str:
        return self.error.message


@dataclass(frozen=True)
class ParsedUrls:
    """The outcome of ``parse_url_list``: usable addresses in paste order, and what went wrong where."""

    urls: list[str] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    duplicates: int = 0  # entries dropped because an earlier entry normalised to the same address

    @property
    def ok(self) -> bool:
        return not self.errors


# --- pasted lists ----------------------------------------------------------------------------------------

# List markers people paste along with addresses: "- ", "* ", "• ", "1. ", "2) ", "(3) ", "[4] ".
_BULLET_RE = re.compile(r"^\s*(?:[-*+\u2022\u00b7\u2023\u25e6\u25aa\u2013\u2014>]|\(?\d{1,4}[.):]|\[\d{1,4}\])\s+")
# Split on commas only where a new address clearly begins (or at the end), because commas are legal in
# paths and queries ("?ids=1,2") and splitting there would break a real address.
_COMMA_SPLIT_RE = re.compile(r",+(?=\s*(?:[A-Za-z][A-Za-z0-9+.\-]*://|www\.|$))")
_TRAILING_PUNCT = ".,;:!?"
_MARKER_RE = re.compile(r"^(?:\(?\d{1,4}[.):]?|\[\d{1,4}\])$")


def _trim_token(token: str) -> str:
    # Prose around a pasted link: "see (https://x.com/a/status/1)." — linkifiers drop this punctuation too.
    # A ")" inside an address is kept when balanced, as in Wikipedia's "/wiki/Foo_(bar)".
    previous = None
    while token != previous:
        previous = token
        token = token.strip().rstrip(_TRAILING_PUNCT)
        if token.startswith("(") and token.endswith(")"):
            token = token[1:-1]
        elif token.endswith(")") and token.count(")") > token.count("("):
            token = token[:-1]
        elif token.startswith("(") and token.count("(") > token.count(")"):
            token = token[1:]
    return token


def _candidates(text: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        line = _BULLET_RE.sub("", line, count=1)
        for chunk in line.split():
            for token in _COMMA_SPLIT_RE.split(chunk):
                token = _trim_token(token)
                # A token with no dot, colon or slash cannot hold a host ("see", "and", "—"): it is prose
                # around the addresses, not a failed address, so it is skipped rather than reported.
                if token and any(ch in token for ch in ".:/") and not _MARKER_RE.match(token):
                    found.append((lineno, token))
    return found


def parse_url_list(text: str, *, limit: int = DEFAULT_LIST_LIMIT) -> ParsedUrls:
    """Split a pasted blob of addresses, normalise each and de-duplicate, keeping paste order.

    Accepts one address per line, addresses separated by spaces or commas, and numbered or bulleted lists.
    Raises ``UrlError`` with code ``too_many`` when there are more than ``limit`` distinct entries — it
    never silently drops the rest, because a victim would believe they had all been reported.
    """
    candidates = _candidates(text or "")
    distinct = len({token for _line, token in candidates})
    if distinct > limit:
        raise UrlError(
            E_TOO_MANY,
            f"You pasted {distinct} addresses. One case can hold up to {limit} at a time. Please add the "
            f"first {limit} now; you can add the rest to the same case afterwards.",
        )
    urls: list[str] = []
    seen: set[str] = set()
    errors: list[LineError] = []
    duplicates = 0
    for lineno, token in candidates:
        try:
            url = normalise_url(token)
        except UrlError as exc:
            errors.append(LineError(line=lineno, raw=token, error=exc))
            continue
        if url in seen:
            duplicates += 1
            continue
        seen.add(url)
        urls.append(url)
    return ParsedUrls(urls=urls, errors=errors, duplicates=duplicates)
