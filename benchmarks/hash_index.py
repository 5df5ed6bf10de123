# ruff: noqa: E402  (sys.path / thread settings must come before the imports)
"""Index benchmark: 10,000 references × 100,000 candidates, radius 10 (64-bit) and 31 (256-bit PDQ).

Compares, in one run and on one thread: ``hashing.HashIndex`` (NumPy path and FAISS path), FAISS
``IndexBinaryFlat.range_search`` called directly (with radius + 1, since FAISS excludes the radius), and a
pure-Python loop with ``int.bit_count`` (timed on a sample of candidates and scaled up).

Data: random references; 1% of candidates are planted copies of references with 0..radius+5 flipped
bits, the rest random. All methods must return the same pairs.

    .venv/bin/python benchmarks/hash_index.py [--candidates 100000] [--refs 10000]
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

from hashing.index import HashIndex, words_to_bytes

try:
    import faiss

    faiss.omp_set_num_threads(1)
except Exception:  # pragma: no cover
    faiss = None


def make(n_refs: int, n_cands: int, bits: int, radius: int, seed: int):
    rng = np.random.default_rng(seed)
    words = bits // 64
    refs = rng.integers(0, 2**64, (n_refs, words), dtype=np.uint64, endpoint=False)
    cands = rng.integers(0, 2**64, (n_cands, words), dtype=np.uint64, endpoint=False)
    planted = rng.choice(n_cands, size=n_cands // 100, replace=False)
    for j, ci in enumerate(planted):
        q = refs[rng.integers(n_refs)].copy()
        for b in rng.choice(bits, size=j % (radius + 6), replace=False):
            q[b // 64] ^= np.uint64(1) << np.uint64(63 - b % 64)
        cands[ci] = q
    return refs, cands


def python_loop(refs: np.ndarray, cands: np.ndarray, radius: int) -> list[tuple[int, int, int]]:
    r_ints = [int.from_bytes(row.astype(">u8").tobytes(), "big") for row in refs]
    c_ints = [int.from_bytes(row.astype(">u8").tobytes(), "big") for row in cands]
    out = []
    for i, c in enumerate(c_ints):
        for j, r in enumerate(r_ints):
            d = (c ^ r).bit_count()
            if d <= radius:
                out.append((i, j, d))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--refs", type=int, default=10_000)
    ap.add_argument("--candidates", type=int, default=100_000)
    ap.add_argument("--python-sample", type=int, default=1_000, help="candidates timed in the Python loop")
    args = ap.parse_args(argv)
    print(
        f"## Index (benchmarks/hash_index.py: {args.refs:,} references × {args.candidates:,} candidates, one thread)\n"
    )
    print("| method | 64-bit, radius 10 | 256-bit (PDQ), radius 31 |")
    print("|---|---:|---:|")
    rows: dict[str, list[str]] = {}
    ratios = []
    for bits, radius in ((64, 10), (256, 31)):
        refs, cands = make(args.refs, args.candidates, bits, radius, seed=bits)
        res = {}
        ix = HashIndex(bits, backend="numpy")
        ix.add(refs)
        t = time.perf_counter()
        qi, ri, d = ix.search(cands, radius)
        t_np = time.perf_counter() - t
        res["numpy"] = set(zip(qi.tolist(), ri.tolist(), d.tolist(), strict=False))
        t_fx = float("nan")
        if faiss is not None:
            fx = faiss.IndexBinaryFlat(bits)
            fx.add(words_to_bytes(refs))
            cb = words_to_bytes(cands)
            t = time.perf_counter()
            lims, dist, ids = fx.range_search(cb, radius + 1)
            t_fx = time.perf_counter() - t
            qf = np.repeat(np.arange(len(cands)), np.diff(lims).astype(np.int64))
            res["faiss"] = set(zip(qf.tolist(), ids.tolist(), dist.tolist(), strict=False))
            ix2 = HashIndex(bits, backend="faiss")
            ix2.add(refs)
            t = time.perf_counter()
            ix2.search(cands, radius)
            t_ix_fx = time.perf_counter() - t
        sample = cands[: args.python_sample]
        t = time.perf_counter()
        py = python_loop(refs, sample, radius)
        t_py = (time.perf_counter() - t) * len(cands) / len(sample)
        assert set(py) == {p for p in res["numpy"] if p[0] < len(sample)}, "python loop disagrees"
        if "faiss" in res:
            assert res["faiss"] == res["numpy"], "faiss disagrees"
        rows.setdefault("HashIndex, NumPy path (XOR + np.bitwise_count, blocked)", []).append(f"{t_np:.2f} s")
        if faiss is not None:
            rows.setdefault("HashIndex, FAISS path (auto backend)", []).append(f"{t_ix_fx:.2f} s")
            rows.setdefault("FAISS IndexBinaryFlat.range_search (direct)", []).append(f"{t_fx:.2f} s")
        rows.setdefault(f"Python loop, int.bit_count (scaled from {len(sample):,})", []).append(f"~{t_py:.0f} s")
        rows.setdefault("pairs found", []).append(f"{len(res['numpy']):,}")
        ratios.append((bits, t_py / t_np, t_np / t_fx))
    for k, v in rows.items():
        print(f"| {k} | " + " | ".join(v) + " |")
    print()
    for bits, vs_py, vs_fx in ratios:
        print(f"- {bits}-bit: NumPy path is {vs_py:.0f}× faster than the Python loop and {vs_fx:.2f}× FAISS's time.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
