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

from functools import cache
from itertools import combinations

BLOCKS = 16
BLOCK_BITS = 16
HASH_BITS = BLOCKS * BLOCK_BITS


def pdq_blocks(value: str) -> tuple[int, ...]:
    """The 16 block values (0..65535) of a 64-hex-digit PDQ hash, first hex digits first."""
    if len(value) != HASH_BITS // 4:
        raise ValueError(f"a PDQ hash has {HASH_BITS // 4} hex digits, not {len(value)}")
    return tuple(int(value[i : i + 4], 16) for i in range(0, len(value), 4))


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
    return tuple(block ^ mask for mask in _masks(max_flips(radius)))


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
