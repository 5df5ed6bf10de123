"""Staff sign-in slows down per user name instead of locking it.

django-axes locks the (user name, address) pair and the address: a stranger can lock only themselves. Failures
for one user name from many addresses must not lock its owner out, so they cost time instead: once the name has
had ``AXES_FAILURE_LIMIT`` failures within the cool-off period, every further try on it waits, doubling with
each failure up to :data:`MAX_DELAY_SECONDS` — the owner still gets in, a guesser gets a few tries a minute per
connection. The count is axes' own (its database rows), so no second counter can drift from it.
"""

from __future__ import annotations

import time
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

FIRST_DELAY_SECONDS = 0.5
# Long enough to make guessing slow, short enough that a web worker is not held long and the owner waits a moment.
MAX_DELAY_SECONDS = 5.0


def sign_in_failures_for_username(*, username: str) -> int:
    cooloff = timedelta(hours=settings.AXES_COOLOFF_TIME)
    total = AccessAttempt.objects.filter(username=username, attempt_time__gte=timezone.now() - cooloff).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return total or 0


def sign_in_delay_seconds(*, username: str) -> float:
    """How long a sign-in attempt for ``username`` waits before its password is checked."""
    if not username:
        return 0.0
    excess = sign_in_failures_for_username(username=username) - settings.AXES_FAILURE_LIMIT
    if excess < 0:
        return 0.0
    return min(FIRST_DELAY_SECONDS * 2 ** min(excess, 16), MAX_DELAY_SECONDS)


def sign_in_slow_down(*, username: str) -> float:
    delay = sign_in_delay_seconds(username=username)
    if delay:
        time.sleep(delay)
    return delay
