"""Matching crawled images against the references of every open case: a PDQ screen, then the full rule on the few
pairs that pass; each match not already on its case becomes a finding.

Newly crawled pictures meet the references (the small side, few per case) in process, a large batch at a time: an
exact multi-index join finds the pairs the rule's hash stages could accept, and the few pictures that carry
keypoints are also screened at ``SCREEN_RADIUS`` for the keypoint stage. A new reference meets every stored
picture: on SQLite (the embedded default, small stores) the stored fingerprints are screened in process as well;
on PostgreSQL the store stays in the database, and multi-index hashing over ``CrawledPdq`` finds the pictures the
rule's hash stages could accept against the reference's variants (``crawled_pdq_candidates``), so a worker's
memory does not grow with the store. What that narrower way in gives up (keypoint-only matches the radius-80
screen let through) is written in docs/DECISIONS.md#discovery-matching-inside-postgresql."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import numpy as np
from django.db import connections, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

import hashing
from hashing.index import hex_to_words, item_pairs
from hashing.kpindex import KeypointIndex
from hashing.mih import distance, flip_probes, pairs_within, split_blocks
from takedowns.audit import event_record
from takedowns.models import (
    ActorKind,
    Case,
    CaseState,
    CrawledImage,
    CrawledPdq,
    CrawledUnmatched,
    EventType,
    Finding,
    ImageState,
    ReferenceImage,
)
from takedowns.models.discovery import (
    PDQ_SEGMENT_FIELDS,
    PDQ_SEGMENTS,
    PHASH_SEGMENT_FIELDS,
    PHASH_SEGMENTS,
    crawled_pdq_rows,
    crawled_variant_hashes,
)

# The screen's radius: the loosest PDQ distance at which the hash rule can accept a pair (pHash ≤ 8 with
# PDQ ≤ 72), widened to 80 so that crops and framed photos the hash rule narrowly misses reach the keypoint
# stage. Unrelated generated photos were ≥ 96 apart on any variant pair (tests/utils.serve_gallery), and
# different faces ≥ 82 (reference/hashing-measurements.md), so the screen stays near-empty for them.
SCREEN_RADIUS = 80
# The full rule, keypoints included: they run only for candidates that carry keypoints, which the crawl
# computes only for images the screen flags against a reference or whose app frame was detected.
KEYPOINT_RULE = hashing.MatchRule()
MATCH_BATCH = 20_000
# Newly crawled pictures are joined with every reference slot this many at a time (``_hash_stage_pairs``): the
# join's per-block tables cost the same for any batch, so a large one pays for them once; ~60 bytes a variant.
JOIN_BATCH = 1_000_000
# References the keypoint index may propose for one crawled picture (its candidate budget), and how many
# pictures of one run may keep keypoints because of it: keypoints are ~24 KB a picture, and a site full of
# look-alikes must not fill the database.
KEYPOINT_BUDGET = 4
KEYPOINT_IMAGES_PER_RUN = 5_000
# The database stage (PostgreSQL) takes exactly the pairs the rule's hash stages can accept: PDQ within
# ``pdq_alone`` (31), or pHash within ``phash_with_pdq`` (8) with PDQ within ``pdq_with_phash`` (72), on any
# (reference variant, crawled variant) pair. Multi-index hashing finds both exactly with two-bit probes on
# PDQ's 11 blocks (31 // 11) and on pHash's 3 (8 // 3). The screen's radius of 80 by PDQ alone would return a
# large part of the store (docs/DECISIONS.md#discovery-matching-inside-postgresql).
DATABASE_RULE = KEYPOINT_RULE


def keypoint_index(ref_ids: list[int], ref_records: list[hashing.ImageHashes]) -> KeypointIndex:
    """The keypoint stage's own way in: references a crawled picture may be a copy of, by its keypoints
    (see ``hashing.kpindex``), for the crops and turned copies no hash screen passes."""
    return KeypointIndex([r.features for r in ref_records], ref_ids)


def _deserves_keypoints(h: hashing.ImageHashes, ref_words: np.ndarray) -> bool:
    """An app frame was detected, or a variant pair lies within the screen of some reference."""
    if h.variant("unwrapped") is not None:
        return True
    if not len(ref_words):
        return False
    qi, _, _ = item_pairs(_crawled_words([(0, h.pdq, _pdq_of(h, "trimmed"), "")]), ref_words, SCREEN_RADIUS)
    return bool(len(qi))


def _pdq_of(h: hashing.ImageHashes, variant: str) -> str:
    v = h.variant(variant)
    return v.pdq if v else ""


def _words(hexes: list[str]) -> np.ndarray:
    return hex_to_words(hexes, 256)


def _reference_slots(r: hashing.ImageHashes) -> list[str]:
    """A reference's PDQ as the screen compares it: whole, trimmed, mirrored, trimmed-mirrored."""
    return [pdq for pdq, _phash in _reference_slot_pairs(r)]


def _reference_slot_pairs(r: hashing.ImageHashes) -> list[tuple[str, str]]:
    """(PDQ, pHash) of a reference's slots as the rule compares them (``hashing.matcher._ref_slot_hashes``)."""
    m, t, tm = r.variant("mirror"), r.variant("trimmed"), r.variant("trimmed-mirror")
    whole = (r.pdq, r.phash)
    mirror = (m.pdq, m.phash) if m else whole
    return [whole, (t.pdq, t.phash) if t else whole, mirror, (tm.pdq, tm.phash) if tm else mirror]


def _reference_rows(case_ids: Iterable[int] | None = None, image_ids: Iterable[int] | None = None):
    qs = ReferenceImage.objects.filter(state=ImageState.HASHED, case__state=CaseState.OPEN).exclude(match_data={})
    if image_ids is not None:
        qs = qs.filter(pk__in=list(image_ids))
    refs = list(qs.values_list("pk", "case_id", "match_data"))
    records = [hashing.ImageHashes.from_dict(data) for _, _, data in refs]
    slots = [_reference_slots(r) for r in records]
    words = _words([h for s in slots for h in s]).reshape(len(refs), 4, 4) if refs else np.zeros((0, 4, 4), np.uint64)
    return [pk for pk, _, _ in refs], [case for _, case, _ in refs], records, words


def _crawled_words(rows: list[tuple[int, str, str, str]]) -> np.ndarray:
    hexes = []
    for _, pdq, trimmed, unwrapped in rows:
        hexes += [pdq, trimmed or pdq, unwrapped or pdq]
    return _words(hexes).reshape(len(rows), 3, 4)


def _decide(pairs: dict[int, list[int]], ref_ids, ref_cases, ref_records, now: datetime) -> int:
    """Run the exact rule on the screened pairs (crawled image id → reference indices); write findings."""
    if not pairs:
        return 0
    images = CrawledImage.objects.in_bulk(list(pairs))
    created = 0
    by_case: dict[int, list[Finding]] = defaultdict(list)
    reported = defaultdict(set)
    cases = {ref_cases[i] for idx in pairs.values() for i in idx}
    for case_id, url in (
        Case.objects.filter(pk__in=cases).values_list("pk", "locations__url").exclude(locations__url=None)
    ):
        reported[case_id].add(url)
    for image_id, idx in pairs.items():
        image = images.get(image_id)
        if image is None:
            continue
        cand = hashing.ImageHashes.from_dict(image.hashes)
        per_case: dict[int, list[int]] = defaultdict(list)
        for i in idx:
            per_case[ref_cases[i]].append(i)
        for case_id, members in per_case.items():
            matcher = hashing.Matcher(
                [ref_records[i] for i in members], ids=[str(ref_ids[i]) for i in members], rule=KEYPOINT_RULE
            )
            result = matcher.match(cand)
            if not result.match:
                continue
            if image.page_url in reported[case_id] or image.image_url in reported[case_id]:
                continue  # already on the case
            distance = (result.variant or {}).get("pdq", result.distances.get("pdq"))
            by_case[case_id].append(
                Finding(
                    case_id=case_id,
                    crawled_image=image,
                    reference_image_id=int(result.ref),
                    page_url=image.page_url,
                    image_url=image.image_url,
                    stage=result.stage,
                    distance=distance,
                    reason=result.reason,
                )
            )
    for case_id, findings in by_case.items():
        with transaction.atomic():
            known = set(
                Finding.objects.filter(
                    case_id=case_id, crawled_image__in=[f.crawled_image for f in findings]
                ).values_list("crawled_image_id", flat=True)
            )
            findings = [f for f in findings if f.crawled_image_id not in known]
            if not findings:
                continue
            Finding.objects.bulk_create(findings, ignore_conflicts=True)
            created += len(findings)
            event_record(
                type=EventType.FINDING_CREATED,
                actor_kind=ActorKind.SYSTEM,
                case=Case.objects.get(pk=case_id),
                data={"crawled_image_ids": [f.crawled_image_id for f in findings], "count": len(findings)},
            )
    return created


def crawled_images_match(*, now: datetime | None = None, backend: str = "auto", hash_stage: str = "exact") -> int:
    """Match every crawled image not matched yet against the references of every open case. Returns the
    number of findings created. Idempotent: matched images leave the queue (``CrawledUnmatched``), findings are
    unique per case.

    ``hash_stage``: ``exact`` (the default) gives the rule every pair it could accept: the pairs its hash stages
    can take, found exactly by multi-index hashing (``_hash_stage_pairs``), plus, for the few pictures that
    carry keypoints, every pair within ``SCREEN_RADIUS`` and the references the keypoint index proposed;
    ``screen`` screens every picture at ``SCREEN_RADIUS`` (the former path, kept to compare with). Both find
    the same: a picture without keypoints can only be matched by a hash stage."""
    if hash_stage not in ("exact", "screen"):
        raise ValueError(f"hash_stage must be exact or screen, not {hash_stage!r}")
    now = now or timezone.now()
    started = timezone.now()
    refs = _reference_rows()
    ref_ids = refs[0]
    slots = _ReferenceSlots(refs[2]) if hash_stage == "exact" else None
    created, last = 0, 0
    while True:
        size = JOIN_BATCH if slots is not None else MATCH_BATCH
        queue = CrawledUnmatched.objects.filter(pk__gt=last).order_by("pk")
        ids = list(queue.values_list("pk", flat=True)[:size])
        if not ids:
            return created
        last = ids[-1]
        if ref_ids:
            in_batch = CrawledImage.objects.filter(pk__gte=ids[0], pk__lte=last, unmatched__isnull=False)
            # With the exact join, only pictures that carry keypoints still need the wide screen.
            screened = in_batch if slots is None else in_batch.filter(_KEEPS_KEYPOINTS)
            pairs = _screen_pairs(screened, refs, backend)
            if slots is not None:
                for image_id, indices in _hash_stage_pairs(ids[0], last, slots).items():
                    pairs[image_id] = sorted(set(pairs.get(image_id, ())) | indices)
            for start in range(0, len(ids), MATCH_BATCH):
                chunk = ids[start : start + MATCH_BATCH]
                created += _decide({pk: pairs[pk] for pk in chunk if pairs.get(pk)}, *refs[:3], now)
        _dequeue(ids, started)


def _dequeue(ids: list[int], started: datetime) -> None:
    """Take matched pictures off the queue, unless queued again since the match began. On PostgreSQL one
    statement with the ids as one array (a million of them compile slowly as Django parameters)."""
    table = CrawledUnmatched._meta.db_table
    connection = connections[CrawledUnmatched.objects.db]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f'DELETE FROM "{table}" WHERE "crawled_image_id" = ANY(%s) AND "queued_at" <= %s', [ids, started]
            )
        return
    for start in range(0, len(ids), 500):
        CrawledUnmatched.objects.filter(pk__in=ids[start : start + 500], queued_at__lte=started).delete()


# Pictures that carry keypoints (kept only for an app frame, a near reference at crawl time, or a proposal of
# the keypoint index): only they can be matched by the keypoint stage.
_KEEPS_KEYPOINTS = (
    ~(Q(hashes__features=None) | Q(hashes__features__isnull=True))
    | Q(hashes__features_unwrapped__isnull=False)
    | ~Q(keypoint_refs=[])
)


def _screen_pairs(images, refs, backend: str) -> dict[int, list[int]]:
    """Crawled image id → reference indices: every pair with some variant pair within ``SCREEN_RADIUS``, and
    the references the keypoint index proposed for the picture."""
    ref_ids, _, _, ref_words = refs
    pairs: dict[int, list[int]] = defaultdict(list)
    batch = list(images.values_list("pk", "pdq", "pdq_trimmed", "pdq_unwrapped", "keypoint_refs"))
    if not batch:
        return pairs
    rows = [row[:4] for row in batch]
    qi, ri, _ = item_pairs(_crawled_words(rows), ref_words, SCREEN_RADIUS, backend=backend)
    for q, r in zip(qi.tolist(), ri.tolist(), strict=True):
        pairs[rows[q][0]].append(r)
    position = {ref_id: i for i, ref_id in enumerate(ref_ids)}
    for pk, *_, proposed in batch:
        for ref_id in proposed or ():
            i = position.get(ref_id)
            if i is not None and i not in pairs[pk]:
                pairs[pk].append(i)
    return pairs


class _ReferenceSlots:
    """Every open reference's four slots (whole, trimmed, mirrored, trimmed-mirrored) as hash arrays for the
    exact join: PDQ words, and pHash words for the slots that have one."""

    def __init__(self, records: list[hashing.ImageHashes]) -> None:
        pairs = [pair for r in records for pair in _reference_slot_pairs(r)]
        self.owner = np.repeat(np.arange(len(records)), 4)
        self.pdq = _words([pdq for pdq, _ in pairs])
        with_phash = [i for i, (_, ph) in enumerate(pairs) if len(ph or "") == 16]
        self.phash_slots = np.asarray(with_phash, np.int64)
        self.phash = hex_to_words([pairs[i][1] for i in with_phash], 64)


def _hash_stage_pairs(first: int, last: int, slots: _ReferenceSlots, rule: hashing.MatchRule = DATABASE_RULE):
    """Crawled image id → reference indices, for the unmatched images with ids in ``first..last``: exactly the
    pairs with a variant pair the rule's hash stages could accept (PDQ within ``rule.pdq_alone``, or pHash within
    ``rule.phash_with_pdq`` with PDQ within ``rule.pdq_with_phash``), by multi-index hashing in process
    (``hashing.mih.pairs_within``) over the pictures' variant rows (``CrawledPdq``), read as arrays."""
    image, pdq, phash, has_phash = [], [], [], []
    rows = CrawledPdq.objects.filter(
        crawled_image_id__gte=first, crawled_image_id__lte=last, crawled_image__unmatched__isnull=False
    ).values_list("crawled_image_id", "value", "phash")
    chunk: list[tuple[int, str, str]] = []
    for row in rows.iterator(chunk_size=MATCH_BATCH):
        chunk.append(row)
        if len(chunk) == MATCH_BATCH:
            _append_rows(chunk, image, pdq, phash, has_phash)
            chunk = []
    _append_rows(chunk, image, pdq, phash, has_phash)
    if not image:
        return {}
    image_ids = np.concatenate(image)
    words, ph = np.concatenate(pdq), np.concatenate(phash)
    slot, row = pairs_within(words, slots.pdq, rule.pdq_alone, PDQ_SEGMENTS)
    with_phash = np.flatnonzero(np.concatenate(has_phash))
    if len(with_phash) and len(slots.phash_slots):
        s2, r2 = pairs_within(ph[with_phash, None], slots.phash, rule.phash_with_pdq, PHASH_SEGMENTS)
        s2, r2 = slots.phash_slots[s2], with_phash[r2]
        near = np.bitwise_count(words[r2] ^ slots.pdq[s2]).sum(axis=1) <= rule.pdq_with_phash
        slot, row = np.concatenate([slot, s2[near]]), np.concatenate([row, r2[near]])
    found: dict[int, set[int]] = defaultdict(set)
    for image_id, ref in zip(image_ids[row].tolist(), slots.owner[slot].tolist(), strict=True):
        found[image_id].add(ref)
    return found


def _append_rows(chunk, image: list, pdq: list, phash: list, has_phash: list) -> None:
    """Variant rows as arrays: image ids, PDQ words, pHash word (0 where none) and whether there is one."""
    if not chunk:
        return
    image.append(np.fromiter((r[0] for r in chunk), np.int64, len(chunk)))
    pdq.append(_words([r[1] for r in chunk]))
    phash.append(hex_to_words([r[2] if len(r[2]) == 16 else "0" * 16 for r in chunk], 64)[:, 0])
    has_phash.append(np.fromiter((len(r[2]) == 16 for r in chunk), bool, len(chunk)))


def crawled_pdq_store(*, image: CrawledImage) -> None:
    """Write the picture's variant rows (the database stage's index) from its columns, replacing any."""
    variants = crawled_variant_hashes(image.pdq, image.phash, image.pdq_trimmed, image.pdq_unwrapped, image.hashes)
    CrawledPdq.objects.filter(crawled_image_id=image.pk).delete()
    CrawledPdq.objects.bulk_create(crawled_pdq_rows(image.pk, variants))


def _in_database(where: str) -> bool:
    if where == "auto":
        return connections[CrawledPdq.objects.db].vendor == "postgresql"
    if where not in ("database", "process"):
        raise ValueError(f"where must be auto, database or process, not {where!r}")
    return where == "database"


def _hash_stage_ok(dq: int, dp: int | None, rule: hashing.MatchRule) -> bool:
    return dq <= rule.pdq_alone or (dp is not None and dp <= rule.phash_with_pdq and dq <= rule.pdq_with_phash)


def crawled_pdq_candidates(pairs: list[tuple[str, str]], *, rule: hashing.MatchRule = DATABASE_RULE) -> list[int]:
    """Stored pictures (ids) with a variant the rule's hash stages could accept against one of ``pairs``
    ((PDQ, pHash) of the reference's slots): PDQ within ``rule.pdq_alone``, or pHash within
    ``rule.phash_with_pdq`` with PDQ within ``rule.pdq_with_phash``. On PostgreSQL by multi-index hashing
    over ``CrawledPdq``'s indexed blocks: exactly what brute force returns, and only that is read."""
    pairs = list(dict.fromkeys((pdq.lower(), (phash or "").lower()) for pdq, phash in pairs if pdq))
    found: set[int] = set()
    if connections[CrawledPdq.objects.db].vendor != "postgresql":
        # Brute force, streamed: what ``where="database"`` means on SQLite (tests, small stores).
        rows = CrawledPdq.objects.values_list("crawled_image_id", "value", "phash")
        for image_id, value, phash in rows.iterator(chunk_size=MATCH_BATCH):
            for pdq, ref_phash in pairs:
                dp = distance(phash, ref_phash) if phash and ref_phash else None
                if _hash_stage_ok(distance(pdq, value), dp, rule):
                    found.add(image_id)
                    break
        return sorted(found)
    # Pigeonhole over the blocks: a pair within the radius has a block within ``radius // blocks`` bits.
    pdq_flips, phash_flips = rule.pdq_alone // PDQ_SEGMENTS, rule.phash_with_pdq // PHASH_SEGMENTS
    for pdq, phash in pairs:
        # Each block's probes as one array parameter: ~300 values a block compile slowly as Django's IN lists.
        probes, values = [], []
        for name, (block, width) in zip(PDQ_SEGMENT_FIELDS, split_blocks(pdq, PDQ_SEGMENTS), strict=True):
            probes.append(f'"{name}" = ANY(%s)')
            values.append(list(flip_probes(block, pdq_flips, width)))
        near = Q(_dq__lte=rule.pdq_alone)
        qs = CrawledPdq.objects.annotate(
            _dq=RawSQL("bit_count(('x' || \"value\")::bit(256) # ('x' || %s)::bit(256))", [pdq])
        )
        if len(phash) == 16:
            for name, (block, width) in zip(PHASH_SEGMENT_FIELDS, split_blocks(phash, PHASH_SEGMENTS), strict=True):
                probes.append(f'"{name}" = ANY(%s)')
                values.append(list(flip_probes(block, phash_flips, width)))
            qs = qs.annotate(
                _dp=RawSQL(
                    "CASE WHEN \"phash\" = '' THEN 64 "
                    "ELSE bit_count(('x' || \"phash\")::bit(64) # ('x' || %s)::bit(64)) END",
                    [phash],
                )
            )
            near |= Q(_dp__lte=rule.phash_with_pdq, _dq__lte=rule.pdq_with_phash)
        probed = RawSQL(" OR ".join(probes), values, output_field=BooleanField())
        found.update(qs.filter(probed).filter(near).values_list("crawled_image_id", flat=True).order_by())
    return sorted(found)


def reference_match_crawled(
    *, image_id: int, now: datetime | None = None, backend: str = "auto", where: str = "auto"
) -> int:
    """A reference was hashed: match it against every image already crawled. ``where``: ``database``
    (PostgreSQL's default: the candidates the rule's hash stages could accept, found in the database by
    ``crawled_pdq_candidates``), ``process`` (SQLite's: every stored fingerprint screened in memory at
    ``SCREEN_RADIUS``)."""
    now = now or timezone.now()
    ref_ids, ref_cases, ref_records, ref_words = _reference_rows(image_ids=[image_id])
    if not ref_ids:
        return 0
    if _in_database(where):
        candidates = crawled_pdq_candidates(_reference_slot_pairs(ref_records[0]))
        created = 0
        # The rule runs in process on the candidates only, a batch of records at a time.
        for start in range(0, len(candidates), MATCH_BATCH):
            chunk = candidates[start : start + MATCH_BATCH]
            created += _decide({pk: [0] for pk in chunk}, ref_ids, ref_cases, ref_records, now)
        return created
    rows = list(CrawledImage.objects.order_by("id").values_list("pk", "pdq", "pdq_trimmed", "pdq_unwrapped"))
    if not rows:
        return 0
    qi, ri, _ = item_pairs(ref_words, _crawled_words(rows), SCREEN_RADIUS, backend=backend)
    pairs: dict[int, list[int]] = defaultdict(list)
    for q, r in zip(qi.tolist(), ri.tolist(), strict=True):
        pairs[rows[r][0]].append(q)
    return _decide(pairs, ref_ids, ref_cases, ref_records, now)
