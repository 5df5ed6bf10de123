"""The match decision: is a found picture a copy of one of the references, and why.

Stages, tried in order; the first that fires decides and is reported as evidence:

``exact``           same SHA-256.
``hash``            whole-picture hashes agree (``MatchRule.hash_match``).
``hash-trimmed``    they agree once added borders / story padding / letterboxing / caption bars are
                    stripped from the candidate, the reference or both (``hashing.trim``), or once the
                    photo is cut out of the candidate's app frame (``trim.frame_box``).
``hash-mirrored``   they agree against the mirrored reference (trimmed or not).
``keypoints``       ORB keypoints of the candidate (of the whole picture, of the photo cut out of its
                    app frame, or of its mirror image) line up with the reference's under one
                    similarity transform, ≥ 20 RANSAC inliers
                    (``hashing.features``): catches crops, small rotations, stickers, captions,
                    screenshots inside an app frame.
``none``            no stage fired.

Hash thresholds (``MatchRule``): PDQ ≤ 31 is Meta's recommended operating point and, on our
measurements, the closest *different* faces were 82/256 bits apart, so it alone is safe. pHash is weaker
(closest different faces 10/64; pHash ≤ 10 alone matched 1 different-face pair in 5,000 —
reference/hashing-measurements.md), so pHash only counts together with a PDQ distance well below the
different-picture range. Both were re-checked on benchmarks/hash_robustness.py (benchmarks/RESULTS.md).
Hash stages are skipped for near-featureless pictures (PDQ quality below ``min_quality``), where every
hash collapses to the same few values. When the candidate is mostly app frame or padding (its photo covers
less than ``framed_area`` of it), its whole-picture hashes mostly describe the frame, so for them only
PDQ ≤ ``pdq_alone`` counts; the photo cut out of the frame keeps the full rule.

All hash distances against all references are computed at once with NumPy, so the hash stages cost
microseconds per reference; keypoint verification (~2-9 ms a pair) runs only on the references whose
hashes are nearest, at most ``max_keypoint_refs`` of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from . import features as _features
from . import signals
from .core import ImageHashes, compute, compute_candidate
from .decode import Source

STAGES = ("exact", "hash", "hash-trimmed", "hash-mirrored", "keypoints", "none")
_REF_SLOTS = ("original", "trimmed", "mirror", "trimmed-mirror")
_CAND_SLOTS = ("original", "trimmed", "unwrapped")


@dataclass(frozen=True)
class MatchRule:
    """Documented decision thresholds (see module docstring for their sources)."""

    pdq_alone: int = 31
    phash_with_pdq: int = 8
    pdq_with_phash: int = 72
    min_quality: int = 15
    framed_area: float = 0.75  # candidate photo inside a frame covering less than this: PDQ-only whole hashes
    min_inliers: int = _features.MIN_INLIERS
    use_keypoints: bool = True
    max_keypoint_refs: int = 16

    def describe(self) -> str:
        return (
            f"PDQ ≤ {self.pdq_alone}, or pHash ≤ {self.phash_with_pdq} with PDQ ≤ {self.pdq_with_phash}; "
            f"otherwise ≥ {self.min_inliers} ORB keypoint inliers"
        )


DEFAULT_RULE = MatchRule()


# The hash stages in the order they are tried: (name, reference slots, candidate slots).
_HASH_STAGES = (
    ("hash", [0], [0]),
    ("hash-trimmed", [0, 1], [0, 1, 2]),
    ("hash-mirrored", [2, 3], [0, 1, 2]),
)


@dataclass
class MatchResult:
    match: bool
    stage: str
    reason: str
    ref: str | None = None  # id of the matched reference (None when no match)
    ref_index: int | None = None
    distances: dict[str, int] = field(default_factory=dict)  # whole picture vs whole picture
    variant: dict[str, Any] | None = None  # which variant pair decided, with its distances
    inliers: int | None = None
    nearest: str | None = None  # closest reference by hashes, reported even without a match
    #: The stages actually tried, in order. ``keypoints`` is absent when no reference carries keypoints (a
    #: record made on the victim's device has none), so a "no match" says how far the comparison went.
    stages: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _hex_u64(hexes: Sequence[str], words: int) -> np.ndarray:
    raw = bytes.fromhex("".join(hexes))
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(len(hexes), words)


def _ref_slot_hashes(r: ImageHashes) -> list[tuple[str, str, str]]:
    mirror = r.variant("mirror")
    trimmed = r.variant("trimmed")
    trimmed_m = r.variant("trimmed-mirror")
    orig = (r.phash, r.dhash, r.pdq)
    m = (mirror.phash, mirror.dhash, mirror.pdq) if mirror else orig
    t = (trimmed.phash, trimmed.dhash, trimmed.pdq) if trimmed else orig
    tm = (trimmed_m.phash, trimmed_m.dhash, trimmed_m.pdq) if trimmed_m else m
    return [orig, t, m, tm]


class Matcher:
    """Match candidates against a fixed set of reference records."""

    def __init__(
        self, refs: Sequence[ImageHashes], ids: Sequence[str] | None = None, rule: MatchRule = DEFAULT_RULE
    ) -> None:
        self.refs = list(refs)
        self.ids = [str(i) for i in ids] if ids is not None else [str(i) for i in range(len(self.refs))]
        if len(self.ids) != len(self.refs):
            raise ValueError("ids and refs differ in length")
        self.rule = rule
        n = len(self.refs)
        slots = [_ref_slot_hashes(r) for r in self.refs]
        flat = [s for per in slots for s in per]
        self._p = _hex_u64([s[0] for s in flat], 1).reshape(n, 4) if n else np.zeros((0, 4), np.uint64)
        self._d = _hex_u64([s[1] for s in flat], 1).reshape(n, 4) if n else np.zeros((0, 4), np.uint64)
        self._q = _hex_u64([s[2] for s in flat], 4).reshape(n, 4, 4) if n else np.zeros((0, 4, 4), np.uint64)
        self._quality = np.array([r.pdq_quality for r in self.refs], dtype=np.int32)
        self._sha = {r.sha256: i for i, r in reversed(list(enumerate(self.refs)))}

    def _distances(self, cand: ImageHashes) -> tuple[np.ndarray, np.ndarray]:
        orig = (cand.phash, cand.pdq)
        cs = [orig] + [(v.phash, v.pdq) if (v := cand.variant(n)) else orig for n in _CAND_SLOTS[1:]]
        cp = _hex_u64([c[0] for c in cs], 1).reshape(len(cs))
        cq = _hex_u64([c[1] for c in cs], 4)  # (slots, 4)
        dp = np.bitwise_count(self._p[:, :, None] ^ cp[None, None, :]).astype(np.int32)  # (n, 4, 3)
        dq = np.bitwise_count(self._q[:, :, None, :] ^ cq[None, None, :, :]).sum(axis=-1, dtype=np.int32)
        return dp, dq

    def match(self, cand: ImageHashes) -> MatchResult:
        """The first stage that matches: same bytes, perceptual hashes (as is, trimmed, mirrored), keypoints."""
        if not self.refs:
            return MatchResult(False, "none", "There are no reference pictures to compare with.")
        if cand.sha256 in self._sha:
            i = self._sha[cand.sha256]
            return MatchResult(
                True,
                "exact",
                "The file is byte-for-byte identical to the reference (same SHA-256).",
                ref=self.ids[i],
                ref_index=i,
                distances=self._plain_distances(cand, i),
                nearest=self.ids[i],
                stages=["exact"],
            )
        dp, dq = self._distances(cand)
        score = dq + 4 * dp  # both hashes on a comparable scale (pHash has a quarter of PDQ's bits)
        by_hash = self._hash_match(cand, dp, dq, score)
        if by_hash is not None:
            return by_hash
        ran = ["exact", *(stage for stage, _, _ in _HASH_STAGES)]
        kp, best_inliers, tried = self._keypoint_search(cand, score)
        if tried:
            ran.append("keypoints")
        if kp:
            return self._keypoint_match(cand, *kp, stages=ran)
        nearest = int(np.unravel_index(np.argmin(score), score.shape)[0])
        pd0 = int(dp[nearest].min())
        qd0 = int(dq[nearest].min())
        kp_text = ""
        if tried:
            kp_text = f"; at most {best_inliers} keypoints lined up (the rule needs {self.rule.min_inliers})"
        elif cand.features is not None and self.rule.use_keypoints:
            kp_text = (
                "; keypoints were not compared: no reference carries them (fingerprints made on a device have none)"
            )
        return MatchResult(
            False,
            "none",
            f"No reference matches: the nearest is {qd0}/256 PDQ bits and {pd0}/64 pHash bits away "
            f"(rule: {self.rule.describe()}){kp_text}.",
            distances=self._plain_distances(cand, nearest),
            inliers=best_inliers if tried else None,
            nearest=self.ids[nearest],
            stages=ran,
        )

    def _hash_ok(self, cand: ImageHashes, dp: np.ndarray, dq: np.ndarray) -> np.ndarray:
        """(ref, ref slot, candidate slot) pairs whose hashes are within the rule."""
        rule = self.rule
        ok = (dq <= rule.pdq_alone) | ((dp <= rule.phash_with_pdq) & (dq <= rule.pdq_with_phash))
        usable = (self._quality >= rule.min_quality) & (cand.pdq_quality >= rule.min_quality)
        ok &= usable[:, None, None]
        u = cand.variant("unwrapped")
        if u is not None and u.box is not None:
            area = (u.box[2] - u.box[0]) * (u.box[3] - u.box[1])
            if area < rule.framed_area:
                # The candidate is mostly app frame / padding: its whole-picture hashes describe the frame,
                # and two different photos in the same frame came within pHash 6 / PDQ 48 on our benchmark.
                # There only PDQ alone counts; the photo cut out of the frame keeps the full rule.
                ok[:, :, :2] = (dq[:, :, :2] <= rule.pdq_alone) & usable[:, None, None]
        return ok

    def _hash_match(self, cand: ImageHashes, dp: np.ndarray, dq: np.ndarray, score: np.ndarray) -> MatchResult | None:
        ok = self._hash_ok(cand, dp, dq)
        ran = ["exact"]
        for stage, ref_slots, cand_slots in _HASH_STAGES:
            ran.append(stage)
            sub_ok = ok[:, ref_slots][:, :, cand_slots]
            if not sub_ok.any():
                continue
            sub_score = np.where(sub_ok, score[:, ref_slots][:, :, cand_slots], 1 << 30)
            i, rs, cs = np.unravel_index(np.argmin(sub_score), sub_score.shape)
            r_slot, c_slot = ref_slots[rs], cand_slots[cs]
            pd, qd = int(dp[i, r_slot, c_slot]), int(dq[i, r_slot, c_slot])
            return MatchResult(
                True,
                stage,
                self._hash_reason(stage, r_slot, c_slot, pd, qd),
                ref=self.ids[i],
                ref_index=int(i),
                distances=self._plain_distances(cand, int(i)),
                variant={
                    "reference": _REF_SLOTS[r_slot],
                    "candidate": _CAND_SLOTS[c_slot],
                    "phash": pd,
                    "pdq": qd,
                },
                nearest=self.ids[i],
                stages=ran,
            )
        return None

    def _keypoint_search(self, cand: ImageHashes, score: np.ndarray) -> tuple[tuple | None, int, int]:
        """((ref index, verification, candidate variant) of the first keypoint match or None, most inliers
        seen, references tried). References are tried nearest first, at most ``rule.max_keypoint_refs``."""
        rule = self.rule
        best_inliers = 0
        if not rule.use_keypoints or cand.features is None:
            return None, best_inliers, 0
        order = np.argsort(score.min(axis=(1, 2)), kind="stable")
        tried = 0
        for i in order:
            ref = self.refs[int(i)]
            if ref.features is None:
                continue
            tried += 1
            if tried > rule.max_keypoint_refs:
                break
            for which, cf in (
                ("original", cand.features),
                ("unwrapped", cand.features_unwrapped),
                ("mirror", cand.features_mirrored),
            ):
                if cf is None:
                    continue
                v = _features.verify(ref.features, cf)
                best_inliers = max(best_inliers, v.inliers)
                if v.match and v.inliers >= rule.min_inliers:
                    return (int(i), v, which), best_inliers, tried
        return None, best_inliers, min(tried, rule.max_keypoint_refs)

    def _keypoint_match(self, cand: ImageHashes, i: int, v, which: str, *, stages: list[str]) -> MatchResult:
        what = {
            "original": "the candidate",
            "unwrapped": "the photo inside the candidate's app frame",
            "mirror": "the mirror image of the candidate",
        }[which]
        return MatchResult(
            True,
            "keypoints",
            f"{v.inliers} distinctive details of {what} line up with the reference under one "
            f"geometric transform (scale {v.scale:.2f}, rotation {v.angle:.1f}°); the rule needs "
            f"{self.rule.min_inliers}. This is how crops, captions, stickers and screenshots are recognised.",
            ref=self.ids[i],
            ref_index=i,
            distances=self._plain_distances(cand, i),
            variant={
                "candidate": which,
                "scale": round(v.scale, 3),
                "angle": round(v.angle, 2),
                "spread": round(v.spread, 3),
            },
            inliers=v.inliers,
            nearest=self.ids[i],
            stages=stages,
        )

    def _plain_distances(self, cand: ImageHashes, i: int) -> dict[str, int]:
        r = self.refs[i]
        return {
            name: (int(getattr(r, name), 16) ^ int(getattr(cand, name), 16)).bit_count()
            for name in signals.PERCEPTUAL_HASHES
        }

    @staticmethod
    def _hash_reason(stage: str, r_slot: int, c_slot: int, pd: int, qd: int) -> str:
        dist = f"PDQ {qd}/256 bits and pHash {pd}/64 bits apart"
        if stage == "hash":
            return f"The pictures' perceptual hashes agree ({dist})."
        if stage == "hash-trimmed":
            if c_slot == 2:
                return (
                    "The hashes agree once the photo is cut out of the app frame or padding around it in the "
                    f"candidate ({dist})."
                )
            who = {(0, 1): "the candidate's", (1, 0): "the reference's", (1, 1): "both pictures'"}[(r_slot, c_slot)]
            return f"The hashes agree once {who} added borders or padding are removed ({dist})."
        trimmed = " after removing borders or padding" if (r_slot == 3 or c_slot in (1, 2)) else ""
        return f"The candidate is a mirror image of the reference{trimmed} ({dist})."


def compare(a: ImageHashes | Source, b: ImageHashes | Source, *, rule: MatchRule = DEFAULT_RULE) -> MatchResult:
    """Is ``b`` a copy of ``a``? Sources are hashed first (with keypoints); ``a`` plays the reference."""
    ra = a if isinstance(a, ImageHashes) else compute(a, features=True)
    rb = b if isinstance(b, ImageHashes) else compute_candidate(b)
    return Matcher([ra], ids=["a"], rule=rule).match(rb)
