"""Local image features (ORB keypoints) and their geometric verification.

Hashes summarise a whole frame, so they break when the frame changes: crops, rotations, captions,
stickers, screenshots of an app. Keypoints describe small patches, so a re-upload still shares many of
them with the reference, and a geometric check (one similarity transform explaining the matches)
separates true copies from chance matches.

Settings are the ones measured in reference/hashing-measurements.md: ORB on the picture reduced to at
most 640 px, Lowe ratio test 0.8, RANSAC similarity with a 4 px threshold, and **≥ 20 inliers** to call a
match (0 false positives in 2,772 different-image pairs there; different faces reached at most 4).

A reference stores at most ``REF_FEATURES`` keypoints (quarter-pixel uint16 x/y + 32-byte descriptor,
36 bytes each, ≤ 18 KB raw, ≤ 24 KB base64), so its original can be deleted after hashing.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import cv2
import numpy as np

MAX_SIDE = 640
# Candidates are described at the same size as references.
CANDIDATE_MAX_SIDE = 640  # 960 was tried: more text keypoints, lower recall (RESULTS.md)
REF_FEATURES = 500
CANDIDATE_FEATURES = 1000
RATIO = 0.8
RANSAC_PX = 4.0
MIN_INLIERS = 20
# OpenCV's default FAST threshold (20) finds almost nothing on smooth, low-contrast photos; 10 keeps them.
FAST_THRESHOLD = 10
# Very smooth photos (a 400 × 300 clock on a plain wall: 59 keypoints at 10) are re-described with lower
# thresholds until they have at least MIN_KEYPOINTS; textured photos never pay for the retry.
FAST_FALLBACK = (5, 2)
MIN_KEYPOINTS = 250
# ORB's default edge threshold (ORB_create's edgeThreshold): a keypoint needs this many pixels to every border,
# so a picture whose shorter side is at most twice that has none — and below about 2 pixels OpenCV's pyramid
# asserts instead of answering (a 20,000 × 40 panorama is 640 × 1 at MAX_SIDE; found by tests/fuzz).
ORB_EDGE_THRESHOLD = 31
#: Inliers must spread over a real part of the reference, not a few pixels of repeated texture. 2% refused
#: true corner crops whose detail sits in one spot (a 60 % × 60 % corner of `rocket`: 63 inliers over 0.9 % of
#: the reference); with one match per reference keypoint (``verify``) a cluster of repeated texture can no
#: longer pile up inliers, and 0.5 % kept 0 false matches on benchmarks/hash_robustness.py --stress.
MIN_INLIER_SPREAD = 0.005  # fraction of the reference area covered by the inliers' bounding box
# Re-uploads are rotated by a few degrees and rescaled within reason; a "match" needing a 170° turn or a
# 4× zoom was, on our benchmark, chance alignment (one at exactly 20 inliers), so such transforms are refused.
MAX_ANGLE = 30.0  # degrees
SCALE_RANGE = (1 / 3, 6.0)  # candidate -> reference, in the ≤ 640 px frames
_RNG_SEED = 20261123  # RANSAC is randomised; a fixed seed keeps evidence reproducible


@dataclass(frozen=True)
class Features:
    """ORB keypoints of one picture, in the coordinates of the picture reduced to ≤ MAX_SIDE."""

    width: int
    height: int
    points: np.ndarray  # (n, 2) float32
    descriptors: np.ndarray  # (n, 32) uint8

    def __len__(self) -> int:
        return int(self.points.shape[0])

    def to_dict(self) -> dict:
        xy = np.clip(np.rint(self.points * 4), 0, 65535).astype("<u2")
        blob = xy.tobytes() + np.ascontiguousarray(self.descriptors, dtype=np.uint8).tobytes()
        return {
            "kind": "orb",
            "width": self.width,
            "height": self.height,
            "count": len(self),
            "data": base64.b64encode(blob).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Features:
        if d.get("kind") != "orb":
            raise ValueError(f"unknown feature kind {d.get('kind')!r}")
        n = int(d["count"])
        blob = base64.b64decode(d["data"])
        if len(blob) != n * 36:
            raise ValueError("feature blob has the wrong length")
        xy = np.frombuffer(blob[: n * 4], dtype="<u2").reshape(n, 2).astype(np.float32) / 4
        desc = np.frombuffer(blob[n * 4 :], dtype=np.uint8).reshape(n, 32).copy()
        return cls(int(d["width"]), int(d["height"]), xy, desc)


def extract(
    grey: np.ndarray,
    n_features: int = REF_FEATURES,
    *,
    mirror: bool = False,
    max_side: int = MAX_SIDE,
    fill: bool = False,
) -> Features:
    """ORB keypoints of a 2-D uint8 luma array (reduced to ≤ MAX_SIDE first).

    ``fill`` (candidates): a picture that does not fill its ``n_features`` at the default FAST threshold is also
    tried at the first, lower fallback threshold. Stickers or a caption on a smooth photo add hundreds of
    strong corners, so the picture passes the MIN_KEYPOINTS count at the default threshold while its photo
    is described far more sparsely than its reference was (a smooth reference is re-described at the lower
    thresholds): the photo's keypoints then never line up. Textured pictures fill their budget at once and
    pay nothing."""
    h, w = grey.shape
    # Work at MAX_SIDE whatever the input size: small pictures are enlarged so references and their
    # crops/screenshots are described at comparable scales (small smooth photos otherwise gave < 20 matches).
    scale = max_side / max(h, w)
    img = grey
    if abs(scale - 1.0) > 0.02:
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        img = cv2.resize(grey, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=interp)
    if min(img.shape) <= 2 * ORB_EDGE_THRESHOLD:
        return Features(img.shape[1], img.shape[0], np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8))
    if mirror:
        img = np.ascontiguousarray(img[:, ::-1])
    want = min(MIN_KEYPOINTS, n_features // 2)
    for threshold in (FAST_THRESHOLD, *FAST_FALLBACK):
        orb = cv2.ORB_create(nfeatures=n_features, fastThreshold=threshold)
        kps, desc = orb.detectAndCompute(img, None)
        n = len(kps) if desc is not None else 0
        if n >= want and not (fill and threshold == FAST_THRESHOLD and n < n_features):
            break
    if desc is None or not kps:
        return Features(img.shape[1], img.shape[0], np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8))
    pts = np.array([k.pt for k in kps], dtype=np.float32)
    return Features(img.shape[1], img.shape[0], pts, desc)


def inside(f: Features, box: tuple[float, float, float, float], margin: float = 0.02) -> Features:
    """The keypoints of ``f`` inside the relative ``box`` (x0, y0, x1, y1), widened by ``margin``."""
    x, y = f.points[:, 0] / max(1, f.width), f.points[:, 1] / max(1, f.height)
    keep = (x >= box[0] - margin) & (x <= box[2] + margin) & (y >= box[1] - margin) & (y <= box[3] + margin)
    return Features(f.width, f.height, f.points[keep], f.descriptors[keep])


@dataclass(frozen=True)
class Verification:
    inliers: int
    good_matches: int
    scale: float = 0.0
    angle: float = 0.0
    spread: float = 0.0  # fraction of the reference covered by the inliers' bounding box

    @property
    def match(self) -> bool:
        return (
            self.inliers >= MIN_INLIERS
            and self.spread >= MIN_INLIER_SPREAD
            and SCALE_RANGE[0] <= self.scale <= SCALE_RANGE[1]
            and abs(self.angle) <= MAX_ANGLE
        )


def verify(ref: Features, cand: Features) -> Verification:
    """Match candidate keypoints to the reference and count RANSAC-similarity inliers."""
    if len(ref) < 2 or len(cand) < 2:
        return Verification(0, 0)
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(cand.descriptors, ref.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < MIN_INLIERS:
        return Verification(0, len(good))
    src = np.float32([cand.points[m.queryIdx] for m in good])
    dst = np.float32([ref.points[m.trainIdx] for m in good])
    # The model is fitted on one match per reference keypoint (the closest): repeated content in the
    # candidate (four copies of one sticker, a tiled pattern) otherwise sends dozens of matches to one
    # reference point, and RANSAC settles on a degenerate model (scale ~0) that "explains" them all and hides
    # the true one (`chelsea` under four stickers: 66 "inliers" at scale 0). Inliers are then counted over
    # every match, as before: an enlarged crop legitimately matches one reference point at two pyramid levels.
    closest: dict[int, int] = {}
    for k, m in enumerate(good):
        if m.trainIdx not in closest or m.distance < good[closest[m.trainIdx]].distance:
            closest[m.trainIdx] = k
    uniq = np.array(sorted(closest.values()))
    if len(uniq) < 2:
        return Verification(0, len(good))
    cv2.setRNGSeed(_RNG_SEED)
    model, mask = cv2.estimateAffinePartial2D(
        src[uniq], dst[uniq], method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PX, maxIters=2000, confidence=0.995
    )
    if model is None or mask is None:
        return Verification(0, len(good))
    err = np.hypot(*(src @ model[:, :2].T + model[:, 2] - dst).T)
    inl = err <= RANSAC_PX
    n_in = int(inl.sum())
    a, b = float(model[0, 0]), float(model[1, 0])
    scale = float(np.hypot(a, b))
    angle = float(np.degrees(np.arctan2(b, a)))
    spread = 0.0
    if n_in:
        p = dst[inl]
        spread = float((np.ptp(p[:, 0]) * np.ptp(p[:, 1])) / max(1, ref.width * ref.height))
    return Verification(n_in, len(good), scale, angle, spread)
