"""Enqueueing background work. Always after commit (DESIGN.md §9): a rolled-back transaction enqueues nothing,
and a worker never looks for a row that is not yet visible to it.

Services name a task (``"takedowns.tasks.notice_send"``) and never import takedowns/tasks.py: tasks call services,
so the dependency runs one way only. The tasks are registered in every process by ``TakedownsConfig.ready``.
"""

from __future__ import annotations

import logging
import secrets
from contextlib import contextmanager, suppress

import redis
from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from redis.exceptions import LockError

from takedowns.services.throttle import cache_mutex

log = logging.getLogger(__name__)


def enqueue_on_commit(task_name: str, *args) -> None:
    def _send() -> None:
        try:
            # Through the registered task (not send_task), so that eager mode in unit tests applies too.
            current_app.tasks[task_name].apply_async(args=list(args))
        except Exception:
            # Nothing is lost: the reconcile job re-enqueues work left pending (DESIGN.md §9).
            log.exception("Could not enqueue %s%r; the reconcile job will pick it up.", task_name, args)

    transaction.on_commit(_send)


@contextmanager
def exclusive(name: str, *, ttl_seconds: int):
    """Hold a cluster-wide lock for a periodic job, so two runs never overlap.

    Yields True when the lock was taken, False when another run holds it. Only its owner releases it: a run that
    outlived ``ttl_seconds`` (its lock expired and another run took it) leaves the other run's lock alone. On
    Redis this is redis-py's ``Lock`` (a token checked and deleted atomically by a script); on the file cache of
    the embedded default, a token compared and deleted under the cache's file lock.
    """
    key = f"recourse:lock:{name}"
    if (settings.CACHE_URL or "").startswith(("redis://", "rediss://")):
        lock = redis.Redis.from_url(settings.CACHE_URL).lock(key, timeout=ttl_seconds, blocking=False)
        taken = lock.acquire(blocking=False)
        try:
            yield taken
        finally:
            if taken:
                with suppress(LockError):  # expired and maybe taken by another run: not ours to release
                    lock.release()
        return
    token = secrets.token_hex(16)
    taken = cache.add(key, token, ttl_seconds)
    try:
        yield taken
    finally:
        if taken:
            with cache_mutex():
                if cache.get(key) == token:
                    cache.delete(key)
