"""The limiter counts atomically across processes, on the cache the deployment really uses (the file cache on
the embedded default, Redis in CI's second run): increment, then decide."""

from __future__ import annotations

import multiprocessing
import time
import uuid
from concurrent.futures import ProcessPoolExecutor

from takedowns.services.throttle import throttle_hit


def _hits_at(key: str, start: float) -> list[bool]:
    time.sleep(max(0.0, start - time.time()))
    return [throttle_hit(key, 5, 900, now=start) for _ in range(5)]


def test_parallel_guesses_from_many_processes_cannot_pass_the_limit():
    """40 hits from 8 processes at the same moment (as from 8 web workers) on a limit of 5: exactly 5 pass."""
    key = f"test:parallel:{uuid.uuid4()}"
    start = time.time() + 0.5
    with ProcessPoolExecutor(max_workers=8, mp_context=multiprocessing.get_context("fork")) as pool:
        results = [hit for batch in pool.map(_hits_at, [key] * 8, [start] * 8) for hit in batch]
    assert len(results) == 40 and results.count(True) == 5
