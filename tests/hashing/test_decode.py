"""Guards and awkward inputs: every refusal is a HashingError with a stable code and a calm message."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw

from hashing import (
    PHASH,
    CorruptImage,
    EmptyFile,
    FileTooLarge,
    HashingError,
    Limits,
    TooManyPixels,
    UnreadableFile,
    UnsupportedFormat,
    compute,
)
from hashing.decode import decode
from tests.utils import encode, photo


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width × height, with a tiny IDAT: costs bytes, not gigabytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def assert_friendly(err: HashingError, code: str) -> None:
    assert err.code == code
    assert err.message and "Traceback" not in err.message and "Error" not in err.message
    assert err.to_dict()["code"] == code


def test_pdf_renamed_jpg(tmp_path):
    p = tmp_path / "photo.jpg"
    p.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    with pytest.raises(UnsupportedFormat) as err:
        compute(p)
    assert_friendly(err.value, "unsupported_format")
    assert err.value.detected == "pdf" and "PDF" in err.value.message


def test_html_renamed_jpg(tmp_path):
    p = tmp_path / "photo.jpg"
    p.write_bytes(b"\n  <!DOCTYPE html><html><head><title>Login</title></head><body></body></html>")
    with pytest.raises(UnsupportedFormat) as err:
        compute(p)
    assert err.value.detected == "html" and "web page" in err.value.message


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        (b"II*\x00" + b"\0" * 100, "tiff"),
        (b"BM" + b"\0" * 100, "bmp"),
        (b"PK\x03\x04" + b"\0" * 50, "zip"),
        (b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom", "video"),
        (b"hello, world", "text"),
        (b"\x00\x9f\x01\xff", "unknown"),
    ],
)
def test_other_formats_refused(data, detected):
    with pytest.raises(UnsupportedFormat) as err:
        compute(data)
    assert err.value.detected == detected


def test_zero_bytes(tmp_path):
    p = tmp_path / "empty.jpg"
    p.write_bytes(b"")
    with pytest.raises(EmptyFile) as err:
        compute(p)
    assert_friendly(err.value, "empty_file")


def test_truncated_jpeg(astronaut_jpeg):
    with pytest.raises(CorruptImage) as err:
        compute(astronaut_jpeg[: len(astronaut_jpeg) // 2])
    assert_friendly(err.value, "corrupt_image")


def test_garbage_after_magic():
    with pytest.raises(CorruptImage):
        compute(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)


def test_huge_png_refused_from_header():
    data = png_header_only(50_000, 50_000)
    assert len(data) < 200
    with pytest.raises(TooManyPixels) as err:
        compute(data)
    assert_friendly(err.value, "too_many_pixels")


def test_pixel_limit_checked_before_decoding():
    with pytest.raises(TooManyPixels) as err:
        compute(png_header_only(8_000, 8_000))  # 64 MP: below Pillow's own bomb limit, above ours
    assert (err.value.width, err.value.height) == (8000, 8000)
    with pytest.raises(TooManyPixels):
        compute(encode(photo("astronaut")), limits=Limits(max_pixels=100_000))


def test_file_too_large(tmp_path, astronaut_jpeg):
    p = tmp_path / "a.jpg"
    p.write_bytes(astronaut_jpeg)
    small = Limits(max_bytes=1000)
    for src in (p, str(p), astronaut_jpeg, io.BytesIO(astronaut_jpeg)):
        with pytest.raises(FileTooLarge) as err:
            compute(src, limits=small)
        assert_friendly(err.value, "file_too_large")
    assert "MB" in err.value.message


def test_unreadable(tmp_path):
    with pytest.raises(UnreadableFile):
        compute(tmp_path / "missing.jpg")
    with pytest.raises(UnreadableFile):
        compute(tmp_path)


def test_cmyk_jpeg(astronaut):
    rgb = compute(encode(astronaut, "PNG"))
    cmyk = compute(encode(astronaut.convert("CMYK"), "JPEG", quality=95))
    assert PHASH.distance(rgb.phash, cmyk.phash) <= 4


def test_16bit_png(astronaut):
    grey8 = np.asarray(astronaut.convert("L"))
    im16 = Image.fromarray(grey8.astype(np.uint16) * 257)  # mode I;16
    data = encode(im16, "PNG")
    dec = decode(data)
    assert abs(float(np.asarray(dec.grey).mean()) - float(grey8.mean())) < 2  # scaled, not clipped to white
    assert PHASH.distance(compute(data).phash, compute(encode(Image.fromarray(grey8), "PNG")).phash) <= 2


def test_palette_png_with_transparency():
    def draw(im):
        d = ImageDraw.Draw(im)
        d.ellipse((40, 30, 200, 170), fill=1)
        d.rectangle((120, 100, 230, 200), fill=2)
        return im

    pal = Image.new("P", (260, 220), 0)
    pal.putpalette([0, 0, 0, 200, 30, 30, 20, 90, 200] + [0] * (256 * 3 - 9))
    draw(pal)
    over_white = Image.new("P", (260, 220), 0)
    over_white.putpalette([255, 255, 255, 200, 30, 30, 20, 90, 200] + [0] * (256 * 3 - 9))
    draw(over_white)
    a = compute(encode(pal, "PNG", transparency=0))
    b = compute(encode(over_white, "PNG"))
    assert (a.phash, a.dhash, a.pdq) == (b.phash, b.dhash, b.pdq)


def test_rgba_composited_over_white():
    rgba = Image.new("RGBA", (200, 150), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).ellipse((30, 20, 170, 130), fill=(200, 40, 40, 255))
    white = Image.new("RGB", (200, 150), "white")
    ImageDraw.Draw(white).ellipse((30, 20, 170, 130), fill=(200, 40, 40))
    assert compute(encode(rgba, "PNG")).phash == compute(encode(white, "PNG")).phash


@pytest.mark.parametrize(
    ("orientation", "stored_op"),
    [
        (6, Image.Transpose.ROTATE_90),
        (8, Image.Transpose.ROTATE_270),
        (3, Image.Transpose.ROTATE_180),
        (2, Image.Transpose.FLIP_LEFT_RIGHT),
    ],
)
def test_exif_orientation(astronaut, orientation, stored_op):
    upright = astronaut.crop((0, 0, 512, 320))
    stored = upright.transpose(stored_op)
    exif = Image.Exif()
    exif[0x0112] = orientation
    want = compute(encode(upright, "PNG"))
    got = compute(encode(stored, "PNG", exif=exif.tobytes()))
    assert (got.width, got.height) == (512, 320)
    assert (got.phash, got.dhash, got.whash, got.pdq) == (want.phash, want.dhash, want.whash, want.pdq)
    got_jpeg = compute(encode(stored, "JPEG", quality=95, exif=exif.tobytes()))
    assert PHASH.distance(got_jpeg.phash, want.phash) <= 2


def test_animated_gif_uses_first_frame():
    frames = [photo(i).convert("P") for i in (1, 2, 3)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    h = compute(buf.getvalue())
    assert h.frames == 3 and h.animated and h.to_dict()["animated"] is True
    first = compute(encode(frames[0], "GIF"))
    assert h.phash == first.phash and first.frames == 1 and not first.animated


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF", "JPEG"])
def test_formats_accepted(astronaut, fmt):
    h = compute(encode(astronaut.convert("P") if fmt == "GIF" else astronaut, fmt))
    assert h.format == fmt and (h.width, h.height) == (512, 512)


def test_heif_if_available(astronaut):
    pillow_heif = pytest.importorskip("pillow_heif")
    buf = io.BytesIO()
    try:
        pillow_heif.from_pillow(astronaut).save(buf, format="HEIF", quality=90)
    except Exception as exc:  # pragma: no cover - encoder missing in this build
        pytest.skip(f"no HEIF encoder: {exc}")
    h = compute(buf.getvalue())
    assert h.format == "HEIF"
    assert PHASH.distance(h.phash, compute(encode(astronaut, "PNG")).phash) <= 4


def test_refused_iso_media_is_called_a_video_and_heif_needs_its_decoder(monkeypatch):
    # One sniffing implementation (hashing.formats): a box with no picture brand is a video; a HEIF picture
    # without pillow-heif is refused for that reason, not as an unknown file.
    mp4 = (24).to_bytes(4, "big") + b"ftypisom\0\0\0\0iso2mp41" + b"\0" * 32
    with pytest.raises(UnsupportedFormat) as refused:
        decode(mp4)
    assert refused.value.detected == "video"
    heic = (24).to_bytes(4, "big") + b"ftypheic\0\0\0\0mif1heic" + b"\0" * 32
    monkeypatch.setattr("hashing.decode.HEIF_AVAILABLE", False)
    with pytest.raises(UnsupportedFormat) as unavailable:
        decode(heic)
    assert unavailable.value.detected == "heif-unavailable"
