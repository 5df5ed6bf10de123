"""Hypothesis profiles for the fuzz tests, loaded by tests/fuzz/conftest.py.

``recourse`` is the default: derandomised (the same examples every run, so CI is repeatable and a failure can
be re-run), no example database written into the checkout, a deadline per example so that a hang or a slow path
fails the test, and few enough examples that each backend's fuzzing stays well under a minute.
``HYPOTHESIS_PROFILE=explore`` looks for new failures: random examples, 30 times as many, found failures kept
in ``.hypothesis/`` (git ignores it):

    DEBUG=true HYPOTHESIS_PROFILE=explore .venv/bin/pytest tests/fuzz -p no:cacheprovider
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "recourse")
SCALE = 30 if PROFILE == "explore" else 1

# Each example is one decode, one form or one request: seconds would mean a hang or a pathological path.
settings.register_profile(
    "recourse",
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=5),
    max_examples=50,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "explore",
    parent=settings.get_profile("recourse"),
    derandomize=False,
    database=settings.get_profile("default").database,
    max_examples=50 * SCALE,
)


def examples(n: int) -> settings:
    """``@examples(n)``: n examples in CI, SCALE times as many when exploring."""
    return settings(max_examples=n * SCALE)
