"""Delivering notices: queueing complete notices, sending e-mail, recording web-form submissions, and
withdrawals. The clock starts at the recorded delivery (DESIGN.md §4).

Sending is idempotent: the notice row is locked and only a ``queued`` notice is sent, so a task that runs
twice sends one e-mail. Transient SMTP errors are re-raised for the task's back-off; the last failure lands in
the visible ``failed`` state with its reason, from which an advocate can retry.
"""

from __future__ import annotations

import logging
import smtplib
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from takedowns.audit import event_record
from takedowns.lifecycle import notice_transition
from takedowns.models import (
    ActorKind,
    Case,
    CaseState,
    Channel,
    EventType,
    Notice,
    NoticeStatus,
    ReportedLocation,
)
from takedowns.notices import (
    check_completeness,
    notice_content,
    relay_address,
    render_notice,
    render_notice_pdf,
)
from takedowns.notices.fonts import UnprintableCharacters
from takedowns.services.jobs import enqueue_on_commit, held_while_alive
from takedowns.services.notifications import notify
from takedowns.services.outbox import outbox_purge_for_erased_notice
from takedowns.services.webhooks import webhooks_enqueue

log = logging.getLogger(__name__)

SEND_TASK = "takedowns.tasks.notice_send"


class NoticeIncomplete(Exception):
    """The notice lacks a required element of its regime; ``missing`` lists them with where to fix each."""

    def __init__(self, notice: Notice, missing):
        self.notice_id = notice.pk
        self.missing = list(missing)
        labels = ", ".join(str(element.label) for element in self.missing)
        super().__init__(f"Notice {notice.reference} cannot be sent; missing: {labels}.")


class TransientDeliveryError(Exception):
    """Worth retrying later (connection refused, timeouts, SMTP 4xx)."""


class SubmissionTimeInvalid(ValueError):
    """A recorded web-form submission time that cannot be right; ``code`` is "future" or "before_notice"."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


class PermanentDeliveryError(Exception):
    """Retrying will not help (SMTP 5xx, no recipient address)."""


def _render_into(notice: Notice, *, now: datetime | None = None) -> None:
    rendered = render_notice(notice, now=now)
    notice.subject = rendered.subject[:300]
    notice.body_text = rendered.text
    notice.body_html = rendered.html
    notice.recipient = notice.delivery_address or notice.recipient
    notice.save(update_fields=["subject", "body_text", "body_html", "recipient", "updated_at"])


def notice_missing_elements(*, notice: Notice) -> list:
    return list(check_completeness(notice_content(notice)).missing)


def notice_queue(*, notice: Notice, actor_kind: str, actor_user=None) -> Notice:
    """Render a complete e-mail notice and queue it for sending (also the "retry" of a failed one)."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("case", "platform").get(pk=notice.pk)
        if notice.status not in (NoticeStatus.DRAFT, NoticeStatus.FAILED):
            return notice
        missing = notice_missing_elements(notice=notice)
        if missing:
            raise NoticeIncomplete(notice, missing)
        if notice.channel != Channel.EMAIL or not notice.delivery_address:
            raise PermanentDeliveryError(
                f"{notice.platform.name} takes reports through its web form, not e-mail: record the submission "
                "with “I submitted it”."
            )
        _render_into(notice)
        notice = notice_transition(
            notice=notice,
            to=NoticeStatus.QUEUED,
            actor_kind=actor_kind,
            actor_user=actor_user,
            update={"delivery_error": ""},
        )
        enqueue_on_commit(SEND_TASK, notice.pk)
    return notice


def notices_send_ready(*, case_id: int, actor_kind: str = ActorKind.SYSTEM, actor_user=None, force: bool = False):
    """Queue every complete e-mail draft of a case, unless the case waits for an advocate's review.

    ``force`` is the advocate's own "send" (it is the review). Returns (queued, held) lists.
    """
    case = Case.objects.get(pk=case_id)
    queued, held = [], []
    if case.state != CaseState.OPEN or (case.needs_review and not force):
        return queued, held
    # Platform notices only: an upstream notice is sent by an advocate's choice or the ladder's setting.
    for notice in case.notices.filter(status=NoticeStatus.DRAFT, kind="platform").select_related("platform"):
        if notice.channel != Channel.EMAIL or not notice.delivery_address:
            held.append(notice)  # web-form platforms: a person submits it and records the time
            continue
        if notice.alongside_id and case.is_synthetic and not force:
            # A DMCA notice works only if the material copies a picture the person shown made; for AI-made
            # material an advocate checks that before the operator signs (the DMCA warning says so too).
            held.append(notice)
            continue
        try:
            queued.append(notice_queue(notice=notice, actor_kind=actor_kind, actor_user=actor_user))
        except NoticeIncomplete:
            held.append(notice)
    return queued, held


def _classify(exc: Exception) -> Exception:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        if all(400 <= code < 500 for code in codes):
            return TransientDeliveryError(f"The mail server refused the recipient for now: {exc.recipients}")
        return PermanentDeliveryError(f"The mail server refused the recipient: {exc.recipients}")
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        kind = TransientDeliveryError if 400 <= exc.smtp_code < 500 else PermanentDeliveryError
        return kind(f"The mail server answered {exc.smtp_code}: {text}")
    if isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError | TimeoutError | OSError):
        return TransientDeliveryError(f"Could not reach the mail server: {exc}")
    return PermanentDeliveryError(f"Sending failed: {exc}")


# Longer than notice_send's hard time limit (90 s): a claim this old belongs to a worker that died.
SEND_CLAIM_SECONDS = 120


def notice_send(*, notice_id: int) -> Notice | None:
    """Send a queued e-mail notice once. Raises TransientDeliveryError (retry) or PermanentDeliveryError.

    Claim, commit, send, record: the row is claimed in a short transaction, the SMTP conversation happens with no
    row lock held, and the result is recorded in another. The sender holds a lock that dies with it
    (``held_while_alive``) from before the claim until the result is recorded: a second run while one is
    sending returns at once, and a run that finds a claim but can take the lock knows the claimant was killed
    (its task is being delivered again, late acknowledgement) and sends at once — the mail server had not
    accepted the message, since the claimant never recorded it.
    """
    with held_while_alive(f"notice-send:{notice_id}") as taken:
        if not taken:
            return Notice.objects.filter(pk=notice_id).first()  # another worker is sending it right now
        return _notice_send(notice_id=notice_id)


def _notice_send(*, notice_id: int) -> Notice | None:
    now = timezone.now()
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("case", "platform").filter(pk=notice_id).first()
        if notice is None or notice.status != NoticeStatus.QUEUED:
            return notice
        # A send_claimed_at here belongs to a sender that died (it would hold the lock): it is taken over.
        if not notice.recipient:
            raise PermanentDeliveryError(f"{notice.platform.name} has no e-mail address in the registry.")
        # Rendered again at the moment of sending, so that the deadline the platform reads is the one the
        # clock runs on (the queued text projected it from the queueing time).
        rendered = render_notice(notice, now=now)
        notice.subject, notice.body_text, notice.body_html = rendered.subject[:300], rendered.text, rendered.html
        notice.send_claimed_at = now
        notice.save(update_fields=["subject", "body_text", "body_html", "send_claimed_at", "updated_at"])
    message = EmailMultiAlternatives(
        subject=notice.subject,
        body=notice.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notice.recipient],
        reply_to=[relay_address(notice)],
        headers={"X-Recourse-Notice": notice.reference},
    )
    message.attach_alternative(notice.body_html, "text/html")
    try:
        pdf = render_notice_pdf(notice, now=now)
    except UnprintableCharacters as exc:
        # The completeness check holds such a notice first; this guards a registry or settings change.
        Notice.objects.filter(pk=notice.pk, send_claimed_at=now).update(send_claimed_at=None)
        raise PermanentDeliveryError(str(exc)) from exc
    message.attach(f"{notice.reference}.pdf", pdf, "application/pdf")
    try:
        message.send(fail_silently=False)
    except Exception as exc:
        Notice.objects.filter(pk=notice.pk, send_claimed_at=now).update(send_claimed_at=None)
        raise _classify(exc) from exc
    # The mail server has accepted the notice: recording it must survive a database restart or failover in
    # the meantime, or the notice would stay queued and be sent a second time.
    for attempt in range(RECORD_ATTEMPTS):
        try:
            return _record_sent(notice, now)
        except (OperationalError, InterfaceError):
            if attempt == RECORD_ATTEMPTS - 1:
                raise
            log.warning("Could not record notice %s as sent (database unreachable); trying again.", notice.pk)
            connection.close()
            time.sleep(min(2**attempt, 5))
    return notice


# About a minute of trying (1, 2, 4, 5, 5 … s), well inside notice_send's time limit.
RECORD_ATTEMPTS = 14


def _record_sent(notice: Notice, now: datetime) -> Notice:
    with transaction.atomic():
        current = Notice.objects.select_for_update().select_related("case", "platform").get(pk=notice.pk)
        if current.status != NoticeStatus.QUEUED:
            return current  # an earlier attempt committed before its connection was lost
        notice = notice_transition(
            notice=notice,
            to=NoticeStatus.SENT,
            actor_kind=ActorKind.SYSTEM,
            at=now,
            data={"channel": "email", "recipient_domain": notice.recipient.rpartition("@")[2]},
            update={"delivery_attempts": notice.delivery_attempts + 1, "delivery_error": "", "send_claimed_at": None},
        )
        webhooks_enqueue(notice=notice, event_type=EventType.NOTICE_SENT)
        notify(notice=notice, kind="sent")
    return notice


def notices_reconcile(*, older_than_seconds: int = 600) -> dict[str, list[int]]:
    """Re-enqueue notice work left behind (broker down at commit, worker killed): queued notices nobody is
    sending, withdrawals not yet sent to platforms that had the notice, and cases whose URLs have no notice."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    to_send = list(
        Notice.objects.filter(status=NoticeStatus.QUEUED, queued_at__lt=cutoff)
        .filter(Q(send_claimed_at__isnull=True) | Q(send_claimed_at__lt=now - timedelta(seconds=SEND_CLAIM_SECONDS)))
        .values_list("pk", flat=True)
    )
    # A week of trying: a platform that refuses the withdrawal for longer is not chased forever.
    withdrawals = list(
        Notice.objects.filter(
            status=NoticeStatus.WITHDRAWN,
            sent_at__isnull=False,
            withdrawn_at__lt=cutoff,
            withdrawn_at__gt=now - timedelta(days=7),
        )
        .exclude(platform__contact_email="")
        .exclude(events__type=EventType.NOTICE_WITHDRAWAL_SENT)
        .values_list("pk", flat=True)
    )
    to_draft = list(
        ReportedLocation.objects.filter(
            case__state=CaseState.OPEN, platform__isnull=False, notices__isnull=True, created_at__lt=cutoff
        )
        .values_list("case_id", flat=True)
        .distinct()
    )
    for pk in to_send:
        enqueue_on_commit(SEND_TASK, pk)
    for pk in withdrawals:
        enqueue_on_commit("takedowns.tasks.notice_withdrawal_send", pk)
    for pk in to_draft:
        enqueue_on_commit("takedowns.tasks.case_notices_prepare", pk)
    return {"send": to_send, "withdrawal": withdrawals, "draft": to_draft}


def notice_delivery_attempt_failed(*, notice_id: int, reason: str) -> None:
    """Record a failed attempt (kept visible while retries continue)."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice_id)
        notice.delivery_attempts += 1
        notice.delivery_error = reason[:2000]
        notice.save(update_fields=["delivery_attempts", "delivery_error", "updated_at"])


def notice_send_failed(*, notice_id: int, reason: str) -> Notice | None:
    """The terminal failure: the notice shows "delivery failed" with the reason and can be retried."""
    notice = Notice.objects.select_related("case", "platform").filter(pk=notice_id).first()
    if notice is None or notice.status != NoticeStatus.QUEUED:
        return notice
    notice = notice_transition(
        notice=notice,
        to=NoticeStatus.FAILED,
        actor_kind=ActorKind.SYSTEM,
        data={"reason": reason[:500]},
        update={"delivery_error": reason[:2000]},
    )
    notify(notice=notice, kind="failed", extra={"reason": reason})
    return notice


def notice_record_webform_submission(
    *, notice: Notice, submitted_at: datetime, actor_kind: str, actor_user=None, confirmation: str = ""
) -> Notice:
    """Someone submitted the prepared text through the platform's own form: the clock starts then.

    The time must be after the notice was drafted and the case signed, and not in the future; the stored text is
    rendered again from it, so the deadline the notice states is the ``due_at`` the clock runs on."""
    now = timezone.now()
    if submitted_at > now + timezone.timedelta(minutes=5):
        raise SubmissionTimeInvalid("future", "The submission time is in the future.")
    with transaction.atomic():
        locked = Notice.objects.select_for_update().select_related("case", "platform").get(pk=notice.pk)
        if locked.status not in (NoticeStatus.DRAFT, NoticeStatus.FAILED, NoticeStatus.QUEUED):
            return locked  # already recorded: a double click changes nothing
        earliest = max(filter(None, [locked.created_at, locked.case.signed_at]))
        # A minute's grace: the form only takes minutes, and a person types the time from a clock.
        if submitted_at < earliest - timezone.timedelta(minutes=1):
            raise SubmissionTimeInvalid(
                "before_notice", "The submission time is before this request was prepared and signed."
            )
        missing = notice_missing_elements(notice=locked)
        if missing:
            raise NoticeIncomplete(locked, missing)
        _render_into(locked, now=submitted_at)
        locked = notice_transition(
            notice=locked,
            to=NoticeStatus.SENT,
            actor_kind=actor_kind,
            actor_user=actor_user,
            at=submitted_at,
            data={"channel": "webform", "confirmation": confirmation[:200]},
        )
        webhooks_enqueue(notice=locked, event_type=EventType.NOTICE_SENT)
    notify(notice=locked, kind="sent")
    return locked


def notice_resend(*, notice_id: int) -> bool:
    """Send the advocate's requested reminder once: the notice as sent, marked as a reminder, with its PDF.
    Returns whether an e-mail went out. Raises TransientDeliveryError / PermanentDeliveryError."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("case", "platform").filter(pk=notice_id).first()
        if notice is None or notice.resend_requested_at is None:
            return False
        requested_by = notice.resend_requested_by
        still_waiting = notice.status in (NoticeStatus.SENT, NoticeStatus.ACKNOWLEDGED, NoticeStatus.INFO_REQUESTED)
        if not still_waiting or not notice.recipient:
            notice.resend_requested_at = None
            notice.save(update_fields=["resend_requested_at", "updated_at"])
            return False
        message = EmailMultiAlternatives(
            subject=f"Reminder: {notice.subject}"[:300],
            body=(
                f"REMINDER — this notice was first delivered on {notice.sent_at:%Y-%m-%d %H:%M} UTC; "
                f"the response is due by {notice.due_at:%Y-%m-%d %H:%M} UTC.\n\n{notice.body_text}"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notice.recipient],
            reply_to=[relay_address(notice)],
            headers={"X-Recourse-Notice": notice.reference},
        )
        if notice.body_html:
            message.attach_alternative(notice.body_html, "text/html")
        message.attach(f"{notice.reference}.pdf", render_notice_pdf(notice, now=notice.sent_at), "application/pdf")
        try:
            message.send(fail_silently=False)
        except Exception as exc:
            raise _classify(exc) from exc
        now = timezone.now()
        notice.resend_requested_at = None
        notice.last_resent_at = now
        notice.save(update_fields=["resend_requested_at", "last_resent_at", "updated_at"])
        event_record(
            type=EventType.NOTICE_RESENT,
            actor_kind=ActorKind.ADVOCATE if requested_by else ActorKind.SYSTEM,
            actor_user=requested_by,
            notice=notice,
            data={"due_at": notice.due_at.isoformat() if notice.due_at else None},
        )
    return True


def notice_withdrawal_send(*, notice_id: int) -> bool:
    """Tell a platform that already received a notice that the victim withdrew it: by webhook where the
    platform registered one, and by e-mail where it takes e-mail. Returns whether an e-mail was sent."""
    notice = Notice.objects.select_related("case", "platform").filter(pk=notice_id).first()
    if notice is None or notice.status != NoticeStatus.WITHDRAWN:
        return False
    with transaction.atomic():
        webhooks_enqueue(notice=notice, event_type=EventType.NOTICE_WITHDRAWN)
    if not notice.platform.contact_email or notice.sent_at is None:
        return False
    if notice.events.filter(type=EventType.NOTICE_WITHDRAWAL_SENT).exists():
        return False
    message = EmailMultiAlternatives(
        subject=f"Withdrawn: removal request {notice.reference}",
        body=(
            f"The removal request {notice.reference} sent on "
            f"{notice.sent_at:%Y-%m-%d %H:%M} UTC has been withdrawn by the person who filed it.\n"
            "Please take no further action on it. No reason is required or given.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notice.platform.contact_email],
        reply_to=[relay_address(notice)],
        headers={"X-Recourse-Notice": notice.reference},
    )
    try:
        message.send(fail_silently=False)
    except Exception as exc:
        raise _classify(exc) from exc
    event_record(type=EventType.NOTICE_WITHDRAWAL_SENT, actor_kind=ActorKind.SYSTEM, notice=notice)
    # Erasure ran before this queued message went out: the outbox copy it just left must go too.
    outbox_purge_for_erased_notice(notice=notice)
    return True
