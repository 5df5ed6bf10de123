# ruff: noqa: E402  (sys.path must be set before the project imports)
"""On-device fingerprint speed: ``fingerprint()`` (static/recourse/js/fingerprint.js) on a 12-megapixel JPEG (or PNG,
WebP) in headless Chromium, and the longest the page's main thread was blocked meanwhile.

Targets: under 1.5 s per picture; the main thread never blocked for more than 100 ms (the work runs in a Web
Worker). The main-thread figure is the largest gap between consecutive ``setTimeout(0)`` heartbeats and the
longest ``longtask`` entry, whichever is larger. The picture is generated (gradients, shapes, grain) and served
with the module from a loopback HTTP server; the first run also loads the worker and is reported separately.

    .venv/bin/python benchmarks/fingerprint_browser.py [--reps N] [--megapixels 12] [--format jpeg|png|webp]
        [--js DIR]

``--js`` benchmarks another copy of the modules (e.g. the previous version, saved with ``git show``), so a change
is measured against its baseline in the same run on these noisy machines.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np
from PIL import Image

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

PAGE = """<!doctype html><meta charset="utf-8"><title>fingerprint benchmark</title>
<script type="module">
import { fingerprint } from "./js/fingerprint.js";
window.fingerprint = fingerprint;
window.ready = true;
</script>"""

RUN = """async (url) => {
    const blob = await (await fetch(url)).blob();
    let longest = 0, last = performance.now(), running = true, longtask = 0;
    const obs = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) longtask = Math.max(longtask, e.duration);
    });
    try { obs.observe({ type: "longtask" }); } catch (e) {}
    const beat = () => {
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
        if (running) setTimeout(beat, 0);
    };
    setTimeout(beat, 0);
    const t0 = performance.now();
    const record = await window.fingerprint(blob);
    const elapsed = performance.now() - t0;
    running = false;
    await new Promise((r) => setTimeout(r, 20));
    obs.disconnect();
    return { elapsed, heartbeat: longest, longtask, pdq: record.pdq, width: record.width, height: record.height };
}"""


def make_picture(path: Path, megapixels: float, seed: int = 12) -> None:
    """A camera-like synthetic picture: smooth colour fields, shapes and grain, 4:3; the format from the suffix."""
    w = round((megapixels * 1e6 * 4 / 3) ** 0.5)
    h = round(w * 3 / 4)
    rng = np.random.default_rng(seed)
    small = rng.uniform(0, 255, (12, 16, 3)).astype(np.uint8)
    img = np.asarray(Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC), dtype=np.int16)
    yy, xx = np.ogrid[0:h, 0:w]
    for _ in range(30):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.02, 0.15) * h
        img[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] = rng.integers(0, 255, 3)
    img += rng.integers(-8, 9, (h, w, 1), dtype=np.int16)
    pic = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    if path.suffix == ".jpg":
        pic.save(path, "JPEG", quality=90)
    elif path.suffix == ".webp":
        pic.save(path, "WEBP", quality=90)
    else:
        pic.save(path, "PNG", compress_level=3)


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # the benchmark prints figures, not a request log
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--megapixels", type=float, default=12.0)
    parser.add_argument("--format", choices=["jpeg", "png", "webp"], default="jpeg")
    parser.add_argument("--js", type=Path, default=ROOT / "static" / "recourse" / "js", help="folder of the modules")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(args.js, root / "js")
        (root / "index.html").write_text(PAGE)
        photo = root / ("photo." + {"jpeg": "jpg", "png": "png", "webp": "webp"}[args.format])
        make_picture(photo, args.megapixels)
        with Image.open(photo) as im:
            size = im.size
        nbytes = photo.stat().st_size
        load_before = os.getloadavg()[0]
        server, base = serve(root)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
                page = browser.new_page()
                page.goto(base + "/index.html")
                page.wait_for_function("window.ready === true")
                runs = [page.evaluate(RUN, base + "/" + photo.name) for _ in range(args.reps + 1)]
                version = browser.version
                browser.close()
        finally:
            server.shutdown()
    first, rest = runs[0], runs[1:]
    times = [r["elapsed"] for r in rest]
    blocked = max(max(r["heartbeat"], r["longtask"]) for r in runs)
    print(
        f"Chromium {version}; {size[0]}x{size[1]} {args.format.upper()} ({size[0] * size[1] / 1e6:.1f} MP, "
        f"{nbytes / 1e6:.1f} MB); modules from {args.js}; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after"
    )
    print(f"first run (loads the worker): {first['elapsed']:.0f} ms")
    print(
        f"fingerprint(): median {statistics.median(times):.0f} ms, "
        f"min {min(times):.0f}, max {max(times):.0f} ({len(times)} runs)"
    )
    print(
        f"longest main-thread block: {blocked:.1f} ms (heartbeat gap {max(r['heartbeat'] for r in runs):.1f} ms, "
        f"longest longtask {max(r['longtask'] for r in runs):.1f} ms)"
    )
    ok = statistics.median(times) < 1500 and blocked < 100
    print("targets (< 1500 ms, < 100 ms):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
