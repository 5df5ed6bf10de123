"""The receipt's one-time access code, as the intake service keeps it: readable for a few minutes after filing,
never in the clear, and still shown once when the cache is down."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.core.cache import cache
from django.utils import timezone

from takedowns.services.intake import (
    RECEIPT_TTL,
    receipt_cache_key,
    receipt_code_forget,
    receipt_code_open,
    receipt_code_seal,
)

CODE = "ABCD-EFGH-JKLM"
BROKEN_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
}


def test_the_sealed_code_opens_until_forgotten_and_is_never_stored_in_the_clear():
    kept = receipt_code_seal(submission_key="k1", access_code=CODE)
    assert kept == {}  # the cache works: nothing for the session
    assert CODE.encode() not in cache.get(receipt_cache_key("k1"))
    assert receipt_code_open(submission_key="k1", kept=kept) == CODE
    receipt_code_forget(submission_key="k1")
    assert receipt_code_open(submission_key="k1", kept=kept) == ""


def test_with_the_cache_down_the_session_keeps_the_sealed_code_for_the_same_few_minutes(settings):
    settings.CACHES = BROKEN_CACHE
    kept = receipt_code_seal(submission_key="k2", access_code=CODE)
    assert set(kept) == {"sealed_code", "code_until"} and CODE not in kept["sealed_code"]
    assert receipt_code_open(submission_key="k2", kept=kept) == CODE
    receipt_code_forget(submission_key="k2")  # logs, does not raise
    with time_machine.travel(timezone.now() + timedelta(seconds=RECEIPT_TTL + 60)):
        assert receipt_code_open(submission_key="k2", kept=kept) == ""
