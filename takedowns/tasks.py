"""Celery tasks: interfaces only (CONVENTIONS.md §2). Each takes ids, calls one service, and is safe to run
twice. Routing to the ``hashing`` and ``io`` queues is in settings.CELERY_TASK_ROUTES."""

from __future__ import annotations

import logging
import smtplib
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


def _backoff(retries: int) -> int:
    """Seconds before the next delivery attempt: 1, 2, 4, 8, 16 min with the production base of 60 s."""
    return settings.DELIVERY_RETRY_BASE_SECONDS * 2**retries


@shared_task(name="takedowns.tasks.image_hash", **DB_RETRY, soft_time_limit=60, time_limit=90, acks_late=True)
def image_hash(image_id: int) -> None:
    images.image_hash(image_id=image_id)


@shared_task(name="takedowns.tasks.case_notices_prepare", **DB_RETRY, soft_time_limit=120, time_limit=180)
def case_notices_prepare(case_id: int) -> None:
    """Draft the notices a case is missing (after submission and whenever URLs are added)."""
    notices.notices_prepare(case_id=case_id)


@shared_task(
    bind=True,
    name="takedowns.tasks.notice_send",
    **DB_RETRY,
    max_retries=None,
    soft_time_limit=60,
    time_limit=90,
    acks_late=True,
)
def notice_send(self, notice_id: int) -> None:
    """Send one queued notice. Transient errors back off exponentially (1, 2, 4, 8, 16 min); after the last
    retry, or at once for a permanent error, the notice shows "delivery failed" with the reason."""
    try:
        delivery.notice_send(notice_id=notice_id)
    except delivery.TransientDeliveryError as exc:
        delivery.notice_delivery_attempt_failed(notice_id=notice_id, reason=str(exc))
        if self.request.retries >= settings.NOTICE_SEND_MAX_RETRIES:
            delivery.notice_send_failed(notice_id=notice_id, reason=str(exc))
            return
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries), max_retries=None) from exc
    except delivery.PermanentDeliveryError as exc:
        delivery.notice_send_failed(notice_id=notice_id, reason=str(exc))


@shared_task(
    bind=True, name="takedowns.tasks.notice_withdrawal_send", max_retries=None, soft_time_limit=60, time_limit=90
)
def notice_withdrawal_send(self, notice_id: int) -> None:
    try:
        delivery.notice_withdrawal_send(notice_id=notice_id)
    except delivery.TransientDeliveryError as exc:
        if self.request.retries < settings.NOTICE_SEND_MAX_RETRIES:
            raise self.retry(exc=exc, countdown=_backoff(self.request.retries), max_retries=None) from exc
        log.error("Withdrawal for notice %s could not be delivered: %s", notice_id, exc)
    except delivery.PermanentDeliveryError as exc:
        log.error("Withdrawal for notice %s could not be delivered: %s", notice_id, exc)


@shared_task(
    bind=True, name="takedowns.tasks.notice_resend", max_retries=None, soft_time_limit=60, time_limit=90, acks_late=True
)
def notice_resend(self, notice_id: int) -> None:
    """The advocate's reminder e-mail; transient errors back off like a first delivery, then give up (the
    request stamp stays, so the advocate sees it was not sent and can ask again)."""
    try:
        delivery.notice_resend(notice_id=notice_id)
    except delivery.TransientDeliveryError as exc:
        if self.request.retries < settings.NOTICE_SEND_MAX_RETRIES:
            raise self.retry(exc=exc, countdown=_backoff(self.request.retries), max_retries=None) from exc
        log.error("Reminder for notice %s could not be delivered: %s", notice_id, exc)
    except delivery.PermanentDeliveryError as exc:
        log.error("Reminder for notice %s could not be delivered: %s", notice_id, exc)


@shared_task(
    bind=True,
    name="takedowns.tasks.webhook_deliver",
    **DB_RETRY,
    max_retries=None,
    soft_time_limit=30,
    time_limit=45,
    acks_late=True,
)
def webhook_deliver(self, delivery_id: int) -> None:
    """POST one webhook; back-off 1, 2, 4, 8, 16 min, then the delivery is logged as failed."""
    final = self.request.retries >= settings.NOTICE_SEND_MAX_RETRIES
    try:
        webhooks.webhook_deliver(delivery_id=delivery_id, final_attempt=final)
    except webhooks.WebhookRetry as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries), max_retries=None) from exc


@shared_task(
    bind=True,
    name="takedowns.tasks.location_verify",
    **DB_RETRY,
    max_retries=None,
    soft_time_limit=240,
    time_limit=300,
    acks_late=True,
)
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


@shared_task(name="takedowns.tasks.locations_recheck", soft_time_limit=240, time_limit=290)
def locations_recheck() -> None:
    """Request the re-checks that are due (notice deadlines, 7 and 30 days after a verified removal)."""
    with exclusive("locations-recheck", ttl_seconds=290) as taken:
        if not taken:
            return
        ids = verification.locations_recheck_due()
        deadlines.job_mark_ran("locations-recheck")
        if ids:
            log.info("Requested %d location re-checks.", len(ids))


@shared_task(name="takedowns.tasks.deadlines_sweep", soft_time_limit=240, time_limit=290)
def deadlines_sweep() -> None:
    with exclusive("sweep-deadlines", ttl_seconds=290) as taken:
        if not taken:
            log.info("Deadline sweep already running; skipped.")
            return
        result = deadlines.deadlines_sweep()
        log.info("Deadline sweep: %s overdue recorded.", result.overdue_recorded)


@shared_task(name="takedowns.tasks.escalation_ladder_run", soft_time_limit=240, time_limit=290)
def escalation_ladder_run() -> None:
    """Plan missing escalation ladders and run the steps that are due (issue 14). The lock keeps two runs from
    overlapping; each step is also locked and re-checked, so a step runs once however many workers there are."""
    with exclusive("escalation-ladder", ttl_seconds=290) as taken:
        if not taken:
            log.info("Escalation ladder already running; skipped.")
            return
        result = escalation.escalation_ladder_run()
        deadlines.job_mark_ran("escalation-ladder")
        if result["done"]:
            log.info("Escalation ladder: %s", result)


@worker_ready.connect
def deadlines_sweep_on_worker_start(sender=None, **kwargs) -> None:
    """Run the first deadline sweep as soon as a worker is up, instead of up to 5 minutes later when beat first
    fires: a fresh deployment's board never says "no check has run". The sweep's lock makes a second worker's
    start (or beat firing at the same moment) a no-op."""
    deadlines_sweep.apply_async()


@shared_task(name="takedowns.tasks.reconcile", soft_time_limit=240, time_limit=290)
def reconcile() -> None:
    with exclusive("reconcile", ttl_seconds=290) as taken:
        if not taken:
            return
        counts = work_reconcile()
        deadlines.job_mark_ran("reconcile")
        if any(counts.values()):
            log.warning("Reconcile re-enqueued work left pending: %s", counts)


@shared_task(name="takedowns.tasks.retention_purge", soft_time_limit=600, time_limit=660)
def retention_purge() -> None:
    with exclusive("retention-purge", ttl_seconds=660) as taken:
        if taken:
            images.images_retention_purge()
            bundles.bundles_purge_expired()
            deadlines.job_mark_ran("retention-purge")


@shared_task(name="takedowns.tasks.intake_pending_purge", soft_time_limit=240, time_limit=290)
def intake_pending_purge() -> None:
    """Delete uploads of intakes that were never submitted (held encrypted for at most a day)."""
    with exclusive("intake-pending-purge", ttl_seconds=290) as taken:
        if taken:
            intake.intake_pending_purge(older_than=timedelta(hours=24))
            deadlines.job_mark_ran("intake-pending-purge")


@shared_task(name="takedowns.tasks.sessions_purge", soft_time_limit=240, time_limit=290)
def sessions_purge() -> None:
    """Delete expired sessions (sign-ins and intake answers of people who left)."""
    with exclusive("sessions-purge", ttl_seconds=290) as taken:
        if taken:
            sessions.sessions_expired_purge()
            deadlines.job_mark_ran("sessions-purge")


@shared_task(
    bind=True,
    name="takedowns.tasks.notification_send",
    **DB_RETRY,
    max_retries=None,
    soft_time_limit=60,
    time_limit=90,
    acks_late=True,
)
def notification_send(self, notification_id: int) -> None:
    """E-mail one notification; transient mail errors back off 1, 2, 4, 8, 16 min, then it is marked failed."""
    try:
        notifications.notification_send(notification_id=notification_id)
    except notifications.NotificationRetry as exc:
        if self.request.retries >= settings.NOTICE_SEND_MAX_RETRIES:
            notifications.notification_failed(notification_id=notification_id, reason=str(exc))
            return
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries), max_retries=None) from exc


@shared_task(bind=True, name="takedowns.tasks.respond_code_send", max_retries=None, soft_time_limit=60, time_limit=90)
def respond_code_send(self, notice_id: int, requester: str = "") -> None:
    """E-mail a one-time answering code to a platform's registered contact (retried on mail errors)."""
    try:
        respond_codes.respond_code_send(notice_id=notice_id, requester=requester)
    except (OSError, smtplib.SMTPException) as exc:
        if self.request.retries < 3:
            raise self.retry(exc=exc, countdown=30 * 2**self.request.retries, max_retries=None) from exc
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


@shared_task(name="takedowns.tasks.crawled_images_match", soft_time_limit=600, time_limit=660)
def crawled_images_match() -> None:
    with exclusive("crawled-images-match", ttl_seconds=660) as taken:
        if taken:
            discovery.crawled_images_match()


@shared_task(name="takedowns.tasks.discovery_reference_match", soft_time_limit=240, time_limit=300)
def discovery_reference_match(image_id: int) -> None:
    discovery.reference_match_crawled(image_id=image_id)


@shared_task(name="takedowns.tasks.crawls_due", soft_time_limit=120, time_limit=180)
def crawls_due() -> None:
    with exclusive("crawls-due", ttl_seconds=180) as taken:
        if taken:
            discovery.crawls_due()
