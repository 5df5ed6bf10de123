# ruff: noqa: E402  (sys.path / thread settings must come before the imports)
"""Speed benchmark: all hashes through Recourse vs the naive way vs the decode floor.

Test files are generated at run time from scikit-image sample photos (enlarged, with added grain so
they compress like camera photos) into a temporary folder: a 12 MP JPEG, a 3 MP JPEG and a 1 MP PNG.

* recourse: ``hashing.compute(path)`` — every hash (SHA-256, MD5, pHash, dHash, wHash, PDQ + quality and
  the mirrored/trimmed variants used for matching), without ORB keypoints; ``compute(path,
  features=True)`` is timed separately.
* naive: ``imagehash.phash/dhash/whash(Image.open(p))`` each on its own full decode, plus ``pdqhash`` on a
  full RGB decode, plus SHA-256/MD5.
* floor: the cheapest decode that still sees the picture: ``im.draft('L', (256, 256)); im.load()``.

Medians of several repetitions, one process.

    .venv/bin/python benchmarks/hash_speed.py [--reps N]
"""

from __future__ import annotations

import os

# One core, as in reference/hashing-measurements.md. Multi-threaded BLAS on a busy 2-core machine made
# the small PDQ matrix products 3x slower (bimodal 45/118 ms runs), so hashing workers should set this too.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import hashlib
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import imagehash
import numpy as np
import pdqhash
from PIL import Image

from benchmarks._data import load_photo
from hashing import compute


def make_file(folder: str, name: str, size: tuple[int, int], fmt: str, seed: int) -> str:
    rng = np.random.default_rng(seed)
    im = load_photo(name).resize(size, Image.Resampling.BICUBIC)
    arr = np.asarray(im).astype(np.float32)
    arr += rng.normal(0, 5, arr.shape)  # sensor-like grain so the file size is realistic
    im = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    path = os.path.join(folder, f"{name}_{size[0]}x{size[1]}.{fmt.lower()}")
    im.save(path, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return path


def naive(path: str) -> None:
    with open(path, "rb") as fh:
        data = fh.read()
    hashlib.sha256(data).hexdigest()
    hashlib.md5(data).hexdigest()
    imagehash.phash(Image.open(path))
    imagehash.dhash(Image.open(path))
    imagehash.whash(Image.open(path))
    pdqhash.compute(np.asarray(Image.open(path).convert("RGB")))


def floor(path: str) -> None:
    with Image.open(path) as im:
        im.draft("L", (256, 256))
        im.load()


def timeit(fn, path: str, reps: int) -> float:
    fn(path)  # warm-up
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn(path)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        files = [
            ("12 MP JPEG", make_file(tmp, "astronaut", (4000, 3000), "JPEG", 1)),
            ("3 MP JPEG", make_file(tmp, "coffee", (2000, 1500), "JPEG", 2)),
            ("1 MP PNG", make_file(tmp, "chelsea", (1200, 800), "PNG", 3)),
        ]
        print(f"## Speed (benchmarks/hash_speed.py, median of {args.reps})\n")
        print(
            "| file | size | floor (draft luma decode) | recourse compute() | naive all-hash | "
            "recourse + ORB features | naive / recourse | recourse / floor |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for label, path in files:
            fl = timeit(floor, path, args.reps)
            rc = timeit(compute, path, args.reps)
            nv = timeit(naive, path, max(3, args.reps // 2))
            ft = timeit(lambda p: compute(p, features=True), path, args.reps)
            mb = os.path.getsize(path) / 1e6
            print(
                f"| {label} | {mb:.1f} MB | {fl:.1f} ms | {rc:.1f} ms | {nv:.0f} ms | {ft:.1f} ms | "
                f"{nv / rc:.0f}× | {rc / fl:.2f}× |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
