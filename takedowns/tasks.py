"""Celery tasks: interfaces only (CONVENTIONS.md §2). Each takes ids, calls one service, and is safe to run
twice. Routing to the ``hashing`` and ``io`` queues is in settings.CELERY_TASK_ROUTES."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from takedowns.models import ActorKind
from takedowns.services import deadlines, images, notices
from takedowns.services.events import event_record
from takedowns.services.jobs import exclusive

log = logging.getLogger(__name__)


@shared_task(name="takedowns.tasks.image_hash", soft_time_limit=60, time_limit=90, acks_late=True)
def image_hash(image_id: int) -> None:
    images.image_hash(image_id=image_id)


@shared_task(name="takedowns.tasks.case_notices_prepare", soft_time_limit=120, time_limit=180)
def case_notices_prepare(case_id: int) -> None:
    """Draft the notices a case is missing (after submission and whenever URLs are added)."""
    notices.notices_prepare(case_id=case_id)


@shared_task(name="takedowns.tasks.deadlines_sweep", soft_time_limit=240, time_limit=290)
def deadlines_sweep() -> None:
    with exclusive("sweep-deadlines", ttl_seconds=290) as taken:
        if not taken:
            log.info("Deadline sweep already running; skipped.")
            return
        result = deadlines.deadlines_sweep()
        log.info("Deadline sweep: %s overdue recorded.", result.overdue_recorded)


@shared_task(name="takedowns.tasks.reconcile", soft_time_limit=240, time_limit=290)
def reconcile() -> None:
    with exclusive("reconcile", ttl_seconds=290) as taken:
        if not taken:
            return
        ids = images.images_reconcile()
        deadlines.job_mark_ran("reconcile")
        if ids:
            log.warning("Reconcile re-enqueued %d pending images.", len(ids))


@shared_task(name="takedowns.tasks.retention_purge", soft_time_limit=600, time_limit=660)
def retention_purge() -> None:
    with exclusive("retention-purge", ttl_seconds=660) as taken:
        if taken:
            images.images_retention_purge()
            deadlines.job_mark_ran("retention-purge")


@shared_task(name="takedowns.tasks.ping")
def ping(token: str) -> None:
    """A health probe: proves a worker consumes the queue and writes to the database."""
    event_record(
        type="system.ping", actor_kind=ActorKind.SYSTEM, data={"probe": token, "at": timezone.now().isoformat()}
    )
