"""A compact keypoint index: which references a found picture may be a copy of, judged by its ORB descriptors.

A hash screen (PDQ within a radius) only passes pictures whose whole frame still looks like the reference's;
a copy cropped 7 % on each side, cropped off-centre or turned 3° and trimmed lands 90-130 PDQ bits away —
as far as an unrelated picture — so it never reached the keypoint stage that recognises it. This index is
the keypoint stage's own way in: up to ``PER_REF`` descriptors of every reference, searched for each found
picture's descriptors (nearest and second-nearest, Hamming distance). A descriptor votes for the reference
of its nearest neighbour when that neighbour is close (≤ ``MAX_DISTANCE`` bits) and clearly closer than the
second (Lowe's ratio, ``RATIO``). References with at least ``MIN_VOTES`` votes are proposed, at most
``budget`` of them, most votes first.

A proposal is not a match: ``Matcher``'s keypoint stage (RANSAC, ≥ 20 inliers) decides, so the index only
bounds the cost. Thresholds, measured on generated photos (tests/utils.make_photo_like, 4 references): an edited
copy (re-encoded, resized, cropped 4 % / 7 % / off-centre, turned 3°, mirrored, in an app frame) drew 27-160
votes for its own reference; 100 unrelated pictures drew at most 23 for any reference, a copy at most 34 for
another reference. ``MIN_VOTES`` = 20 keeps every copy and proposes an unrelated picture only now and then,
which costs one keypoint comparison, never a false match.

Search is FAISS's exhaustive binary index when FAISS is installed, else NumPy in chunks (much slower); the
cost is (picture descriptors) × (indexed descriptors) Hamming distances, ~1,000 × 160 per reference: linear in
the number of references (a few ms for tens of references, ~0.2-0.3 s a picture for 1,000 on one core).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .features import Features

try:  # pragma: no cover - exercised where FAISS is installed (it is a dependency)
    import faiss
except Exception:  # pragma: no cover
    faiss = None

PER_REF = 160
MAX_DISTANCE = 64
RATIO = 0.8
MIN_VOTES = 20
BUDGET = 4
_CHUNK = 128


class KeypointIndex:
    """Descriptors of many references, searched for the references a picture's descriptors point to."""

    def __init__(self, refs: Sequence[Features | None], ids: Sequence[Any], *, per_ref: int = PER_REF) -> None:
        if len(refs) != len(ids):
            raise ValueError("ids and refs differ in length")
        self.ids = list(ids)
        blocks, owners = [], []
        for i, f in enumerate(refs):
            if f is None or not len(f):
                continue
            # Evenly spread over the reference's keypoints (ORB lists them pyramid level by level), so the kept
            # ones cover every scale.
            take = np.unique(np.linspace(0, len(f) - 1, min(per_ref, len(f))).round().astype(int))
            blocks.append(np.ascontiguousarray(f.descriptors[take], dtype=np.uint8))
            owners.append(np.full(len(take), i, dtype=np.int64))
        self._desc = np.concatenate(blocks) if blocks else np.zeros((0, 32), np.uint8)
        self._owner = np.concatenate(owners) if owners else np.zeros(0, np.int64)
        self._words = self._desc.view(np.uint64) if len(self._desc) else np.zeros((0, 4), np.uint64)
        self._faiss = None
        if faiss is not None and len(self._desc) >= 2:
            self._faiss = faiss.IndexBinaryFlat(256)
            self._faiss.add(self._desc)

    def __len__(self) -> int:
        return len(self._desc)

    def _two_nearest(self, desc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        desc = np.ascontiguousarray(desc, dtype=np.uint8)
        if self._faiss is not None:
            dist, idx = self._faiss.search(desc, 2)
            return dist.astype(np.int32), idx.astype(np.int64)
        q = desc.view(np.uint64)
        dists, idxs = [], []
        for start in range(0, len(q), _CHUNK):
            d = np.bitwise_count(q[start : start + _CHUNK, None, :] ^ self._words[None, :, :]).sum(-1, dtype=np.int32)
            k = min(2, d.shape[1])
            part = np.argpartition(d, k - 1, axis=1)[:, :k]
            pd = np.take_along_axis(d, part, axis=1)
            order = np.argsort(pd, axis=1, kind="stable")
            part, pd = np.take_along_axis(part, order, axis=1), np.take_along_axis(pd, order, axis=1)
            if k == 1:
                part = np.concatenate([part, np.full_like(part, -1)], axis=1)
                pd = np.concatenate([pd, np.full_like(pd, 256)], axis=1)
            dists.append(pd)
            idxs.append(part)
        return np.concatenate(dists), np.concatenate(idxs)

    def votes(self, features: Features | None) -> np.ndarray:
        """Votes per reference (indexed like ``ids``) from one picture's descriptors."""
        out = np.zeros(len(self.ids), np.int64)
        if features is None or not len(features) or not len(self):
            return out
        dist, idx = self._two_nearest(features.descriptors)
        second = np.where(idx[:, 1] >= 0, dist[:, 1], 256)
        good = (dist[:, 0] <= MAX_DISTANCE) & (dist[:, 0] < RATIO * second)
        np.add.at(out, self._owner[idx[good, 0]], 1)
        return out

    def candidates(
        self, *features: Features | None, budget: int = BUDGET, min_votes: int = MIN_VOTES
    ) -> list[tuple[Any, int]]:
        """(reference id, votes) of the references this picture (any of its descriptions: whole, mirrored)
        may be a copy of, most votes first, at most ``budget``."""
        if not len(self):
            return []
        best = np.zeros(len(self.ids), np.int64)
        for f in features:
            best = np.maximum(best, self.votes(f))
        order = np.argsort(-best, kind="stable")[:budget]
        return [(self.ids[i], int(best[i])) for i in order if best[i] >= min_votes]
