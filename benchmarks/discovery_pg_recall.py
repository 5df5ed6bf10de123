"""What the PostgreSQL database stage gives up, measured on the robustness set (benchmarks/hash_robustness.py).

When a new reference meets the stored crawled pictures, the in-process path (SQLite) screens every stored
picture at PDQ radius 80 over every (reference variant, crawled variant) pair and runs the full rule on what
passes; the database path (PostgreSQL) takes only the pictures the rule's hash stages could accept (PDQ ≤ 31,
or pHash ≤ 8 with PDQ ≤ 72, on a variant pair; multi-index hashing) and runs the same rule on them. For
every edited copy of every photo (its source as the only reference), this prints which path finds it, by
edit and by deciding stage. The keypoint stage needs the crawled picture's keypoints, which the crawl keeps
only for pictures near a reference that existed then, or with an app frame; for a reference that is new,
that is the framed ones (``unwrapped`` variant), so that is what is assumed here. Newly crawled pictures
meet the references in process on both databases: unchanged, not measured here.

    .venv/bin/python benchmarks/discovery_pg_recall.py [--quick]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks._data import PHOTO_NAMES, TRANSFORMS, load_photo, to_bytes
from hashing import Matcher, MatchRule, compute, compute_candidate

SCREEN_RADIUS = 80  # takedowns.services.discovery.match.SCREEN_RADIUS (hashing stands alone: kept by hand)


def _ref_slots(r) -> list[tuple[str, str]]:
    m, t, tm = r.variant("mirror"), r.variant("trimmed"), r.variant("trimmed-mirror")
    whole = (r.pdq, r.phash)
    mirror = (m.pdq, m.phash) if m else whole
    return [whole, (t.pdq, t.phash) if t else whole, mirror, (tm.pdq, tm.phash) if tm else mirror]


def _cand_slots(c) -> list[tuple[str, str]]:
    return [(c.pdq, c.phash)] + [(v.pdq, v.phash) for n in ("trimmed", "unwrapped") if (v := c.variant(n))]


def _d(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="6 photos")
    args = ap.parse_args()
    photos = PHOTO_NAMES[:6] if args.quick else PHOTO_NAMES
    rule = MatchRule()
    by_edit: dict[str, Counter] = defaultdict(Counter)
    lost: Counter = Counter()
    lost_pairs = []
    for name in photos:
        im = load_photo(name)
        ref = compute(to_bytes(im, "JPEG", quality=92), features=True)
        rs = _ref_slots(ref)
        for tname, (_, fn) in TRANSFORMS.items():
            out = fn(im)
            data = to_bytes(out, "PNG") if tname.startswith(("jpeg", "combo")) else to_bytes(out, "JPEG", quality=85)
            cand = compute_candidate(data)
            pairs = [(_d(a, b), _d(ap, bp)) for a, ap in rs for b, bp in _cand_slots(cand)]
            nearest = min(dq for dq, _ in pairs)
            database = any(
                dq <= rule.pdq_alone or (dp <= rule.phash_with_pdq and dq <= rule.pdq_with_phash) for dq, dp in pairs
            )
            if cand.variant("unwrapped") is None:  # its keypoints were not kept by the crawl
                cand = dataclasses.replace(cand, features=None, features_mirrored=None, features_unwrapped=None)
            result = Matcher([ref], ids=["r"], rule=rule).match(cand)
            c = by_edit[tname]
            c["pairs"] += 1
            in_process = result.match and nearest <= SCREEN_RADIUS
            in_database = result.match and database
            c["in_process"] += in_process
            c["in_database"] += in_database
            if in_process and not in_database:
                lost[result.stage] += 1
                lost_pairs.append((name, tname, result.stage, nearest, (result.variant or {}).get("phash")))
    total = Counter()
    print("| edit | pairs | in process (screen PDQ ≤ 80) | in PostgreSQL (hash-stage candidates) |")
    print("|---|---:|---:|---:|")
    for tname, c in by_edit.items():
        total.update(c)
        print(f"| {tname} | {c['pairs']} | {c['in_process']} | {c['in_database']} |")
    print(f"| **all** | {total['pairs']} | **{total['in_process']}** | **{total['in_database']}** |")
    print(f"\nFound in process, not in PostgreSQL, by deciding stage: {dict(lost) or 'none'}")
    for name, tname, stage, nearest, phash in lost_pairs:
        print(f"  {name} / {tname}: {stage}, nearest PDQ variant pair {nearest} bits, pHash {phash}")


if __name__ == "__main__":
    main()
