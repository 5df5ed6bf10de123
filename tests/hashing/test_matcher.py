"""The matching rule on a small fixed robustness set (a regression here should fail CI), plus records
and the index."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from benchmarks._data import SHARED_FRAMES, STRESS_TRANSFORMS, TRANSFORMS, load_faces, to_bytes
from hashing import HashIndex, ImageHashes, Matcher, compare, compute, compute_candidate, trim
from tests.utils import photo

pytest.importorskip("skimage")

REFS = ["astronaut", "coffee", "rocket", "chelsea"]
HARD = [
    "story_blur",
    "mirror",
    "crop_20",
    "rotate_4",
    "caption_bar",
    "sticker",
    "letterbox",
    "screenshot",
    "screenshot_dark",
    "jpeg_q30",
]


@pytest.fixture(scope="module")
def refs():
    return [compute(to_bytes(photo(n), "JPEG", quality=92), features=True) for n in REFS]


@pytest.fixture(scope="module")
def matcher(refs):
    return Matcher(refs, ids=REFS)


@pytest.mark.parametrize("name", REFS)
def test_hard_edits_found(matcher, name):
    missed = []
    for tf in HARD:
        cand = compute_candidate(to_bytes(TRANSFORMS[tf][1](photo(name)), "JPEG", quality=85))
        res = matcher.match(cand)
        if not (res.match and res.ref == name):
            missed.append((tf, res.stage, res.ref))
    assert len(missed) <= 1, missed  # the benchmark's bar is ≥ 0.90 per edit


def test_no_false_matches(refs, matcher):
    others = [compute_candidate(to_bytes(f, "JPEG", quality=80)) for f in load_faces(25)]
    others += [compute_candidate(to_bytes(photo(n), "JPEG", quality=80)) for n in ("camera", "coins", "moon")]
    others += [compute_candidate(to_bytes(TRANSFORMS["screenshot"][1](photo("camera")), "JPEG"))]
    for c in others:
        res = matcher.match(c)
        assert not res.match, res.reason
        assert res.stage == "none" and res.ref is None and res.reason


@pytest.mark.parametrize("frame", ["screenshot", "caption_bar"])
def test_shared_frame_is_not_a_match(frame):
    """Two different photos inside the *same* app frame / meme template must not match on the frame."""
    put = SHARED_FRAMES[frame](np.random.default_rng([7, 0]))
    refs = [compute(to_bytes(put(photo(n)), "JPEG", quality=92), features=True) for n in ("coffee", "camera")]
    m = Matcher(refs, ids=["coffee", "camera"])
    for name in ("chelsea", "rocket"):
        res = m.match(compute_candidate(to_bytes(put(photo(name)), "JPEG", quality=80)))
        assert not res.match, res.reason
    # ... while the same photo in that frame, and the bare photo's screenshot, are found
    res = m.match(compute_candidate(to_bytes(put(photo("coffee")), "JPEG", quality=80)))
    assert res.match and res.ref == "coffee", res.reason


@pytest.mark.parametrize(
    ("name", "edit"), [("moon", "sticker_large"), ("brick", "sticker_large"), ("clock", "sticker_large")]
)
def test_large_stickers_on_smooth_photos(name, edit):
    """Big stickers on a low-contrast photo: the sticker is not "the photo inside a frame" (its box would
    drop every keypoint of the real photo), and a smooth photo under bright stickers is described as densely
    as its reference was."""
    im = STRESS_TRANSFORMS[edit][1](photo(name))
    data = to_bytes(im, "JPEG", quality=85)
    assert trim.frame_box(np.asarray(Image.open(io.BytesIO(data)).convert("L"))) is None
    ref = compute(to_bytes(photo(name), "JPEG", quality=92), features=True)
    res = Matcher([ref], ids=[name]).match(compute_candidate(data))
    assert res.match and res.stage == "keypoints", res.reason


def test_screenshot_unwrapped():
    ref = compute(to_bytes(photo("rocket"), "JPEG", quality=92), features=True)
    cand = compute_candidate(to_bytes(TRANSFORMS["screenshot_dark"][1](photo("rocket")), "JPEG", quality=85))
    assert cand.variant("unwrapped") is not None and cand.features_unwrapped is not None
    res = Matcher([ref], ids=["rocket"]).match(cand)
    assert res.match and res.stage in ("hash-trimmed", "keypoints"), res.reason
    back = ImageHashes.from_dict(json.loads(json.dumps(cand.to_dict())))
    assert back.variant("unwrapped").pdq == cand.variant("unwrapped").pdq  # box is rounded to 4 places
    assert back.features_unwrapped is not None and len(back.features_unwrapped) == len(cand.features_unwrapped)


def test_evidence_fields(matcher):
    res = matcher.match(compute_candidate(to_bytes(TRANSFORMS["mirror"][1](photo("coffee")))))
    d = res.to_dict()
    assert d["match"] and d["stage"] == "hash-mirrored" and d["ref"] == "coffee"
    assert set(d["distances"]) == {"phash", "dhash", "whash", "pdq"} and "mirror" in d["reason"]


def test_exact_stage(refs):
    data = to_bytes(photo("rocket"))
    res = compare(compute(data), compute(data))
    assert res.match and res.stage == "exact"


def test_record_round_trip(refs):
    rec = refs[0]
    d = json.loads(json.dumps(rec.to_dict()))
    back = ImageHashes.from_dict(d)
    assert back == rec
    assert back.features is not None and len(back.features) == len(rec.features) <= 500
    assert np.array_equal(back.features.descriptors, rec.features.descriptors)
    assert np.abs(back.features.points - rec.features.points).max() <= 0.125
    assert len(d["features"]["data"]) <= 500 * 36 * 4 / 3 + 4
    # a record without the original still matches an edited copy
    res = Matcher([back], ids=["r"]).match(compute_candidate(to_bytes(TRANSFORMS["crop_20"][1](photo("astronaut")))))
    assert res.match


@pytest.mark.parametrize(("bits", "radius"), [(64, 10), (256, 31)])
@pytest.mark.parametrize("backend", ["numpy", "faiss"])
def test_index_matches_brute_force(bits, radius, backend):
    if backend == "faiss":
        pytest.importorskip("faiss")
    rng = np.random.default_rng(bits)
    words = bits // 64
    refs = rng.integers(0, 2**63, (500, words), dtype=np.uint64) * np.uint64(2) + rng.integers(
        0, 2, (500, words), dtype=np.uint64
    )
    queries = rng.integers(0, 2**63, (300, words), dtype=np.uint64)
    for i in range(50):  # planted near-duplicates at distances 0..radius+2
        q = refs[i * 7].copy()
        for b in rng.choice(bits, size=i % (radius + 3), replace=False):
            q[b // 64] ^= np.uint64(1) << np.uint64(63 - b % 64)
        queries[i] = q
    ix = HashIndex(bits, backend=backend)
    hexes = ["".join(f"{int(w):016x}" for w in row) for row in refs]
    ix.add(hexes)
    qi, ri, d = ix.search(["".join(f"{int(w):016x}" for w in row) for row in queries], radius)
    got = set(zip(qi.tolist(), ri.tolist(), d.tolist(), strict=False))
    want = set()
    ints_r = [int(h, 16) for h in hexes]
    for a, row in enumerate(queries):
        qv = int("".join(f"{int(w):016x}" for w in row), 16)
        for b, rv in enumerate(ints_r):
            dist = (qv ^ rv).bit_count()
            if dist <= radius:
                want.add((a, b, dist))
    assert got == want and len(want) >= 40


@pytest.mark.parametrize("size", [(20_000, 40), (5_000, 1), (1, 5_000), (32_864, 72)])
def test_extreme_panoramas_hash_and_compare_without_keypoints(size):
    # At MAX_SIDE such a strip is one or two pixels high: OpenCV's ORB pyramid asserted on it (a cv2.error
    # escaped hashing and left the image pending for ever; found by tests/fuzz). It has no keypoints instead.
    out = io.BytesIO()
    Image.fromarray(np.random.default_rng(3).integers(0, 255, (size[1], size[0]), dtype=np.uint8)).save(out, "PNG")
    reference = compute(out.getvalue(), features=True)
    candidate = compute_candidate(out.getvalue())
    assert len(reference.features.points) == 0
    assert compare(reference, candidate).match
