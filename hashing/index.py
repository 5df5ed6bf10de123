"""Many-to-many Hamming search: every (candidate, reference) pair within a radius.

``HashIndex`` keeps reference hashes as rows of uint64 words and answers radius queries for a batch of
candidates with vectorised XOR + ``np.bitwise_count``, in blocks of candidates sized so the
intermediate matrices stay in cache (no Python loop over pairs). When FAISS is installed the ``auto``
backend uses its ``IndexBinaryFlat.range_search`` (the same exhaustive scan in tuned C++); the NumPy
path gives identical results and is what runs without FAISS. benchmarks/hash_index.py compares both
with a plain Python loop.

Note FAISS's ``range_search`` returns distances *strictly below* its radius, so we pass ``radius + 1``
to get the usual "distance ≤ radius".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

try:
    import faiss  # type: ignore[import-untyped]
except Exception:  # pragma: no cover - optional
    faiss = None

BLOCK_BYTES = 1 << 19  # ~0.5 MB of XOR results per block: fits L2 on the measured machine


def hex_to_words(hexes: Sequence[str], bits: int) -> np.ndarray:
    """(n, bits/64) uint64 matrix from hex strings (big-endian words, so word 0 holds the first hex digits)."""
    words = bits // 64
    if not len(hexes):
        return np.zeros((0, words), np.uint64)
    raw = bytes.fromhex("".join(hexes))
    if len(raw) != len(hexes) * bits // 8:
        raise ValueError(f"every hash must have {bits // 4} hex characters")
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(len(hexes), words)


def words_to_bytes(w: np.ndarray) -> np.ndarray:
    """(n, bytes) uint8 view in FAISS's expected layout (the hash's bytes in order)."""
    return np.ascontiguousarray(w.astype(">u8")).view(np.uint8).reshape(w.shape[0], -1)


class HashIndex:
    """Exact radius search over fixed-length binary hashes (64-bit pHash/dHash/wHash, 256-bit PDQ)."""

    def __init__(self, bits: int, backend: str = "auto") -> None:
        if bits % 64:
            raise ValueError("bits must be a multiple of 64")
        if backend not in ("auto", "numpy", "faiss"):
            raise ValueError("backend must be auto, numpy or faiss")
        if backend == "faiss" and faiss is None:
            raise RuntimeError("faiss is not installed")
        self.bits = bits
        self.backend = (
            "faiss" if (backend == "auto" and faiss is not None) else ("numpy" if backend == "auto" else backend)
        )
        self._words = np.zeros((0, bits // 64), np.uint64)
        self._faiss = None

    def __len__(self) -> int:
        return int(self._words.shape[0])

    def add(self, hashes: Iterable[str] | np.ndarray) -> None:
        w = hashes if isinstance(hashes, np.ndarray) else hex_to_words(list(hashes), self.bits)
        w = np.ascontiguousarray(w, dtype=np.uint64).reshape(-1, self.bits // 64)
        self._words = np.concatenate([self._words, w]) if len(self) else w
        self._faiss = None

    def search(self, queries: Sequence[str] | np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All pairs with Hamming distance ≤ radius: (query_idx, ref_idx, distance), sorted by query."""
        q = queries if isinstance(queries, np.ndarray) else hex_to_words(list(queries), self.bits)
        q = np.ascontiguousarray(q, dtype=np.uint64).reshape(-1, self.bits // 64)
        if self.backend == "faiss":
            return self._search_faiss(q, radius)
        return self._search_numpy(q, radius)

    def _search_numpy(self, q: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        refs = self._words
        n, words = refs.shape
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int32))
        if n == 0 or len(q) == 0:
            return empty
        # Screen on the first (up to) two words: a pair whose first 128 bits already differ in more than
        # `radius` places cannot be within radius. For unrelated PDQ hashes that prefix distance is ~64,
        # so almost every pair is rejected after half the work; survivors are finished exactly below.
        prefix = min(words, 2)
        block = max(1, BLOCK_BYTES // (8 * n))
        cols = [np.ascontiguousarray(refs[:, k]) for k in range(words)]
        xor = np.empty((block, n), np.uint64)
        cnt = np.empty((block, n), np.uint8)
        acc = np.empty((block, n), np.uint8)
        hit = np.empty((block, n), bool)
        out_q, out_r, out_d = [], [], []
        for start in range(0, len(q), block):
            b = min(block, len(q) - start)
            qb = q[start : start + b]
            x, c, a, h = xor[:b], cnt[:b], acc[:b], hit[:b]
            np.bitwise_xor(qb[:, 0:1], cols[0][None, :], out=x)
            np.bitwise_count(x, out=a)
            for k in range(1, prefix):
                np.bitwise_xor(qb[:, k : k + 1], cols[k][None, :], out=x)
                np.bitwise_count(x, out=c)
                np.add(a, c, out=a)  # <= 128, fits uint8
            np.less_equal(a, radius, out=h)
            if not h.any():  # the common case: no pair in this block is close
                continue
            rows = np.flatnonzero(h.any(axis=1))
            qi, ri = np.nonzero(h[rows])
            qi = rows[qi]
            dist = a[qi, ri].astype(np.int32)
            for k in range(prefix, words):
                dist += np.bitwise_count(qb[qi, k] ^ cols[k][ri]).astype(np.int32)
            keep = dist <= radius
            out_q.append(qi[keep] + start)
            out_r.append(ri[keep])
            out_d.append(dist[keep])
        if not out_q:
            return empty
        return np.concatenate(out_q), np.concatenate(out_r), np.concatenate(out_d)

    def _search_faiss(self, q: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._faiss is None:
            self._faiss = faiss.IndexBinaryFlat(self.bits)
            if len(self):
                self._faiss.add(words_to_bytes(self._words))
        if len(q) == 0 or len(self) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int32)
        lims, dist, ids = self._faiss.range_search(words_to_bytes(q), radius + 1)
        qi = np.repeat(np.arange(len(q)), np.diff(lims).astype(np.int64))
        return qi.astype(np.int64), ids.astype(np.int64), dist.astype(np.int32)


def item_pairs(
    queries: np.ndarray, indexed: np.ndarray, radius: int, *, backend: str = "auto"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Item pairs with any variant pair within ``radius``: the hash-stage screen of many items against many.

    ``queries`` is (nq, sq, words) and ``indexed`` (ni, si, words) uint64: each item with its hashes of
    several variants (whole, trimmed, mirrored, unwrapped; repeat the whole hash where a variant is missing).
    Returns (query_item, indexed_item, smallest distance over their variant pairs), one row per item pair,
    sorted by (query_item, indexed_item). One radius search over all variants, no Python loop over pairs.
    """
    nq, sq, words = queries.shape
    ni, si, _ = indexed.shape
    index = HashIndex(words * 64, backend=backend)
    index.add(indexed.reshape(ni * si, words))
    qi, ri, dist = index.search(queries.reshape(nq * sq, words), radius)
    if not len(qi):
        return qi, ri, dist
    q_item, r_item = qi // sq, ri // si
    key = q_item * max(ni, 1) + r_item
    order = np.lexsort((dist, key))  # by pair, smallest distance first
    key, dist = key[order], dist[order]
    first = np.ones(len(key), bool)
    first[1:] = key[1:] != key[:-1]
    key, dist = key[first], dist[first]
    return key // max(ni, 1), key % max(ni, 1), dist
