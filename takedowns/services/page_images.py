"""Reading a fetched web page for the pictures it shows: its preview (``og:image``, ``twitter:image``), a video's
poster and preview images, and its ``<img>`` sources and thumbnails, resolved against the page URL.

Used by verification (takedowns.services.verification, which re-exports :func:`page_image_urls`) and by the
discovery crawl. Pure parsing: no fetching, no database.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

log = logging.getLogger(__name__)

MAX_PAGE_IMAGES = 20

# Lazy-loading galleries put the real thumbnail in one of these and a blank placeholder in ``src``.
_LAZY_SRC = ("data-src", "data-original", "data-lazy-src", "data-lazy", "data-thumb", "data-thumbnail", "data-poster")
_PREVIEW_META = (
    "og:image",
    "og:image:url",
    "og:image:secure_url",
    "twitter:image",
    "twitter:image:src",
    "thumbnailurl",  # schema.org VideoObject as microdata
)
_BACKGROUND = re.compile(r"background(?:-image)?\s*:[^;]*url\(\s*['\"]?([^'\")\s]+)", re.IGNORECASE)


def _json_thumbnails(node: Any, out: list[str], depth: int = 0) -> None:
    """``thumbnailUrl`` / ``thumbnail`` / ``image`` of schema.org objects (a VideoObject's preview) in JSON-LD."""
    if depth > 6 or len(out) >= 10:
        return
    if isinstance(node, list):
        for item in node:
            _json_thumbnails(item, out, depth + 1)
    elif isinstance(node, dict):
        for key in ("thumbnailUrl", "thumbnail", "image"):
            value = node.get(key)
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, list):
                out.extend(v for v in value if isinstance(v, str))
            elif isinstance(value, dict) and isinstance(value.get("url") or value.get("contentUrl"), str):
                out.append(value.get("url") or value.get("contentUrl"))
        for key, value in node.items():
            if key not in ("thumbnailUrl", "thumbnail", "image") and isinstance(value, dict | list):
                _json_thumbnails(value, out, depth + 1)


class _ImageSources(HTMLParser):
    """What a page shows as pictures: its preview (``og:image``, ``twitter:image``), a video's poster and
    preview images (``<video poster>``, schema.org ``thumbnailUrl`` as microdata or JSON-LD), and its
    ``<img>`` pictures and thumbnails (lazy-loaded ones by their ``data-src``, CSS background thumbnails)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.previews: list[str] = []  # video posters and thumbnails, in page order
        self.imgs: list[str] = []
        self.base = ""
        self._ld_json: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "").strip() for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key in _PREVIEW_META:
                family = "thumbnail" if key == "thumbnailurl" else key.split(":")[0]
                self.meta.setdefault(family, a.get("content", ""))
        elif tag == "link" and (a.get("itemprop", "").lower() == "thumbnailurl" or a.get("rel") == "image_src"):
            self.previews.append(a.get("href", ""))
        elif tag == "video" and a.get("poster"):
            self.previews.append(a["poster"])
        elif tag == "img":
            lazy = next((a[k] for k in _LAZY_SRC if a.get(k) and not a[k].startswith("data:")), "")
            src = lazy or a.get("src", "")
            if not src or src.startswith("data:"):
                src = _first_srcset(a.get("data-srcset") or a.get("srcset") or "")
            if src:
                self.imgs.append(src)
        elif tag == "source" and (a.get("srcset") or a.get("data-srcset")):
            # A <picture>'s alternatives; a <video>'s <source src> is the video itself and is never fetched.
            self.imgs.append(_first_srcset(a.get("data-srcset") or a["srcset"]))
        elif tag == "script" and "ld+json" in a.get("type", "").lower():
            self._ld_json = []
        elif tag == "base" and a.get("href") and not self.base:
            self.base = a["href"]
        if "style" in a and (m := _BACKGROUND.search(a["style"])):
            self.imgs.append(m.group(1))

    def handle_data(self, data: str) -> None:
        if self._ld_json is not None:
            self._ld_json.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._ld_json is not None:
            text, self._ld_json = "".join(self._ld_json)[:200_000], None
            # A broken (or absurdly nested) JSON-LD block hides nothing the rest of the page shows.
            with contextlib.suppress(ValueError, RecursionError):
                _json_thumbnails(json.loads(text), self.previews)


def _first_srcset(srcset: str) -> str:
    first = srcset.split(",")[0].strip()
    return first.split()[0] if first else ""


def page_image_urls(html: bytes, page_url: str, *, limit: int = MAX_PAGE_IMAGES) -> list[str]:
    """``og:image``, ``twitter:image``, then ``limit`` more: a video's poster and preview images first, then
    ``<img>`` sources and thumbnails; resolved and de-duplicated. A video page's pictures are its poster and previews:
    the video itself is not fetched."""
    parser = _ImageSources()
    try:
        parser.feed(html.decode("utf-8", errors="replace"))
        parser.close()
    except Exception:  # a broken page still yields what was parsed before the break
        log.debug("HTML parse stopped early for %s", page_url)
    base = urljoin(page_url, parser.base) if parser.base else page_url
    found: list[str] = []
    meta = [parser.meta.get(k, "") for k in ("og", "twitter", "thumbnail")]
    # Posters and previews come first and share the page's ``limit`` with its pictures.
    for raw in [*meta, *[*parser.previews, *parser.imgs][:limit]]:
        if not raw or raw.startswith("data:"):
            continue
        url = urljoin(base, raw)
        if urlsplit(url).scheme in ("http", "https") and url not in found:
            found.append(url)
    return found
