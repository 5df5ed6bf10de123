"""Fixtures for the advocate's cockpit: notices at chosen points of their clocks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from takedowns.lifecycle import notice_transition
from tests.factories import CaseFactory, LocationFactory, NoticeFactory


def sent_notice(platform, *, hours_ago: float, case=None, url: str | None = None):
    """A notice sent ``hours_ago`` (its 48 h clock counted from then), covering one URL on ``platform``."""
    case = case or CaseFactory()
    notice = NoticeFactory(case=case, platform=platform)
    location = LocationFactory(case=case, platform=platform, **({"url": url} if url else {}))
    notice.locations.add(location)
    return notice_transition(
        notice=notice, to="sent", actor_kind="system", at=timezone.now() - timedelta(hours=hours_ago)
    )


@pytest.fixture
def make_sent():
    return sent_notice
