"""Picture bombs: the hashing worker's peak memory on the worst pictures the fuzz corpus (tests/fuzz) can make.

Each picture is written to a temporary file first, then hashed in a fresh subprocess exactly as the hashing
worker does (``hashing.compute(data, limits=..., features=True)`` under the portal's pixel budget); the
subprocess reports its resident-set high-water mark (``resource.getrusage(...).ru_maxrss``) after the imports
and after hashing. The worst pictures are the ones that compress to almost nothing and decode to the most
bytes: the largest the budget allows in every PNG layout (8-bit RGB, 16-bit RGBA, 16-bit grey, palette), the
longest strip allowed, JPEG and GIF at the budget, and the ones just over it or claiming 65535 × 65535 in their
header.

    .venv/bin/python benchmarks/picture_bombs.py [--budget-mb 400]

Exit status 1 when any picture's peak exceeds the budget.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from hashing.decode import DEFAULT_LIMITS  # noqa: E402
from tests.fuzz.images import claims_size  # noqa: E402

PROBE = """
import json, sys, time
import hashing
from hashing.decode import Limits

def high_water_kb():
    # VmHWM, not getrusage's ru_maxrss: on Linux ru_maxrss survives exec, so a child would report the parent's
    # own peak (this script's, while it generated the pictures).
    with open("/proc/self/status") as fh:
        return int(fh.read().split("VmHWM:")[1].split()[0])

base = high_water_kb()
data = open(sys.argv[1], "rb").read()
started = time.perf_counter()
try:
    result = hashing.compute(data, limits=Limits(max_bytes=10**9, max_pixels=int(sys.argv[2])), features=True)
    outcome = f"hashed {result.width}x{result.height} (scale 1/{result.decode_scale})"
except hashing.HashingError as exc:
    outcome = f"refused: {exc.code}"
seconds = time.perf_counter() - started
peak = high_water_kb()
print(json.dumps({"outcome": outcome, "imports_kb": base, "peak_kb": peak, "seconds": seconds}))
"""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int, height: int, *, bit_depth: int, colour_type: int, palette: bool = False) -> bytes:
    """A real, complete PNG of a smooth gradient, compressed row by row (never held whole in memory)."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    row_bytes = width * channels * bit_depth // 8
    compressor = zlib.compressobj(9)
    body = []
    for y in range(height):
        value = (y * 255 // max(1, height - 1)) & 0xFF
        body.append(compressor.compress(b"\x00" + bytes([value]) * row_bytes))
    body.append(compressor.flush())
    out = [
        b"\x89PNG\r\n\x1a\n",
        _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)),
    ]
    if palette:
        out.append(_chunk(b"PLTE", bytes(v for i in range(256) for v in (i, 255 - i, i // 2))))
    out += [_chunk(b"IDAT", b"".join(body)), _chunk(b"IEND", b"")]
    return b"".join(out)


def pillow(image: Image.Image, fmt: str, **kw) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **kw)
    return out.getvalue()


def worst_pictures(budget: int) -> dict[str, callable]:
    side = math.isqrt(budget) - 1  # the largest square within the budget
    over = math.isqrt(budget) + 100
    jpeg_w = math.isqrt(budget * 3 // 2) - 1
    jpeg_h = budget // jpeg_w - 1
    return {
        f"PNG 8-bit RGB {side}x{side}": lambda: png(side, side, bit_depth=8, colour_type=2),
        f"PNG 16-bit RGBA {side}x{side}": lambda: png(side, side, bit_depth=16, colour_type=6),
        f"PNG 16-bit grey {side}x{side}": lambda: png(side, side, bit_depth=16, colour_type=0),
        f"PNG palette {side}x{side}": lambda: png(side, side, bit_depth=8, colour_type=3, palette=True),
        "PNG 8-bit RGBA 40000x1000 (the longest side allowed)": lambda: png(40_000, 1_000, bit_depth=8, colour_type=6),
        f"PNG 8-bit RGBA {budget // 100 - 1}x100 (too long)": lambda: png(
            budget // 100 - 1, 100, bit_depth=8, colour_type=6
        ),
        f"JPEG {jpeg_w}x{jpeg_h}": lambda: pillow(Image.linear_gradient("L").resize((jpeg_w, jpeg_h)), "JPEG"),
        f"GIF {side}x{side}": lambda: pillow(Image.linear_gradient("L").resize((side, side)).convert("P"), "GIF"),
        f"PNG 16-bit RGBA {over}x{over} (over the budget)": lambda: png(over, over, bit_depth=16, colour_type=6),
        "PNG 7071x7071 RGB (the reported bomb)": lambda: png(7071, 7071, bit_depth=8, colour_type=2),
        "PNG 500000x100 RGB (the reported strip)": lambda: png(500_000, 100, bit_depth=8, colour_type=2),
        **{
            f"{kind} header claiming 65535x65535": (lambda k=kind: claims_size(k, 65535, 65535))
            for kind in ("png-rgba", "png-16bit-grey", "jpeg", "gif", "webp")
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-mb", type=int, default=400, help="peak RSS allowed per picture")
    parser.add_argument("--pixels", type=int, default=DEFAULT_LIMITS.max_pixels, help="the pixel budget")
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    worst = 0
    print(f"pixel budget {args.pixels:,}; memory budget {args.budget_mb} MB (peak RSS of a fresh process)")
    print(f"{'picture':52} {'file':>9} {'imports':>8} {'peak':>8} {'time':>7}  outcome")
    with tempfile.TemporaryDirectory() as folder:
        for name, make in worst_pictures(args.pixels).items():
            path = Path(folder) / "picture"
            path.write_bytes(make())
            size = path.stat().st_size
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", PROBE, str(path), str(args.pixels)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if done.returncode != 0:
                print(f"{name:52} FAILED after {time.perf_counter() - started:.1f} s: {done.stderr[-500:]}")
                worst = max(worst, 10**9)
                continue
            report = json.loads(done.stdout.strip().splitlines()[-1])
            peak_mb = report["peak_kb"] / 1024
            worst = max(worst, peak_mb)
            print(
                f"{name:52} {size / 1024:7.0f}KB {report['imports_kb'] / 1024:6.0f}MB {peak_mb:6.0f}MB "
                f"{report['seconds']:6.2f}s  {report['outcome']}"
            )
    verdict = "within" if worst <= args.budget_mb else "OVER"
    print(f"worst peak: {worst:.0f} MB — {verdict} the {args.budget_mb} MB budget")
    return 0 if worst <= args.budget_mb else 1


if __name__ == "__main__":
    sys.exit(main())
