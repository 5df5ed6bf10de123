"""The hash types, each answering the same questions (CONVENTIONS item 7, after ThreatExchange's
``signal_type``): compute it from a picture, compare two values (distance, match), validate a hex string.

pHash, dHash and wHash follow imagehash 4.3.2 exactly (same resizing filter, same DCT/wavelet, same bit
order, so ``str(imagehash.phash(img))`` equals ``PHASH.compute(img)`` for the same pixels). They are
computed from the already-decoded greyscale picture; ``hashing.decode`` makes it small first.

PDQ is Meta's 256-bit hash, computed by ``hashing.pdq`` (NumPy, bit-exact with the reference ``pdqhash``
bindings on a full decode, within a few bits on a reduced decode; tested in tests/hashing/test_fidelity.py).
Hex is the ThreatExchange/HMA convention (bit vector packed most-significant-bit first).

The ``threshold`` of each type is the distance at which that hash *alone* is conventionally called a
match; the shipped decision rule (``hashing.matcher``) combines several hashes and is stricter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pywt
import scipy.fft
from PIL import Image

from . import pdq as _pdq
from .errors import InvalidHash

_LANCZOS = Image.Resampling.LANCZOS


def _bits_to_hex(bits: np.ndarray) -> str:
    return np.packbits(np.asarray(bits, dtype=bool).ravel()).tobytes().hex()


def phash_bits(grey: Image.Image) -> np.ndarray:
    """imagehash.phash (hash_size 8, highfreq_factor 4)."""
    pixels = np.asarray(grey.resize((32, 32), _LANCZOS))
    # scipy.fft.dct with the default type 2 / norm None equals scipy.fftpack.dct used by imagehash.
    dct = scipy.fft.dct(scipy.fft.dct(pixels, axis=0), axis=1)
    low = dct[:8, :8]
    return low > np.median(low)


def dhash_bits(grey: Image.Image) -> np.ndarray:
    """imagehash.dhash (hash_size 8): is each pixel brighter than its left neighbour."""
    pixels = np.asarray(grey.resize((9, 8), _LANCZOS))
    return pixels[:, 1:] > pixels[:, :-1]


def whash_bits(grey: Image.Image) -> np.ndarray:
    """imagehash.whash (haar, hash_size 8, remove_max_haar_ll, image_scale from the picture's size)."""
    natural = 2 ** int(np.log2(min(grey.size)))
    scale = max(natural, 8)
    ll_max_level = int(np.log2(scale))
    pixels = np.asarray(grey.resize((scale, scale), _LANCZOS)) / 255.0
    coeffs = list(pywt.wavedec2(pixels, "haar", level=ll_max_level))
    coeffs[0] *= 0
    pixels = pywt.waverec2(coeffs, "haar")
    low = pywt.wavedec2(pixels, "haar", level=ll_max_level - 3)[0]
    return low > np.median(low)


def pdq_bits(grey: Image.Image) -> tuple[np.ndarray, int]:
    """PDQ bits and quality (0-100) of a greyscale picture at its own resolution (see hashing.pdq)."""
    return _pdq.pdq(np.asarray(grey))


@dataclass(frozen=True)
class HashType:
    """One perceptual hash type: how to compute, compare and validate it."""

    name: str
    bits: int
    #: Conventional single-hash match threshold (inclusive) and where it comes from.
    threshold: int
    threshold_source: str
    _compute: Callable[[Image.Image], np.ndarray]

    @property
    def hex_length(self) -> int:
        return self.bits // 4

    def compute(self, grey: Image.Image) -> str:
        """Hex hash of a picture (any mode; converted to luma the way imagehash does)."""
        if grey.mode != "L":
            grey = grey.convert("L")
        return _bits_to_hex(self._compute(grey))

    def validate(self, value: str) -> str:
        """Return the canonical (lower-case) hex string, or raise InvalidHash."""
        if not isinstance(value, str):
            raise InvalidHash(f"A {self.name} hash must be a string.", detail=repr(value))
        canon = value.strip().lower()
        if len(canon) != self.hex_length or not re.fullmatch(r"[0-9a-f]+", canon):
            raise InvalidHash(
                f"A {self.name} hash is {self.hex_length} hexadecimal characters (0-9, a-f).",
                detail=repr(value),
            )
        return canon

    def is_valid(self, value: str) -> bool:
        try:
            self.validate(value)
        except InvalidHash:
            return False
        return True

    def to_int(self, value: str) -> int:
        return int(self.validate(value), 16)

    def distance(self, a: str, b: str) -> int:
        """Hamming distance between two hex values of this type (symmetric, 0 for identical)."""
        return (self.to_int(a) ^ self.to_int(b)).bit_count()

    def compare(self, a: str, b: str) -> tuple[bool, int]:
        """(match by this hash alone at its conventional threshold, distance)."""
        d = self.distance(a, b)
        return d <= self.threshold, d


PHASH = HashType(
    "phash", 64, 10, "pHash <= 10 matched ~1 different-face pair in 5,000 (hashing-measurements.md)", phash_bits
)
DHASH = HashType("dhash", 64, 10, "common imagehash practice; survives re-encoding at 0-2 bits", dhash_bits)
WHASH = HashType(
    "whash", 64, 10, "informational only: 4-5% of different faces within 10 bits (measurements)", whash_bits
)
PDQ = HashType(
    "pdq", 256, 31, "Meta's recommended PDQ threshold (pdq/README, used by StopNCII/HMA)", lambda g: pdq_bits(g)[0]
)

HASH_TYPES: dict[str, HashType] = {t.name: t for t in (PHASH, DHASH, WHASH, PDQ)}

# The one list of hash names outside this module: a store of pictures' hashes (the portal's reference images,
# its fingerprint exports) names its fields after these, so a new hash type is added here and nowhere else.
#: The perceptual hash types' names, in their order here ("phash", "dhash", "whash", "pdq").
PERCEPTUAL_HASHES: tuple[str, ...] = tuple(HASH_TYPES)
#: Digests of a file's exact bytes.
FILE_DIGESTS: tuple[str, ...] = ("sha256", "md5")
#: Every hash of a picture as :class:`hashing.ImageHashes` names it (PDQ's quality score is not a hash).
HASH_FIELDS: tuple[str, ...] = (*FILE_DIGESTS, *PERCEPTUAL_HASHES)
#: What hash-sharing programmes (StopNCII, NCMEC Take It Down, HMA) exchange, so what a platform may be sent:
#: PDQ with its quality, MD5 and pHash. Never the SHA-256 of the original, nor dHash/wHash (matching only).
SHARED_HASH_FIELDS: tuple[str, ...] = (PDQ.name, "pdq_quality", "md5", PHASH.name)


def hash_type(name: str) -> HashType:
    try:
        return HASH_TYPES[name]
    except KeyError:
        raise InvalidHash(f"Unknown hash type {name!r}; known: {', '.join(HASH_TYPES)}.") from None


def validate(name: str, value: str) -> str:
    """Validate a hex string for hash type ``name`` ("phash", "dhash", "whash", "pdq")."""
    return hash_type(name).validate(value)


__all__ = [
    "DHASH",
    "FILE_DIGESTS",
    "HASH_FIELDS",
    "HASH_TYPES",
    "PDQ",
    "PERCEPTUAL_HASHES",
    "PHASH",
    "SHARED_HASH_FIELDS",
    "WHASH",
    "HashType",
    "hash_type",
    "validate",
]
