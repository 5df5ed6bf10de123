"""Enqueueing background work. Always after commit (DESIGN.md §9): a rolled-back transaction enqueues nothing,
and a worker never looks for a row that is not yet visible to it.

Services name a task (``"takedowns.tasks.notice_send"``) and never import takedowns/tasks.py: tasks call services,
so the dependency runs one way only. The tasks are registered in every process by ``TakedownsConfig.ready``.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import secrets
from collections.abc import Callable
from contextlib import contextmanager, suppress
from pathlib import Path

import redis
from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from redis.exceptions import LockError

from takedowns.services.throttle import cache_mutex

log = logging.getLogger(__name__)


def enqueue_on_commit(task_name: str, *args, fallback: Callable[[], None] | None = None) -> None:
    """Send ``task_name(*args)`` once the transaction commits. If the broker refuses it, the reconcile job
    re-enqueues work left pending (DESIGN.md §9); work that reconcile cannot redo later (it depends on something
    that exists only now) passes a ``fallback`` that does it in this process instead."""

    def _send() -> None:
        try:
            # Through the registered task (not send_task), so that eager mode in unit tests applies too.
            current_app.tasks[task_name].apply_async(args=list(args))
        except Exception:
            if fallback is None:
                log.exception("Could not enqueue %s%r; the reconcile job will pick it up.", task_name, args)
                return
            log.warning("The broker is unreachable: %s runs in this process.", task_name)
            fallback()

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


@contextmanager
def held_while_alive(name: str):
    """A lock that dies with the process holding it; yields True when taken, False when a live process holds it.

    For work claimed in the database and then done outside any transaction (an SMTP conversation, a page fetch):
    a claim row alone cannot tell a worker that is still busy from one that was killed (SIGKILL, OOM, a lost
    machine), so its redelivered task would have to wait for the claim to expire. Whoever finds a claim and can
    take this lock knows the claimant is gone. On PostgreSQL it is a session advisory lock, released by the
    server when the holder's connection drops; on the embedded default (one machine) an ``flock`` on a file,
    released by the kernel when the holder dies.
    """
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            taken = bool(cursor.fetchone()[0])
        try:
            yield taken
        finally:
            if taken:
                with suppress(DatabaseError), connection.cursor() as cursor:  # a lost connection released it
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    folder = Path(settings.VAR_DIR) / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / hashlib.sha256(name.encode()).hexdigest()[:32], os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            taken = True
        except BlockingIOError:
            taken = False
        yield taken
    finally:
        os.close(fd)  # releases the flock
