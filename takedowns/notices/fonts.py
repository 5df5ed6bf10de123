"""The fonts a notice PDF is set in, and which characters they can show.

Core PDF fonts cover Windows-1252 only, so a notice with any other character (a name in Polish, Greek,
Arabic, Hebrew, Hindi, ...) is set in Noto Sans with per-script Noto fallbacks, shipped as TTF files by the
``manimgx-fonts`` wheel (OFL-1.1, no dependencies): ``make run`` needs nothing but Python. Right-to-left and
complex scripts are shaped by HarfBuzz (``uharfbuzz``) through fpdf2's text shaping.

``settings.NOTICES_PDF_FONT`` may name another TTF; it is then tried first. A character no font covers is
never dropped silently: :func:`unprintable` lists it, the notice's completeness check refuses the notice
with that list, and the PDF renderer raises :class:`UnprintableCharacters` as a backstop.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# fpdf2 subsets embedded TTFs with fontTools, which logs every glyph list at INFO: noise, and it would put the
# characters of a victim's name into the logs.
logging.getLogger("fontTools").setLevel(logging.WARNING)

# The Latin/Greek/Cyrillic face first, then one face per script, then symbols. CJK is not shipped (the
# CJK wheel is ~100 MB): such a name is refused with a clear message rather than printed as boxes.
_FILES = (
    "NotoSans[wght].ttf",
    "NotoSansArabic[wght].ttf",
    "NotoSansHebrew[wght].ttf",
    "NotoSansArmenian[wght].ttf",
    "NotoSansGeorgian[wght].ttf",
    "NotoSansDevanagari[wght].ttf",
    "NotoSansBengali[wght].ttf",
    "NotoSansGujarati[wght].ttf",
    "NotoSansGurmukhi[wght].ttf",
    "NotoSansTamil[wght].ttf",
    "NotoSansTelugu[wght].ttf",
    "NotoSansKannada[wght].ttf",
    "NotoSansMalayalam[wght].ttf",
    "NotoSansSinhala[wght].ttf",
    "NotoSansThai[wght].ttf",
    "NotoSansLao[wght].ttf",
    "NotoSansKhmer[wght].ttf",
    "NotoSansMyanmar[wght].ttf",
    "NotoSansEthiopic[wght].ttf",
    "NotoSansSymbols[wght].ttf",
    # Monochrome outlines: victims write emoji in statements, and a PDF must not drop them.
    "NotoEmoji[wght].ttf",
)


class UnprintableCharacters(ValueError):
    """The notice holds characters no shipped font can show; the message names them."""

    def __init__(self, chars: str) -> None:
        self.chars = chars
        super().__init__(
            "The PDF notice cannot show these characters, so it was not made: "
            + ", ".join(f"{c} (U+{ord(c):04X})" for c in chars)
            + ". Write the name or statement in another script, or ask an advocate."
        )


@dataclass(frozen=True)
class FontSet:
    # (family name, path) in fallback order; the first is the main face.
    faces: tuple[tuple[str, str], ...]
    covered: frozenset[int]
    # The code points of each face, in the order of ``faces``.
    face_cmaps: tuple[frozenset[int], ...] = ()

    def faces_for(self, text: str) -> tuple[tuple[str, str], ...]:
        """The main face plus only the fallbacks ``text`` needs: embedding (and instancing the bold of) twenty
        variable fonts for one Polish name would make every such PDF ten times slower."""
        needed = {ord(ch) for ch in text if _needs_glyph(ch)} - self.face_cmaps[0]
        chosen = [self.faces[0]]
        for face, cmap in zip(self.faces[1:], self.face_cmaps[1:], strict=True):
            if needed & cmap:
                chosen.append(face)
                needed -= cmap
        return tuple(chosen)


def _package_dir() -> Path | None:
    spec = importlib.util.find_spec("manimgx_fonts")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def font_set() -> FontSet | None:
    """The fonts to embed, or None when neither the package nor a configured TTF is there."""
    from fontTools.ttLib import TTFont

    paths: list[str] = []
    configured = getattr(settings, "NOTICES_PDF_FONT", "") or ""
    if configured and Path(configured).is_file():
        paths.append(configured)
    folder = _package_dir()
    if folder is not None:
        paths += [str(folder / name) for name in _FILES if (folder / name).is_file()]
    if not paths:
        return None
    cmaps: list[frozenset[int]] = []
    faces = []
    for i, path in enumerate(paths):
        with TTFont(path, lazy=True) as font:
            cmaps.append(frozenset(font.getBestCmap() or {}))
        faces.append((f"notice{i}", path))
    return FontSet(faces=tuple(faces), covered=frozenset().union(*cmaps), face_cmaps=tuple(cmaps))


def _needs_glyph(ch: str) -> bool:
    # Line breaks, spaces and invisible format characters (ZWJ in some scripts) need no glyph of their own.
    return not (ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"))


def unprintable(text: str) -> str:
    """The distinct characters of ``text`` that no shipped font shows, in order of first appearance."""
    try:
        text.encode("windows-1252")
        return ""  # the core fonts show all of it
    except UnicodeEncodeError:
        pass
    fonts = font_set()
    covered = fonts.covered if fonts else frozenset()
    seen: dict[str, None] = {}
    for ch in text:
        if _needs_glyph(ch) and ord(ch) not in covered:
            seen.setdefault(ch)
    return "".join(seen)
