"""Withdrawing a case and erasing a victim's data (CONVENTIONS.md §13).

Withdrawal stops the case: notices not yet delivered are cancelled, and platforms that already hold a
notice are told it is withdrawn. Erasure goes further: every image file is overwritten and deleted, hashes
and personal text are blanked, notice bodies emptied and the audit trail redacted — the rows stay (the
audit log is never deleted), only their personal content goes.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from takedowns.audit import event_record
from takedowns.lifecycle import DELIVERED_STATES, OPEN_STATES, notice_transition
from takedowns.models import (
    BundleState,
    Case,
    CaseState,
    Event,
    EventType,
    EvidenceBundle,
    ImageState,
    Notice,
    NoticeStatus,
    ReferenceImage,
)
from takedowns.services.jobs import enqueue_on_commit

WITHDRAWAL_TASK = "takedowns.tasks.notice_withdrawal_send"

# Encrypted personal fields of a case, blanked on erasure.
CASE_PERSONAL_FIELDS = (
    "victim_name",
    "contact_email",
    "contact_phone",
    "representative_name",
    "representative_relationship",
    "representative_authority",
    "good_faith_statement",
    "context",
    "signature_name",
)
IMAGE_HASH_FIELDS = ("sha256", "md5", "phash", "dhash", "whash", "pdq")
NOTICE_TEXT_FIELDS = ("subject", "body_text", "body_html", "recipient", "delivery_error")

# Event data keys that describe what happened, not who it happened to: kept on redaction. Everything else
# (messages, reasons, names, addresses, URLs, notes) is overwritten.
_EVENT_SAFE_KEYS = frozenset(
    {
        "from",
        "to",
        "effective_at",
        "platform",
        "round",
        "regime",
        "count",
        "image_id",
        "location_ids",
        "format",
        "bytes",
        "keep",
        "code",
        "pdq_quality",
        "original_kept",
        "filer_type",
        "jurisdiction",
        "is_minor_content",
        "why",
        "notices_withdrawn",
        "withdrawals_sent",
    }
)
ERASED = "[erased]"


def _redact(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: (_redact_value(value) if key in _EVENT_SAFE_KEYS else ERASED) for key, value in data.items()}
    return ERASED


def _redact_value(value: Any) -> Any:
    # Safe keys hold numbers, booleans, ids, codes and timestamps; anything nested is redacted as a whole.
    if isinstance(value, (dict, list)) and not all(isinstance(v, (int, float, bool)) for v in value):
        return ERASED
    return value


def case_withdraw(*, case: Case, actor_kind: str, actor_user=None) -> Case:
    """Withdraw an open case. Notices still in an open state become ``withdrawn``; those a platform had
    already received get a withdrawal message (sent in the background). Idempotent."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.state in (CaseState.WITHDRAWN, CaseState.ERASED):
            return locked
        withdrawn = 0
        delivered: list[int] = []
        for notice in Notice.objects.filter(case=locked, status__in=OPEN_STATES).order_by("pk"):
            was_delivered = notice.status in DELIVERED_STATES
            notice_transition(notice=notice, to=NoticeStatus.WITHDRAWN, actor_kind=actor_kind, actor_user=actor_user)
            withdrawn += 1
            if was_delivered:
                delivered.append(notice.pk)
                enqueue_on_commit(WITHDRAWAL_TASK, notice.pk)
        now = timezone.now()
        locked.state = CaseState.WITHDRAWN
        locked.withdrawn_at = now
        locked.save(update_fields=["state", "withdrawn_at", "updated_at"])
        event_record(
            type=EventType.CASE_WITHDRAWN,
            actor_kind=actor_kind,
            actor_user=actor_user,
            case=locked,
            data={"notices_withdrawn": withdrawn, "withdrawals_sent": len(delivered)},
        )
    return locked


def case_erase(*, case: Case, actor_kind: str, actor_user=None) -> Case:
    """Erase a victim's data from a case: withdraw it first if it is still open, then delete every image file
    and blank hashes, personal text, uploader handles, URLs, notice bodies and the audit trail's personal
    fields. The access code stops working. Idempotent."""
    if case.state in (CaseState.OPEN, CaseState.DRAFT, CaseState.CLOSED):
        case_withdraw(case=case, actor_kind=actor_kind, actor_user=actor_user)
    now = timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.state == CaseState.ERASED:
            return locked

        for image in ReferenceImage.objects.select_for_update().filter(case=locked):
            if image.file:
                # Overwrites the bytes, then unlinks (EncryptedPrivateStorage.delete).
                image.file.storage.delete(image.file.name)
            image.file = ""
            for name in IMAGE_HASH_FIELDS:
                setattr(image, name, "")
            image.pdq_quality = None
            image.width = None
            image.height = None
            image.match_data = {}
            image.failure_reason = ""
            # Not "pending": a hashing task still running for this image re-checks the state under its lock
            # and then writes nothing back. Not "hashed" either: matchers load hashed references.
            image.state = ImageState.FAILED
            image.failure_code = "erased"
            image.purged_at = image.purged_at or now
            image.save()

        for location in locked.locations.all():
            # The address of the content is personal too; the row stays so platform statistics still count it.
            location.url = f"erased:{location.pk}"
            location.host = ""
            location.uploader_handle = ""
            location.match_evidence = {}
            location.save(update_fields=["url", "host", "uploader_handle", "match_evidence"])

        Notice.objects.filter(case=locked).update(**dict.fromkeys(NOTICE_TEXT_FIELDS, ""), updated_at=now)

        # Evidence bundles hold the notices' text and the kept originals: the files go, the rows stay (their
        # SHA-256 stays in the audit log, which is all an erased case keeps).
        for bundle in EvidenceBundle.objects.select_for_update().filter(case=locked):
            if bundle.file:
                bundle.file.storage.delete(bundle.file.name)
            bundle.file = ""
            bundle.state = BundleState.FAILED
            bundle.error = "erased"
            bundle.save(update_fields=["file", "state", "error"])

        events = Event.objects.select_for_update(of=("self",)).filter(Q(case=locked) | Q(notice__case=locked))
        for event in events:
            event.data = _redact(event.data)
            event.redacted = True
            event.save(update_fields=["data", "redacted"])

        for name in CASE_PERSONAL_FIELDS:
            setattr(locked, name, "")
        locked.attestations = {key: value for key, value in (locked.attestations or {}).items() if value is True}
        # An unusable hash: no code, old or new, opens this case again.
        locked.access_code_hash = make_password(None)
        locked.submission_key = None
        locked.state = CaseState.ERASED
        locked.erased_at = now
        locked.save()
        event_record(type=EventType.CASE_ERASED, actor_kind=actor_kind, actor_user=actor_user, case=locked, data={})
        Event.objects.filter(case=locked, type=EventType.CASE_ERASED).update(redacted=True)
    return locked
