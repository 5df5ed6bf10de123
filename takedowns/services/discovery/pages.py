"""Reading a crawled page: the links it holds, which of them turn the page of a listing, and a sitemap's
addresses. Pure parsing, no fetching."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

log = logging.getLogger(__name__)


# A link that turns the page of a listing rather than opening something deeper: by its rel (rel="next"/"prev"),
# its words ("Next", "Older posts", "›", a page number), its class (WordPress's "page-numbers", "pagination")
# or its address (?page=7, /page/7/). Following one costs no depth, so a long gallery is crawled to its end and
# only ``max_pages`` bounds it (there is nothing deeper about page 40 than page 2).
_PAGE_WORDS = re.compile(
    r"^(next|next page|older|older posts|newer|newer posts|previous|prev|more|load more|show more|"
    r"siguiente|anterior|suivant|suivante|weiter|nächste|próxima|avanti|\d{1,5}|[›»>→]+|[‹«<←]+)$"
)
_PAGE_CLASS = re.compile(r"(^|[\s_-])(next|prev|page-numbers|pagination|pager|page-link)([\s_-]|$)")
_PAGE_URL = re.compile(r"[?&](page|p|pg|paged|offset|start)=\d+(&|$)|/page/\d+/?$", re.IGNORECASE)


def _is_pagination(rel: str, texts: Iterable[str], cls: str, href: str) -> bool:
    rels = rel.lower().split()
    if "next" in rels or "prev" in rels or "previous" in rels:
        return True
    if any(_PAGE_WORDS.match(" ".join(t.lower().split()).strip(" .:")) for t in texts):
        return True
    return bool(_PAGE_CLASS.search(cls.lower()) or _PAGE_URL.search(href))


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.pagination: set[str] = set()
        self.base = ""
        self._anchor: tuple[str, str, str, str, list[str]] | None = None  # href, rel, class, label, text

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "").strip() for k, v in attrs}
        if tag == "a":
            self._close_anchor()
            if a.get("href") and "nofollow" not in a.get("rel", "").lower():
                label = a.get("aria-label") or a.get("title") or ""
                self._anchor = (a["href"], a.get("rel", ""), a.get("class", ""), label, [])
        elif tag == "link" and a.get("href") and {"next", "prev"} & set(a.get("rel", "").lower().split()):
            self.hrefs.append(a["href"])
            self.pagination.add(a["href"])
        elif tag == "base" and a.get("href") and not self.base:
            self.base = a["href"]

    def handle_data(self, data):
        if self._anchor is not None:
            self._anchor[4].append(data)

    def handle_endtag(self, tag):
        if tag == "a":
            self._close_anchor()

    def close(self):
        super().close()
        self._close_anchor()

    def _close_anchor(self) -> None:
        if self._anchor is None:
            return
        href, rel, cls, label, text = self._anchor
        self._anchor = None
        self.hrefs.append(href)
        # An arrow icon may carry its meaning only in its label ("Next page").
        if _is_pagination(rel, (label, "".join(text)), cls, href):
            self.pagination.add(href)


def _parse_links(body: bytes, page_url: str) -> tuple[list[str], set[str]]:
    """The page's followable links, and which of them turn the page of a listing (see ``_is_pagination``)."""
    parser = _Links()
    try:
        parser.feed(body.decode("utf-8", errors="replace"))
        parser.close()
    except Exception:
        log.debug("HTML parse stopped early for %s", page_url)
    base = urljoin(page_url, parser.base) if parser.base else page_url
    out: list[str] = []
    paging: set[str] = set()
    for href in parser.hrefs:
        url = urldefrag(urljoin(base, href))[0]
        if urlsplit(url).scheme in ("http", "https"):
            out.append(url)
            if href in parser.pagination:
                paging.add(url)
    return list(dict.fromkeys(out)), paging


def page_links(body: bytes, page_url: str) -> list[str]:
    return _parse_links(body, page_url)[0]


_LOC = re.compile(rb"<loc>\s*([^<\s]+)\s*</loc>", re.IGNORECASE)
