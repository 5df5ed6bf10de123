"""A small rate limiter on Django's cache, shared by every web process (file cache on the embedded default,
Redis in production).

Sliding-window counter: each key counts hits in fixed buckets of ``window_seconds``; the current estimate
is ``this bucket + previous bucket × (the share of the previous window still inside the sliding window)``.
This is the approximation Cloudflare describes for its rate limiting: two cache keys per limit, no lists
of timestamps, and no burst of ``2 × limit`` across a bucket boundary as a plain fixed window would allow.

Counting is atomic: increment, then decide on the count the increment returned, so parallel guesses cannot
all pass a limit. ``cache.add`` + ``cache.incr`` are atomic on Redis; on the file cache of the embedded default
``incr`` is a read-then-write, so there every increment holds an exclusive file lock (one machine, many
processes). ``incr`` on the file cache also resets a key's expiry, so the expiry is set again with ``touch``.

Client addresses come from ``takedowns.addresses.client_address``, which believes ``X-Forwarded-For`` only
from the reverse proxies listed in ``TRUSTED_PROXIES``.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import time
from contextlib import contextmanager

from django.core.cache import cache, caches
from django.core.cache.backends.filebased import FileBasedCache

_PREFIX = "recourse:throttle"

log = logging.getLogger(__name__)


def _bucket_keys(key: str, window_seconds: int, now: float) -> tuple[str, str, float]:
    # Keys are hashed: they may contain a client address or a case reference, which have no place in a
    # cache key listing.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    bucket = int(now // window_seconds)
    elapsed = (now % window_seconds) / window_seconds
    return f"{_PREFIX}:{digest}:{bucket}", f"{_PREFIX}:{digest}:{bucket - 1}", elapsed


def throttle_count(key: str, window_seconds: int, *, now: float | None = None) -> float:
    """The estimated number of hits on ``key`` within the last ``window_seconds``."""
    current_key, previous_key, elapsed = _bucket_keys(key, window_seconds, time.time() if now is None else now)
    values = cache.get_many([current_key, previous_key])
    return values.get(current_key, 0) + values.get(previous_key, 0) * (1.0 - elapsed)


def throttle_is_limited(
    key: str, limit: int, window_seconds: int, *, now: float | None = None, fail_open: bool = False
) -> bool:
    """True when ``key`` has already used up its ``limit`` hits in the window (checking does not count).

    ``fail_open``: as for :func:`throttle_hit`, an unreachable cache answers "not limited" instead of raising."""
    if not fail_open:
        return throttle_count(key, window_seconds, now=now) >= limit
    try:
        return throttle_count(key, window_seconds, now=now) >= limit
    except Exception:
        log.warning("The cache is unreachable: the %s limit is not applied to this request.", key.split(":")[0])
        return False


@contextmanager
def cache_mutex():
    """Make a read-then-write on the cache one step where the cache cannot (the file cache): an exclusive lock
    on a file in the cache's own folder, which every process of the embedded default shares. On Redis the
    commands themselves are atomic and this does nothing."""
    backend = caches["default"]  # the backend itself: ``cache`` is a proxy to it
    if not isinstance(backend, FileBasedCache):
        yield  # Redis: SET NX and INCR are atomic on the server
        return
    os.makedirs(backend._dir, exist_ok=True)
    with open(os.path.join(backend._dir, ".throttle.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def throttle_hit(
    key: str, limit: int, window_seconds: int, *, now: float | None = None, fail_open: bool = False, cost: int = 1
) -> bool:
    """Count one hit on ``key``, then decide: True when this hit is within ``limit``, False when over it.

    ``cost``: how many units this hit counts for (files in an upload: ten pictures in one request cost ten).

    ``fail_open``: when the cache cannot be reached (Redis down), let the hit through instead of raising. For
    limits that only guard against floods (a victim filing a case must not be turned away by a cache outage);
    limits that stop guessing (access codes) keep failing closed."""
    if not fail_open:
        return _throttle_hit(key, limit, window_seconds, now=now, cost=cost)
    try:
        return _throttle_hit(key, limit, window_seconds, now=now, cost=cost)
    except Exception:
        log.warning("The cache is unreachable: the %s limit is not applied to this request.", key.split(":")[0])
        return True


def _throttle_hit(key: str, limit: int, window_seconds: int, *, now: float | None, cost: int = 1) -> bool:
    now = time.time() if now is None else now
    cost = max(1, int(cost))
    current_key, previous_key, elapsed = _bucket_keys(key, window_seconds, now)
    # Two windows: the bucket must still be readable as "previous" during the whole next window.
    ttl = 2 * window_seconds
    with cache_mutex():
        if cache.add(current_key, cost, ttl):
            count = cost
        else:
            try:
                count = cache.incr(current_key, cost)
            except ValueError:  # expired between add and incr
                cache.add(current_key, cost, ttl)
                count = cost
            cache.touch(current_key, ttl)
    previous = cache.get(previous_key, 0)
    return count + previous * (1.0 - elapsed) <= limit


def throttle_reset(key: str, window_seconds: int) -> None:
    current_key, previous_key, _elapsed = _bucket_keys(key, window_seconds, time.time())
    cache.delete_many([current_key, previous_key])
