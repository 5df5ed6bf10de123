"""On-device fingerprints held to the server: ``fingerprint()`` (static/recourse/js/fingerprint.js) runs in headless
Chromium on a generated corpus and every record is compared with ``hashing.compute`` on the same file.

Digests, dimensions, format and frame counts must be equal; PDQ equal on at least 95% of the corpus and never more
than 8 bits apart; pHash, dHash and wHash (and the matcher's variants) equal on at least 95% and never more than
4 bits apart. The distribution of distances is printed (``-s``) so a drift shows before it fails.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hashing import compute
from hashing.core import _hashing_grey
from hashing.decode import decode
from hashing.signals import HASH_TYPES

pytestmark = pytest.mark.django_db(transaction=True)

HASHES = ("phash", "dhash", "whash", "pdq")
LIMIT = {"phash": 4, "dhash": 4, "whash": 4, "pdq": 8}
EXACT_SHARE = 0.95


def _scene(w: int, h: int, seed: int) -> np.ndarray:
    """Synthetic RGB content: gradients, shapes and texture (no people, nothing intimate)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    for c in range(3):
        fx, fy = rng.uniform(0.5, 3.0, 2)
        img[..., c] = 128 + 90 * np.sin(2 * np.pi * (fx * xx / w + rng.uniform())) * np.cos(2 * np.pi * fy * yy / h)
    for _ in range(12):  # filled circles and rectangles in random colours
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.03, 0.2) * min(w, h)
        colour = rng.uniform(0, 255, 3)
        if rng.uniform() < 0.5:
            mask = (xx - cx) ** 2 + (yy - cy) ** 2 < r * r
        else:
            mask = (abs(xx - cx) < r) & (abs(yy - cy) < r * rng.uniform(0.3, 1.5))
        img[mask] = colour
    img += rng.normal(0, 6, (h, w, 1)).astype(np.float32)  # texture, so no hash sits on a tie
    return np.clip(img, 0, 255).astype(np.uint8)


def _jpeg(arr, path: Path, **kw) -> Path:
    Image.fromarray(arr).save(path, "JPEG", quality=kw.pop("quality", 90), **kw)
    return path


def build_corpus(root: Path) -> list[Path]:
    files: list[Path] = []
    add = files.append
    add(_jpeg(_scene(800, 600, 1), root / "baseline.jpg"))
    add(_jpeg(_scene(1203, 901, 2), root / "progressive.jpg", progressive=True))
    add(_jpeg(_scene(333, 250, 3), root / "small.jpg"))
    add(_jpeg(_scene(2048, 1536, 4), root / "jpeg-3mp-420.jpg", quality=80))
    add(_jpeg(_scene(1000, 1000, 5), root / "jpeg-444.jpg", subsampling=0, quality=95))
    add(_jpeg(_scene(1100, 900, 6), root / "jpeg-422-restarts.jpg", subsampling=1, restart_marker_blocks=7))
    for o in range(1, 9):  # EXIF orientations; odd sizes so edge blocks and reductions do not divide evenly
        exif = Image.Exif()
        exif[0x0112] = o
        add(_jpeg(_scene(1001, 757, 10 + o), root / f"orientation-{o}.jpg", exif=exif.tobytes()))
    add(_jpeg(_scene(2600, 1900, 19), root / "orientation-6-large.jpg", exif=_exif(6)))
    # Letterboxed story: the matcher's trimmed variants exist for this one.
    story = np.full((1280, 720, 3), 20, np.uint8)
    story[340:940] = _scene(720, 600, 20)
    add(_jpeg(story, root / "letterboxed.jpg"))
    rgba = np.dstack([_scene(600, 400, 21), np.tile(np.linspace(0, 255, 600, dtype=np.uint8), (400, 1))])
    rgba[50:150, 50:200, 3] = 0
    Image.fromarray(rgba, "RGBA").save(root / "alpha.png")
    add(root / "alpha.png")
    grey16 = (
        _scene(700, 500, 22)[..., 0].astype(np.uint16) * 257 + np.random.default_rng(22).integers(0, 257, (500, 700))
    ).astype(np.uint16)
    Image.fromarray(grey16.astype("<u2")).save(root / "grey-16bit.png")
    add(root / "grey-16bit.png")
    Image.fromarray(_scene(500, 500, 23)).quantize(256).save(root / "palette.png")
    add(root / "palette.png")
    pal = Image.fromarray(_scene(300, 300, 24)).quantize(64)
    pal.save(root / "palette-transparent.png", transparency=0)
    add(root / "palette-transparent.png")
    Image.fromarray(_scene(1600, 1200, 25)).save(root / "large.png")
    add(root / "large.png")
    Image.fromarray(_scene(200, 150, 26)).save(root / "tiny.png")
    add(root / "tiny.png")
    Image.fromarray(_scene(800, 600, 27)).save(root / "lossy.webp", quality=85)
    add(root / "lossy.webp")
    Image.fromarray(_scene(640, 480, 28)).save(root / "lossless.webp", lossless=True)
    add(root / "lossless.webp")
    frames = [Image.fromarray(_scene(400, 300, 29 + i)).quantize(256) for i in range(3)]
    frames[0].save(root / "animated.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    add(root / "animated.gif")
    Image.fromarray(_scene(900, 700, 32)).convert("L").save(root / "greyscale.jpg", quality=90)
    add(root / "greyscale.jpg")
    Image.fromarray(_scene(800, 600, 33)).convert("CMYK").save(root / "cmyk.jpg", quality=90)
    add(root / "cmyk.jpg")
    add(_jpeg(_scene(6000, 4000, 34), root / "24-megapixel.jpg", quality=85))
    return files


def _exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def _distance(name: str, a: str, b: str) -> int:
    return HASH_TYPES[name].distance(a, b)


def _device_records(page, live_server, files: list[Path]) -> dict[str, dict]:
    by_name = {f.name: f.read_bytes() for f in files}
    prefix = live_server.url + "/__corpus__/"
    page.route(
        lambda url: url.startswith(prefix),
        lambda route: route.fulfill(status=200, body=by_name[route.request.url[len(prefix) :]]),
    )
    page.goto(live_server.url + "/")
    out = {}
    for f in files:
        out[f.name] = page.evaluate(
            """async ([module, url]) => {
                const { fingerprint } = await import(module);
                const blob = await (await fetch(url)).blob();
                const stages = [];
                const record = await fingerprint(blob, { onProgress: (p) => stages.push(p.stage) });
                return { record, stages };
            }""",
            ["/static/recourse/js/fingerprint.js", prefix + f.name],
        )
    return out


def test_device_fingerprints_equal_the_server(page, live_server, tmp_path):
    page.set_default_timeout(120_000)
    files = build_corpus(tmp_path)
    device = _device_records(page, live_server, files)
    dist: dict[str, Counter] = {h: Counter() for h in (*HASHES, "variants")}
    rows, problems = [], []
    for f in files:
        server = compute(f).to_dict(include_features=False)
        got = device[f.name]["record"]
        assert device[f.name]["stages"][-1] == "done"
        assert got["computed_on"] == "device"
        for key in ("sha256", "md5", "width", "height", "format", "frames", "animated"):
            assert got[key] == server[key], (f.name, key, got[key], server[key])
        assert set(got) == {*server.keys() - {"version", "features"}, "computed_on"}, f.name
        assert got["decode_scale"] == server["decode_scale"], (f.name, got["decode_scale"], server["decode_scale"])
        ds = {h: _distance(h, got[h], server[h]) for h in HASHES}
        for h, d in ds.items():
            dist[h][d] += 1
            if d > LIMIT[h]:
                problems.append(f"{f.name}: {h} {d} bits apart")
        assert abs(got["pdq_quality"] - server["pdq_quality"]) <= 2, (f.name, got["pdq_quality"], server["pdq_quality"])
        vs = {v["name"]: v for v in server["variants"]}
        vd = {v["name"]: v for v in got["variants"]}
        if set(vs) != set(vd):
            problems.append(f"{f.name}: variants {sorted(vd)} on the device, {sorted(vs)} on the server")
        worst = 0
        for name in set(vs) & set(vd):
            for h in ("phash", "dhash", "pdq"):
                d = _distance(h, vd[name][h], vs[name][h])
                worst = max(worst, d)
                if d > LIMIT[h]:
                    problems.append(f"{f.name}: variant {name} {h} {d} bits apart")
        dist["variants"][worst] += 1
        rows.append((f.name, ds, worst, sorted(vs)))

    print(f"\n{'file':32} {'pHash':>5} {'dHash':>5} {'wHash':>5} {'PDQ':>4} {'var.':>4}  variants")
    for name, ds, worst, names in rows:
        print(f"{name:32} {ds['phash']:5} {ds['dhash']:5} {ds['whash']:5} {ds['pdq']:4} {worst:4}  {','.join(names)}")
    for h, counter in dist.items():
        print(f"{h:8} distance: count  " + "  ".join(f"{d}: {n}" for d, n in sorted(counter.items())))
    assert not problems, problems
    for h, counter in dist.items():
        assert counter[0] / len(files) >= EXACT_SHARE, (h, dict(counter))


def _large_scene(w: int, h: int, seed: int, grey: bool = False) -> np.ndarray:
    """``_scene`` drawn at 1/8 and enlarged, with fresh grain: big pictures in a fraction of the time."""
    small = Image.fromarray(_scene(max(16, w // 8), max(16, h // 8), seed))
    if grey:
        small = small.convert("L")
    arr = np.asarray(small.resize((w, h), Image.Resampling.BICUBIC), dtype=np.int16)
    grain = np.random.default_rng(seed).integers(-12, 13, (h, w, 1)[: arr.ndim], dtype=np.int16)
    arr += grain
    return np.clip(arr, 0, 255, out=arr).astype(np.uint8)


def build_large_corpus(root: Path) -> list[Path]:
    """Pictures the server's decoder reduces before hashing (hashing.decode._reduce, above 4 MP). Odd sizes, so
    the rows and columns past the last whole block are dropped; an EXIF orientation, so the order of reduction
    and orientation shows."""
    w, h = 2601, 1733  # 4.5 MP: 1/2 in the decoder, then 1/3 for hashing
    rgba = np.dstack([_large_scene(w, h, 40), np.tile(np.linspace(0, 255, w).astype(np.uint8), (h, 1))])
    rgba[100:500, 200:900, 3] = 0
    Image.fromarray(rgba, "RGBA").save(root / "reduced-rgba-orientation-6.png", compress_level=1, exif=_exif(6))
    Image.fromarray(_large_scene(w, h, 41)).save(root / "reduced.webp", quality=85, method=0)
    # A JPEG is reduced only when libjpeg's draft is still above 4 MP: a panorama whose short side keeps the
    # draft at 1/2 (greyscale, to keep the test quick). Its reduced luma comes from the file's coefficients.
    _jpeg(_large_scene(16100, 1000, 42, grey=True), root / "reduced-panorama.jpg", quality=75)
    return sorted(root.glob("reduced*"))


def test_device_fingerprints_of_large_pictures_are_the_servers(page, live_server, tmp_path):
    """Above 4 MP the server hashes a box-reduced picture; the device reduces it the same way, bit for bit: the
    picture the hashes are computed from is the server's pixel for pixel, and every hash, every variant, the PDQ
    quality and the scale are equal (no tolerance here)."""
    page.set_default_timeout(120_000)
    files = build_large_corpus(tmp_path)
    device = _device_records(page, live_server, files)  # also routes the files for the page
    for f in files:
        server = compute(f).to_dict(include_features=False)
        got = device[f.name]["record"]
        assert server["decode_scale"] > 1, f.name
        for key in ("sha256", "width", "height", "format", "decode_scale", *HASHES, "pdq_quality", "variants"):
            assert got[key] == server[key], (f.name, key, got[key], server[key])
        grey, scale = _hashing_grey(decode(f))
        pixels = page.evaluate(
            """async ([module, url]) => {
                const { hashingGrey } = await import(module);
                const g = await hashingGrey(await (await fetch(url)).blob());
                const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", g.data));
                const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
                return { w: g.w, h: g.h, s: g.s, sha256: hex };
            }""",
            ["/static/recourse/js/fingerprint-worker.js", live_server.url + "/__corpus__/" + f.name],
        )
        expected = {"w": grey.width, "h": grey.height, "s": scale, "sha256": hashlib.sha256(grey.tobytes()).hexdigest()}
        assert pixels == expected, f.name


def test_fingerprint_refuses_what_it_cannot_hash(page, live_server):
    page.goto(live_server.url + "/")
    buf = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buf, "BMP")
    codes = page.evaluate(
        """async (bmp) => {
            const { fingerprint } = await import("/static/recourse/js/fingerprint.js");
            const codes = [];
            for (const blob of [new Blob([]), new Blob([new Uint8Array(bmp)]), new Blob(["%PDF-1.4 hello"])]) {
                try { await fingerprint(blob); codes.push("accepted"); } catch (err) { codes.push(err.code); }
            }
            // A PNG whose header promises more pixels than the budget is refused before decoding.
            const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82,
                0, 0, 0x27, 0x10, 0, 0, 0x27, 0x10, 8, 2, 0, 0, 0, 0, 0, 0, 0]);
            try { await fingerprint(new Blob([png])); codes.push("accepted"); } catch (err) { codes.push(err.code); }
            return codes;
        }""",
        list(buf.getvalue()),
    )
    assert codes == ["empty_file", "unsupported_format", "unsupported_format", "too_many_pixels"]
