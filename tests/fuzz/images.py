"""Seed pictures in every accepted format and the mutations the fuzz tests apply to them.

Small generated pictures (never a real photo): each mutation keeps a real header in front most of the time, so
that the decoders get far past the magic bytes before they meet the damage.
"""

from __future__ import annotations

import io
import struct
import zlib

from hypothesis import strategies as st
from PIL import Image

from hashing.decode import HEIF_AVAILABLE
from tests.utils import make_photo_like


def _save(im: Image.Image, fmt: str, **kw) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **kw)
    return out.getvalue()


def seeds() -> dict[str, bytes]:
    photo = Image.open(io.BytesIO(make_photo_like(96, 72, seed=7))).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: the decoder applies EXIF orientation
    frames = [photo, photo.rotate(90), photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    found = {
        "jpeg": _save(photo, "JPEG", quality=85),
        "jpeg-progressive-exif": _save(photo, "JPEG", quality=70, progressive=True, exif=exif.tobytes()),
        "jpeg-cmyk": _save(photo.convert("CMYK"), "JPEG"),
        "png-rgba": _save(photo.convert("RGBA"), "PNG"),
        "png-palette": _save(photo.convert("P"), "PNG"),
        "png-16bit-grey": _save(photo.convert("I;16"), "PNG"),
        "png-animated": _save(frames[0], "PNG", save_all=True, append_images=frames[1:]),
        "gif": _save(photo.convert("P"), "GIF"),
        "gif-animated": _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0),
        "webp": _save(photo, "WEBP", quality=80),
        "webp-lossless-alpha": _save(photo.convert("RGBA"), "WEBP", lossless=True),
        "webp-animated": _save(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100),
    }
    if HEIF_AVAILABLE:
        found["heic"] = _save(photo, "HEIF", quality=60)
    return found


SEEDS = seeds()


def claims_size(kind: str, width: int, height: int) -> bytes:
    """A seed whose header claims ``width`` × ``height`` pixels while the data stays small."""
    data = bytearray(SEEDS[kind])
    if kind.startswith("png"):
        data[16:24] = struct.pack(">II", width, height)  # IHDR, with its CRC made right again
        data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    elif kind.startswith("gif"):
        data[6:10] = struct.pack("<HH", width & 0xFFFF, height & 0xFFFF)  # logical screen
    elif kind.startswith("jpeg"):
        sof = max(data.find(b"\xff\xc0"), data.find(b"\xff\xc2"))
        data[sof + 5 : sof + 9] = struct.pack(">HH", height & 0xFFFF, width & 0xFFFF)
    elif kind == "webp":
        vp8 = data.find(b"VP8 ")
        frame = vp8 + 8 + 6  # after the chunk header and the 3-byte tag + start code
        data[frame : frame + 4] = struct.pack("<HH", width & 0x3FFF, height & 0x3FFF)
    return bytes(data)


@st.composite
def mutated(draw) -> bytes:
    """A seed picture after one to four of: truncation, bit flips (mostly in the header), splicing with another
    seed, overwriting header bytes, inserting or deleting bytes."""
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        size = len(data)
        where = draw(st.one_of(st.integers(0, min(size, 256) - 1), st.integers(0, size - 1)))
        op = draw(st.sampled_from(["truncate", "flip", "flip", "splice", "overwrite", "insert", "delete"]))
        if op == "truncate":
            data = data[:where]
        elif op == "flip":
            data[where] ^= 1 << draw(st.integers(0, 7))
        elif op == "splice":
            other = SEEDS[draw(st.sampled_from(sorted(SEEDS)))]
            data = data[:where] + other[draw(st.integers(0, len(other))) :]
        elif op == "overwrite":
            patch = draw(st.binary(min_size=1, max_size=8))
            data[where : where + len(patch)] = patch
        elif op == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=32))
        else:
            del data[where : where + draw(st.integers(1, 64))]
    return bytes(data)


#: Random bytes, bytes behind a real magic number, and mutated real pictures.
MAGIC = [b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBP", b"\x00\x00\x00\x18ftypheic"]
any_bytes = st.one_of(
    st.binary(max_size=2048),
    st.builds(lambda magic, rest: magic + rest, st.sampled_from(MAGIC), st.binary(max_size=2048)),
    mutated(),
)
