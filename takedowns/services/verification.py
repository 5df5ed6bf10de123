"""Verification: prove what is at each reported URL, and prove that it is gone and stays gone.

A location is checked by fetching it through :mod:`takedowns.fetch` (the one way out) and comparing what it
serves with the case's reference fingerprints through :mod:`hashing` (``Matcher``). An image is hashed
directly; an HTML page is read for ``og:image``, ``twitter:image`` and up to :data:`MAX_PAGE_IMAGES` ``<img>``
sources (resolved against the page URL), and those are fetched and hashed. Fetched bytes live only in this
process's memory for the length of one check: they are never stored, logged or sent through the broker.

What a check means depends on the location's state:

- ``reported`` / ``reappeared`` (at filing, when URLs are added, at a notice's deadline): record the match
  evidence ("matches reference image 2 (PDQ distance 12)", "no match found", "could not check: reason").
  No match never blocks a notice: the content may be behind a login.
- ``removed`` (the platform says so) and ``verified_removed`` (scheduled re-checks): 404/410, a page without
  any matching image, or a redirect to a login or removal page → ``verified_removed``; still serving a
  matching image → ``reappeared``, the advocate and the victim are told and a new round of notices is drafted.

Re-checks are scheduled at the covering notices' deadlines and :data:`RECHECK_AFTER` (7 and 30 days) after a
verified removal, as the earliest of those moments after the last check (``recheck_due_at``), so a check run
twice, or late, never skips or repeats a step.

Where the work runs: fetching and the cheap hash stages (SHA-256, pHash/dHash/PDQ and their trimmed, mirrored
and unwrapped variants; ~25 ms an image) run together in the ``io`` task, because the bytes must not leave
the process and a page has at most 22 images. A picture the hash stages do not match is then described by
its ORB keypoints and compared again (~30-60 ms more, only for pictures that are not already a match): a
re-upload at the same URL is often cropped or turned a few degrees, which only the keypoint stage recognises.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

import hashing
from takedowns.audit import event_record
from takedowns.lifecycle import CLOCK_RUNNING, notice_transition
from takedowns.models import (
    ActorKind,
    Case,
    CaseState,
    EventType,
    ImageState,
    LocationState,
    Notice,
    NoticeStatus,
    ReferenceImage,
    ReportedLocation,
)
from takedowns.services.crawl_budget import CaseFetchBudget
from takedowns.services.jobs import enqueue_on_commit
from takedowns.services.notifications import notify
from takedowns.services.page_images import MAX_PAGE_IMAGES as MAX_PAGE_IMAGES
from takedowns.services.page_images import page_image_urls as page_image_urls
from takedowns.services.url_inspection import CHECK_BUDGET_SECONDS as CHECK_BUDGET_SECONDS
from takedowns.services.url_inspection import LIMITS as LIMITS
from takedowns.services.url_inspection import Finding, inspect_url

log = logging.getLogger(__name__)

VERIFY_TASK = "takedowns.tasks.location_verify"
PREPARE_TASK = "takedowns.tasks.case_notices_prepare"
RECHECK_AFTER = (timedelta(days=7), timedelta(days=30))
# A removal that could not be checked (host down, refused) is tried again after this long.
RETRY_FAILED_CHECK_AFTER = timedelta(hours=6)
# The full rule: hash stages first, keypoints only for a picture the hashes do not match (see the docstring).
RULE = hashing.MatchRule()


class TransientCheckError(Exception):
    """Timeouts, connection resets, 5xx: worth retrying (the task backs off)."""


# --- one check ---------------------------------------------------------------------------------------------


def _references(case: Case) -> tuple[hashing.Matcher | None, dict[str, int]]:
    images = list(ReferenceImage.objects.filter(case=case, state=ImageState.HASHED).order_by("created_at", "id"))
    usable = [img for img in images if img.match_data]
    if not usable:
        return None, {}
    # Numbered like the notice's "Image 1", "Image 2" (hashed images in filing order).
    numbers = {str(img.pk): i for i, img in enumerate(images, start=1)}
    refs = [hashing.ImageHashes.from_dict(img.match_data) for img in usable]
    return hashing.Matcher(refs, ids=[str(img.pk) for img in usable], rule=RULE), numbers


def _evidence(finding: Finding, *, purpose: str, now: datetime, numbers: dict[str, int]) -> dict[str, Any]:
    evidence: dict[str, Any] = {
        "status": finding.outcome,
        "purpose": purpose,
        "checked_at": now.isoformat(),
        "http_status": finding.http_status,
        "final_url": finding.final_url,
        "content_type": finding.content_type,
        "images_checked": finding.images_checked,
        "images_failed": finding.images_failed,
        "reason": finding.reason,
    }
    if finding.error_code:
        evidence["error_code"] = finding.error_code
    result = finding.match
    if result is not None and result.match:
        evidence.update(
            reference_image_id=int(result.ref),
            reference_number=numbers.get(str(result.ref)),
            stage=result.stage,
            pdq_distance=result.distances.get("pdq"),
            distances=result.distances,
            matched_url=finding.matched_url,
        )
        if result.inliers is not None:
            evidence["inliers"] = result.inliers  # keypoint matches: how many details lined up
    elif result is not None:
        evidence["nearest_distances"] = result.distances
    if result is not None:
        evidence["stages_run"] = list(result.stages)
    return evidence


# --- requesting checks -------------------------------------------------------------------------------------


def locations_verification_request(*, location_ids: Iterable[int], now: datetime | None = None) -> list[int]:
    """Mark locations as needing a check and enqueue one per location after commit."""
    now = now or timezone.now()
    ids = sorted(set(location_ids))
    if not ids:
        return []
    ReportedLocation.objects.filter(pk__in=ids).update(verification_requested_at=now)
    for pk in ids:
        enqueue_on_commit(VERIFY_TASK, pk)
    return ids


def locations_removal_reported(*, location_ids: Iterable[int]) -> list[int]:
    """A platform said these were removed: that is a claim, so check it."""
    if not settings.VERIFY_LOCATIONS:
        return []
    return locations_verification_request(location_ids=location_ids)


def _case_ready_for_evidence(case_id: int) -> bool:
    images = ReferenceImage.objects.filter(case_id=case_id)
    return (
        images.filter(state=ImageState.HASHED).exclude(match_data={}).exists()
        and not images.filter(state=ImageState.PENDING).exists()
    )


def locations_evidence_request(*, case_id: int, refresh: bool = False) -> list[int]:
    """Request match evidence for a case's reported locations once all its references are fingerprinted:
    those without evidence yet, or all of them with ``refresh`` (a new reference was added)."""
    if not settings.VERIFY_LOCATIONS or not _case_ready_for_evidence(case_id):
        return []
    qs = ReportedLocation.objects.filter(
        case_id=case_id,
        case__state=CaseState.OPEN,
        state__in=[LocationState.REPORTED, LocationState.REAPPEARED],
        verification_requested_at__isnull=True,
    )
    if not refresh:
        qs = qs.filter(match_evidence={})
    return locations_verification_request(location_ids=qs.values_list("pk", flat=True))


def locations_due(*, now: datetime) -> list[int]:
    """Locations whose scheduled re-check is due, and reported locations whose notice's deadline passed
    without a check since (the "again when the deadline passes" check)."""
    scheduled = ReportedLocation.objects.filter(
        recheck_due_at__lte=now, verification_requested_at__isnull=True, case__state=CaseState.OPEN
    )
    # One filter() call, so that the notice whose deadline passed is the one the last check is compared with
    # (each filter() over a multi-valued relation would join the notices afresh).
    at_deadline = ReportedLocation.objects.filter(
        Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=F("notices__due_at")),
        state=LocationState.REPORTED,
        verification_requested_at__isnull=True,
        case__state=CaseState.OPEN,
        notices__status__in=CLOCK_RUNNING,
        notices__due_at__lte=now,
    ).filter(case__images__state=ImageState.HASHED)
    return sorted(set(scheduled.values_list("pk", flat=True)) | set(at_deadline.values_list("pk", flat=True)))


def locations_recheck_due(*, now: datetime | None = None) -> list[int]:
    """The periodic job: request every check that is due at ``now``. Tests move time forward by passing a
    later ``now``; the worker then runs the checks it enqueued."""
    now = now or timezone.now()
    return locations_verification_request(location_ids=locations_due(now=now), now=now)


def locations_reconcile(*, older_than_seconds: int = 900) -> list[int]:
    """Re-enqueue checks requested long ago and never finished (broker outage, killed worker). The window is
    longer than the task's whole retry back-off (30 s + 1 + 2 + 4 min)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(ReportedLocation.objects.filter(verification_requested_at__lt=cutoff).values_list("pk", flat=True))
    for pk in ids:
        enqueue_on_commit(VERIFY_TASK, pk)
    return ids


# --- running one check -------------------------------------------------------------------------------------


def _next_recheck(location: ReportedLocation, after: datetime) -> datetime | None:
    if location.state not in (LocationState.REMOVED, LocationState.VERIFIED_REMOVED):
        return None
    anchors = [n.due_at for n in location.notices.all() if n.due_at]
    if location.verified_removed_at:
        anchors += [location.verified_removed_at + delta for delta in RECHECK_AFTER]
    future = [t for t in anchors if t > after]
    return min(future) if future else None


def location_verify(
    *, location_id: int, final_attempt: bool = True, now: datetime | None = None, resolver=None
) -> ReportedLocation | None:
    """Check one location whose check was requested; apply the verdict. Idempotent: a location with no
    pending request is left alone, and the verdict is written under a row lock.

    Raises :class:`TransientCheckError` for a failure worth retrying unless ``final_attempt``; the final
    attempt records "could not check" with the reason instead.
    """
    location = ReportedLocation.objects.select_related("case").filter(pk=location_id).first()
    if location is None or location.verification_requested_at is None:
        return location
    requested_at = location.verification_requested_at
    if location.case.state != CaseState.OPEN:
        ReportedLocation.objects.filter(pk=location_id, verification_requested_at=requested_at).update(
            verification_requested_at=None
        )
        return location
    matcher, numbers = _references(location.case)
    if matcher is None:
        reason = "the case has no fingerprinted reference image to compare with"
        finding = Finding("error", reason, error_code="no_refs")
    else:
        removal = location.state in (LocationState.REMOVED, LocationState.VERIFIED_REMOVED)
        finding = inspect_url(
            location.url,
            matcher,
            stop_at_match=removal,
            resolver=resolver,
            allowance=CaseFetchBudget(case_id=location.case_id),
        )
    if finding.transient and not final_attempt:
        raise TransientCheckError(finding.reason)
    return _apply(location_id, requested_at, finding, now=now or timezone.now(), numbers=numbers)


def _apply(location_id: int, requested_at, finding: Finding, *, now: datetime, numbers) -> ReportedLocation:
    notify_after: list[tuple[Notice, str]] = []
    with transaction.atomic():
        loc = ReportedLocation.objects.select_for_update().select_related("case").get(pk=location_id)
        if loc.verification_requested_at is None:
            return loc  # another run applied a verdict already
        before = loc.state
        purpose = {
            LocationState.REMOVED: "removal",
            LocationState.VERIFIED_REMOVED: "recheck",
        }.get(before, "evidence")
        loc.match_evidence = _evidence(finding, purpose=purpose, now=now, numbers=numbers)
        loc.last_checked_at = now
        if loc.verification_requested_at == requested_at:
            loc.verification_requested_at = None
        notices = list(loc.notices.select_related("case", "platform").order_by("-round", "-id"))
        if before in (LocationState.REMOVED, LocationState.VERIFIED_REMOVED):
            if finding.outcome == "match":
                loc.state = LocationState.REAPPEARED
            elif finding.outcome in ("gone", "no_match") and before == LocationState.REMOVED:
                loc.state = LocationState.VERIFIED_REMOVED
                loc.verified_removed_at = now
        if finding.outcome == "error" and loc.state == LocationState.REMOVED:
            loc.recheck_due_at = now + RETRY_FAILED_CHECK_AFTER
        else:
            loc.recheck_due_at = _next_recheck(loc, now)  # None once reappeared: the new round takes over
        loc.save(
            update_fields=[
                "match_evidence",
                "last_checked_at",
                "verification_requested_at",
                "state",
                "verified_removed_at",
                "recheck_due_at",
            ]
        )
        data = {
            "location_id": loc.pk,
            "outcome": finding.outcome,
            "reason": finding.reason,
            "from": before,
            "to": loc.state,
            "pdq_distance": loc.match_evidence.get("pdq_distance"),
            "reference_number": loc.match_evidence.get("reference_number"),
        }
        event_record(type=EventType.LOCATION_CHECKED, actor_kind=ActorKind.SYSTEM, case=loc.case, data=data)
        if loc.state == LocationState.VERIFIED_REMOVED and before == LocationState.REMOVED:
            for notice in notices:
                if notice.status != NoticeStatus.REMOVED:
                    continue
                if notice.locations.exclude(state=LocationState.VERIFIED_REMOVED).exists():
                    continue
                notice = notice_transition(
                    notice=notice, to=NoticeStatus.VERIFIED_REMOVED, actor_kind=ActorKind.SYSTEM, data=data
                )
                notify_after.append((notice, "verified_removed"))
        elif loc.state == LocationState.REAPPEARED and before != LocationState.REAPPEARED:
            told = False
            for notice in notices:
                if notice.status in (NoticeStatus.REMOVED, NoticeStatus.VERIFIED_REMOVED):
                    notice = notice_transition(
                        notice=notice, to=NoticeStatus.REAPPEARED, actor_kind=ActorKind.SYSTEM, data=data
                    )
                    notify_after.append((notice, "reappeared"))
                    told = True
            if not told and notices:
                # Still covered by an open notice (the platform reported only part of it): tell people anyway.
                event_record(
                    type=EventType.LOCATION_REAPPEARED, actor_kind=ActorKind.SYSTEM, notice=notices[0], data=data
                )
                notify_after.append((notices[0], "reappeared"))
            enqueue_on_commit(PREPARE_TASK, loc.case_id)
    for notice, kind in notify_after:
        notify(notice=notice, kind=kind)
    return loc


def locations_verify_now(*, case: Case | None = None, now: datetime | None = None, resolver=None):
    """``manage.py verify_locations``: run the checks in this process, now. With a case, every location of
    it; without, every check that is due or left requested. Yields each location after its check."""
    now = now or timezone.now()
    if case is not None:
        ids = list(case.locations.order_by("id").values_list("pk", flat=True))
    else:
        ids = sorted(
            set(locations_due(now=now))
            | set(
                ReportedLocation.objects.filter(
                    Q(verification_requested_at__isnull=False) | Q(state=LocationState.REMOVED),
                    case__state=CaseState.OPEN,
                ).values_list("pk", flat=True)
            )
        )
    with transaction.atomic():
        ReportedLocation.objects.filter(pk__in=ids).update(verification_requested_at=now)
    for pk in ids:
        yield location_verify(location_id=pk, final_attempt=True, now=now, resolver=resolver)
