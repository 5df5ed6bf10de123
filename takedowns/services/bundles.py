"""Evidence bundles: a case's record in one ZIP for police, a lawyer or a regulator.

Contents: ``summary.pdf`` (the case, every notice with its deadline met or missed, every answer — including what the
platform did about the uploader's account and re-uploads — the timeline), ``notices/<reference>.txt`` and ``.pdf``
(each notice as sent), ``responses/<reference>.json`` (what each platform answered), ``fingerprints.json`` /
``.csv`` (hashes, never images — unless the victim kept originals and asked for them: ``images/``), ``events.json``
/ ``events.csv`` (the audit log, personal fields masked as stored) and ``MANIFEST.sha256`` (``sha256sum -c`` format)
of every other file. The SHA-256 of the ZIP itself is written to the audit log when the bundle is built, so a later
change to it is detectable.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from fpdf import FPDF

from hashing import HASH_FIELDS
from takedowns.audit import event_record
from takedowns.lifecycle import CLOCK_RUNNING
from takedowns.models import (
    AccountOutcome,
    ActorKind,
    BundleState,
    Case,
    Event,
    EventType,
    EvidenceBundle,
    ImageState,
    Notice,
    ReuploadOutcome,
)
from takedowns.notices import render_notice_pdf
from takedowns.selectors import RESPONSE_EVENT_TYPES
from takedowns.services.jobs import enqueue_on_commit, exclusive

BUILD_TASK = "takedowns.tasks.evidence_bundle_build"
MANIFEST = "MANIFEST.sha256"
# A fixed time stamp inside the ZIP keeps the archive's bytes a function of its contents.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


class BundleError(ValueError):
    """The bundle cannot be requested; the message says why."""


def bundle_request(*, case: Case, actor_kind: str, actor_user=None, include_images: bool = False) -> EvidenceBundle:
    """Ask a worker to build a bundle. A bundle already waiting or being built is returned instead of a second."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.erased_at:
            raise BundleError("This case's data was erased.")
        running = case.bundles.filter(state__in=[BundleState.PENDING, BundleState.BUILDING]).first()
        if running:
            return running
        bundle = EvidenceBundle.objects.create(
            case=case,
            requested_by_kind=actor_kind,
            requested_by=actor_user if getattr(actor_user, "is_authenticated", False) else None,
            include_images=include_images,
        )
        event_record(
            type=EventType.BUNDLE_REQUESTED,
            actor_kind=actor_kind,
            actor_user=actor_user,
            case=case,
            data={"bundle_id": bundle.pk, "include_images": include_images},
        )
        enqueue_on_commit(BUILD_TASK, bundle.pk)
    return bundle


def _progress(bundle: EvidenceBundle, percent: int, step: str) -> None:
    # Outside any transaction: the page polling for progress sees each step as it happens.
    EvidenceBundle.objects.filter(pk=bundle.pk).update(progress=percent, step=step[:120])


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def deadline_outcome(notice: Notice, *, now: datetime) -> str:
    """'met', 'missed' or 'running' / 'not started' for one notice's legal clock."""
    if notice.due_at is None:
        return "not started"
    if notice.removed_at is not None:
        return "met" if notice.removed_at <= notice.due_at else "missed"
    if notice.status in CLOCK_RUNNING:
        return "missed" if now > notice.due_at else "running"
    return "missed" if now > notice.due_at and notice.status not in ("withdrawn", "closed") else "ended without removal"


def account_answer_row(notice: Notice) -> dict | None:
    """What the platform said about the uploader's account and about re-uploads, for the bundle."""
    answer = getattr(notice, "account_answer", None)
    if answer is None:
        return None
    return {
        "account": answer.account,
        "account_label": str(answer.get_account_display()) if answer.account else "",
        "account_at": _iso(answer.account_at),
        "account_by": answer.account_by_kind,
        "reupload": answer.reupload,
        "reupload_label": str(answer.get_reupload_display()) if answer.reupload else "",
        "reupload_at": _iso(answer.reupload_at),
        "reupload_by": answer.reupload_by_kind,
    }


def _answer_words(event: Event) -> str:
    data = event.data or {}
    if data.get("account") in AccountOutcome.values:
        said = str(AccountOutcome(data["account"]).label)
    elif data.get("reupload") in ReuploadOutcome.values:
        said = str(ReuploadOutcome(data["reupload"]).label)
    else:
        return str(data.get("message") or data.get("reason") or data.get("text") or "")
    return said + (f" - {data['message']}" if data.get("message") else "")


def _event_row(event: Event) -> dict:
    return {
        "id": event.pk,
        "time": _iso(event.created_at),
        "type": event.type,
        "description": str(event.get_type_display()),
        "actor_kind": event.actor_kind,
        "actor_user_id": event.actor_user_id,
        "notice": event.notice.reference if event.notice_id else "",
        "data": event.data,
    }


def _csv(rows: list[dict], fields: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v for k, v in row.items()})
    return out.getvalue().encode()


_PDF_PUNCTUATION = str.maketrans({"—": "-", "–": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "·": "-"})


def _pdf_text(text: str) -> str:
    # fpdf2's core fonts take Latin-1 only; other characters become "?" rather than failing the bundle (the
    # exact texts are in the bundle's .txt and .json files).
    return str(text).translate(_PDF_PUNCTUATION).encode("latin-1", "replace").decode("latin-1")


def _summary_pdf(
    case: Case, notices: list[Notice], responses: dict[int, list[Event]], events: list[Event], now
) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_creation_date(now)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: str, size: int = 10, style: str = "", gap: float = 5) -> None:
        pdf.set_font("helvetica", style, size)
        pdf.multi_cell(width, gap, _pdf_text(text), new_x="LMARGIN", new_y="NEXT")

    line(f"Evidence bundle - case {case.reference}", 16, "B", 8)
    line(f"Generated {now:%Y-%m-%d %H:%M} UTC by Recourse. All times are UTC.", 9)
    hashed = case.images.filter(state=ImageState.HASHED).count()
    line(
        f"Filed {case.created_at:%Y-%m-%d %H:%M}; jurisdiction {case.jurisdiction}; "
        f"{'AI-made or altered (digital forgery)' if case.is_synthetic else 'real imagery'}; "
        f"{case.locations.count()} reported URL(s); {hashed} fingerprinted reference image(s).",
        10,
    )
    pdf.ln(3)
    met = sum(1 for n in notices if deadline_outcome(n, now=now) == "met")
    missed = sum(1 for n in notices if deadline_outcome(n, now=now) == "missed")
    line(f"Notices: {len(notices)}; deadlines met: {met}; deadlines missed: {missed}.", 11, "B")
    for notice in notices:
        pdf.ln(2)
        line(f"{notice.reference} - {notice.platform.name} ({notice.get_regime_display()})", 11, "B")
        line(
            f"Status: {notice.get_status_display()}. Channel: {notice.get_channel_display()}. "
            f"Sent: {notice.sent_at:%Y-%m-%d %H:%M}. "
            if notice.sent_at
            else f"Status: {notice.get_status_display()}. Not sent. ",
            9,
        )
        if notice.due_at:
            line(
                f"Due: {notice.due_at:%Y-%m-%d %H:%M}. Acknowledged: "
                f"{notice.acknowledged_at.strftime('%Y-%m-%d %H:%M') if notice.acknowledged_at else '-'}. Removed: "
                f"{notice.removed_at.strftime('%Y-%m-%d %H:%M') if notice.removed_at else '-'}. "
                f"Deadline: {deadline_outcome(notice, now=now).upper()}.",
                9,
            )
        for url in [loc.url for loc in notice.locations.all()]:
            line(f"  URL: {url}", 8)
        answer = account_answer_row(notice)
        if answer is not None:
            line(
                f"  Uploader's account: {answer['account_label'] or 'no answer'}"
                f"{' (' + answer['account_at'][:16].replace('T', ' ') + ')' if answer['account_at'] else ''}. "
                f"Re-uploads: {answer['reupload_label'] or 'no answer'}"
                f"{' (' + answer['reupload_at'][:16].replace('T', ' ') + ')' if answer['reupload_at'] else ''}.",
                9,
            )
        for event in responses.get(notice.pk, []):
            said = _answer_words(event)
            line(f"  {event.created_at:%Y-%m-%d %H:%M} {event.get_type_display()}{': ' + str(said) if said else ''}", 8)
    pdf.add_page()
    line("Timeline", 13, "B", 7)
    for event in events:
        who = event.get_actor_kind_display()
        target = f" [{event.notice.reference}]" if event.notice_id else ""
        line(f"{event.created_at:%Y-%m-%d %H:%M:%S}  {event.get_type_display()} - {who}{target}", 8, "", 4)
    return bytes(pdf.output())


def _build_files(bundle: EvidenceBundle, now) -> list[tuple[str, bytes]]:
    case = bundle.case
    notices = list(
        case.notices.select_related("case", "platform", "account_answer")
        .prefetch_related("locations")
        .order_by("platform__name", "round")
    )
    events = list(case.events.select_related("notice__case").order_by("created_at", "id"))
    responses: dict[int, list[Event]] = {}
    for event in events:
        if event.notice_id and event.type in RESPONSE_EVENT_TYPES:
            responses.setdefault(event.notice_id, []).append(event)
    files: list[tuple[str, bytes]] = []
    _progress(bundle, 10, "summary")
    files.append(("summary.pdf", _summary_pdf(case, notices, responses, events, now)))
    sent = [n for n in notices if n.sent_at]
    for index, notice in enumerate(sent, start=1):
        _progress(bundle, 10 + int(50 * index / max(1, len(sent))), f"notice {index} of {len(sent)}")
        files.append((f"notices/{notice.reference}.txt", (notice.body_text or "").encode()))
        # Rendered as of its sending, so the deadline printed is the one the platform was given.
        files.append((f"notices/{notice.reference}.pdf", render_notice_pdf(notice, now=notice.sent_at)))
        files.append(
            (
                f"responses/{notice.reference}.json",
                json.dumps(
                    {
                        "notice": notice.reference,
                        "platform": notice.platform.name,
                        "sent_at": _iso(notice.sent_at),
                        "due_at": _iso(notice.due_at),
                        "deadline": deadline_outcome(notice, now=now),
                        "account_answer": account_answer_row(notice),
                        "responses": [_event_row(e) for e in responses.get(notice.pk, [])],
                    },
                    indent=2,
                    sort_keys=True,
                ).encode(),
            )
        )
    _progress(bundle, 70, "fingerprints")
    images = list(case.images.order_by("created_at", "id"))
    prints = [
        {
            "image": index,
            "state": image.state,
            **{name: getattr(image, name) for name in HASH_FIELDS},
            "pdq_quality": image.pdq_quality,
            "width": image.width,
            "height": image.height,
            "hashed_at": _iso(image.hashed_at),
        }
        for index, image in enumerate(images, start=1)
    ]
    files.append(("fingerprints.json", json.dumps(prints, indent=2, sort_keys=True).encode()))
    files.append(("fingerprints.csv", _csv(prints, list(prints[0]) if prints else ["image"])))
    _progress(bundle, 80, "event log")
    rows = [_event_row(e) for e in events]
    files.append(("events.json", json.dumps(rows, indent=2, sort_keys=True).encode()))
    fields = ["id", "time", "type", "description", "actor_kind", "actor_user_id", "notice", "data"]
    files.append(("events.csv", _csv(rows, fields)))
    if bundle.include_images:
        _progress(bundle, 85, "kept originals")
        for index, image in enumerate(images, start=1):
            if image.file and image.purged_at is None:
                with image.file.open("rb") as handle:
                    files.append((f"images/image-{index}.{(image.image_format or 'bin').lower()}", handle.read()))
    return files


def _zip(files: list[tuple[str, bytes]]) -> bytes:
    manifest = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in [*files, (MANIFEST, manifest.encode())]:
            archive.writestr(zipfile.ZipInfo(name, date_time=_ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def bundle_build(*, bundle_id: int) -> EvidenceBundle | None:
    """Build a requested bundle once. Idempotent: a ready or failed bundle is returned as it is, and a cluster
    lock keeps two workers from building the same one."""
    with exclusive(f"bundle-{bundle_id}", ttl_seconds=600) as taken:
        if not taken:
            return None
        with transaction.atomic():
            bundle = EvidenceBundle.objects.select_for_update().select_related("case").filter(pk=bundle_id).first()
            if bundle is None or bundle.state in (BundleState.READY, BundleState.FAILED):
                return bundle
            bundle.state = BundleState.BUILDING
            bundle.save(update_fields=["state"])
        now = timezone.now()
        data = _zip(_build_files(bundle, now))
        digest = hashlib.sha256(data).hexdigest()
        _progress(bundle, 95, "saving")
        with transaction.atomic():
            bundle = EvidenceBundle.objects.select_for_update().select_related("case").get(pk=bundle_id)
            if bundle.file:
                bundle.file.storage.delete(bundle.file.name)
            bundle.file.save("bundle", ContentFile(data), save=False)
            bundle.sha256 = digest
            bundle.byte_size = len(data)
            bundle.state = BundleState.READY
            bundle.progress = 100
            bundle.step = "ready"
            bundle.finished_at = timezone.now()
            bundle.save()
            event_record(
                type=EventType.BUNDLE_BUILT,
                actor_kind=ActorKind.SYSTEM,
                case=bundle.case,
                data={"bundle_id": bundle.pk, "sha256": digest, "bytes": len(data)},
            )
        return bundle


def bundle_failed(*, bundle_id: int, reason: str) -> None:
    with transaction.atomic():
        bundle = EvidenceBundle.objects.select_for_update().select_related("case").filter(pk=bundle_id).first()
        if bundle is None or bundle.state == BundleState.READY:
            return
        bundle.state = BundleState.FAILED
        bundle.error = reason[:2000]
        bundle.finished_at = timezone.now()
        bundle.save(update_fields=["state", "error", "finished_at"])
        event_record(
            type=EventType.BUNDLE_FAILED,
            actor_kind=ActorKind.SYSTEM,
            case=bundle.case,
            data={"bundle_id": bundle.pk, "reason": reason[:500]},
        )


def bundle_download_record(*, bundle: EvidenceBundle, actor_kind: str, actor_user=None) -> bytes:
    """The bundle's bytes, after checking them against the recorded SHA-256, and an audit event."""
    if bundle.state != BundleState.READY or not bundle.file:
        raise BundleError("This bundle is not ready.")
    with bundle.file.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != bundle.sha256:
        raise BundleError("The stored bundle does not match its recorded SHA-256; build a new one.")
    event_record(
        type=EventType.BUNDLE_DOWNLOADED,
        actor_kind=actor_kind,
        actor_user=actor_user,
        case=bundle.case,
        data={"bundle_id": bundle.pk, "sha256": bundle.sha256},
    )
    return data


def bundles_purge_expired(*, now=None) -> int:
    """Delete the files of bundles built more than EVIDENCE_BUNDLE_DAYS ago (nightly, with the retention
    purge). The row and the audit events stay; a new bundle can be built whenever one is needed."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.EVIDENCE_BUNDLE_DAYS)
    purged = 0
    for pk in list(
        EvidenceBundle.objects.filter(state=BundleState.READY, finished_at__lt=cutoff).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            bundle = EvidenceBundle.objects.select_for_update().filter(pk=pk, state=BundleState.READY).first()
            if bundle is None:
                continue
            if bundle.file:
                bundle.file.storage.delete(bundle.file.name)
            bundle.file = ""
            bundle.state = BundleState.EXPIRED
            bundle.save(update_fields=["file", "state"])
            purged += 1
    return purged
