"""Large pictures in the worker: the pixel budget bites before decoding, and a picture above a few megapixels is
box-reduced in its own mode before any conversion or float array, with hashes that stay where they were."""

from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pytest
from PIL import Image

import hashing
from hashing import decode as decode_module
from hashing.decode import DEFAULT_LIMITS, REDUCED_PIXELS, decode, inspect
from tests.utils import make_photo_like


def hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


@pytest.fixture(scope="module")
def rgba_16bit_like() -> bytes:
    """A 12 MP RGBA PNG with alpha (what the 16-bit RGBA bomb decodes to) — smooth, so it compresses well."""
    photo = Image.open(io.BytesIO(make_photo_like(4000, 3000, seed=5))).convert("RGBA")
    photo.putalpha(Image.linear_gradient("L").resize(photo.size))
    return _png(photo)


def test_the_default_budget_is_forty_megapixels():
    assert DEFAULT_LIMITS.max_pixels == 40_000_000


def test_conversion_never_sees_a_full_size_picture(monkeypatch, rgba_16bit_like):
    seen = []
    real = decode_module.to_grey
    monkeypatch.setattr(decode_module, "to_grey", lambda im: seen.append(im.size) or real(im))
    decoded = decode(rgba_16bit_like)
    assert seen and seen[0][0] * seen[0][1] <= REDUCED_PIXELS
    assert (decoded.width, decoded.height) == (4000, 3000) and decoded.decode_scale >= 2


def test_float_arrays_stay_small(rgba_16bit_like):
    """NumPy reports its buffers to tracemalloc: the alpha composite of a full-size picture (float32 luma and
    alpha, 12 MP × 8 bytes and more) would show here."""
    tracemalloc.start()
    try:
        hashing.compute(rgba_16bit_like, features=True)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 120 * 1024 * 1024, f"{peak / 2**20:.0f} MiB traced"


def test_sixteen_bit_grey_is_reduced_without_clipping():
    ramp = (np.linspace(0, 65535, 3000, dtype=np.float64)[None, :] * np.ones((2000, 1))).astype(np.uint16)
    picture = Image.fromarray(ramp)  # uint16: mode "I;16"
    decoded = decode(_png(picture))
    grey = np.asarray(decoded.grey)
    assert decoded.decode_scale >= 2
    assert grey[:, :5].mean() < 5 and grey[:, -5:].mean() > 250  # the full range survives, scaled to 8 bits


@pytest.mark.parametrize("mode", ["RGB", "P", "1"])
def test_hashes_of_a_reduced_picture_stay_close_to_the_full_decode(mode):
    photo = Image.open(io.BytesIO(make_photo_like(3000, 2200, seed=11))).convert(mode)
    data = _png(photo)
    reduced = hashing.compute(data)
    full = hashing.compute(data, limits=DEFAULT_LIMITS, draft=False)
    assert reduced.decode_scale > 1
    assert hamming(reduced.pdq, full.pdq) <= 16
    assert hamming(reduced.phash, full.phash) <= 4


def test_inspect_reads_the_header_only(monkeypatch):
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("pixels decoded"))
    header = inspect(make_photo_like(900, 600, seed=2))
    assert (header.format, header.width, header.height, header.frames) == ("JPEG", 900, 600, 1)
    cut = make_photo_like(900, 600, seed=2)
    with pytest.raises(hashing.CorruptImage):
        inspect(cut[: len(cut) // 2])


@pytest.mark.parametrize(
    ("fmt", "size"),
    [
        ("PNG", (300, 200)),  # no reduction at all
        ("PNG", (1601, 1201)),  # the hashing reduction only: 1/4
        ("PNG", (2601, 1733)),  # above 4 MP: 1/2 in the decoder, then 1/3 for hashing
        ("PNG", (4201, 4003)),  # 1/3 in the decoder, then 1/2 for hashing
        ("JPEG", (801, 601)),  # draft 1/2
        ("JPEG", (9000, 470)),  # no draft (short side under 512), 1/2 in the decoder
        ("JPEG", (470, 9000)),
    ],
)
def test_the_expected_decode_scale_is_what_compute_reports(fmt, size):
    """On-device records state the scale their hashes were computed at; the server checks it against this."""
    out = io.BytesIO()
    Image.new("RGB", size, (90, 140, 200)).save(out, fmt, **({"compress_level": 1} if fmt == "PNG" else {}))
    record = hashing.compute(out.getvalue())
    assert hashing.expected_decode_scale(fmt, *size) == record.decode_scale
