"""Newly crawled pictures against every reference: the hash stages' pairs found exactly by multi-index hashing
(``hashing.mih.pairs_within``) instead of a screen of every picture at radius 80, which left the pictures that
carry keypoints as the only ones still screened wide. The two must find the same; the join must return exactly
what brute force returns, at the edges of the radius. Generated fingerprints and pictures only."""

from __future__ import annotations

import random
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

import hashing
from hashing.index import hex_to_words
from hashing.mih import pairs_within
from takedowns.models import CrawledImage, CrawledUnmatched, Finding, ReferenceImage
from takedowns.services import discovery
from tests.factories import complete_case, crawled_images, flip_spread, generated_record, hashed_reference
from tests.factories import random_hex as _hex
from tests.utils import edited_copies, hard_edited_copies, make_photo_like


def _brute(indexed: list[str], queries: list[str], radius: int) -> set[tuple[int, int]]:
    return {
        (q, i)
        for q, a in enumerate(queries)
        for i, b in enumerate(indexed)
        if (int(a, 16) ^ int(b, 16)).bit_count() <= radius
    }


@pytest.mark.parametrize("dense", [True, False], ids=["table", "search"])
@pytest.mark.parametrize(("bits", "radius", "blocks"), [(256, 31, 11), (64, 8, 3), (256, 31, 16), (256, 47, 11)])
def test_the_join_returns_exactly_what_brute_force_returns(bits, radius, blocks, dense):
    rng = random.Random(bits + radius + blocks)
    queries = [_hex(rng, bits) for _ in range(12)]
    indexed = [_hex(rng, bits) for _ in range(300)]
    for q in queries:
        for d in (0, 1, radius // 2, radius - 1, radius, radius + 1, radius + 2):
            indexed.append(flip_spread(q, d, rng, blocks))  # spread: the hardest case
            indexed.append(flip_spread(q, d, rng, 1))  # packed into few blocks
    indexed += indexed[-20:]  # duplicates: one block value shared by many rows
    rng.shuffle(indexed)

    words = hex_to_words(indexed, bits), hex_to_words(queries, bits)
    qi, ii = pairs_within(*words, radius, blocks, chunk=5, dense=dense)

    got = set(zip(qi.tolist(), ii.tolist(), strict=True))
    assert got == _brute(indexed, queries, radius)
    assert len(got) >= 12 * 10  # the planted pairs within the radius, at least
    assert list(zip(qi.tolist(), ii.tolist(), strict=True)) == sorted(got)  # sorted, no repeats


def test_the_join_of_an_empty_side_is_empty():
    some = hex_to_words(["ab" * 32], 256)
    for indexed, queries in ((some[:0], some), (some, some[:0])):
        qi, ii = pairs_within(indexed, queries, 31, 11)
        assert len(qi) == len(ii) == 0
    assert np.array_equal(pairs_within(some, some, 31, 11)[0], [0])


# --- the crawled direction: exact join against the former wide screen -------------------------------------


def _reference(case, data: bytes) -> ReferenceImage:
    return hashed_reference(case, hashing.compute(data, features=True))


def _crawl_store(records: list[tuple[hashing.ImageHashes, list[int]]]) -> list[CrawledImage]:
    """New pictures as the crawl stores them, waiting to be matched; each with its keypoint proposals."""
    return crawled_images([r for r, _ in records], proposals=[p for _, p in records], queued=True)


def _queue_again(images: list[CrawledImage], at=None) -> None:
    CrawledUnmatched.objects.bulk_create(
        [CrawledUnmatched(crawled_image=image, queued_at=at or timezone.now()) for image in images]
    )


def _findings() -> set[tuple]:
    return set(Finding.objects.values_list("crawled_image_id", "reference_image_id", "stage", "distance"))


@pytest.mark.django_db
def test_newly_crawled_pictures_meet_the_same_references_by_the_exact_join_as_by_the_wide_screen():
    rng = random.Random(40)
    case = complete_case(urls=["https://mailhost-a.example/post/1"], hashed_images=0)
    other = complete_case(urls=["https://mailhost-a.example/post/2"], hashed_images=0)
    sources = [make_photo_like(seed=s) for s in (4101, 4102)]
    refs = [_reference(case, sources[0]), _reference(other, sources[1])]
    records: list[tuple[hashing.ImageHashes, list[int]]] = []
    # Real edits: the easy ones as the crawl keeps them (no keypoints), the hard ones with the keypoints the
    # crawl keeps when its keypoint index proposes the reference, and once without the proposal.
    for ref, source in zip(refs, sources, strict=True):
        records += [(hashing.compute_candidate(c), []) for c in edited_copies(source)]
        for copy in hard_edited_copies(source).values():
            records.append((hashing.compute(copy, features=True), [ref.pk]))
            records.append((hashing.compute(copy, features=True), []))
    # Generated near copies of the first reference at the edges of the hash stages, and strangers.
    first = refs[0].match_data
    for dq in (0, 20, 31, 32, 45, 72, 73):
        pdq = flip_spread(first["pdq"], dq, rng, 11)
        records.append((generated_record(pdq, _hex(rng, 64), {}, rng), []))
        records.append((generated_record(pdq, flip_spread(first["phash"], 8, rng, 3), {}, rng), []))
        records.append((generated_record(pdq, flip_spread(first["phash"], 9, rng, 3), {}, rng), []))
    records += [(generated_record(_hex(rng), _hex(rng, 64), {}, rng), []) for _ in range(60)]
    images = _crawl_store(records)

    screened = discovery.crawled_images_match(hash_stage="screen")
    by_screen = _findings()
    Finding.objects.all().delete()
    _queue_again(images)
    joined = discovery.crawled_images_match()
    by_join = _findings()

    assert by_join == by_screen
    assert joined == screened == len(by_join)
    assert {stage for *_, stage, _ in by_join} >= {"hash", "keypoints"}
    # The generated edges: PDQ 31 alone, and pHash 8 with PDQ up to 72, are found; 32, 45 or 73 alone, or pHash 9
    # with PDQ over 31, are not.
    planted = {image.pk: i for i, image in enumerate(images)}
    start = len(records) - 60 - 21
    edge = {planted[pk] - start for pk, ref, *_ in by_join if start <= planted[pk] < start + 21}
    assert edge == {*range(9), 10, 13, 16}
    assert not CrawledUnmatched.objects.exists()
    assert discovery.crawled_images_match() == 0  # idempotent
    # A picture queued again while a match runs (a crawl saw it change) stays queued for the next one.
    _queue_again(images[:1], at=timezone.now() + timedelta(minutes=5))
    assert discovery.crawled_images_match() == 0
    assert list(CrawledUnmatched.objects.values_list("pk", flat=True)) == [images[0].pk]


@pytest.mark.django_db
def test_the_exact_join_reads_new_pictures_in_batches(monkeypatch):
    """Batches smaller than the store (as a store of millions is read): every picture is matched once."""
    monkeypatch.setattr(discovery.match, "JOIN_BATCH", 7)
    monkeypatch.setattr(discovery.match, "MATCH_BATCH", 3)
    rng = random.Random(41)
    case = complete_case(urls=["https://mailhost-a.example/post/1"], hashed_images=0)
    ref = _reference(case, make_photo_like(seed=4103))
    near = [flip_spread(ref.match_data["pdq"], d, rng, 11) for d in (0, 10, 31)] * 5
    records = [(generated_record(p, _hex(rng, 64), {}, rng), []) for p in near]
    records += [(generated_record(_hex(rng), _hex(rng, 64), {}, rng), []) for _ in range(10)]
    rng.shuffle(records)
    _crawl_store(records)
    assert discovery.crawled_images_match() == 15
    assert not CrawledUnmatched.objects.exists()
