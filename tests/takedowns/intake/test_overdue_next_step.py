"""Once a platform misses its deadline, the victim is told what can happen next under the law the notice ran
under; closed notices never show as overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from takedowns.lifecycle import notice_transition
from takedowns.models import Platform
from takedowns.web.victim.presenters import case_status_view, overdue_next_step
from tests.factories import NoticeFactory

pytestmark = pytest.mark.django_db


def overdue(**fields):
    notice = NoticeFactory(**fields)
    return notice_transition(notice=notice, to="sent", actor_kind="system", at=timezone.now() - timedelta(days=3))


def test_a_tida_covered_platform_points_to_the_ftc():
    Platform.objects.filter(slug="reddit").update(tida_covered=True)
    notice = overdue(regime="US", regimes=["US"])
    assert notice.is_overdue and "Federal Trade Commission" in overdue_next_step(notice)


def test_australia_points_to_esafety_and_the_eu_to_the_coordinator():
    assert "eSafety" in overdue_next_step(overdue(regime="AU", regimes=["AU"]))
    assert "Digital Services Coordinator" in overdue_next_step(overdue(regime="EU", regimes=["EU"]))


def test_a_platform_that_is_not_covered_gets_the_advocate_follow_up():
    Platform.objects.filter(slug="reddit").update(tida_covered=False)
    assert overdue_next_step(overdue(regime="US", regimes=["US"])) == "An advocate will follow up with the platform."


def test_the_status_page_shows_it_only_while_overdue():
    Platform.objects.filter(slug="reddit").update(tida_covered=True)
    notice = overdue(regime="US", regimes=["US"])
    (row,) = [r for r in case_status_view(notice.case)["platforms"] if r.name == notice.platform.name]
    assert row.overdue and "Federal Trade Commission" in row.next_step
    notice_transition(notice=notice, to="removed", actor_kind="platform")
    (row,) = [r for r in case_status_view(notice.case)["platforms"] if r.name == notice.platform.name]
    assert not row.overdue and row.next_step == ""
