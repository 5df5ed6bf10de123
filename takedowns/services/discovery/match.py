"""Matching crawled images against the references of every open case: a vectorised PDQ screen, then the full
rule on the few pairs that pass; each match not already on its case becomes a finding."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import numpy as np
from django.db import transaction
from django.utils import timezone

import hashing
from hashing.index import hex_to_words, item_pairs
from hashing.kpindex import KeypointIndex
from takedowns.audit import event_record
from takedowns.models import (
    ActorKind,
    Case,
    CaseState,
    CrawledImage,
    EventType,
    Finding,
    ImageState,
    ReferenceImage,
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
# References the keypoint index may propose for one crawled picture (its candidate budget), and how many
# pictures of one run may keep keypoints because of it: keypoints are ~24 KB a picture, and a site full of
# look-alikes must not fill the database.
KEYPOINT_BUDGET = 4
KEYPOINT_IMAGES_PER_RUN = 5_000


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


def _reference_rows(case_ids: Iterable[int] | None = None, image_ids: Iterable[int] | None = None):
    qs = ReferenceImage.objects.filter(state=ImageState.HASHED, case__state=CaseState.OPEN).exclude(match_data={})
    if image_ids is not None:
        qs = qs.filter(pk__in=list(image_ids))
    refs = list(qs.values_list("pk", "case_id", "match_data"))
    records = [hashing.ImageHashes.from_dict(data) for _, _, data in refs]
    slots = []
    for r in records:
        m, t, tm = r.variant("mirror"), r.variant("trimmed"), r.variant("trimmed-mirror")
        slots.append([r.pdq, t.pdq if t else r.pdq, m.pdq if m else r.pdq, tm.pdq if tm else (m or r).pdq])
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


def crawled_images_match(*, now: datetime | None = None, backend: str = "auto") -> int:
    """Match every crawled image not matched yet against the references of every open case. Returns the
    number of findings created. Idempotent: images are marked matched, findings are unique per case."""
    now = now or timezone.now()
    ref_ids, ref_cases, ref_records, ref_words = _reference_rows()
    created = 0
    while True:
        batch = list(
            CrawledImage.objects.filter(matched_at__isnull=True)
            .order_by("id")
            .values_list("pk", "pdq", "pdq_trimmed", "pdq_unwrapped", "keypoint_refs")[:MATCH_BATCH]
        )
        if not batch:
            return created
        rows = [row[:4] for row in batch]
        if ref_ids:
            qi, ri, _ = item_pairs(_crawled_words(rows), ref_words, SCREEN_RADIUS, backend=backend)
            pairs: dict[int, list[int]] = defaultdict(list)
            for q, r in zip(qi.tolist(), ri.tolist(), strict=True):
                pairs[rows[q][0]].append(r)
            # Pictures the keypoint index pointed at a reference are compared with it too (by keypoints).
            position = {ref_id: i for i, ref_id in enumerate(ref_ids)}
            for pk, *_, proposed in batch:
                for ref_id in proposed or ():
                    i = position.get(ref_id)
                    if i is not None and i not in pairs[pk]:
                        pairs[pk].append(i)
            created += _decide({k: v for k, v in pairs.items() if v}, ref_ids, ref_cases, ref_records, now)
        CrawledImage.objects.filter(pk__in=[r[0] for r in batch]).update(matched_at=now)


def reference_match_crawled(*, image_id: int, now: datetime | None = None, backend: str = "auto") -> int:
    """A reference was hashed: match it against every image already crawled."""
    now = now or timezone.now()
    ref_ids, ref_cases, ref_records, ref_words = _reference_rows(image_ids=[image_id])
    if not ref_ids:
        return 0
    rows = list(CrawledImage.objects.order_by("id").values_list("pk", "pdq", "pdq_trimmed", "pdq_unwrapped"))
    if not rows:
        return 0
    qi, ri, _ = item_pairs(ref_words, _crawled_words(rows), SCREEN_RADIUS, backend=backend)
    pairs: dict[int, list[int]] = defaultdict(list)
    for q, r in zip(qi.tolist(), ri.tolist(), strict=True):
        pairs[rows[r][0]].append(q)
    return _decide(pairs, ref_ids, ref_cases, ref_records, now)
