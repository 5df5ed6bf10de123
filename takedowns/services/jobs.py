"""Enqueueing background work. Always after commit (DESIGN.md §9): a rolled-back transaction enqueues nothing,
and a worker never looks for a row that is not yet visible to it.

Services name a task (``"takedowns.tasks.notice_send"``) and never import takedowns/tasks.py: tasks call services,
so the dependency runs one way only. The tasks are registered in every process by ``TakedownsConfig.ready``.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from celery import current_app
from django.core.cache import cache
from django.db import transaction

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
    """Hold a cluster-wide lock (the shared cache) for a periodic job, so two runs never overlap.

    Yields True when the lock was taken, False when another run holds it.
    """
    key = f"recourse:lock:{name}"
    taken = cache.add(key, "1", ttl_seconds)
    try:
        yield taken
    finally:
        if taken:
            cache.delete(key)
