"""Reference images: storing the upload encrypted, hashing it in the background, purging the original."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

import hashing
from hashing import HASH_FIELDS
from hashing.decode import Limits, inspect
from takedowns.audit import event_record
from takedowns.models import ActorKind, Case, CaseState, ComputedOn, EventType, ImageState, ReferenceImage
from takedowns.services.exchange import exchange_case_sync
from takedowns.services.fingerprints import DeviceFingerprint
from takedowns.services.jobs import enqueue_on_commit
from takedowns.services.verification import locations_evidence_request

log = logging.getLogger(__name__)

HASH_TASK = "takedowns.tasks.image_hash"
REFERENCE_MATCH_TASK = "takedowns.tasks.discovery_reference_match"


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    image_format: str


def image_limits() -> Limits:
    """The byte and pixel budgets of both the upload check and the hashing task (settings ``IMAGE_MAX_BYTES``,
    ``IMAGE_MAX_PIXELS``). One definition: the hasher's own default byte limit was once smaller than the upload
    check's, so a picture between the two (a 7000 x 7000 PNG) was accepted, then refused by the worker and purged."""
    return Limits(
        max_bytes=settings.IMAGE_MAX_BYTES,
        max_pixels=getattr(settings, "IMAGE_MAX_PIXELS", Limits.max_pixels),
    )


def image_upload_check(*, upload) -> CheckedImage:
    """Read and check one uploaded file by its content (never its name): size before reading, then format,
    declared dimensions against the pixel budget and a complete file, from the header only. No pixel is
    decoded in a web request: a small file can declare a picture that costs gigabytes to decode, so that
    happens in the hashing worker, under the same budget. Raises ``hashing.HashingError``."""
    limits = image_limits()
    size = getattr(upload, "size", None)
    if size is not None and size > limits.max_bytes:
        raise hashing.FileTooLarge(size, limits.max_bytes)
    upload.seek(0)
    data = upload.read(limits.max_bytes + 1)
    header = inspect(data, limits)
    return CheckedImage(data=data, image_format=header.format)


def image_add(
    *, case: Case, data: bytes, image_format: str, keep_as_evidence: bool, actor_kind: str, actor_user=None
) -> ReferenceImage:
    """Store an already-validated upload (encrypted, private) and enqueue its hashing after commit."""
    if case.is_minor_content:
        # Holding such images is itself a crime for the operator: refuse at the lowest level too.
        raise PermissionError("Images cannot be added to a case about content made when the person was under 18.")
    with transaction.atomic():
        image = ReferenceImage(
            case=case, image_format=image_format, byte_size=len(data), keep_as_evidence=keep_as_evidence
        )
        image.file.save("upload", ContentFile(data), save=False)
        image.save()
        event_record(
            type=EventType.IMAGE_ADDED,
            actor_kind=actor_kind,
            actor_user=actor_user,
            case=case,
            data={"image_id": image.pk, "format": image_format, "bytes": len(data), "keep": keep_as_evidence},
        )
        enqueue_on_commit(HASH_TASK, image.pk)
    return image


def image_add_fingerprint(
    *, case: Case, fingerprint: DeviceFingerprint, actor_kind: str, actor_user=None
) -> ReferenceImage:
    """Store a fingerprint record made on the victim's device (already checked by
    ``takedowns.services.fingerprints``): hashed at once, with no picture stored and so nothing to purge.

    Allowed on a case about content made under 18 too: there is no picture, and the PDQ and MD5 are what lets
    a platform find and report the content (as NCMEC's Take It Down does)."""
    record = fingerprint.record
    now = timezone.now()
    with transaction.atomic():
        image = ReferenceImage(
            case=case,
            image_format=record["format"],
            computed_on=ComputedOn.DEVICE,
            state=ImageState.HASHED,
            hashed_at=now,
            match_data=record,
            **{name: record[name] for name in ("sha256", "md5", "phash", "dhash", "whash", "pdq", "pdq_quality")},
            width=record["width"],
            height=record["height"],
        )
        image.save()
        event_record(
            type=EventType.IMAGE_ADDED,
            actor_kind=actor_kind,
            actor_user=actor_user,
            case=case,
            data={"image_id": image.pk, "format": record["format"], "computed_on": ComputedOn.DEVICE},
        )
        event_record(
            type=EventType.IMAGE_HASHED,
            actor_kind=actor_kind,
            actor_user=actor_user,
            case=case,
            data={"image_id": image.pk, "pdq_quality": record["pdq_quality"], "computed_on": ComputedOn.DEVICE},
        )
        # The same follow-up as a picture hashed here: discovery and the evidence for reported addresses.
        enqueue_on_commit(REFERENCE_MATCH_TASK, image.pk)
        locations_evidence_request(case_id=case.pk, refresh=True)
        if case.share_with_platforms:
            exchange_case_sync(case=case)  # a device record is shared at once, like a picture hashed here
    return image


def _purge_file(image: ReferenceImage) -> None:
    if image.file:
        image.file.storage.delete(image.file.name)
    image.file = ""
    image.purged_at = timezone.now()


def image_hash(*, image_id: int) -> ReferenceImage | None:
    """Compute every hash of a pending image; purge the original unless it is kept as evidence.

    Idempotent: only a ``pending`` image is processed, and its row is re-checked under a lock before the
    result is written, so two workers running the same task write once. The CPU work happens outside the
    transaction, so no lock is held while decoding.
    """
    with transaction.atomic():
        image = ReferenceImage.objects.select_for_update().filter(pk=image_id).first()
        if image is None or image.state != ImageState.PENDING:
            return image
        image.attempts += 1
        image.save(update_fields=["attempts"])
        data = None
        if image.file:
            with image.file.open("rb") as handle:
                data = handle.read()
    error: hashing.HashingError | None = None
    result = None
    if data is None:
        error = hashing.HashingError("The stored file is missing.")
    else:
        try:
            result = hashing.compute(data, limits=image_limits(), features=True)
        except hashing.HashingError as exc:
            error = exc
        except Exception as exc:  # any other failure must still end the image's wait
            # A bug or a library's own error (as OpenCV's assertion on a 20,000 x 40 panorama once was) would
            # otherwise escape the task, leave the image pending and be re-enqueued by reconcile for ever. The
            # victim is told the picture could not be read; the traceback goes to the log, never to the page.
            log.exception("hashing image %s failed unexpectedly", image_id)
            error = hashing.HashingError(detail=f"{type(exc).__name__}: {exc}")
    with transaction.atomic():
        image = ReferenceImage.objects.select_for_update().select_related("case").get(pk=image_id)
        if image.state != ImageState.PENDING:
            return image
        if error is not None:
            image.state = ImageState.FAILED
            image.failure_code = error.code
            image.failure_reason = error.message
            _purge_file(image)
            image.save(update_fields=["state", "failure_code", "failure_reason", "file", "purged_at"])
            event_record(
                type=EventType.IMAGE_FAILED,
                actor_kind=ActorKind.SYSTEM,
                case=image.case,
                data={"image_id": image.pk, "code": error.code},
            )
            return image
        stored = [*HASH_FIELDS, "pdq_quality", "width", "height"]
        for name in stored:
            setattr(image, name, getattr(result, name))
        image.match_data = result.to_dict()
        image.state = ImageState.HASHED
        image.hashed_at = timezone.now()
        fields = [*stored, "match_data", "state", "hashed_at"]
        if not image.keep_as_evidence:
            _purge_file(image)
            fields += ["file", "purged_at"]
        image.save(update_fields=fields)
        # Discovery: the new reference is matched against every image already crawled on watched sites.
        enqueue_on_commit(REFERENCE_MATCH_TASK, image.pk)
        event_record(
            type=EventType.IMAGE_HASHED,
            actor_kind=ActorKind.SYSTEM,
            case=image.case,
            data={"image_id": image.pk, "pdq_quality": result.pdq_quality, "original_kept": image.keep_as_evidence},
        )
        locations_evidence_request(case_id=image.case_id, refresh=True)
        if image.case.share_with_platforms:
            exchange_case_sync(case=image.case)
    return image


def images_reconcile(*, older_than_seconds: int = 600) -> list[int]:
    """Re-enqueue images still pending after the threshold (broker outage at upload time, killed worker)."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    ids = list(
        ReferenceImage.objects.filter(state=ImageState.PENDING, created_at__lt=cutoff).values_list("pk", flat=True)
    )
    for pk in ids:
        enqueue_on_commit(HASH_TASK, pk)
    return ids


def images_retention_purge(*, now=None) -> int:
    """Purge originals kept as evidence once their case is withdrawn or closed for the retention period."""
    now = now or timezone.now()
    cutoff = now - timezone.timedelta(days=settings.EVIDENCE_RETENTION_DAYS)
    ids = list(
        ReferenceImage.objects.filter(
            purged_at__isnull=True,
            case__state__in=[CaseState.WITHDRAWN, CaseState.CLOSED],
            case__updated_at__lt=cutoff,
        )
        .exclude(file="")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            image = ReferenceImage.objects.select_for_update().select_related("case").get(pk=pk)
            if image.purged_at or not image.file:
                continue
            _purge_file(image)
            image.save(update_fields=["file", "purged_at"])
            event_record(
                type=EventType.IMAGE_PURGED,
                actor_kind=ActorKind.SYSTEM,
                case=image.case,
                data={"image_id": pk, "why": "retention"},
            )
    return len(ids)
