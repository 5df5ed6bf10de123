"""Reduced-scale decoding must not move the hashes: ≤ 2 bits (64-bit hashes) from a full decode with
imagehash, and PDQ ≤ 16 bits from Meta's reference bindings (``pdqhash``) on the full picture."""

from __future__ import annotations

import io

import imagehash
import numpy as np
import pdqhash
import pytest
from PIL import Image

from hashing import HASH_TYPES, compute
from hashing import pdq as npdq
from tests.utils import photo


def big_jpeg(source: str | int, size: tuple[int, int], seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    im = photo(source).resize(size, Image.Resampling.BICUBIC)
    arr = np.asarray(im).astype(np.float32) + rng.normal(0, 4, (size[1], size[0], 3))
    buf = io.BytesIO()
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


CASES = [
    ("astronaut", (3000, 2000)),
    ("coffee", (2400, 1600)),
    ("camera", (2048, 2048)),
    ("rocket", (1800, 1200)),
    (7, (2400, 1800)),
    (8, (1600, 1200)),
]


@pytest.fixture(scope="module", params=CASES, ids=[str(c[0]) for c in CASES])
def case(request):
    src, size = request.param
    data = big_jpeg(src, size, seed=hash(str(src)) % 1000)
    full = Image.open(io.BytesIO(data))
    full.load()
    return data, full


def test_draft_decode_within_two_bits(case):
    data, full = case
    h = compute(data)
    assert h.decode_scale >= 4  # the fast path really was taken
    for name, fn in (("phash", imagehash.phash), ("dhash", imagehash.dhash), ("whash", imagehash.whash)):
        assert HASH_TYPES[name].distance(h.hash(name), str(fn(full))) <= 2, name


def test_pdq_agrees_with_reference(case):
    data, full = case
    bits, quality = pdqhash.compute(np.asarray(full.convert("RGB")))
    ref_hex = np.packbits(bits.astype(bool)).tobytes().hex()
    h = compute(data)
    assert HASH_TYPES["pdq"].distance(h.pdq, ref_hex) <= 16
    assert abs(h.pdq_quality - quality) <= 10


def test_numpy_pdq_is_exact_on_full_decode():
    im = photo("coffee").resize((777, 555))
    bits, quality = pdqhash.compute(np.asarray(im))
    luma = np.asarray(im, dtype=np.float64) @ np.array([0.299, 0.587, 0.114])
    mine, q = npdq.pdq(luma)
    assert int((mine != bits.astype(bool)).sum()) <= 2 and q == quality


def test_png_reduction_within_two_bits():
    im = photo("chelsea").resize((1600, 1066), Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    h = compute(buf.getvalue())
    assert h.decode_scale >= 2
    grey = im.convert("L")
    assert HASH_TYPES["phash"].distance(h.phash, str(imagehash.phash(grey))) <= 2
    assert HASH_TYPES["dhash"].distance(h.dhash, str(imagehash.dhash(grey))) <= 2
