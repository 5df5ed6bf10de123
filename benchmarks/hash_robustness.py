"""Robustness benchmark: recall per edit and false matches, shipped rule vs single-hash baselines.

Dataset (built at run time, offline): the distinct photographs bundled with scikit-image
(benchmarks/_data.PHOTO_NAMES) are the references; each is edited with every transformation in
``benchmarks._data.TRANSFORMS`` to make candidates. 100 LFW face crops shipped with scikit-image (25 px,
enlarged) are added as extra references and as look-alike candidates, so "similar faces" are tested.
Frames are not one fixed layout: each photo gets its own randomly drawn app frame, story canvas, border,
letterbox and caption bar (sizes, colours, margins, positions, chrome; fixed seed), so the rule is not
tuned to one frame's pixel geometry.

Shared-frame negatives: for each of a few frame templates (light and dark app screenshot, solid story
padding, meme caption bar, border) every photo is put inside the *same* frame; these framed pictures are
added both as references and as candidates. A framed photo must only match references of the same
photo: identical chrome around different photos must never make them match.

Recall: a candidate counts as found when the matcher, given only its source reference, says match.
False matches: every candidate (edited photos, framed photos and faces) is also matched against all
references of *other* pictures; any match there is a false match. Baselines (pHash ≤ 10, dHash ≤ 10, PDQ ≤ 31,
whole picture vs whole picture) are scored on the same pairs in the same run.

    .venv/bin/python benchmarks/hash_robustness.py            # full run (what `make bench` runs)
    .venv/bin/python benchmarks/hash_robustness.py --quick    # 6 photos, 30 faces
    .venv/bin/python benchmarks/hash_robustness.py --stress   # also large stickers and off-centre crops
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np
from PIL import Image

from benchmarks._data import (
    PHOTO_NAMES,
    SHARED_FRAMES,
    STRESS_TRANSFORMS,
    TRANSFORMS,
    load_faces,
    load_photo,
    to_bytes,
)
from hashing import DEFAULT_RULE, Matcher, compute, compute_candidate

BASELINES = {"phash<=10": ("phash", 10), "dhash<=10": ("dhash", 10), "pdq<=31": ("pdq", 31)}


def _ints(recs, name):
    return [int(getattr(r, name), 16) for r in recs]


def _dist_matrix(a: list[int], b: list[int]) -> np.ndarray:
    return np.array([[(x ^ y).bit_count() for y in b] for x in a], dtype=np.int32)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small subset, for a smoke run")
    ap.add_argument("--stress", action="store_true", help="add large stickers and off-centre crops (group stress)")
    args = ap.parse_args(argv)
    transforms = {**TRANSFORMS, **(STRESS_TRANSFORMS if args.stress else {})}
    t0 = time.perf_counter()
    photos = PHOTO_NAMES[:6] if args.quick else PHOTO_NAMES
    faces = load_faces(30 if args.quick else 100)

    refs, ref_ids, ref_pic = [], [], []  # ref_pic: which picture a reference shows (photo name / face id)
    for name in photos:
        refs.append(compute(to_bytes(load_photo(name), "JPEG", quality=92), features=True))
        ref_ids.append(name)
        ref_pic.append(name)
    for i, f in enumerate(faces):
        refs.append(compute(to_bytes(f, "JPEG", quality=92), features=True))
        ref_ids.append(f"face{i:03d}")
        ref_pic.append(f"face{i:03d}")
    n_plain_refs = len(refs)
    shared = []  # (frame name, photo name, candidate)
    for k, (fname, make) in enumerate(SHARED_FRAMES.items()):
        frame = make(np.random.default_rng([7, k]))
        for name in photos:
            framed = frame(load_photo(name))
            refs.append(compute(to_bytes(framed, "JPEG", quality=92), features=True))
            ref_ids.append(f"{fname}[{name}]")
            ref_pic.append(name)
            half = framed.resize((framed.width * 3 // 4, framed.height * 3 // 4), Image.Resampling.LANCZOS)
            shared.append((fname, name, compute_candidate(to_bytes(half, "JPEG", quality=80))))

    cands, cand_src, cand_tf = [], [], []
    for si, name in enumerate(photos):
        im = load_photo(name)
        for tname, (_, fn) in transforms.items():
            out = fn(im)
            data = to_bytes(out, "PNG") if tname.startswith(("jpeg", "combo")) else to_bytes(out, "JPEG", quality=85)
            cands.append(compute_candidate(data))
            cand_src.append(si)
            cand_tf.append(tname)
    for i, f in enumerate(faces):  # the same face photo re-encoded: a positive; every other face: negative
        cands.append(compute_candidate(to_bytes(f, "JPEG", quality=75)))
        cand_src.append(len(photos) + i)
        cand_tf.append("face_reencode")
    t_hash = time.perf_counter() - t0

    # Shipped rule.
    found: dict[str, list[bool]] = defaultdict(list)
    stages: dict[str, Counter] = defaultdict(Counter)
    false_matches, false_details = 0, []
    max_neg_inliers, max_neg_pair = 0, None
    misses = []
    n_negative_pairs = 0

    def negatives(c, pic: str, what: tuple) -> bool:
        nonlocal max_neg_inliers, max_neg_pair, false_matches, n_negative_pairs
        others = [i for i in range(len(refs)) if ref_pic[i] != pic]
        n_negative_pairs += len(others)
        neg = Matcher([refs[i] for i in others], ids=[ref_ids[i] for i in others]).match(c)
        if neg.inliers is not None and neg.inliers > max_neg_inliers:
            max_neg_inliers, max_neg_pair = neg.inliers, (*what, neg.nearest)
        if neg.match:
            false_matches += 1
            false_details.append((*what, neg.ref, neg.stage, neg.reason))
        return neg.match

    for c, src, tf in zip(cands, cand_src, cand_tf, strict=False):
        res = Matcher([refs[src]], ids=[ref_ids[src]]).match(c)
        found[tf].append(res.match)
        if not res.match:
            misses.append((ref_ids[src], tf, res.reason))
        stages[tf][res.stage] += 1
        negatives(c, ref_pic[src], (ref_ids[src], tf))
    shared_fp: Counter = Counter()
    for fname, name, c in shared:
        shared_fp[fname] += negatives(c, name, (f"{fname}[{name}]", "shared_frame"))

    # Baselines: whole picture vs whole picture.
    base_found: dict[str, dict[str, list[bool]]] = {b: defaultdict(list) for b in BASELINES}
    base_fp: dict[str, int] = {}
    face_fp: dict[str, int] = {}
    n_face = len(faces)
    shared_base_fp: dict[str, int] = {}
    all_cands = cands + [c for _, _, c in shared]
    all_pic = [ref_pic[s] for s in cand_src] + [name for _, name, _ in shared]
    neg_mask = np.array([[ref_pic[j] != p for j in range(len(refs))] for p in all_pic])
    for bname, (h, t) in BASELINES.items():
        d = _dist_matrix(_ints(all_cands, h), _ints(refs, h))
        src = np.array(cand_src)
        pos = d[np.arange(len(cands)), src]
        for tf, ok in zip(cand_tf, pos <= t, strict=False):
            base_found[bname][tf].append(bool(ok))
        base_fp[bname] = int(((d <= t) & neg_mask).sum())
        shared_base_fp[bname] = int(((d[len(cands) :] <= t) & neg_mask[len(cands) :]).sum())
        fd = d[len(cands) - n_face : len(cands), len(photos) : n_plain_refs]
        face_fp[bname] = int(((fd <= t) & ~np.eye(n_face, dtype=bool)).sum())
    # Closest different pictures (calibration evidence for the thresholds).
    closest = {}
    for h in ("phash", "pdq"):
        d = _dist_matrix(_ints(all_cands, h), _ints(refs, h)).astype(float)
        d[~neg_mask] = np.inf
        closest[h] = int(d.min())

    elapsed = time.perf_counter() - t0
    print(
        "## Robustness (benchmarks/hash_robustness.py"
        + (" --quick" if args.quick else "")
        + (" --stress" if args.stress else "")
        + ")\n"
    )
    print(
        f"{len(photos)} reference photos + {len(faces)} look-alike faces + {len(shared)} photos in "
        f"{len(SHARED_FRAMES)} shared frames = {len(refs)} references; "
        f"{len(cands) + len(shared)} candidates; {n_negative_pairs:,} different-picture comparisons "
        f"({n_face * (n_face - 1):,} face-vs-other-face). Hashing took {t_hash:.1f} s, all {elapsed:.1f} s.\n"
    )
    print("| edit | group | shipped rule | pHash ≤ 10 | dHash ≤ 10 | PDQ ≤ 31 | deciding stages (shipped) |")
    print("|---|---|---:|---:|---:|---:|---|")
    groups: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for tf in [*list(transforms), "face_reencode"]:
        group = transforms[tf][0] if tf in transforms else "common"
        vals = [found[tf]] + [base_found[b][tf] for b in BASELINES]
        for key, v in zip(["shipped", *BASELINES], vals, strict=False):
            groups[group][key].extend(v)
        st = ", ".join(f"{k} {n}" for k, n in stages[tf].most_common())
        print(f"| {tf} | {group} | " + " | ".join(f"{np.mean(v):.2f}" for v in vals) + f" | {st} |")
    for group in ("common", "hard", "stress"):
        g = groups[group]
        if not g:
            continue
        print(
            f"| **all {group}** | | " + " | ".join(f"**{np.mean(g[k]):.3f}**" for k in ["shipped", *BASELINES]) + " | |"
        )
    print()
    print("| false matches | shipped rule | pHash ≤ 10 | dHash ≤ 10 | PDQ ≤ 31 |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| different-picture pairs matched (of {n_negative_pairs:,}) | {false_matches} | "
        + " | ".join(str(base_fp[b]) for b in BASELINES)
        + " |"
    )
    print(
        f"| of which face vs other face (of {n_face * (n_face - 1):,}) | "
        f"{sum(1 for f in false_details if f[1] == 'face_reencode' and str(f[2]).startswith('face'))} | "
        + " | ".join(str(face_fp[b]) for b in BASELINES)
        + " |"
    )
    n_shared_pairs = len(shared) * (len(photos) - 1)
    print(
        f"| of which photo in a shared frame vs other pictures ({len(shared)} candidates, "
        f"{n_shared_pairs:,} same-frame pairs) | {sum(shared_fp.values())} | "
        + " | ".join(str(shared_base_fp[b]) for b in BASELINES)
        + " |"
    )
    print(
        f"\nClosest different pictures, whole picture: pHash {closest['phash']}/64, PDQ {closest['pdq']}/256. "
        f"Most RANSAC inliers for a different picture (before the angle/scale/spread checks): {max_neg_inliers} "
        f"({max_neg_pair}). "
        f"Shipped rule: {DEFAULT_RULE.describe()}."
    )
    for m in misses:
        print("MISSED:", m)
    for fd in false_details[:20]:
        print("FALSE MATCH:", fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
