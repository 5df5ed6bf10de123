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
def _masks(flips: int, width: int = BLOCK_BITS) -> tuple[int, ...]:
    masks = [0]
    for k in range(1, flips + 1):
        masks += [sum(1 << b for b in bits) for bits in combinations(range(width), k)]
    return tuple(masks)


def block_probes(block: int, radius: int) -> tuple[int, ...]:
    """Every block value within ``radius // 16`` bits of ``block`` (the block itself first)."""
    return flip_probes(block, max_flips(radius))


def flip_probes(block: int, flips: int, width: int = BLOCK_BITS) -> tuple[int, ...]:
    """Every ``width``-bit value within ``flips`` bits of ``block`` (itself first): the probes for any hash split
    into blocks, e.g. a 64-bit pHash in 4 blocks of 16 bits is exact at radius 8 with ``flips = 8 // 4 = 2``."""
    return tuple(block ^ mask for mask in _masks(flips, width))


def split_widths(bits: int, count: int) -> tuple[int, ...]:
    """Widths of ``count`` consecutive blocks as equal as possible covering ``bits`` (the wider ones first):
    256 bits in 11 blocks are 3 of 24 and 8 of 23."""
    if not 0 < count <= bits:
        raise ValueError(f"cannot split {bits} bits into {count} blocks")
    wide = bits % count
    return tuple(bits // count + (1 if i < wide else 0) for i in range(count))


def split_blocks(value: str, count: int) -> tuple[tuple[int, int], ...]:
    """(value, width) of each of ``count`` consecutive blocks of a hex hash, first hex digits first. With
    ``count`` blocks a search within ``radius`` is exact with ``radius // count`` flips per block (pigeonhole);
    fewer, wider blocks than ``hex_blocks``' 16-bit ones make more probes but far fewer false candidates."""
    if not value:
        raise ValueError("an empty hash has no blocks")
    whole, bits = int(value, 16), len(value) * 4
    blocks, shift = [], bits
    for width in split_widths(bits, count):
        shift -= width
        blocks.append(((whole >> shift) & ((1 << width) - 1), width))
    return tuple(blocks)


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


def _bits_at(words: np.ndarray, start: int, width: int) -> np.ndarray:
    """Bits ``start`` .. ``start + width`` (0 = the hash's first, most significant bit) of each row of ``words``
    ((n, W) uint64, word 0 holding the first hex digits) as int64; a block may straddle two words."""
    word, offset = divmod(start, 64)
    end = offset + width
    if end <= 64:
        value = words[:, word] >> np.uint64(64 - end)
    else:
        spill = end - 64
        value = (words[:, word] << np.uint64(spill)) | (words[:, word + 1] >> np.uint64(64 - spill))
    return (value & np.uint64((1 << width) - 1)).astype(np.int32 if width < 32 else np.int64)


def _dense_table(values: np.ndarray, width: int):
    """Probe by a table of every possible block value: offsets into the rows sorted by value, and a bitmap of
    the values present (most probes find nothing, and the bitmap says so from cache)."""
    counts = np.bincount(values, minlength=1 << width)
    np.cumsum(counts, out=counts)  # in place: one more table this size would add to the peak
    offsets = np.zeros(len(counts) + 1, np.int32 if len(values) < 2**31 else np.int64)
    offsets[1:] = counts
    del counts
    present = np.zeros(1 << width, bool)
    present[values] = True

    def locate(probes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        owner, which = np.nonzero(present[probes])
        hits = probes[owner, which]
        lo = offsets[hits].astype(np.int64)
        return owner, lo, offsets[hits + 1] - lo

    return locate


def _sorted_table(ordered: np.ndarray):
    """Probe by binary search in the sorted block values (for few rows, where a full table would dwarf them)."""

    def locate(probes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lo = np.searchsorted(ordered, probes, "left")
        count = np.searchsorted(ordered, probes, "right") - lo
        owner, which = np.nonzero(count)
        return owner, lo[owner, which].astype(np.int64), count[owner, which].astype(np.int64)

    return locate


# Candidate pairs are distance-checked this many at a time (~50 MB of working arrays), however many a block finds.
_CHECK_AT = 1_000_000


def _near_pairs(key: np.ndarray, indexed: np.ndarray, queries: np.ndarray, radius: int) -> np.ndarray:
    """Of candidate pairs (indexed row × number of queries + query row), the keys of those within ``radius``, as
    query row × number of indexed rows + indexed row."""
    m, n = len(queries), len(indexed)
    key = np.sort(key)  # in row order, the indexed hashes are read front to back rather than at random
    rows, qs = key // m, key % m
    if indexed.shape[1] > 2:
        # The first 128 bits already exceed the radius for almost every unrelated pair.
        keep = np.bitwise_count(indexed[rows, :2] ^ queries[qs, :2]).sum(axis=1) <= radius
        rows, qs = rows[keep], qs[keep]
    near = np.bitwise_count(indexed[rows] ^ queries[qs]).sum(axis=1) <= radius
    return qs[near] * n + rows[near]


def pairs_within(
    indexed: np.ndarray,
    queries: np.ndarray,
    radius: int,
    blocks: int,
    *,
    chunk: int = 2048,
    dense: bool | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Every (query row, indexed row) whose hashes differ in at most ``radius`` bits, exactly, sorted: multi-index
    hashing over ``blocks`` blocks of the hashes ((n, W) and (m, W) uint64, as ``hashing.index.hex_to_words``).

    Per block (one at a time, so memory is one block's table however many blocks there are), the indexed rows
    are tabled by block value (offsets, and a bitmap of the values present) and each query probes every value
    within ``radius // blocks`` bits of its own: the bitmap drops the probes that find nothing, the offsets give
    the rows of the others, and the exact distance runs on those pairs. Made for a large indexed side (a
    batch of crawled pictures) and a smaller query side (every reference's slots): with few, wide blocks a
    probe returns almost nothing that is not a match. A small join (the table would dwarf the work; ``dense``
    forces either way) binary-searches the sorted block values instead of tabling every possible value."""
    empty = np.zeros(0, np.int64)
    n, m = len(indexed), len(queries)
    if not n or not m:
        return empty, empty
    flips, start = radius // blocks, 0
    found: list[np.ndarray] = []
    for width in split_widths(indexed.shape[1] * 64, blocks):
        values, probed = _bits_at(indexed, start, width), _bits_at(queries, start, width)
        start += width
        order = np.argsort(values)
        masks = np.asarray(_masks(flips, width), values.dtype)
        table = dense if dense is not None else (1 << width) <= 64 * (n + m * len(masks))
        locate = _dense_table(values, width) if table else _sorted_table(values[order])
        keys: list[np.ndarray] = []
        pending = 0
        for first in range(0, m, chunk):
            owner, lo, count = locate(probed[first : first + chunk, None] ^ masks[None, :])
            pos = np.arange(int(count.sum())) + np.repeat(lo - (np.cumsum(count) - count), count)
            keys.append(order[pos].astype(np.int64) * m + np.repeat(owner + first, count))
            pending += len(pos)
            if pending >= _CHECK_AT or first + chunk >= m:
                found.append(_near_pairs(np.concatenate(keys), indexed, queries, radius))
                keys, pending = [], 0
    key = np.unique(np.concatenate(found))
    return key // n, key % n
