"""The 48-hour clock (frozen time) and platform outcomes: each action is one Event by the platform, goes
through the lifecycle and notifies the victim and the advocate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from takedowns.lifecycle import notice_transition
from takedowns.models import Event, LocationState, NoticeStatus
from takedowns.services import outcomes
from takedowns.services.deadlines import deadlines_sweep
from takedowns.services.notices import notices_draft
from tests.factories import complete_case, load_email_platforms
from tests.utils import deliver_notifications

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def sent_notice(advocate):
    load_email_platforms()
    case = complete_case(urls=["https://mailhost-a.example/p/1", "https://mailhost-a.example/p/2"])
    case.assigned_advocate = advocate
    case.save(update_fields=["assigned_advocate"])
    notice = notices_draft(case_id=case.pk)[0]
    return notice_transition(notice=notice, to="sent", actor_kind="system", at=T0)


def test_sweep_alerts_at_75_percent_and_overdue_once(sent_notice):
    with time_machine.travel(T0 + timedelta(hours=35), tick=False):
        assert deadlines_sweep().warnings_sent == 0
    mail.outbox.clear()
    with time_machine.travel(T0 + timedelta(hours=36, minutes=1), tick=False):
        first = deadlines_sweep()
        second = deadlines_sweep()
    deliver_notifications()
    assert (first.warnings_sent, second.warnings_sent) == (1, 0)
    assert [m.to for m in mail.outbox] == [["advocate@example.org"]]  # the advocate only, once
    with time_machine.travel(T0 + timedelta(hours=48, minutes=5), tick=False):
        sent_notice.refresh_from_db()
        assert sent_notice.is_overdue
        assert deadlines_sweep().overdue_recorded == 1
        assert deadlines_sweep().overdue_recorded == 0
    assert Event.objects.filter(notice=sent_notice, type="notice.overdue").count() == 1
    assert Event.objects.filter(notice=sent_notice, type="notice.deadline_near").count() == 1
    deliver_notifications()
    recipients = sorted(tuple(m.to) for m in mail.outbox)
    assert recipients.count(("sam@example.org",)) == 1  # the victim hears about overdue once


def test_removed_notice_does_not_go_overdue(sent_notice):
    outcomes.notice_report_removed(notice=sent_notice)
    with time_machine.travel(T0 + timedelta(hours=60), tick=False):
        assert deadlines_sweep().overdue_recorded == 0


def test_platform_outcomes_are_events_by_the_platform(sent_notice, reddit_staff):
    mail.outbox.clear()
    notice = outcomes.notice_acknowledge(notice=sent_notice)
    assert outcomes.notice_acknowledge(notice=notice).status == NoticeStatus.ACKNOWLEDGED  # idempotent
    first, second = notice.locations.order_by("id")
    notice = outcomes.notice_report_removed(notice=notice, location_ids=[first.pk], note="Gone from our CDN too.")
    assert notice.status == NoticeStatus.ACKNOWLEDGED  # one of two URLs
    first.refresh_from_db()
    assert first.state == LocationState.REMOVED
    notice = outcomes.notice_report_removed(notice=notice, location_ids=[second.pk])
    assert notice.status == NoticeStatus.REMOVED
    events = list(Event.objects.filter(notice=notice).exclude(type__in=["notice.sent", "notice.drafted"]))
    assert [e.type for e in events] == ["notice.acknowledged", "notice.locations_removed", "notice.removed"]
    assert {e.actor_kind for e in events} == {"platform"}
    assert events[1].data["message"] == "Gone from our CDN too."
    deliver_notifications()
    victim_mail = [m for m in mail.outbox if m.to == ["sam@example.org"]]
    assert len(victim_mail) == 3 and "received your request" in victim_mail[0].body


def test_info_request_and_dispute(sent_notice, advocate):
    with pytest.raises(outcomes.OutcomeError):
        outcomes.notice_request_info(notice=sent_notice, message="  ")
    notice = outcomes.notice_request_info(notice=sent_notice, message="Please confirm the account name.")
    assert notice.status == NoticeStatus.INFO_REQUESTED
    notice = outcomes.notice_answer_info(notice=notice, message="The account is @uploader.", actor_user=advocate)
    assert notice.status == NoticeStatus.ACKNOWLEDGED
    with pytest.raises(outcomes.OutcomeError, match="reason"):
        outcomes.notice_dispute(notice=notice, reason="because")
    notice = outcomes.notice_dispute(notice=notice, reason="consent", message="We have a signed release.")
    assert notice.status == NoticeStatus.DISPUTED
    event = Event.objects.get(notice=notice, type="notice.disputed")
    assert event.data["reason"] == "consent" and event.actor_kind == "platform"
    with pytest.raises(outcomes.OutcomeError, match="cannot be marked"):
        outcomes.notice_request_info(notice=notice, message="more?")


def test_removal_of_a_url_outside_the_notice_is_refused(sent_notice):
    other = complete_case(urls=["https://mailhost-a.example/p/99"]).locations.get()
    with pytest.raises(outcomes.OutcomeError):
        outcomes.notice_report_removed(notice=sent_notice, location_ids=[other.pk])


def test_victim_notifications_are_in_the_case_language(sent_notice):
    case = sent_notice.case
    case.language = "es"
    case.save(update_fields=["language"])
    mail.outbox.clear()
    outcomes.notice_acknowledge(notice=sent_notice)
    deliver_notifications()
    victim = next(m for m in mail.outbox if m.to == ["sam@example.org"])
    assert "ha recibido su solicitud" in victim.subject
    assert "ha confirmado que recibió su solicitud" in victim.body
    advocate = next(m for m in mail.outbox if m.to == ["advocate@example.org"])
    assert "has received your removal request" in advocate.subject
