"""Naming a picture's format from its first bytes (magic numbers), never from a file name or a server's label.

The one implementation of format sniffing: the decoder (``hashing.decode``) opens only what this names, and
the portal's fetcher (``takedowns.fetch``) calls a download a picture exactly when this names it, so "the URL
serves a picture" and "the picture can be decoded" never disagree about what a picture is. Plain Python: no
imports, no Pillow, so naming a format costs nothing and needs no decoder installed.
"""

from __future__ import annotations

#: ISO-BMFF brands of HEIF pictures (iPhone photos) and of AVIF pictures.
HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"})
AVIF_BRANDS = frozenset({b"avif", b"avis"})

#: Each picture format this names, with its media type.
MEDIA_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "heif": "image/heif",
    "avif": "image/avif",
}


def is_iso_media(data: bytes) -> bool:
    """An ISO base media file (MP4, MOV, 3GP, HEIF, AVIF): a ``ftyp`` box first."""
    return data[4:8] == b"ftyp"


def picture_format(data: bytes) -> str | None:
    """``"jpeg"``, ``"png"``, ``"gif"``, ``"webp"``, ``"heif"`` or ``"avif"`` from the magic bytes; None for
    anything else (a video in an ISO media box included)."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if is_iso_media(head):
        # The major brand, then the compatible brands listed in the rest of the ftyp box.
        brand = head[8:12]
        box_len = int.from_bytes(head[:4], "big")
        brands = {brand} | {head[i : i + 4] for i in range(16, min(box_len, len(head)) - 3, 4)}
        if brand in AVIF_BRANDS or (brands & AVIF_BRANDS and not brands & HEIF_BRANDS):
            return "avif"
        if brands & HEIF_BRANDS:
            return "heif"
    return None


__all__ = ["AVIF_BRANDS", "HEIF_BRANDS", "MEDIA_TYPES", "is_iso_media", "picture_format"]
