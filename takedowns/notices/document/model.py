"""The document model a notice is written in, and the cleaning every user-supplied string goes through.

A :class:`Document` is a title, a recipient line and sections made of paragraphs, bullet lists and key-value
rows; ``render.py`` renders it as plain text, HTML and PDF. User-supplied strings (statements, URLs, handles,
names) are cleaned of control and bidirectional-override characters here, so that a hostile value cannot
reorder or hide text in any format; escaping for HTML is the HTML renderer's job.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Link:
    """An absolute URL inside running text; rendered clickable only for http(s)."""

    url: str

    @property
    def is_web(self) -> bool:
        try:
            return urlsplit(self.url).scheme in ("http", "https")
        except ValueError:
            return False


Inline = str | Link


@dataclass(frozen=True)
class Paragraph:
    parts: tuple[Inline, ...]
    # A quotation of the victim's own words, set off from the portal's text.
    quote: bool = False


@dataclass(frozen=True)
class ListItem:
    parts: tuple[Inline, ...]
    details: tuple[tuple[Inline, ...], ...] = ()


@dataclass(frozen=True)
class BulletList:
    items: tuple[ListItem, ...]


@dataclass(frozen=True)
class Rows:
    """Key-value rows (a definition list)."""

    rows: tuple[tuple[str, tuple[Inline, ...]], ...]
    heading: str = ""


Block = Paragraph | BulletList | Rows


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    title: str
    recipient: str
    subject: str
    sections: tuple[Section, ...]
    # For the advocate's preview only: never rendered into what the platform receives.
    advocate_notes: tuple[str, ...] = field(default=())
    lang: str = "en"


def plain(parts: tuple[Inline, ...]) -> str:
    """The text of inline parts, links as their URL."""
    return "".join(p.url if isinstance(p, Link) else p for p in parts)


# --- cleaning ----------------------------------------------------------------------------------------------

# Bidi overrides/isolates and zero-width characters can make a URL or name display as something else.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def clean(value: str) -> str:
    """Drop control characters (keeping line breaks and tabs as spaces) and invisible direction marks."""
    value = _INVISIBLE.sub("", value or "").replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return "".join(ch for ch in value if ch == "\n" or unicodedata.category(ch) != "Cc").strip()


def utc(dt: datetime | None) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if dt else ""


def para(*parts: Inline, quote: bool = False) -> Paragraph:
    return Paragraph(parts=tuple(parts), quote=quote)


def kv_rows(rows: list[tuple[str, str]], heading: str = "") -> Rows:
    return Rows(rows=tuple((k, (v,)) for k, v in rows), heading=heading)


@dataclass(frozen=True)
class Piece:
    """One copy-paste field of a platform's web form."""

    key: str
    label: str
    text: str
