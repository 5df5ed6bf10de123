"""Guarded decoding: bytes in, one greyscale picture out.

The order matters and is the point of this module:

1. the byte size is checked before the file is read (``Limits.max_bytes``);
2. the format is sniffed from the first bytes, never from the file name, against an allow-list
   (JPEG, PNG, WebP, GIF, HEIC/HEIF when pillow-heif is installed, AVIF when Pillow supports it);
   PDF, HTML, SVG, archives, video and other picture formats get a specific, friendly refusal;
3. the header is parsed and the pixel count refused *before* any pixel is decoded
   (``Limits.max_pixels``), so a 50,000 × 50,000 PNG costs microseconds and no memory; ``inspect`` stops
   here (and checks the file is not cut short), which is all a web request may do;
4. JPEGs are decoded by libjpeg at a reduced scale (Pillow ``draft``) straight to luma, which is why
   a 12 MP photo decodes in ~25 ms instead of ~72 ms (reference/hashing-measurements.md);
5. any picture still larger than ``REDUCED_PIXELS`` after decoding (PNG, WebP, GIF, HEIF have no scaled
   decoding) is box-reduced by an integer factor in its own mode (Pillow ``reduce``) *before* any conversion
   or float array: a 40 MP 16-bit RGBA PNG would otherwise need gigabytes of float64 intermediates;
6. EXIF orientation is applied, then the mode is normalised exactly once (palette, alpha over white,
   CMYK, 16-bit, bilevel) to 8-bit greyscale. Every hash we compute (pHash, dHash, wHash, PDQ, ORB) is
   defined on luma, so colour is never needed after decoding.

Animated GIF/WebP/PNG: the first frame is hashed and ``frames``/``animated`` record the fact.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import CorruptImage, EmptyFile, FileTooLarge, TooManyPixels, UnreadableFile, UnsupportedFormat
from .formats import is_iso_media, picture_format

Source = str | os.PathLike | bytes | bytearray | memoryview | BinaryIO

try:  # HEIC/HEIF (iPhone photos). Optional: without it HEIC gets a clear refusal.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_AVAILABLE = True
except Exception:  # pragma: no cover - depends on the installation
    HEIF_AVAILABLE = False

try:
    from PIL import features as _pil_features

    AVIF_AVAILABLE = bool(_pil_features.check("avif"))
except Exception:  # pragma: no cover
    AVIF_AVAILABLE = False

#: Sniffed kind -> Pillow format names allowed to open it.
_PIL_FORMATS = {
    "jpeg": ["JPEG", "MPO"],
    "png": ["PNG"],
    "gif": ["GIF"],
    "webp": ["WEBP"],
    "heif": ["HEIF"],
    "avif": ["AVIF", "HEIF"],
}

# Draft decoding target. libjpeg scales by 1/2, 1/4 or 1/8 and Pillow picks the largest reduction that
# keeps both sides >= this. At 256 the 64-bit hashes stay within 2 bits of a full decode on our test set
# (tests/hashing/test_fidelity.py) while decoding costs about the same as the measured floor.
DRAFT_MIN_SIDE = 256

# Decoded pictures above this many pixels are box-reduced before conversion (step 5). 4 MP keeps the long side
# of an ordinary photo above 2,000 pixels: more than the 640 keypoints are found at (hashing/features.py) and
# the 256 the hashes are computed from (hashing/core.py), so the hashes do not move.
REDUCED_PIXELS = 4_000_000


@dataclass(frozen=True)
class Limits:
    """Resource limits applied before decoding. Defaults suit a victim-facing upload form."""

    max_bytes: int = 25_000_000
    #: Checked against the dimensions in the header, before decoding, for every format. 40 MP is above
    #: every phone camera's default output (48 MP sensors save 12 MP) and bounds the worker's memory.
    max_pixels: int = 40_000_000
    #: The longest side allowed, also from the header: a 400,000 × 100 strip fits the pixel budget but makes
    #: every per-axis step (PDQ's blur operators, resizes) as long as that side. Panoramas stay under it.
    max_side: int = 40_000
    #: GIF/WebP/APNG files with more frames than this are refused (each frame may be parsed).
    max_frames: int = 10_000


DEFAULT_LIMITS = Limits()


@dataclass
class Decoded:
    """The result of one guarded decode."""

    grey: Image.Image  # mode "L", oriented, possibly reduced by draft decoding
    data: bytes
    format: str  # "JPEG", "PNG", ...
    width: int  # oriented full-resolution size from the header
    height: int
    frames: int
    decode_scale: int  # 1 = full decode, 8 = libjpeg decoded at 1/8 scale

    @property
    def animated(self) -> bool:
        return self.frames > 1


def read_source(source: Source, limits: Limits = DEFAULT_LIMITS) -> tuple[bytes, str | None]:
    """Return (bytes, name) from a path, bytes or binary file object, refusing oversize input early."""
    name: str | None = None
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        try:
            size = os.stat(name).st_size
            if size > limits.max_bytes:
                raise FileTooLarge(size, limits.max_bytes)
            with open(name, "rb") as fh:
                data = fh.read(limits.max_bytes + 1)
        except FileTooLarge:
            raise
        except IsADirectoryError as exc:
            raise UnreadableFile("This is a folder, not a picture file.", detail=str(exc)) from exc
        except OSError as exc:
            raise UnreadableFile(detail=str(exc)) from exc
    elif hasattr(source, "read"):
        name = getattr(source, "name", None)
        data = source.read(limits.max_bytes + 1)
        if not isinstance(data, bytes):
            raise TypeError("file objects must be opened in binary mode")
    else:
        raise TypeError(f"cannot hash a {type(source).__name__}; pass a path, bytes or a binary file")
    if len(data) > limits.max_bytes:
        raise FileTooLarge(len(data), limits.max_bytes)
    if not data:
        raise EmptyFile()
    return data, name


def sniff(data: bytes) -> str:
    """Name the accepted kind of ``data`` from its magic bytes (``hashing.formats``), or raise UnsupportedFormat."""
    kind = picture_format(data)
    if kind in ("avif", "heif"):
        if AVIF_AVAILABLE if kind == "avif" else HEIF_AVAILABLE:
            return kind
        raise UnsupportedFormat("heif-unavailable")
    if kind is None:
        raise UnsupportedFormat(_guess_other(data))
    return kind


def _guess_other(data: bytes) -> str:
    """Cheap, best-effort label for a refused file, only used to word the message."""
    if is_iso_media(data):
        return "video"  # mp4, mov, 3gp ...
    head = data[:1024]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%PDF") or b"%pdf-" in head[:1024].lower():
        return "pdf"
    if stripped.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<!--")):
        return "html"
    if stripped.startswith(b"<?xml") or b"<svg" in stripped:
        return "svg" if b"<svg" in head.lower() else "text"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(b"BM"):
        return "bmp"
    if head.startswith(b"\x00\x00\x01\x00"):
        return "ico"
    if head.startswith(b"8BPS"):
        return "psd"
    if head.startswith((b"PK\x03\x04", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return "zip"
    if head.startswith(b"\x1aE\xdf\xa3") or (head[:4] == b"RIFF" and head[8:12] == b"AVI "):
        return "video"
    try:
        head.decode("utf-8")
        return "text"
    except UnicodeDecodeError:
        return "unknown"


@dataclass(frozen=True)
class Header:
    """What the header of a picture says, read without decoding a pixel."""

    format: str  # "JPEG", "PNG", ...
    width: int  # as stored (EXIF orientation not applied)
    height: int
    frames: int


def _open(data: bytes, kind: str, limits: Limits) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=_PIL_FORMATS[kind])
    except Image.DecompressionBombError as exc:
        raise TooManyPixels(None, None, limits.max_pixels) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, KeyError, IndexError) as exc:
        raise CorruptImage(detail=f"{kind}: {exc}") from exc


def _check_size(im: Image.Image, limits: Limits) -> tuple[int, int]:
    width, height = im.size
    if width <= 0 or height <= 0:
        raise CorruptImage(detail=f"zero size {width}x{height}")
    if width * height > limits.max_pixels or max(width, height) > limits.max_side:
        raise TooManyPixels(width, height, limits.max_pixels)
    return width, height


def _cut_short(im: Image.Image, data: bytes, kind: str) -> bool:
    """Whether the file visibly ends before its picture does: a JPEG with no end-of-image marker after its scan
    data, a PNG without its closing IEND chunk. Reads markers only."""
    if kind == "jpeg":
        offset = im.tile[0][2] if im.tile else 0
        return data.find(b"\xff\xd9", offset) == -1
    if kind == "png":
        return data.rfind(b"IEND") == -1
    return False


def inspect(source: Source, limits: Limits = DEFAULT_LIMITS) -> Header:
    """Check ``source`` as far as its header allows, decoding no pixel: byte size, format by magic bytes,
    declared dimensions against the pixel budget, frame count, and an end that is where it should be. This is
    what a web request may afford; decoding happens in the worker. Raises a HashingError subclass."""
    data, _ = read_source(source, limits)
    kind = sniff(data)
    im = _open(data, kind, limits)
    with im:
        width, height = _check_size(im, limits)
        try:
            frames = _frame_count(im, limits)
        except (OSError, SyntaxError, ValueError, EOFError, KeyError, IndexError) as exc:
            raise CorruptImage(detail=f"{kind}: {exc}") from exc
        if _cut_short(im, data, kind):
            raise CorruptImage(detail=f"{kind}: no end marker")
        fmt = "JPEG" if im.format == "MPO" else (im.format or kind.upper())
    return Header(format=fmt, width=width, height=height, frames=frames)


def reduce_factor(width: int, height: int) -> int:
    """The integer factor ``_reduce`` divides a decoded width × height picture by (1: left as it is). On-device
    fingerprints (static/recourse/js/fingerprint-worker.js, ``reduceFactor``) compute the same number."""
    if width * height <= REDUCED_PIXELS:
        return 1
    k = math.ceil(math.sqrt(width * height / REDUCED_PIXELS))
    return k if width // k and height // k else 1


def draft_scale(width: int, height: int) -> int:
    """The libjpeg scale Pillow's ``draft`` picks for a JPEG of this size (8, 4, 2 or 1: both sides stay
    >= DRAFT_MIN_SIDE), as ``JpegImageFile.draft`` computes it."""
    want = min(width // DRAFT_MIN_SIDE, height // DRAFT_MIN_SIDE)
    return next(s for s in (8, 4, 2, 1) if want >= s)


def _reduce(im: Image.Image) -> tuple[Image.Image, int]:
    """Box-reduce a decoded picture above REDUCED_PIXELS by an integer factor, in a mode that averages
    correctly, without float arrays of its full size. Returns (picture, factor)."""
    k = reduce_factor(*im.size)
    if k == 1:
        return im, 1
    mode = im.mode
    if mode.startswith("I;16"):
        # 16-bit grey: Pillow cannot reduce it; average blocks of the uint16 array, one band of rows at a time.
        arr = np.asarray(im)
        h, w = (arr.shape[0] // k) * k, (arr.shape[1] // k) * k
        if h == 0 or w == 0:
            return im, 1
        out = np.empty((h // k, w // k), dtype=np.int32)
        band = k * max(1, 1_048_576 // max(1, w))  # about a million pixels per step
        for top in range(0, h, band):
            block = arr[top : min(top + band, h), :w].astype(np.uint32)
            rows = block.shape[0] // k
            out[top // k : top // k + rows] = block.reshape(rows, k, w // k, k).mean(axis=(1, 3)).round()
        return Image.fromarray(out), k  # int32: mode "I"
    width, height = (im.size[0] // k) * k, (im.size[1] // k) * k
    if width == 0 or height == 0:
        return im, 1
    # One band of rows at a time: Pillow's reduce of an RGBA picture first makes a premultiplied copy of all of
    # it, and a palette or bilevel picture needs a converted copy; per band these copies stay small.
    band = k * max(1, 1_048_576 // width)
    out = None
    for top in range(0, height, band):
        piece = im.crop((0, top, width, min(top + band, height)))
        if mode == "1":
            piece = piece.convert("L")
        elif mode in ("P", "PA"):
            # Palette indices cannot be averaged: colours first (alpha kept for the composite over white).
            piece = piece.convert("RGBA" if mode == "PA" or "transparency" in im.info else "RGB")
        elif mode not in ("L", "LA", "La", "RGB", "RGBA", "RGBa", "I", "F", "CMYK", "YCbCr"):
            piece = piece.convert("RGB")
        piece = piece.reduce(k)
        if out is None:
            out = Image.new(piece.mode, (width // k, height // k))
        out.paste(piece, (0, top // k))
    return out, k


def decode(source: Source, limits: Limits = DEFAULT_LIMITS, *, draft: bool = True) -> Decoded:
    """Read, check and decode ``source`` once. Raises a HashingError subclass on any refusal.

    ``draft=False`` forces a full-resolution decode (used by tests to measure draft fidelity).
    """
    data, _ = read_source(source, limits)
    kind = sniff(data)
    im = _open(data, kind, limits)
    with im:
        width, height = _check_size(im, limits)
        try:
            frames = _frame_count(im, limits)
            scale = 1
            if draft and im.format in ("JPEG", "MPO"):
                want = "L" if im.mode in ("L", "RGB", "YCbCr") else im.mode
                res = im.draft(want, (DRAFT_MIN_SIDE, DRAFT_MIN_SIDE))
                if res is not None:
                    scale = max(1, round(width / im.size[0]))
            im.load()
            orientation = _orientation(im)
            reduced, k = _reduce(im) if draft else (im, 1)
            scale *= k
            grey = to_grey(reduced)
            del reduced
        except Image.DecompressionBombError as exc:
            raise TooManyPixels(width, height, limits.max_pixels) from exc
        except (OSError, SyntaxError, ValueError, EOFError, KeyError, IndexError, MemoryError) as exc:
            raise CorruptImage(detail=f"{kind}: {exc}") from exc
        fmt = "JPEG" if im.format == "MPO" else (im.format or kind.upper())
    if orientation in (2, 3, 4, 5, 6, 7, 8):
        grey = _apply_orientation(grey, orientation)
        if orientation in (5, 6, 7, 8):
            width, height = height, width
    return Decoded(grey=grey, data=data, format=fmt, width=width, height=height, frames=frames, decode_scale=scale)


def _frame_count(im: Image.Image, limits: Limits) -> int:
    if not getattr(im, "is_animated", False):
        return 1
    n = int(getattr(im, "n_frames", 1))  # GIF: walks the block structure, does not decode pixels
    if n > limits.max_frames:
        raise TooManyPixels(im.size[0], im.size[1], limits.max_pixels)
    im.seek(0)
    return n


def _orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(0x0112, 1) or 1)
    except Exception:  # a broken EXIF block must not make the picture unreadable
        return 1


_TRANSPOSE = {
    2: [Image.Transpose.FLIP_LEFT_RIGHT],
    3: [Image.Transpose.ROTATE_180],
    4: [Image.Transpose.FLIP_TOP_BOTTOM],
    5: [Image.Transpose.TRANSPOSE],
    6: [Image.Transpose.ROTATE_270],
    7: [Image.Transpose.TRANSVERSE],
    8: [Image.Transpose.ROTATE_90],
}


def _apply_orientation(im: Image.Image, orientation: int) -> Image.Image:
    for op in _TRANSPOSE[orientation]:
        im = im.transpose(op)
    return im


def to_grey(im: Image.Image) -> Image.Image:
    """Normalise any Pillow mode to 8-bit luma, compositing transparency over white.

    Pillow's own ``convert("L")`` clips 16-bit greyscale instead of scaling it (a 16-bit PNG turns
    almost white), so high-bit-depth modes are rescaled here.
    """
    mode = im.mode
    if mode == "L":
        return im
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
        mode = im.mode
    elif mode == "PA":
        im = im.convert("RGBA")
        mode = "RGBA"
    if mode.startswith("I") or mode == "F":
        arr = np.asarray(im).astype(np.float64)
        if mode == "F" and arr.size and arr.max() <= 1.0:
            arr = arr * 255.0
        elif arr.size and arr.max() > 255:
            arr = arr / 257.0  # 16-bit range -> 8-bit
        return Image.fromarray(np.clip(np.rint(arr), 0, 255).astype(np.uint8), "L")
    if mode in ("RGBA", "LA", "RGBa", "La"):
        if mode == "RGBa":
            im = im.convert("RGBA")
        elif mode == "La":
            im = im.convert("LA")
        la = np.asarray(im.convert("LA"), dtype=np.float32)
        alpha = la[..., 1] / 255.0
        out = la[..., 0] * alpha + 255.0 * (1.0 - alpha)  # over white, like most viewers show it
        return Image.fromarray(np.clip(np.rint(out), 0, 255).astype(np.uint8), "L")
    if mode in ("1", "RGB"):
        return im.convert("L")
    return im.convert("RGB").convert("L")  # CMYK, YCbCr, LAB, HSV


def sha256_md5(data: bytes) -> tuple[str, str]:
    return hashlib.sha256(data).hexdigest(), hashlib.md5(data, usedforsecurity=False).hexdigest()


__all__ = [
    "DEFAULT_LIMITS",
    "REDUCED_PIXELS",
    "Decoded",
    "Header",
    "Limits",
    "Source",
    "decode",
    "draft_scale",
    "inspect",
    "read_source",
    "reduce_factor",
    "sha256_md5",
    "sniff",
    "to_grey",
]
