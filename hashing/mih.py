"""Multi-index hashing for PDQ: split a 256-bit hash into 16 blocks of 16 bits, so a radius search becomes a
handful of exact look-ups on indexed columns.

Pigeonhole: if two hashes differ in at most ``radius`` bits, at least one of the 16 blocks differs in at most
``radius // 16`` bits. So probing every block with its own value and every value at most ``radius // 16`` bits
away finds every hash within ``radius`` (and some further away, which an exact distance then drops). At PDQ's
threshold of 31 that is the value and its 16 one-bit neighbours per block: 272 probes per query. This is the
scheme of Norouzi et al. ("Fast search in Hamming space with multi-index hashing", 2012) and of FAISS's
``IndexBinaryMultiHash`` that Meta's HMA uses for PDQ.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from itertools import combinations

import numpy as np

BLOCKS = 16
BLOCK_BITS = 16
HASH_BITS = BLOCKS * BLOCK_BITS


def pdq_blocks(value: str) -> tuple[int, ...]:
    """The 16 block values (0..65535) of a 64-hex-digit PDQ hash, first hex digits first."""
    if len(value) != HASH_BITS // 4:
        raise ValueError(f"a PDQ hash has {HASH_BITS // 4} hex digits, not {len(value)}")
    return hex_blocks(value)


def max_flips(radius: int) -> int:
    """Bits each block must be probed with for an exact search at ``radius`` (pigeonhole over 16 blocks)."""
    if radius < 0:
        raise ValueError("radius must be >= 0")
    return radius // BLOCKS


@cache
def _masks(flips: int) -> tuple[int, ...]:
    masks = [0]
    for k in range(1, flips + 1):
        masks += [sum(1 << b for b in bits) for bits in combinations(range(BLOCK_BITS), k)]
    return tuple(masks)


def block_probes(block: int, radius: int) -> tuple[int, ...]:
    """Every block value within ``radius // 16`` bits of ``block`` (the block itself first)."""
    return flip_probes(block, max_flips(radius))


def flip_probes(block: int, flips: int) -> tuple[int, ...]:
    """Every 16-bit value within ``flips`` bits of ``block`` (itself first): the probes for any hash split into
    16-bit blocks, e.g. a 64-bit pHash in 4 blocks is exact at radius 8 with ``flips = 8 // 4 = 2``."""
    return tuple(block ^ mask for mask in _masks(flips))


def hex_blocks(value: str) -> tuple[int, ...]:
    """The 16-bit blocks of a hash of any length in hex (a multiple of 4 digits), first hex digits first."""
    if not value or len(value) % 4:
        raise ValueError(f"a hash split into 16-bit blocks needs a multiple of 4 hex digits, not {len(value)}")
    return tuple(int(value[i : i + 4], 16) for i in range(0, len(value), 4))


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


# Rows added since the last build are compared with every query (cheap for a few thousand); past this many, the
# tables are rebuilt (~0.3 s at a million hashes), so a steady trickle of additions costs little either way.
TAIL_MAX = 2048


class MultiIndex:
    """An in-memory multi-index over 256-bit PDQ hashes keyed by integer ids, for one process to keep and grow.

    Per block, the rows sorted by that block's value plus the offset of every value (a CSR table): a probe is two
    array reads, and a whole batch of queries is probed, gathered and distance-checked in a few vectorised NumPy
    passes over all 16 tables at once (no Python loop over blocks, probes or candidates). The distance is screened
    on the first 128 bits, which already exceed the radius for almost every candidate (unrelated hashes differ in
    ~64 of them), and finished on the few survivors. Rows added after the tables were built wait in a tail that is
    scanned exhaustively until it is worth rebuilding (``TAIL_MAX``); removed ids are masked out. This is the role
    FAISS's ``IndexBinaryMultiHash`` plays in Meta's HMA; NumPy keeps it exact and compact (~110 bytes a hash:
    the hash, its id and, per block, a 4-byte row number).
    """

    def __init__(self) -> None:
        self._ids = np.zeros(0, np.int64)
        self._words = np.zeros((HASH_BITS // 64, 0), np.uint64)  # one contiguous row per 64-bit word
        self._alive = np.zeros(0, bool)
        self._order = np.zeros(0, np.int32)  # per block, the row numbers sorted by that block's value
        self._offsets = np.zeros(0, np.int64)  # per block, where each value's rows start in _order
        self._built = 0  # rows covered by the tables; the rest are the tail

    def __len__(self) -> int:
        return int(self._alive.sum())

    def add(self, ids: Sequence[int], hexes: Sequence[str], *, build: bool = True) -> None:
        """Add hashes (64 hex digits each) under their ids; ``build=False`` leaves rebuilding the tables to an
        explicit ``build()`` (a bulk load in chunks)."""
        if not len(ids):
            return
        self._ids = np.concatenate([self._ids, np.asarray(ids, np.int64)])
        self._words = np.concatenate([self._words, _words_of(hexes)], axis=1)
        self._alive = np.concatenate([self._alive, np.ones(len(ids), bool)])
        if build and len(self._ids) - self._built > TAIL_MAX:
            self.build()

    def remove(self, ids: Sequence[int]) -> None:
        if len(ids):
            self._alive &= ~np.isin(self._ids, np.asarray(ids, np.int64))

    def build(self) -> None:
        # Dead rows are dropped at each rebuild, so removals cost memory only until the next one.
        keep = self._alive
        self._ids, self._words, self._alive = self._ids[keep], self._words[:, keep], self._alive[keep]
        n, values = len(self._ids), 1 << BLOCK_BITS
        orders, offsets = [], []
        for k, block in enumerate(_blocks_of(self._words)):
            orders.append(np.argsort(block, kind="stable").astype(np.int32))
            counts = np.bincount(block, minlength=values)
            offsets.append(np.concatenate([[0], np.cumsum(counts)]) + k * n)  # into the concatenated _order
        self._order = np.concatenate(orders)
        self._offsets = np.concatenate(offsets).astype(np.int64)
        self._built = n

    def search(self, queries: Sequence[str], radius: int) -> list[tuple[int, int, int]]:
        """Every (query index, id, distance) within ``radius`` bits, each pair once, in no particular order."""
        if not len(queries) or not len(self._ids):
            return []
        q = _words_of(queries)
        nq = len(queries)
        found_q, found_r = [], []
        if self._built:
            masks = np.asarray(_masks(max_flips(radius)), np.int64)
            blocks = np.stack(_blocks_of(q), axis=1).astype(np.int64)  # (queries, 16)
            base = np.arange(BLOCKS, dtype=np.int64) * ((1 << BLOCK_BITS) + 1)
            probes = ((blocks[:, :, None] ^ masks[None, None, :]) + base[None, :, None]).ravel()
            starts = self._offsets[probes]
            lengths = self._offsets[probes + 1] - starts
            total = int(lengths.sum())
            # 32-bit row numbers and 8-bit partial distances: the gathers below are memory-bound.
            first = (starts - (np.cumsum(lengths) - lengths)).astype(np.int32)
            positions = np.repeat(first, lengths) + np.arange(total, dtype=np.int32)
            found_r.append(self._order[positions])
            found_q.append(np.repeat(np.arange(nq, dtype=np.int32), BLOCKS * len(masks)).repeat(lengths))
        tail = np.arange(self._built, len(self._ids), dtype=np.int32)
        if len(tail):  # rows not in the tables yet: every query against each of them
            found_q.append(np.repeat(np.arange(nq, dtype=np.int32), len(tail)))
            found_r.append(np.tile(tail, nq))
        qi, ri = np.concatenate(found_q), np.concatenate(found_r)
        # Screen on the first 128 bits (at most 128: fits 8 bits), then finish the few survivors.
        near = np.bitwise_count(self._words[0][ri] ^ q[0][qi])
        near += np.bitwise_count(self._words[1][ri] ^ q[1][qi])
        keep = near <= radius
        qi, ri, dist = qi[keep], ri[keep], near[keep].astype(np.int64)
        for word in range(2, HASH_BITS // 64):
            dist += np.bitwise_count(self._words[word][ri] ^ q[word][qi])
        keep = (dist <= radius) & self._alive[ri]
        pairs = {(int(a), int(self._ids[b]), int(d)) for a, b, d in zip(qi[keep], ri[keep], dist[keep], strict=True)}
        return list(pairs)


def _words_of(hexes: Sequence[str]) -> np.ndarray:
    """(4, n) uint64: each hash's 64-bit words, first hex digits first, one contiguous row per word."""
    raw = np.frombuffer(bytes.fromhex("".join(hexes)), dtype=">u8").astype(np.uint64)
    return np.ascontiguousarray(raw.reshape(len(hexes), HASH_BITS // 64).T)


def _blocks_of(words: np.ndarray) -> list[np.ndarray]:
    """The 16 block values of each hash, first hex digits first (as ``pdq_blocks``)."""
    shifts = [np.uint64(48 - 16 * (i % 4)) for i in range(BLOCKS)]
    return [((words[i // 4] >> shifts[i]) & np.uint64(0xFFFF)).astype(np.uint16) for i in range(BLOCKS)]
