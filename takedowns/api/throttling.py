"""DRF's per-user rate limit, failing open when the cache cannot be reached.

The limit guards against a runaway script, not against guessing, so a cache outage (Redis down) lets requests
through instead of answering 500: the outage delays background work, it must not refuse an advocate's case.
"""

from __future__ import annotations

import logging

from rest_framework.throttling import UserRateThrottle

log = logging.getLogger(__name__)


class FailOpenUserRateThrottle(UserRateThrottle):
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:
            log.warning("The cache is unreachable: the API rate limit is not applied to this request.")
            return True
