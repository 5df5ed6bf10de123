"""Two clocks per notice: the follow-up point (``due_at``) and, only where a law binds the recipient, the
statutory deadline (``statutory_due_at``); see docs/DECISIONS.md, "Two clocks"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from takedowns.lifecycle import notice_transition
from takedowns.models import Platform
from takedowns.notices import law
from takedowns.selectors.board import board_counters
from takedowns.services.notices import notices_draft
from tests.factories import complete_case

pytestmark = pytest.mark.django_db
URL = "https://www.reddit.com/r/x/comments/abc/post/"


def sent(**platform_fields):
    Platform.objects.filter(slug="reddit").update(**platform_fields)
    (notice,) = notices_draft(case_id=complete_case(urls=[URL]).pk)
    return notice_transition(notice=notice, to="sent", actor_kind="system", at=timezone.now() - timedelta(hours=50))


def test_the_48_hours_are_statutory_only_through_the_platforms_own_process():
    reddit = Platform.objects.get(slug="reddit")
    through = sent(tida_covered=True, tida_process=reddit.webform_url, response_hours=24)
    assert through.statutory_hours == 48 and through.statutory_due_at == through.sent_at + timedelta(hours=48)
    # The follow-up point is the registry's faster promise; the statutory deadline is the law's own.
    assert through.due_at == through.sent_at + timedelta(hours=24)
    elsewhere = complete_case(urls=["https://www.reddit.com/r/x/comments/def/post/"])
    Platform.objects.filter(slug="reddit").update(tida_process="https://www.reddit.com/take-it-down")
    (other,) = notices_draft(case_id=elsewhere.pk)
    assert other.statutory_hours is None
    assert not law.through_tida_process(
        tida_process="tida@example.com", channel="webform", recipient="", webform_url="https://example.com/f"
    )
    assert law.through_tida_process(
        tida_process="tida@example.com", channel="email", recipient="TIDA@example.com", webform_url=""
    )


def test_the_uk_duty_binds_user_to_user_services_only(settings):
    settings.NOTICES_UK_48H_IN_FORCE = True
    kwargs = {"regimes": ["US", "UK"], "tida_covered": False, "uk_in_force": True, "tida_process": False}
    assert law.statutory_deadline_hours(**kwargs, service_type="user_to_user") == 48
    assert law.statutory_deadline_hours(**kwargs, service_type="search") is None
    assert law.statutory_deadline_hours(**{**kwargs, "uk_in_force": False}, service_type="user_to_user") is None


def test_an_acknowledged_notice_past_its_follow_up_point_is_counted_overdue(advocate):
    from takedowns.services import outcomes

    notice = sent(tida_covered=True, tida_process="", response_hours=24)
    outcomes.notice_acknowledge(notice=notice)
    notice.refresh_from_db()
    assert notice.status == "acknowledged" and notice.is_overdue and notice.statutory_due_at is None
    assert board_counters(advocate)["overdue"] >= 1


def test_the_board_shows_both_clocks(client, advocate):
    from django.urls import reverse

    reddit = Platform.objects.get(slug="reddit")
    with_law = sent(tida_covered=True, tida_process=reddit.webform_url)
    client.force_login(advocate)
    html = client.get(reverse("takedowns:dashboard")).content.decode()
    row = html[html.index(f'data-notice="{with_law.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Statutory deadline:" in row and "passed" in row
    Platform.objects.filter(slug="reddit").update(tida_process="")
    (other,) = notices_draft(case_id=complete_case(urls=["https://www.reddit.com/r/x/comments/zz/post/"]).pk)
    notice_transition(notice=other, to="sent", actor_kind="system")
    html = client.get(reverse("takedowns:dashboard")).content.decode()
    row = html[html.index(f'data-notice="{other.pk}"') :]
    assert "no statutory deadline" in row[: row.index("</tr>")]
