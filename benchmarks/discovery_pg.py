# ruff: noqa: E402  (the database must be chosen before Django is configured)
"""Discovery matching inside PostgreSQL: one new reference against N stored crawled fingerprints.

What ``reference_match_crawled`` runs when a reference is hashed (the ``discovery_reference_match`` task):
on PostgreSQL the database stage (multi-index hashing over ``CrawledPdq``: PDQ ≤ 31, or pHash ≤ 8 with
PDQ ≤ 72, every reference variant against every stored variant) and the full rule in process on its
candidates only; the baseline, in the same run on the same rows, is the in-process path (every stored
fingerprint loaded and screened with NumPy at radius 80, what SQLite still runs).

Data: N crawled pictures with random PDQ (30% also with a trimmed variant, 5% with an app-frame variant),
plus, for each of the timed references, planted copies (in a random variant of each side, bits spread over
the blocks) that the rule's hash stages take — PDQ 0, 8, 16, 24, 31; pHash 6 with PDQ 60 — and that they
refuse — PDQ 32, 40 with pHash far; pHash 12 with PDQ 60. Random pHash everywhere else (real pHash is less
uniform, so its block probes return more rows on real data).
Loaded with COPY (block indexes built after the load) into a database of the benchmark's own, dropped at the
end unless ``--keep``. Each measured path runs in a subprocess of its own, whose peak RSS is the worker's.

    .venv/bin/python benchmarks/discovery_pg.py [--n 1000000] [--queries 50] [--baseline-queries 3]
        [--db pgmatch_bench] [--host 127.0.0.1] [--keep]

The other direction, ``--direction crawled``: N newly crawled pictures (unmatched) against ``--refs``
references, each with the planted copies above, through ``crawled_images_match`` as the hourly task runs it:
the exact join of the hash stages (``hashing.mih.pairs_within``) and, as the baseline in the same run on the
same rows, the former wide screen of every picture at radius 80 (``hash_stage="screen"``).

    .venv/bin/python benchmarks/discovery_pg.py --direction crawled --n 1000000 --refs 10000 [--no-baseline]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="stored crawled pictures")
    parser.add_argument("--queries", type=int, default=50, help="new references timed on the database path")
    parser.add_argument("--baseline-queries", type=int, default=3, help="new references timed in process")
    parser.add_argument("--db", default="pgmatch_bench")
    parser.add_argument("--host", default="127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the database (and reuse it with --phase)")
    parser.add_argument(
        "--direction",
        choices=["reference", "crawled"],
        default="reference",
        help="reference: one new reference against N stored pictures (default); crawled: N newly crawled "
        "pictures against --refs references (crawled_images_match, exact join against the wide screen)",
    )
    parser.add_argument("--refs", type=int, default=10_000, help="references (--direction crawled)")
    parser.add_argument("--no-baseline", action="store_true", help="crawled: skip the wide-screen baseline")
    parser.add_argument(
        "--planted-refs",
        type=int,
        default=0,
        help="plant copies of only the first K references (0 = all); with --direction crawled and 10,000 "
        "references, all would make 6 %% of the new pictures matches, where a crawl finds few",
    )
    parser.add_argument(
        "--phase", choices=["all", "database", "process", "exact", "screen"], default="all", help=argparse.SUPPRESS
    )
    return parser.parse_args()


ARGS = _args()
os.environ["DATABASE_URL"] = f"postgres://postgres@{ARGS.host}/{ARGS.db}"
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import psycopg2


def _admin(sql: str) -> None:
    host, port = ARGS.host.split(":")
    conn = psycopg2.connect(host=host, port=port, user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql)
    conn.close()


if ARGS.phase == "all":
    _admin(f'DROP DATABASE IF EXISTS "{ARGS.db}"')
    _admin(f'CREATE DATABASE "{ARGS.db}"')

import django

django.setup()

import numpy as np
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

import hashing
from takedowns.models import Finding, ReferenceImage
from takedowns.models.discovery import (
    PDQ_SEGMENT_FIELDS,
    PHASH_SEGMENT_FIELDS,
    segment_values,
)
from takedowns.services.discovery import crawled_pdq_candidates, reference_match_crawled
from takedowns.services.discovery.match import _reference_rows, _reference_slot_pairs
from tests.factories import flip_spread, generated_record
from tests.factories import random_hex as _hex

# Planted copies: (PDQ bits, pHash bits or None for an unrelated pHash). The rule takes PDQ ≤ 31, or pHash ≤ 8
# with PDQ ≤ 72.
PLANT_FOUND = ((0, None), (8, None), (16, None), (24, None), (31, None), (60, 6))
PLANT_MISSED = ((32, None), (40, None), (60, 12))


def _record(pdq: str, phash: str, variants: dict[str, str], rng: random.Random) -> hashing.ImageHashes:
    """A generated record whose variants (name → PDQ) share the picture's pHash."""
    return generated_record(pdq, phash, {name: (value, phash) for name, value in variants.items()}, rng)


def _references(count: int, rng: random.Random) -> list[hashing.ImageHashes]:
    from tests.factories import complete_case, hashed_reference

    case = complete_case(urls=["https://bench.example/reported"], hashed_images=0)
    records = []
    for _ in range(count):
        slots = {"trimmed": _hex(rng), "mirror": _hex(rng), "trimmed-mirror": _hex(rng)}
        r = _record(_hex(rng), _hex(rng, 64), slots, rng)
        hashed_reference(case, r)
        records.append(r)
    return records


def _random_record_json(pk: int, whole: str, phash: str, trimmed: str, unwrapped: str) -> str:
    """The record of a random picture as the crawl stores it (no keypoints), written without building one."""
    variants = ", ".join(
        f'{{"name": "{name}", "phash": "{value[16:32]}", "dhash": "{value[16:32]}", "pdq": "{value}"}}'
        for name, value in (("trimmed", trimmed), ("unwrapped", unwrapped))
        if value
    )
    return (
        f'{{"sha256": "{pk:064x}", "md5": "{pk:032x}", "phash": "{phash}", "dhash": "{phash}", "whash": "{phash}", '
        f'"pdq": "{whole}", "pdq_quality": 90, "width": 640, "height": 480, "variants": [{variants}], '
        '"features": null}'
    )


def load(n: int, refs: list[hashing.ImageHashes], rng: random.Random, *, matched: bool = True) -> dict:
    """COPY N random pictures (and the planted copies, first) with their variant rows; index after.
    ``matched=False``: newly crawled, not matched yet."""
    from takedowns.models import WatchedSite

    site = WatchedSite.objects.create(name="Bench", start_urls=["https://gallery.example/"])
    now = timezone.now().isoformat()
    planted = []  # (image id, reference index, bits)
    rows = []
    for ri, ref in enumerate(refs[: ARGS.planted_refs or None]):
        for bits in PLANT_FOUND + PLANT_MISSED:
            pdq, phash = rng.choice(_reference_slot_pairs(ref))
            near = flip_spread(pdq, bits[0], rng)
            near_phash = _hex(rng, 64) if bits[1] is None else flip_spread(phash, bits[1], rng)
            whole, trimmed = (near, _hex(rng)) if rng.random() < 0.5 else (_hex(rng), near)
            rows.append(_record(whole, near_phash, {"trimmed": trimmed}, rng))
            planted.append((len(rows), ri, bits))
    with connection.cursor() as cursor:
        for index in (f"crawledpdq_{name}" for name in PDQ_SEGMENT_FIELDS + PHASH_SEGMENT_FIELDS):
            cursor.execute(f'DROP INDEX IF EXISTS "{index}"')
    nprng = np.random.default_rng(15)
    image_cols = (
        "id, site_id, image_url, image_url_sha, page_url, sha256, pdq, pdq_quality, phash, pdq_trimmed, "
        "pdq_unwrapped, hashes, keypoint_refs, first_seen_at, last_seen_at"
    )
    pdq_cols = "crawled_image_id, slot, value, phash, " + ", ".join(PDQ_SEGMENT_FIELDS + PHASH_SEGMENT_FIELDS)
    started = time.perf_counter()
    batch = 100_000
    pdq_rows = 0
    with connection.cursor() as cursor:
        next_id = 1
        total = n + len(rows)
        while next_id <= total:
            count = min(batch, total - next_id + 1)
            raw = nprng.integers(0, 256, (count, 3, 32), dtype=np.uint8)
            has_trim = nprng.random(count) < 0.30
            has_unwrap = nprng.random(count) < 0.05
            images, variants = io.StringIO(), io.StringIO()
            for k in range(count):
                pk = next_id + k
                if pk <= len(rows):
                    r = rows[pk - 1]
                    whole, trimmed, unwrapped = r.pdq, r.variant("trimmed").pdq, ""
                    hashes = json.dumps(r.to_dict())
                    phash = r.phash
                else:
                    whole = raw[k, 0].tobytes().hex()
                    trimmed = raw[k, 1].tobytes().hex() if has_trim[k] else ""
                    unwrapped = raw[k, 2].tobytes().hex() if has_unwrap[k] else ""
                    hashes, phash = "{}", whole[:16]
                    if not matched:  # new pictures: the wide screen may pass a random one to the rule
                        hashes = _random_record_json(pk, whole, phash, trimmed, unwrapped)
                images.write(
                    f"{pk}\t{site.pk}\thttps://gallery.example/i/{pk}.jpg\t{pk:064x}\thttps://gallery.example/p/{pk}"
                    f"\t{pk:064x}\t{whole}\t90\t{phash}\t{trimmed}\t{unwrapped}\t{hashes}\t[]\t{now}\t{now}\n"
                )
                for slot, value in enumerate((whole, trimmed, unwrapped)):
                    if value:
                        ph = phash if pk <= len(rows) else value[16:32]  # random variants: a random pHash
                        blocks = "\t".join("\\N" if b is None else str(b) for b in segment_values(value, ph).values())
                        variants.write(f"{pk}\t{slot}\t{value}\t{ph}\t{blocks}\n")
                        pdq_rows += 1
            images.seek(0)
            variants.seek(0)
            cursor.cursor.copy_expert(f"COPY takedowns_crawledimage ({image_cols}) FROM STDIN", images)
            cursor.cursor.copy_expert(f"COPY takedowns_crawledpdq ({pdq_cols}) FROM STDIN", variants)
            next_id += count
        copied = time.perf_counter() - started
        for name in PDQ_SEGMENT_FIELDS + PHASH_SEGMENT_FIELDS:
            cursor.execute(
                f'CREATE INDEX "crawledpdq_{name}" ON takedowns_crawledpdq ("{name}") WHERE "{name}" IS NOT NULL'
            )
        cursor.execute("SELECT setval(pg_get_serial_sequence('takedowns_crawledimage', 'id'), %s)", [total])
        if not matched:
            _queue_all(cursor)
        cursor.execute("VACUUM ANALYZE takedowns_crawledimage")
        cursor.execute("VACUUM ANALYZE takedowns_crawledpdq")
        total_s = time.perf_counter() - started
        cursor.execute(
            "SELECT pg_database_size(current_database()), pg_total_relation_size('takedowns_crawledpdq'), "
            "pg_indexes_size('takedowns_crawledpdq'), pg_total_relation_size('takedowns_crawledimage')"
        )
        db_size, pdq_size, pdq_index_size, image_size = cursor.fetchone()
    return {
        "pictures": total,
        "variant_rows": pdq_rows,
        "copy_s": copied,
        "load_s": total_s,
        "db_bytes": db_size,
        "crawledpdq_bytes": pdq_size,
        "crawledpdq_index_bytes": pdq_index_size,
        "crawledimage_bytes": image_size,
        "planted": planted,
    }


def _percentiles(samples: list[float]) -> dict:
    samples = sorted(samples)
    p95 = samples[max(0, round(0.95 * len(samples)) - 1)]
    return {"p50_ms": statistics.median(samples) * 1000, "p95_ms": p95 * 1000, "max_ms": samples[-1] * 1000}


def _peak_rss_mb() -> float:
    """This process's peak RSS. ``ru_maxrss`` would not do: Linux carries it over an exec from the forked
    copy of the parent, whose RSS here is the whole generated load."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(where: str, count: int) -> dict:
    """Run in a subprocess: match ``count`` references (the first one untimed, to warm up) by ``where``."""
    ref_ids = list(ReferenceImage.objects.order_by("pk").values_list("pk", flat=True))[: count + 1]
    Finding.objects.all().delete()
    times, stage = [], []
    for i, ref_id in enumerate(ref_ids):
        if where == "database":
            slots = _reference_slot_pairs(_reference_rows(image_ids=[ref_id])[2][0])
            t0 = time.perf_counter()
            crawled_pdq_candidates(slots)
            if i:
                stage.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        reference_match_crawled(image_id=ref_id, where=where)
        if i or count == 0:
            times.append(time.perf_counter() - t0)
    found = list(Finding.objects.values_list("crawled_image_id", "reference_image_id"))
    return {
        "where": where,
        "runs": len(times),
        "match": _percentiles(times),
        "candidate_stage": _percentiles(stage) if stage else None,
        "peak_rss_mb": _peak_rss_mb(),
        "found": found,
        "ref_ids": ref_ids,
    }


def _queue_all(cursor) -> None:
    """Every picture on the matching queue, as the crawl leaves new ones."""
    cursor.execute(
        "INSERT INTO takedowns_crawledunmatched (crawled_image_id, queued_at) SELECT id, now() "
        "FROM takedowns_crawledimage ON CONFLICT DO NOTHING"
    )
    cursor.execute("VACUUM ANALYZE takedowns_crawledunmatched")


def measure_crawled(hash_stage: str) -> dict:
    """Run in a subprocess: every unmatched picture against every reference, by ``hash_stage``; then unmark."""
    from takedowns.services.discovery import crawled_images_match, match

    spent: dict[str, float] = {}

    def timed(name):
        inner = getattr(match, name)

        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t

        setattr(match, name, wrapper)

    for name in ("_hash_stage_pairs", "_screen_pairs", "_decide"):
        timed(name)
    Finding.objects.all().delete()
    t0 = time.perf_counter()
    created = crawled_images_match(hash_stage=hash_stage)
    elapsed = time.perf_counter() - t0
    found = list(Finding.objects.values_list("crawled_image_id", "reference_image_id"))
    with connection.cursor() as cursor:
        _queue_all(cursor)
    return {
        "hash_stage": hash_stage,
        "s": elapsed,
        "spent": spent,
        "created": created,
        "peak_rss_mb": _peak_rss_mb(),
        "found": found,
    }


def _phase(where: str, count: int) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--phase", where, "--db", ARGS.db, "--host", ARGS.host]
    if where in ("database", "process"):
        cmd += ["--queries" if where == "database" else "--baseline-queries", str(count)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _recall(result: dict, planted: list, ref_ids_all: list[int]) -> str:
    found = {tuple(f) for f in result["found"]}
    timed = set(result["ref_ids"])
    want = {(img, ref_ids_all[ri]) for img, ri, bits in planted if bits in PLANT_FOUND and ref_ids_all[ri] in timed}
    wrong = {(img, ref_ids_all[ri]) for img, ri, bits in planted if bits in PLANT_MISSED}
    return f"planted copies the rule takes found {len(want & found)}/{len(want)}, that it refuses {len(wrong & found)}"


def _describe(info: dict) -> str:
    return (
        f"load: {info['pictures']:,} pictures, {info['variant_rows']:,} variant rows; COPY {info['copy_s']:.1f} s, "
        f"with block indexes and ANALYZE {info['load_s']:.1f} s; database {info['db_bytes'] / 2**20:,.0f} MiB "
        f"(crawledpdq {info['crawledpdq_bytes'] / 2**20:,.0f} MiB of which indexes "
        f"{info['crawledpdq_index_bytes'] / 2**20:,.0f} MiB; "
        f"crawledimage {info['crawledimage_bytes'] / 2**20:,.0f} MiB)"
    )


def main_crawled(rng: random.Random) -> None:
    """N newly crawled pictures against ``--refs`` references: the exact join, then the wide screen."""
    t0 = time.perf_counter()
    refs = _references(ARGS.refs, rng)
    print(f"{len(refs):,} references written in {time.perf_counter() - t0:.0f} s")
    info = load(ARGS.n, refs, rng, matched=False)
    ref_ids_all = list(ReferenceImage.objects.order_by("pk").values_list("pk", flat=True))
    connection.close()
    print(_describe(info))
    want = {(img, ref_ids_all[ri]) for img, ri, bits in info["planted"] if bits in PLANT_FOUND}
    wrong = {(img, ref_ids_all[ri]) for img, ri, bits in info["planted"] if bits in PLANT_MISSED}
    results = {}
    for stage in ("exact",) if ARGS.no_baseline else ("exact", "screen"):
        r = _phase(stage, 0)
        found = {tuple(f) for f in r["found"]}
        results[stage] = found
        parts = ", ".join(f"{k.strip('_')} {v:.1f} s" for k, v in r["spent"].items())
        print(
            f"{stage}: {ARGS.n:,} new pictures × {ARGS.refs:,} references in {r['s']:.1f} s, {r['created']:,} "
            f"findings ({parts}), "
            f"worker peak RSS {r['peak_rss_mb']:.0f} MB; planted copies the rule takes found "
            f"{len(want & found)}/{len(want)}, that it refuses {len(wrong & found)}"
        )
    if len(results) == 2:
        print(f"exact and screen findings equal: {results['exact'] == results['screen']}")


def main() -> None:
    if ARGS.phase in ("exact", "screen"):
        print(json.dumps(measure_crawled(ARGS.phase)))
        return
    if ARGS.phase != "all":
        print(json.dumps(measure(ARGS.phase, ARGS.queries if ARGS.phase == "database" else ARGS.baseline_queries)))
        return
    sys.stdout.reconfigure(line_buffering=True)
    try:
        call_command("migrate", verbosity=0)
        rng = random.Random(30)
        if ARGS.direction == "crawled":
            main_crawled(rng)
            return
        refs = _references(max(ARGS.queries, ARGS.baseline_queries) + 1, rng)
        info = load(ARGS.n, refs, rng)
        ref_ids_all = list(ReferenceImage.objects.order_by("pk").values_list("pk", flat=True))
        connection.close()
        print(_describe(info))
        db = _phase("database", ARGS.queries)
        c, m = db["candidate_stage"], db["match"]
        print(
            f"database path, {db['runs']} new references: candidate stage p50 {c['p50_ms']:.1f} ms, p95 "
            f"{c['p95_ms']:.1f} ms; whole match p50 {m['p50_ms']:.1f} ms, p95 {m['p95_ms']:.1f} ms; "
            f"worker peak RSS {db['peak_rss_mb']:.0f} MB; " + _recall(db, info["planted"], ref_ids_all)
        )
        if ARGS.baseline_queries:
            pr = _phase("process", ARGS.baseline_queries)
            m2 = pr["match"]
            print(
                f"in-process path (baseline), {pr['runs']} new references: p50 {m2['p50_ms']:.0f} ms, p95 "
                f"{m2['p95_ms']:.0f} ms; worker peak RSS {pr['peak_rss_mb']:.0f} MB; "
                + _recall(pr, info["planted"], ref_ids_all)
            )
            print(
                f"ratio in-process / database: time {m2['p50_ms'] / m['p50_ms']:.0f}×, "
                f"peak RSS {pr['peak_rss_mb'] / db['peak_rss_mb']:.1f}×"
            )
    finally:
        connection.close()
        if not ARGS.keep:
            _admin(f'DROP DATABASE IF EXISTS "{ARGS.db}"')


if __name__ == "__main__":
    main()
