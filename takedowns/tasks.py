"""Celery tasks: interfaces only (CONVENTIONS.md §2). Each takes ids, calls one service, and is safe to run
twice. Routing to the ``hashing`` and ``io`` queues is in settings.CELERY_TASK_ROUTES."""

from __future__ import annotations

import functools
import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from takedowns.audit import event_record
from takedowns.models import ActorKind, EventType
from takedowns.services import (
    bundles,
    deadlines,
    delivery,
    discovery,
    escalation,
    hosts,
    images,
    intake,
    likeness,
    notices,
    notifications,
    respond_codes,
    sessions,
    verification,
    webhooks,
)
from takedowns.services.jobs import exclusive
from takedowns.services.reconcile import work_reconcile

log = logging.getLogger(__name__)


# Tasks that retry count their own attempts (NOTICE_SEND_MAX_RETRIES, VERIFY_MAX_RETRIES) and are declared with
# ``max_retries=None``: Celery's default of 3 would otherwise end them with an exception on the fourth retry,
# before their own limit, leaving the row pending with no "failed" state until reconcile.
SELF_COUNTED = {"bind": True, "max_retries": None}


# Work that loses its database connection (PostgreSQL restarted or failed over mid-task) is retried shortly, on a
# fresh connection (Celery's Django fixup closes unusable connections between tasks), instead of being left to
# reconcile: 2, 4, 8, 16, 30 s. Every task here is idempotent, so a retry after a partial run is safe.
DB_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 30,
    "retry_jitter": False,
    "retry_kwargs": {"max_retries": 5},
}


# Work that must end in a recorded outcome: its own attempt count, database-outage retries, and redelivery to
# another worker if this one dies mid-task (acks_late; each task is idempotent).
RETRIED_WORK = {**SELF_COUNTED, **DB_RETRY, "acks_late": True}


def _backoff(retries: int) -> int:
    """Seconds before the next delivery attempt: 1, 2, 4, 8, 16 min with the production base of 60 s."""
    return settings.DELIVERY_RETRY_BASE_SECONDS * 2**retries


def _retry_while_allowed(task, exc: Exception, *, limit: int | None = None, countdown: int | None = None) -> None:
    """Retry ``task`` after a transient (mail) error while it has attempts left (``NOTICE_SEND_MAX_RETRIES`` unless
    told), backing off exponentially; return when they are spent, so the caller records the failure."""
    retries = task.request.retries
    if retries < (settings.NOTICE_SEND_MAX_RETRIES if limit is None else limit):
        wait = _backoff(retries) if countdown is None else countdown
        raise task.retry(exc=exc, countdown=wait, max_retries=None) from exc


def _notice_mail(task, send: Callable[[], None], *, what: str, notice_id: int) -> None:
    """Send one e-mail about a notice that has no failed state of its own: retried, then logged."""
    try:
        send()
    except delivery.TransientDeliveryError as exc:
        _retry_while_allowed(task, exc)
        log.error("%s for notice %s could not be delivered: %s", what, notice_id, exc)
    except delivery.PermanentDeliveryError as exc:
        log.error("%s for notice %s could not be delivered: %s", what, notice_id, exc)


def periodic(lock: str, *, mark_ran: bool = True, **task_options):
    """A scheduled job (the beat schedule in settings): one run at a time cluster-wide, under a lock held for
    the task's hard time limit, stamped as run (the board's "last check") when it finishes. A run that finds
    the lock taken does nothing. ``mark_ran=False`` for a job whose service stamps itself."""

    def wrap(body: Callable[[], None]):
        @functools.wraps(body)
        def run() -> None:
            with exclusive(lock, ttl_seconds=task_options["time_limit"]) as taken:
                if not taken:
                    log.info("%s already running; skipped.", lock)
                    return
                body()
                if mark_ran:
                    deadlines.job_mark_ran(lock)

        return shared_task(**task_options)(run)

    return wrap


@shared_task(name="takedowns.tasks.image_hash", **DB_RETRY, soft_time_limit=60, time_limit=90, acks_late=True)
def image_hash(image_id: int) -> None:
    images.image_hash(image_id=image_id)


@shared_task(
    name="takedowns.tasks.likeness_template_make", **DB_RETRY, soft_time_limit=120, time_limit=180, acks_late=True
)
def likeness_template_make(template_id: int) -> None:
    likeness.likeness_template_make(template_id=template_id)


@shared_task(name="takedowns.tasks.case_notices_prepare", **DB_RETRY, soft_time_limit=120, time_limit=180)
def case_notices_prepare(case_id: int) -> None:
    """Draft the notices a case is missing (after submission and whenever URLs are added)."""
    notices.notices_prepare(case_id=case_id)


@shared_task(name="takedowns.tasks.notice_send", **RETRIED_WORK, soft_time_limit=60, time_limit=90)
def notice_send(self, notice_id: int) -> None:
    """Send one queued notice. Transient errors back off exponentially (1, 2, 4, 8, 16 min); after the last
    retry, or at once for a permanent error, the notice shows "delivery failed" with the reason."""
    try:
        delivery.notice_send(notice_id=notice_id)
    except delivery.TransientDeliveryError as exc:
        delivery.notice_delivery_attempt_failed(notice_id=notice_id, reason=str(exc))
        _retry_while_allowed(self, exc)
        delivery.notice_send_failed(notice_id=notice_id, reason=str(exc))
    except delivery.PermanentDeliveryError as exc:
        delivery.notice_send_failed(notice_id=notice_id, reason=str(exc))


@shared_task(name="takedowns.tasks.notice_withdrawal_send", **SELF_COUNTED, soft_time_limit=60, time_limit=90)
def notice_withdrawal_send(self, notice_id: int) -> None:
    _notice_mail(
        self, lambda: delivery.notice_withdrawal_send(notice_id=notice_id), what="Withdrawal", notice_id=notice_id
    )


@shared_task(name="takedowns.tasks.notice_resend", **SELF_COUNTED, soft_time_limit=60, time_limit=90, acks_late=True)
def notice_resend(self, notice_id: int) -> None:
    """The advocate's reminder e-mail; transient errors back off like a first delivery, then give up (the
    request stamp stays, so the advocate sees it was not sent and can ask again)."""
    _notice_mail(self, lambda: delivery.notice_resend(notice_id=notice_id), what="Reminder", notice_id=notice_id)


@shared_task(name="takedowns.tasks.webhook_deliver", **RETRIED_WORK, soft_time_limit=30, time_limit=45)
def webhook_deliver(self, delivery_id: int) -> None:
    """POST one webhook; back-off 1, 2, 4, 8, 16 min, then the delivery is logged as failed."""
    final = self.request.retries >= settings.NOTICE_SEND_MAX_RETRIES
    try:
        webhooks.webhook_deliver(delivery_id=delivery_id, final_attempt=final)
    except webhooks.WebhookRetry as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries), max_retries=None) from exc


@shared_task(name="takedowns.tasks.location_verify", **RETRIED_WORK, soft_time_limit=240, time_limit=300)
def location_verify(self, location_id: int) -> None:
    """Fetch one reported URL and apply the verdict (io queue: fetching plus the cheap hash stages; the bytes
    never leave this process). Timeouts, resets and 5xx back off 30 s, 1, 2, 4 min; then "could not check"."""
    final = self.request.retries >= settings.VERIFY_MAX_RETRIES
    try:
        verification.location_verify(location_id=location_id, final_attempt=final)
    except verification.TransientCheckError as exc:
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries, max_retries=None) from exc


@shared_task(name="takedowns.tasks.host_identify", **DB_RETRY, soft_time_limit=60, time_limit=90, acks_late=True)
def host_identify(location_id: int, requested_at: str | None = None) -> None:
    """Who can act on the site of one location (DNS, CDN ranges, RDAP): every exchange has its own timeout
    (DNS 4 s a record type, RDAP 10 s an exchange), so a lookup ends well inside the limit; a part that fails
    is stored with its reason and looked up again later, never retried in a loop here."""
    hosts.location_host_identify(location_id=location_id, requested_at=requested_at)


@periodic("locations-recheck", name="takedowns.tasks.locations_recheck", soft_time_limit=240, time_limit=290)
def locations_recheck() -> None:
    """Request the re-checks that are due (notice deadlines, 7 and 30 days after a verified removal)."""
    ids = verification.locations_recheck_due()
    if ids:
        log.info("Requested %d location re-checks.", len(ids))


@periodic(
    "sweep-deadlines", mark_ran=False, name="takedowns.tasks.deadlines_sweep", soft_time_limit=240, time_limit=290
)
def deadlines_sweep() -> None:
    """Record the notices whose deadline passed (the service stamps the run itself, inside its transaction)."""
    result = deadlines.deadlines_sweep()
    log.info("Deadline sweep: %s overdue recorded.", result.overdue_recorded)


@periodic("escalation-ladder", name="takedowns.tasks.escalation_ladder_run", soft_time_limit=240, time_limit=290)
def escalation_ladder_run() -> None:
    """Plan missing escalation ladders and run the steps that are due. The lock keeps two runs from overlapping;
    each step is also locked and re-checked, so a step runs once however many workers there are."""
    result = escalation.escalation_ladder_run()
    if result["done"]:
        log.info("Escalation ladder: %s", result)


@worker_ready.connect
def deadlines_sweep_on_worker_start(sender=None, **kwargs) -> None:
    """Run the first deadline sweep as soon as a worker is up, instead of up to 5 minutes later when beat first
    fires: a fresh deployment's board never says "no check has run". The sweep's lock makes a second worker's
    start (or beat firing at the same moment) a no-op."""
    deadlines_sweep.apply_async()


@periodic("reconcile", name="takedowns.tasks.reconcile", soft_time_limit=240, time_limit=290)
def reconcile() -> None:
    counts = work_reconcile()
    if any(counts.values()):
        log.warning("Reconcile re-enqueued work left pending: %s", counts)


@periodic("retention-purge", name="takedowns.tasks.retention_purge", soft_time_limit=600, time_limit=660)
def retention_purge() -> None:
    images.images_retention_purge()
    bundles.bundles_purge_expired()


@periodic("intake-pending-purge", name="takedowns.tasks.intake_pending_purge", soft_time_limit=240, time_limit=290)
def intake_pending_purge() -> None:
    """Delete uploads of intakes that were never submitted (held encrypted for at most a day)."""
    intake.intake_pending_purge(older_than=timedelta(hours=24))


@periodic("sessions-purge", name="takedowns.tasks.sessions_purge", soft_time_limit=240, time_limit=290)
def sessions_purge() -> None:
    """Delete expired sessions (sign-ins and intake answers of people who left)."""
    sessions.sessions_expired_purge()


@shared_task(name="takedowns.tasks.notification_send", **RETRIED_WORK, soft_time_limit=60, time_limit=90)
def notification_send(self, notification_id: int) -> None:
    """E-mail one notification; transient mail errors back off 1, 2, 4, 8, 16 min, then it is marked failed."""
    try:
        notifications.notification_send(notification_id=notification_id)
    except notifications.NotificationRetry as exc:
        _retry_while_allowed(self, exc)
        notifications.notification_failed(notification_id=notification_id, reason=str(exc))


@shared_task(name="takedowns.tasks.intake_submitted_followup", **DB_RETRY, soft_time_limit=60, time_limit=90)
def intake_submitted_followup(case_id: int, sealed_code: str, pending: list[str]) -> None:
    """After a filing: delete the pending copies of its pictures and e-mail the receipt (the access code comes
    sealed with the field key)."""
    intake.intake_submitted_followup(case_id=case_id, sealed_code=sealed_code, pending=pending)


@shared_task(name="takedowns.tasks.respond_code_send", **SELF_COUNTED, soft_time_limit=60, time_limit=90)
def respond_code_send(self, notice_id: int, requester: str = "") -> None:
    """E-mail a one-time answering code to a platform's registered contact (retried on mail errors)."""
    try:
        respond_codes.respond_code_send(notice_id=notice_id, requester=requester)
    except (OSError, smtplib.SMTPException) as exc:
        _retry_while_allowed(self, exc, limit=3, countdown=30 * 2**self.request.retries)
        log.error("Could not send the answering code for notice %s: %s", notice_id, exc)


@shared_task(name="takedowns.tasks.ping")
def ping(token: str) -> None:
    """A health probe: proves a worker consumes the queue and writes to the database."""
    event_record(
        type=EventType.SYSTEM_PING, actor_kind=ActorKind.SYSTEM, data={"probe": token, "at": timezone.now().isoformat()}
    )


@shared_task(name="takedowns.tasks.evidence_bundle_build", soft_time_limit=300, time_limit=360, acks_late=True)
def evidence_bundle_build(bundle_id: int) -> None:
    """Build one evidence bundle; any error leaves it visibly failed with the reason (a new one can be asked for)."""
    from celery.exceptions import SoftTimeLimitExceeded

    try:
        bundles.bundle_build(bundle_id=bundle_id)
    except SoftTimeLimitExceeded:
        bundles.bundle_failed(bundle_id=bundle_id, reason="Building took too long.")
    except Exception as exc:
        log.exception("Evidence bundle %s failed", bundle_id)
        bundles.bundle_failed(bundle_id=bundle_id, reason=f"{type(exc).__name__}: {exc}")


@shared_task(name="takedowns.tasks.crawl_step", **DB_RETRY, soft_time_limit=900, time_limit=960, acks_late=True)
def crawl_step(run_id: int) -> None:
    """Crawl part of a watched site's run (pages and their images, fetched and hashed in this io task: the
    bytes must not be stored or sent through the broker); the step enqueues the next one itself."""
    discovery.crawl_step(run_id=run_id)


@periodic(
    "crawled-images-match",
    mark_ran=False,
    name="takedowns.tasks.crawled_images_match",
    soft_time_limit=600,
    time_limit=660,
)
def crawled_images_match() -> None:
    discovery.crawled_images_match()


@shared_task(name="takedowns.tasks.discovery_reference_match", soft_time_limit=240, time_limit=300)
def discovery_reference_match(image_id: int) -> None:
    discovery.reference_match_crawled(image_id=image_id)


@periodic("crawls-due", mark_ran=False, name="takedowns.tasks.crawls_due", soft_time_limit=120, time_limit=180)
def crawls_due() -> None:
    discovery.crawls_due()
