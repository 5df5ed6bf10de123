"""``compute()``: one guarded decode, then every hash, as a JSON-serialisable ``ImageHashes`` record.

The record holds everything the matcher needs later, because the web app usually deletes the original
after hashing: the exchange hashes (SHA-256, MD5, pHash, dHash, wHash, PDQ + quality), hashes of
*variants* (mirrored; borders trimmed; trimmed and mirrored) and, when asked for with ``features=True``,
a bounded ORB keypoint blob (``hashing.features``). Keypoints are optional because they cost ~10 ms a
picture on top of the ~25 ms hash path, and candidates only need them when the hashes are unsure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from . import features as _features
from . import pdq as _pdq
from . import signals, trim
from .decode import (
    DEFAULT_LIMITS,
    DRAFT_MIN_SIDE,
    Decoded,
    Limits,
    Source,
    decode,
    draft_scale,
    reduce_factor,
    sha256_md5,
)

RECORD_VERSION = 1


@dataclass(frozen=True)
class Variant:
    """Hashes of a transformed copy of the picture, used only for matching."""

    name: str  # "mirror", "trimmed", "trimmed-mirror"; candidates also "unwrapped" (photo inside an app frame)
    phash: str
    dhash: str
    pdq: str
    box: tuple[float, float, float, float] | None = None  # relative crop (x0, y0, x1, y1) when trimmed

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "phash": self.phash, "dhash": self.dhash, "pdq": self.pdq}
        if self.box is not None:
            d["box"] = [round(v, 4) for v in self.box]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Variant:
        box = tuple(float(v) for v in d["box"]) if d.get("box") is not None else None
        return cls(
            name=str(d["name"]),
            phash=signals.PHASH.validate(d["phash"]),
            dhash=signals.DHASH.validate(d["dhash"]),
            pdq=signals.PDQ.validate(d["pdq"]),
            box=box,  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class ImageHashes:
    """All hashes of one picture. ``to_dict()``/``from_dict()`` round-trip through JSON."""

    sha256: str
    md5: str
    phash: str
    dhash: str
    whash: str
    pdq: str
    pdq_quality: int
    width: int  # after EXIF orientation, full resolution
    height: int
    format: str = ""
    frames: int = 1
    decode_scale: int = 1
    variants: tuple[Variant, ...] = ()
    features: _features.Features | None = field(default=None, compare=False)
    features_mirrored: _features.Features | None = field(default=None, compare=False)
    #: candidates only: keypoints of the photo cut out of an app frame / solid padding (``trim.frame_box``)
    features_unwrapped: _features.Features | None = field(default=None, compare=False)
    version: int = RECORD_VERSION

    @property
    def animated(self) -> bool:
        return self.frames > 1

    def hash(self, name: str) -> str:
        return str(getattr(self, name))

    def variant(self, name: str) -> Variant | None:
        return next((v for v in self.variants if v.name == name), None)

    def summary(self) -> dict[str, Any]:
        """The documented CLI keys plus small extras (no variants, no keypoints)."""
        return {
            **{name: self.hash(name) for name in signals.HASH_FIELDS},
            "pdq_quality": self.pdq_quality,
            "width": self.width,
            "height": self.height,
            "format": self.format,
            "frames": self.frames,
            "animated": self.animated,
        }

    def to_dict(self, *, include_features: bool = True) -> dict[str, Any]:
        d = {"version": self.version, **self.summary(), "decode_scale": self.decode_scale}
        d["variants"] = [v.to_dict() for v in self.variants]
        d["features"] = self.features.to_dict() if (include_features and self.features is not None) else None
        if include_features and self.features_mirrored is not None:
            d["features_mirrored"] = self.features_mirrored.to_dict()
        if include_features and self.features_unwrapped is not None:
            d["features_unwrapped"] = self.features_unwrapped.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ImageHashes:
        feats = d.get("features")
        feats_m = d.get("features_mirrored")
        feats_u = d.get("features_unwrapped")
        return cls(
            **{name: str(d[name]).lower() for name in signals.FILE_DIGESTS},
            **{name: signals.hash_type(name).validate(d[name]) for name in signals.PERCEPTUAL_HASHES},
            pdq_quality=int(d["pdq_quality"]),
            width=int(d["width"]),
            height=int(d["height"]),
            format=str(d.get("format", "")),
            frames=int(d.get("frames", 1)),
            decode_scale=int(d.get("decode_scale", 1)),
            variants=tuple(Variant.from_dict(v) for v in d.get("variants", ())),
            features=_features.Features.from_dict(feats) if feats else None,
            features_mirrored=_features.Features.from_dict(feats_m) if feats_m else None,
            features_unwrapped=_features.Features.from_dict(feats_u) if feats_u else None,
            version=int(d.get("version", RECORD_VERSION)),
        )


def _hashes_of(grey: Image.Image, full_w: int, full_h: int) -> tuple[str, str, str, int]:
    """(phash, dhash, pdq, pdq_quality) of a greyscale picture that stands for full_w × full_h pixels."""
    bits, q = _pdq.pdq(np.asarray(grey), full_w, full_h)
    return signals.PHASH.compute(grey), signals.DHASH.compute(grey), _pdq.hex_from_bits(bits), q


def hashes_from_decoded(
    dec: Decoded, *, features: bool = False, mirrored_features: bool = False, unwrap: bool = False
) -> ImageHashes:
    grey, s = _hashing_grey(dec)
    sha, md5 = sha256_md5(dec.data)
    ph, dh, pq, quality = _hashes_of(grey, dec.width, dec.height)
    wh = signals.WHASH.compute(grey)
    arr = np.asarray(grey)
    variants = _trim_variants(grey, arr, s, dec)
    arr_full = np.asarray(dec.grey)
    feats_u = None
    fbox = trim.frame_box(arr) if (unwrap or features) else None
    if unwrap and fbox is not None:  # candidates: the photo cut out of an app frame, hashed and described alone
        gw, gh = grey.size
        px = (round(fbox[0] * gw), round(fbox[1] * gh), round(fbox[2] * gw), round(fbox[3] * gh))
        cw, ch = (px[2] - px[0]) * s, (px[3] - px[1]) * s
        variants.append(Variant("unwrapped", *_hashes_of(grey.crop(px), cw, ch)[:3], box=fbox))
        fh, fw = arr_full.shape
        fx0, fy0, fx1, fy1 = (round(fbox[0] * fw), round(fbox[1] * fh), round(fbox[2] * fw), round(fbox[3] * fh))
        feats_u = _features.extract(
            arr_full[fy0:fy1, fx0:fx1], _features.CANDIDATE_FEATURES, max_side=_features.CANDIDATE_MAX_SIDE, fill=True
        )
    feats, feats_m = _keypoints(arr_full, fbox, features=features, mirrored_features=mirrored_features, unwrap=unwrap)
    return ImageHashes(
        sha256=sha,
        md5=md5,
        phash=ph,
        dhash=dh,
        whash=wh,
        pdq=pq,
        pdq_quality=quality,
        width=dec.width,
        height=dec.height,
        format=dec.format,
        frames=dec.frames,
        decode_scale=s,
        variants=tuple(variants),
        features=feats,
        features_mirrored=feats_m,
        features_unwrapped=feats_u,
    )


def _hashing_grey(dec: Decoded) -> tuple[Image.Image, int]:
    """The greyscale picture the hashes are computed on, and how many decoded pixels one of its pixels is."""
    grey, s = dec.grey, dec.decode_scale
    # Formats without draft decoding (PNG, WebP, GIF, HEIF) are box-reduced for hashing the way libjpeg's
    # draft does (both sides stay >= DRAFT_MIN_SIDE): resizes, PDQ and trimming get cheaper and the hashes
    # stay within the same tested 2 bits. Keypoints still use the decoded picture.
    # A picture the decoder already reduced (a very large one) is reduced further up to the same overall 8.
    k = _hashing_factor(grey.size, s)
    if k >= 2:
        grey, s = grey.reduce(k), s * k
    return grey, s


def _hashing_factor(size: tuple[int, int], s: int) -> int:
    return min(min(size) // DRAFT_MIN_SIDE, 8 // s)


def expected_decode_scale(fmt: str, width: int, height: int) -> int:
    """The ``decode_scale`` ``compute`` reports for a picture of this format and size (from the header alone):
    libjpeg's draft for JPEG, the decoder's reduction above REDUCED_PIXELS, then the hashing reduction. A record
    made elsewhere (on the victim's device) that states another scale was not made the way the server makes it."""
    s, w, h = 1, width, height
    if fmt.upper() == "JPEG":
        d = draft_scale(width, height)
        w, h = -(-width // d), -(-height // d)
        s = max(1, round(width / w))
    k = reduce_factor(w, h)
    w, h, s = w // k, h // k, s * k
    k = _hashing_factor((w, h), s)
    return s * k if k >= 2 else s


def _trim_variants(grey: Image.Image, arr: np.ndarray, s: int, dec: Decoded) -> list[Variant]:
    """The mirror image, and (when borders or padding are found) the trimmed picture and its mirror."""
    mirror = grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    variants = [Variant("mirror", *_hashes_of(mirror, dec.width, dec.height)[:3])]
    box = trim.content_box(arr)
    if box is not None:
        gw, gh = grey.size
        px = (round(box[0] * gw), round(box[1] * gh), round(box[2] * gw), round(box[3] * gh))
        crop = grey.crop(px)
        cw, ch = (px[2] - px[0]) * s, (px[3] - px[1]) * s
        variants.append(Variant("trimmed", *_hashes_of(crop, cw, ch)[:3], box=box))
        crop_m = crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        variants.append(Variant("trimmed-mirror", *_hashes_of(crop_m, cw, ch)[:3], box=box))
    return variants


def _keypoints(arr_full: np.ndarray, fbox, *, features: bool, mirrored_features: bool, unwrap: bool) -> tuple[Any, Any]:
    """(keypoints, keypoints of the mirror image), each None when not asked for."""
    feats = None
    if features and not mirrored_features:
        # A reference's keypoints describe its content only: app chrome, caption bars and padding around
        # it are cut away first, so a candidate sharing the same frame (same app, same meme template)
        # cannot line up with the reference on the frame's text and icons.
        # (Only the frame finder: the border trimmer also eats smooth walls and skies, a 400 × 300 clock
        # photo lost 90% of its area to it, and with it the keypoints crops are found by.)
        ref_arr = arr_full
        if fbox is not None:
            fh, fw = arr_full.shape
            ref_arr = arr_full[round(fbox[1] * fh) : round(fbox[3] * fh), round(fbox[0] * fw) : round(fbox[2] * fw)]
        feats = _features.extract(ref_arr, _features.REF_FEATURES)
    feats_m = None
    if mirrored_features:
        feats_m = _features.extract(
            arr_full, _features.CANDIDATE_FEATURES, mirror=True, max_side=_features.CANDIDATE_MAX_SIDE, fill=True
        )
        if features:  # candidates: more keypoints on both sides of the mirror
            feats = _features.extract(
                arr_full, _features.CANDIDATE_FEATURES, max_side=_features.CANDIDATE_MAX_SIDE, fill=True
            )
        if unwrap and fbox is not None:
            # Keypoints on the frame (app chrome, caption text) are evidence about the frame, not the photo:
            # a reference in the same frame whose frame went undetected would line up with them.
            mbox = (1 - fbox[2], fbox[1], 1 - fbox[0], fbox[3])
            feats_m = _features.inside(feats_m, mbox)
            feats = _features.inside(feats, fbox) if feats is not None else None
    return feats, feats_m


def compute(
    source: Source,
    *,
    limits: Limits = DEFAULT_LIMITS,
    features: bool = False,
    mirrored_features: bool = False,
    draft: bool = True,
    unwrap: bool = False,
) -> ImageHashes:
    """Decode ``source`` once (path, bytes or binary file) and compute every hash.

    ``features=True`` adds ORB keypoints (store them with a reference whose original will be deleted);
    ``mirrored_features=True`` also extracts keypoints of the mirrored picture (for candidates, so
    mirrored re-uploads can be verified); ``unwrap=True`` also hashes and describes the photo cut out of
    an app frame or solid padding, when there is one (candidates: screenshots). Raises ``HashingError``
    subclasses for refused input.
    """
    dec = decode(source, limits, draft=draft)
    return hashes_from_decoded(dec, features=features, mirrored_features=mirrored_features, unwrap=unwrap)


def compute_candidate(source: Source, *, limits: Limits = DEFAULT_LIMITS) -> ImageHashes:
    """Everything needed to test a found picture against references, keypoints included."""
    return compute(source, limits=limits, features=True, mirrored_features=True, unwrap=True)
