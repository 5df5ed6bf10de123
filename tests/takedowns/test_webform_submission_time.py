"""A recorded web-form submission time cannot be before the notice was prepared and signed, nor in the future;
the stored text is rendered again from it, so the deadline it states is the clock's ``due_at``."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from takedowns.models import Notice, NoticeStatus
from takedowns.services import delivery
from takedowns.services.notices import notices_draft
from tests.factories import complete_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def webform_notice():
    case = complete_case(urls=["https://www.reddit.com/r/x/comments/abc/post/"])
    (notice,) = notices_draft(case_id=case.pk)
    return notice


def test_a_time_before_the_notice_was_prepared_is_refused(webform_notice):
    with pytest.raises(delivery.SubmissionTimeInvalid) as refused:
        delivery.notice_record_webform_submission(
            notice=webform_notice, submitted_at=webform_notice.created_at - timedelta(hours=3), actor_kind="victim"
        )
    assert refused.value.code == "before_notice"
    assert Notice.objects.get(pk=webform_notice.pk).status == NoticeStatus.DRAFT


def test_a_time_in_the_future_is_refused(webform_notice):
    with pytest.raises(delivery.SubmissionTimeInvalid) as refused:
        delivery.notice_record_webform_submission(
            notice=webform_notice, submitted_at=timezone.now() + timedelta(hours=2), actor_kind="victim"
        )
    assert refused.value.code == "future"


def test_the_stored_text_states_the_deadline_the_clock_runs_on(webform_notice):
    submitted = timezone.now().replace(second=0, microsecond=0)
    notice = delivery.notice_record_webform_submission(
        notice=webform_notice, submitted_at=submitted, actor_kind="victim"
    )
    assert notice.status == NoticeStatus.SENT and notice.due_at == submitted + timedelta(hours=notice.response_hours)
    stated = notice.due_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    assert stated in Notice.objects.get(pk=notice.pk).body_text


def test_the_advocate_is_told_why_a_time_was_refused(client, advocate, webform_notice):
    client.force_login(advocate)
    early = (webform_notice.created_at - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    url = reverse("takedowns:notice_action", args=[webform_notice.case.reference, webform_notice.pk, "webform"])
    response = client.post(url, {"submitted_at": early, "tz_offset": "0"}, follow=True)
    assert "before this request was prepared" in response.content.decode()
    assert Notice.objects.get(pk=webform_notice.pk).status == NoticeStatus.DRAFT
