"""Discovery matching inside PostgreSQL: a new reference meets the stored crawled pictures by multi-index hashing
over their PDQ variants (``CrawledPdq``), not by loading the store into the worker.

The candidate stage must return exactly what a brute-force distance over every (reference variant, stored
variant) pair returns at radius 31, including 31-bit differences spread so that no block is identical, and
nothing at 32. The findings must be those of the in-process path, except the one documented difference
(docs/DECISIONS.md#discovery-matching-inside-postgresql). Generated fingerprints only: no pictures."""

from __future__ import annotations

import importlib
import random

import pytest
from django.apps import apps
from django.db import connection

from hashing.mih import distance
from takedowns.models import CrawledImage, CrawledPdq, Finding
from takedowns.models.discovery import (
    PDQ_SEGMENT_FIELDS,
    PDQ_SEGMENTS,
    PHASH_SEGMENT_FIELDS,
    crawled_pdq_rows,
    segment_values,
)
from takedowns.services import discovery
from tests.factories import complete_case, crawled_images, flip_bits, flip_spread, hashed_reference
from tests.factories import generated_record as _record
from tests.factories import random_hex as _hex

pytestmark = pytest.mark.django_db

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the database stage's SQL (indexed block probes, bit_count) runs only on PostgreSQL; on SQLite "
    "(the embedded default) a new reference is screened in process, as before",
)


def _stored_variants(image: CrawledImage) -> list[str]:
    return [v for v in (image.pdq, image.pdq_trimmed, image.pdq_unwrapped) if v]


@needs_postgresql
def test_the_candidate_stage_returns_exactly_what_brute_force_returns():
    """The rule's hash stages at their edges: PDQ 31 is a candidate and 32 is not; pHash 8 with PDQ 72 is,
    pHash 9 or PDQ 73 is not; on any pair of a reference variant and a stored variant."""
    rng = random.Random(30)
    refs = [(_hex(rng), _hex(rng, 64)) for _ in range(4)]  # whole, trimmed, mirrored, trimmed-mirrored
    records = []

    def store(slot: str, pdq: str, phash: str) -> None:
        values = {"whole": (_hex(rng), _hex(rng, 64)), "trimmed": (_hex(rng), _hex(rng, 64))}
        values["unwrapped"] = (_hex(rng), _hex(rng, 64))
        values[slot] = (pdq, phash)
        variants = {"trimmed": values["trimmed"], "unwrapped": values["unwrapped"]}
        records.append(_record(*values["whole"], variants, rng))

    for slot in ("whole", "trimmed", "unwrapped"):
        for d in (0, 1, 15, 16, 17, 30, 31, 32, 33, 48):
            pdq, phash = rng.choice(refs)
            store(slot, flip_spread(pdq, d, rng), _hex(rng, 64))  # spread: 31 leaves no block identical
            store(slot, flip_spread(pdq, d, rng, 16), _hex(rng, 64))
            store(slot, flip_bits(pdq, rng.sample(range(256), d)), _hex(rng, 64))
        for dq, dp in ((72, 8), (72, 0), (50, 7), (73, 8), (72, 9), (40, 12)):
            pdq, phash = rng.choice(refs)
            store(slot, flip_spread(pdq, dq, rng), flip_spread(phash, dp, rng))
    pdq, phash = refs[0]
    records.append(_record(flip_bits(pdq, list(range(31))), _hex(rng, 64), {}, rng))  # packed into two blocks
    records.append(_record(flip_bits(pdq, list(range(32))), _hex(rng, 64), {}, rng))
    records += [_record(_hex(rng), _hex(rng, 64), {}, rng) for _ in range(150)]
    images = crawled_images(records)

    found = discovery.crawled_pdq_candidates(refs)

    def accepted(image: CrawledImage) -> bool:
        stored = [(r.value, r.phash) for r in image.pdq_variants.all()]
        return any(
            distance(p, v) <= 31 or (distance(ph, vh) <= 8 and distance(p, v) <= 72)
            for p, ph in refs
            for v, vh in stored
        )

    expected = sorted(image.pk for image in images if accepted(image))
    assert found == expected
    nearest = {
        image.pk: min(distance(p, v) for p, _ in refs for v, _ in image.pdq_variants.values_list("value", "phash"))
        for image in images
    }
    assert {nearest[pk] for pk in found} >= {0, 1, 15, 16, 17, 30, 31, 50, 72}
    assert 32 in nearest.values() and 73 in nearest.values()
    assert not any(32 <= nearest[pk] < 50 for pk in found)  # 32..48 by PDQ alone, and pHash 12 at PDQ 40
    assert sum(1 for pk in found if nearest[pk] == 72) == 6  # pHash 8 and 0, per slot; not pHash 9


def _gallery(rng: random.Random):
    """One reference (with trimmed and mirrored variants) and stored pictures around it: copies the rule takes
    by PDQ alone (up to 31 bits, on any variant pair), near misses (32..60 bits, pHash far) that it refuses,
    strangers, and one the rule takes by pHash within 8 with PDQ 40."""
    ref_phash = _hex(rng, 64)
    slots = {"trimmed": _hex(rng), "mirror": _hex(rng), "trimmed-mirror": _hex(rng)}
    ref = _record(_hex(rng), ref_phash, {k: (v, ref_phash) for k, v in slots.items()}, rng)
    ref_hexes = [ref.pdq, *slots.values()]
    stored = []
    for d in (0, 10, 25, 31, 32, 40, 60):
        for i, ref_hex in enumerate(ref_hexes):
            near = flip_spread(ref_hex, d, rng)
            whole, trimmed = (near, _hex(rng)) if i % 2 == 0 else (_hex(rng), near)
            stored.append(_record(whole, _hex(rng, 64), {"trimmed": (trimmed, _hex(rng, 64))}, rng))
    stored += [_record(_hex(rng), _hex(rng, 64), {}, rng) for _ in range(40)]
    gap = _record(flip_spread(ref.pdq, 40, rng), flip_bits(ref_phash, [1, 9, 33]), {}, rng)
    stored.append(gap)
    return ref, stored, gap


def _findings() -> set[tuple]:
    return set(Finding.objects.values_list("crawled_image_id", "reference_image_id", "stage", "distance"))


def test_a_new_reference_finds_in_the_database_what_the_in_process_path_finds():
    """On PostgreSQL this runs the indexed SQL; on SQLite ``where="database"`` gives the same candidate stage
    by brute force, so the comparison of the two paths holds on both."""
    rng = random.Random(31)
    ref, stored, gap = _gallery(rng)
    case = complete_case(urls=["https://mailhost-a.example/post/1"], hashed_images=0)
    reference = hashed_reference(case, ref)
    images = crawled_images(stored)

    in_process = discovery.reference_match_crawled(image_id=reference.pk, where="process")
    by_process = _findings()
    Finding.objects.all().delete()
    in_database = discovery.reference_match_crawled(image_id=reference.pk, where="database")
    by_database = _findings()

    gap_id = images[stored.index(gap)].pk
    # Copies up to 31 bits on every (reference variant, stored variant) pair: 4 distances × 4 variants, and
    # the one by pHash with PDQ 40.
    assert by_database == by_process
    assert in_database == in_process == len(by_database) == 17
    assert {d for *_, d in by_database} == {0, 10, 25, 31, 40}
    assert (gap_id, reference.pk, "hash", 40) in by_database
    Finding.objects.all().delete()
    discovery.reference_match_crawled(image_id=reference.pk)  # this database's default path
    assert _findings() == by_process


def test_variant_rows_are_written_per_distinct_variant_and_backfilled_by_the_migration():
    rng = random.Random(32)
    whole, phash = _hex(rng), _hex(rng, 64)
    records = [
        _record(whole, phash, {"trimmed": (whole, phash), "unwrapped": (_hex(rng), "0" * 16)}, rng),
        _record(_hex(rng), _hex(rng, 64), {}, rng),
    ]
    images = crawled_images(records)
    rows = set(CrawledPdq.objects.values_list("crawled_image_id", "slot"))
    assert rows == {(images[0].pk, CrawledPdq.WHOLE), (images[0].pk, CrawledPdq.UNWRAPPED), (images[1].pk, 0)}
    assert all(r.pdq_s0 is not None and r.phash_s2 is not None for r in CrawledPdq.objects.all())
    assert CrawledPdq.objects.get(crawled_image=images[0], slot=CrawledPdq.UNWRAPPED).phash == "0" * 16
    fields = ("crawled_image_id", "slot", "value", *PDQ_SEGMENT_FIELDS, "phash", *PHASH_SEGMENT_FIELDS)
    expected = sorted(CrawledPdq.objects.values_list(*fields))
    assert [r.slot for r in crawled_pdq_rows(1, [(whole, "ab" * 8), ("", ""), (whole.upper(), "AB" * 8)])] == [0]

    # Rows written before the blocks changed (no block values yet) get the same ones from the migration.
    CrawledPdq.objects.update(**dict.fromkeys(PDQ_SEGMENT_FIELDS + PHASH_SEGMENT_FIELDS))
    migration = importlib.import_module("takedowns.migrations.0031_pgmatch_wider_blocks")

    class Editor:
        connection = connection

    migration.crawled_pdq_segments(apps, Editor())
    assert sorted(CrawledPdq.objects.values_list(*fields)) == expected


def test_blocks_are_the_hash_bits_in_order():
    value = "f" * 6 + "0" * 58  # the first 24 bits set: block 0 (24 bits wide) is all ones, the rest zero
    blocks = segment_values(value, "8" + "0" * 15)
    assert blocks["pdq_s0"] == 2**24 - 1 and all(blocks[f"pdq_s{i}"] == 0 for i in range(1, PDQ_SEGMENTS))
    assert blocks["phash_s0"] == 2**21 and blocks["phash_s1"] == blocks["phash_s2"] == 0  # 22 bits wide
    assert [segment_values(value, "")[name] for name in PHASH_SEGMENT_FIELDS] == [None, None, None]
