"""Withdrawing a case and erasing a victim's data (CONVENTIONS.md §13).

Withdrawal stops the case: notices not yet delivered are cancelled, and platforms that already hold a
notice are told it is withdrawn. Erasure goes further: every image file is overwritten and deleted, hashes
and personal text are blanked, notice bodies emptied and the audit trail redacted — the rows stay (the
audit log is never deleted), only their personal content goes.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.utils import timezone

from hashing import HASH_FIELDS
from takedowns.audit import event_record
from takedowns.lifecycle import DELIVERED_STATES, OPEN_STATES, notice_transition
from takedowns.models import (
    AccountAnswer,
    BundleState,
    Case,
    CaseState,
    CrawledImage,
    Event,
    EventType,
    EvidenceBundle,
    Finding,
    ImageState,
    Notice,
    NoticeStatus,
    Notification,
    NotificationStatus,
    Platform,
    ReferenceImage,
)
from takedowns.services.exchange import exchange_case_erase, exchange_case_sync
from takedowns.services.hosts import host_identities_forget
from takedowns.services.intake import receipt_cache_key
from takedowns.services.jobs import enqueue_on_commit
from takedowns.services.likeness import likeness_forget
from takedowns.services.outbox import outbox_purge
from takedowns.services.webhooks import webhooks_cancel_for_case

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
IMAGE_HASH_FIELDS = HASH_FIELDS
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
        "receipt_sha256",
        "images_deleted",
        "urls_erased",
        "notices_emptied",
        "events_redacted",
        "webhook_deliveries_cancelled",
        "notifications_emptied",
        "sessions_ended",
        "outbox_messages_deleted",
        "crawled_images_deleted",
        "shared_records_cleared",
        # A reply received by e-mail: whether it was cut and how many attachments were dropped, never what.
        "truncated",
        "attachments_dropped",
        # What a platform said it did about the account and re-uploads (codes, kept for the statistics).
        "account",
        "reupload",
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
        # Her face template goes with the case (DESIGN.md §8); its unconfirmed findings with it.
        likeness_forget(locked, why="case_withdrawn", actor_kind=actor_kind, actor_user=actor_user)
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
        # Platforms' matching tools stop blocking with her fingerprints: the feed carries the deletions.
        exchange_case_sync(case=locked, actor_kind=actor_kind, actor_user=actor_user)
    return locked


def _markers(case: Case) -> list[str]:
    """Strings that would identify this case or person in a stray copy (an outbox file, a session)."""
    values = [case.reference, *(n.reference for n in case.notices.all())]
    values += [getattr(case, name) for name in CASE_PERSONAL_FIELDS]
    for location in case.locations.all():
        values += [location.url, location.uploader_handle]
    # Short values ("Sam") would match unrelated mail; every marker kept is specific enough to be this case's.
    return sorted({value for value in values if value and len(value) >= 6}, key=len, reverse=True)


def _sessions_end(case: Case) -> int:
    """Every browser still signed in to this case (or holding its receipt) is signed out."""
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = store().decode(session.session_data)
        held = [value for value in data.values() if isinstance(value, dict)]
        if any(value.get("case_id") == case.pk or value.get("reference") == case.reference for value in held):
            session.delete()
            ended += 1
    return ended


def _crawled_images_of(case: Case) -> list[int]:
    """Crawled images that matched this case: through a finding, or an exact copy of one of its pictures. Read
    before the case's hashes are blanked."""
    ids = set(Finding.objects.filter(case=case).values_list("crawled_image_id", flat=True))
    digests = set(ReferenceImage.objects.filter(case=case).exclude(sha256="").values_list("sha256", flat=True))
    # The same picture may be another victim's reference too: that case still needs the row.
    digests -= set(
        ReferenceImage.objects.filter(sha256__in=digests).exclude(case=case).values_list("sha256", flat=True)
    )
    if digests:
        ids.update(CrawledImage.objects.filter(sha256__in=digests).values_list("pk", flat=True))
    return sorted(ids)


def _shared_records_clear(reference: str) -> int:
    """Remove the case reference from records other people read: the platform registry's notes (older versions
    wrote "Added from case RC-…" there) and events on other cases that named this one."""
    cleared = Platform.objects.filter(notes__contains=reference).update(
        notes=Replace("notes", Value(reference), Value(ERASED))
    )
    for event in Event.objects.select_for_update().filter(data__from_case=reference):
        event.data = {**event.data, "from_case": ERASED}
        event.save(update_fields=["data"])
        cleared += 1
    return cleared


def erasure_receipt(event: Event) -> dict[str, Any]:
    """What was erased and when, as shown to the victim; its SHA-256 is kept in the audit log."""
    data = dict(event.data)
    data.pop("receipt_sha256", None)
    return {"reference": event.case.reference, "erased_at": event.created_at.isoformat(), **data}


def erasure_receipt_sha256(receipt: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(receipt, sort_keys=True).encode()).hexdigest()


def _images_erase(case: Case, now) -> int:
    """Delete every reference image file of the case and blank its hashes; return how many files went."""
    deleted = 0
    for image in ReferenceImage.objects.select_for_update().filter(case=case):
        if image.file:
            # Overwrites the bytes, then unlinks (EncryptedPrivateStorage.delete).
            image.file.storage.delete(image.file.name)
            deleted += 1
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

    return deleted


def _locations_erase(case: Case) -> int:
    """Blank the reported addresses; return how many remembered host identities were forgotten."""
    erased_hosts = set(case.locations.values_list("host", flat=True))
    for location in case.locations.all():
        # The address of the content is personal too; the row stays so platform statistics still count it.
        location.url = f"erased:{location.pk}"
        location.host = ""
        location.uploader_handle = ""
        location.match_evidence = {}
        location.save(update_fields=["url", "host", "uploader_handle", "match_evidence"])
    return host_identities_forget(hosts=erased_hosts)


def _notices_erase(case: Case, now) -> dict[str, int]:
    """Empty the notices' text, revoke their response links and silence their pending mail; return the counts."""
    # A platform's note about the uploader's account may name the account: it goes, the answer codes stay.
    AccountAnswer.objects.filter(notice__case=case).update(note="")
    emptied = Notice.objects.filter(case=case).update(**dict.fromkeys(NOTICE_TEXT_FIELDS, ""), updated_at=now)
    # Every signed response link of the case stops working (a new nonce invalidates old tokens).
    for notice in Notice.objects.filter(case=case).only("pk"):
        Notice.objects.filter(pk=notice.pk).update(token_nonce=secrets.token_urlsafe(16))
    cancelled = webhooks_cancel_for_case(case=case)
    notifications = Notification.objects.filter(notice__case=case)
    notifications.filter(status=NotificationStatus.PENDING).update(status=NotificationStatus.SKIPPED)
    notifications_emptied = notifications.exclude(extra="").update(extra="")

    return {
        "notices_emptied": emptied,
        "webhook_deliveries_cancelled": cancelled,
        "notifications_emptied": notifications_emptied,
    }


def _bundles_erase(case: Case) -> None:
    # Evidence bundles hold the notices' text and the kept originals: the files go, the rows stay (their
    # SHA-256 stays in the audit log, which is all an erased case keeps).
    for bundle in EvidenceBundle.objects.select_for_update().filter(case=case):
        if bundle.file:
            bundle.file.storage.delete(bundle.file.name)
        bundle.file = ""
        bundle.state = BundleState.FAILED
        bundle.error = "erased"
        bundle.save(update_fields=["file", "state", "error"])


def _events_redact(case: Case) -> int:
    """Strip the personal fields from every event of the case and its notices; return how many."""
    events = Event.objects.select_for_update(of=("self",)).filter(Q(case=case) | Q(notice__case=case))
    redacted = 0
    for event in events:
        event.data = _redact(event.data)
        event.redacted = True
        event.save(update_fields=["data", "redacted"])
        redacted += 1
    return redacted


def _case_fields_erase(case: Case, now) -> None:
    """Blank the case's personal fields, make the access code unusable and mark the case erased."""
    for name in CASE_PERSONAL_FIELDS:
        setattr(case, name, "")
    case.attestations = {key: value for key, value in (case.attestations or {}).items() if value is True}
    # An unusable hash: no code, old or new, opens this case again.
    case.access_code_hash = make_password(None)
    case.submission_key = None
    case.state = CaseState.ERASED
    case.erased_at = now
    case.save()


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
        markers = _markers(locked)
        matched = _crawled_images_of(locked)  # before the hashes below are blanked
        counts = {"images_deleted": _images_erase(locked, now), "urls_erased": locked.locations.count()}
        counts["host_identities_deleted"] = _locations_erase(locked)

        counts.update(_notices_erase(locked, now))

        counts["exchange_signals_blanked"] = exchange_case_erase(case=locked)
        counts["face_templates_deleted"] = likeness_forget(
            locked, why="case_erased", actor_kind=actor_kind, actor_user=actor_user, event=False
        )["templates_deleted"]
        # Where a case's images were found on watched sites says where the person's pictures are: it goes, and
        # so do the crawled-image rows behind those findings (page URL, image URL and the picture's own SHA-256
        # and PDQ, which are the victim's). A row another case also matched stays for that case.
        # Counted per model: a delete's total also counts the rows that cascade (face records, PDQ block rows).
        counts["findings_deleted"] = Finding.objects.filter(case=locked).delete()[1].get(Finding._meta.label, 0)
        counts["crawled_images_deleted"] = (
            CrawledImage.objects.filter(pk__in=matched)
            .exclude(findings__isnull=False)
            .delete()[1]
            .get(CrawledImage._meta.label, 0)
        )
        counts["shared_records_cleared"] = _shared_records_clear(locked.reference)

        _bundles_erase(locked)
        counts["events_redacted"] = _events_redact(locked)
        if locked.submission_key:
            cache.delete(receipt_cache_key(locked.submission_key))
        counts["sessions_ended"] = _sessions_end(locked)
        counts["outbox_messages_deleted"] = outbox_purge(markers)

        _case_fields_erase(locked, now)
        erased = event_record(
            type=EventType.CASE_ERASED, actor_kind=actor_kind, actor_user=actor_user, case=locked, data=counts, at=now
        )
        # The receipt the victim is shown; only its hash is kept, so it can later be proven genuine.
        erased.data = {**counts, "receipt_sha256": erasure_receipt_sha256(erasure_receipt(erased))}
        erased.redacted = True
        erased.save(update_fields=["data", "redacted"])
    return locked
