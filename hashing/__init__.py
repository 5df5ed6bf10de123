"""Recourse hashing: decode a picture once, compute exchange hashes, decide whether two pictures match.

Framework-free (no Django, no ``takedowns`` imports). Public API::

    compute(source, *, limits=Limits(), features=False, mirrored_features=False, unwrap=False) -> ImageHashes
    compute_candidate(source, *, limits=Limits()) -> ImageHashes     # keypoints + app-frame unwrapping
    compare(a, b, *, rule=DEFAULT_RULE) -> MatchResult               # a = reference, b = candidate
    Matcher(refs, ids=None, rule=DEFAULT_RULE).match(candidate) -> MatchResult
    HashIndex(bits).add(hexes) / .search(queries, radius)            # many-to-many Hamming search
    validate(hash_type, hex) -> str;  HASH_TYPES["phash" | "dhash" | "whash" | "pdq"]
    HASH_FIELDS, SHARED_HASH_FIELDS                                  # the names a store of hashes uses

``source`` is a path, bytes or a binary file object. Errors are ``HashingError`` subclasses with a stable
``code`` and a plain-language ``message`` (see ``hashing.errors``). CLI: ``python -m hashing --help``.
"""

from .core import ImageHashes, Variant, compute, compute_candidate, expected_decode_scale
from .decode import DEFAULT_LIMITS, Limits
from .errors import (
    CorruptImage,
    EmptyFile,
    FileTooLarge,
    HashingError,
    InvalidHash,
    TooManyPixels,
    UnreadableFile,
    UnsupportedFormat,
)
from .index import HashIndex
from .matcher import DEFAULT_RULE, STAGES, Matcher, MatchResult, MatchRule, compare
from .signals import (
    DHASH,
    FILE_DIGESTS,
    HASH_FIELDS,
    HASH_TYPES,
    PDQ,
    PERCEPTUAL_HASHES,
    PHASH,
    SHARED_HASH_FIELDS,
    WHASH,
    HashType,
    validate,
)

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_RULE",
    "DHASH",
    "FILE_DIGESTS",
    "HASH_FIELDS",
    "HASH_TYPES",
    "PDQ",
    "PERCEPTUAL_HASHES",
    "PHASH",
    "SHARED_HASH_FIELDS",
    "STAGES",
    "WHASH",
    "CorruptImage",
    "EmptyFile",
    "FileTooLarge",
    "HashIndex",
    "HashType",
    "HashingError",
    "ImageHashes",
    "InvalidHash",
    "Limits",
    "MatchResult",
    "MatchRule",
    "Matcher",
    "TooManyPixels",
    "UnreadableFile",
    "UnsupportedFormat",
    "Variant",
    "compare",
    "compute",
    "compute_candidate",
    "expected_decode_scale",
    "validate",
]
