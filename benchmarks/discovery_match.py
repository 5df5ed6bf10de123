# ruff: noqa: E402  (sys.path / thread settings must come before the imports)
"""Discovery matching benchmark, one thread:

1. 100,000 crawled images × 10,000 references, hash stages: the screen over every variant pair
   (3 PDQ variants per crawled image: whole, trimmed, unwrapped; 4 per reference: whole, trimmed, mirrored,
   trimmed-mirrored) with ``hashing.index.item_pairs`` at radius 80 (takedowns/services/discovery.py's
   SCREEN_RADIUS), then ``hashing.Matcher`` with the full rule on the item pairs that pass — the same two
   steps ``crawled_images_match`` runs. Target < 30 s.
2. One new reference × 1,000,000 stored crawled fingerprints (``reference_match_crawled``). Target < 2 s.

Timed from the hex strings a ``values_list`` query returns (the parse to uint64 words is included; the
database read itself is not). Data: random 256-bit hashes; 1% of crawled images are planted copies of a
reference with 0..40 bits flipped in one variant. All planted copies within the rule must be found.

    .venv/bin/python benchmarks/discovery_match.py [--crawled 100000] [--refs 10000] [--stored 1000000]
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

import hashing
from hashing.index import hex_to_words, item_pairs

try:
    import faiss

    faiss.omp_set_num_threads(1)
except Exception:  # pragma: no cover
    faiss = None

SCREEN_RADIUS = 80  # takedowns.services.discovery.SCREEN_RADIUS (kept in step by hand: hashing stands alone)


def rand_hex(rng, n: int, nbytes: int) -> list[str]:
    raw = rng.integers(0, 256, (n, nbytes), dtype=np.uint8).tobytes().hex()
    w = 2 * nbytes
    return [raw[i : i + w] for i in range(0, len(raw), w)]


def flip(hex_: str, k: int, rng) -> str:
    v = int(hex_, 16)
    for bit in rng.choice(256, size=k, replace=False):
        v ^= 1 << int(bit)
    return f"{v:064x}"


def record(pdq: str, phash: str, variants=()) -> hashing.ImageHashes:
    return hashing.ImageHashes(
        sha256=os.urandom(32).hex(),
        md5=os.urandom(16).hex(),
        phash=phash,
        dhash=phash,
        whash=phash,
        pdq=pdq,
        pdq_quality=90,
        width=640,
        height=480,
        variants=tuple(variants),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--crawled", type=int, default=100_000)
    ap.add_argument("--refs", type=int, default=10_000)
    ap.add_argument("--stored", type=int, default=1_000_000)
    ap.add_argument("--backend", default="auto")
    args = ap.parse_args()
    rng = np.random.default_rng(15)

    # References: whole, trimmed, mirror, trimmed-mirror PDQ; pHash for the rule.
    ref_slots = [rand_hex(rng, args.refs, 32) for _ in range(4)]
    ref_phash = rand_hex(rng, args.refs, 8)
    refs = [
        record(
            ref_slots[0][i],
            ref_phash[i],
            [
                hashing.Variant(n, ref_phash[i], ref_phash[i], ref_slots[k][i])
                for k, n in ((1, "trimmed"), (2, "mirror"), (3, "trimmed-mirror"))
            ],
        )
        for i in range(args.refs)
    ]
    # Crawled: whole, trimmed, unwrapped; 1% planted near one reference variant.
    cand_slots = [rand_hex(rng, args.crawled, 32) for _ in range(3)]
    planted = rng.choice(args.crawled, size=args.crawled // 100, replace=False)
    truth = {}
    for c in planted.tolist():
        r = int(rng.integers(args.refs))
        k = int(rng.integers(0, 41))
        cand_slots[0][c] = flip(ref_slots[int(rng.integers(4))][r], k, rng)
        truth[c] = (r, k)
    cand_phash = rand_hex(rng, args.crawled, 8)

    # --- 1. many × many ------------------------------------------------------------------------------------
    t0 = time.perf_counter()
    rw = hex_to_words([h for i in range(args.refs) for h in (s[i] for s in ref_slots)], 256).reshape(-1, 4, 4)
    cw = hex_to_words([h for i in range(args.crawled) for h in (s[i] for s in cand_slots)], 256).reshape(-1, 3, 4)
    t_parse = time.perf_counter() - t0
    qi, ri, _ = item_pairs(cw, rw, SCREEN_RADIUS, backend=args.backend)
    t_screen = time.perf_counter() - t0 - t_parse
    by_cand: dict[int, list[int]] = {}
    for q, r in zip(qi.tolist(), ri.tolist(), strict=True):
        by_cand.setdefault(q, []).append(r)
    found = {}
    for q, members in by_cand.items():
        cand = record(
            cand_slots[0][q],
            cand_phash[q],
            [
                hashing.Variant("trimmed", cand_phash[q], cand_phash[q], cand_slots[1][q]),
                hashing.Variant("unwrapped", cand_phash[q], cand_phash[q], cand_slots[2][q]),
            ],
        )
        res = hashing.Matcher([refs[i] for i in members], ids=[str(i) for i in members]).match(cand)
        if res.match:
            found[q] = int(res.ref)
    t_total = time.perf_counter() - t0
    should = {c for c, (_r, k) in truth.items() if k <= 31}
    missed = [c for c in should if found.get(c) != truth[c][0]]
    print(
        f"1. {args.crawled:,} crawled × {args.refs:,} references ({args.backend}/"
        f"{'faiss' if faiss and args.backend != 'numpy' else 'numpy'}): parse {t_parse:.2f} s, "
        f"screen {t_screen:.2f} s ({len(qi):,} item pairs within {SCREEN_RADIUS}), rule on survivors "
        f"{t_total - t_parse - t_screen:.2f} s; total {t_total:.2f} s (target < 30 s). "
        f"Planted within PDQ 31: {len(should)}, found {len(should) - len(missed)}; matches {len(found)}."
    )

    # --- 2. one new reference × 1,000,000 stored ----------------------------------------------------------
    stored = [rand_hex(rng, args.stored, 32) for _ in range(3)]
    target = int(rng.integers(args.stored))
    stored[0][target] = flip(ref_slots[0][0], 10, rng)
    t0 = time.perf_counter()
    sw = hex_to_words([h for i in range(args.stored) for h in (s[i] for s in stored)], 256).reshape(-1, 3, 4)
    t_parse = time.perf_counter() - t0
    qi, ri, _ = item_pairs(rw[:1], sw, SCREEN_RADIUS, backend=args.backend)
    hit = target in set(ri.tolist())
    t_total = time.perf_counter() - t0
    print(
        f"2. one new reference × {args.stored:,} stored: parse {t_parse:.2f} s, screen "
        f"{t_total - t_parse:.2f} s; total {t_total:.2f} s (target < 2 s); planted copy found: {hit}."
    )


if __name__ == "__main__":
    main()
