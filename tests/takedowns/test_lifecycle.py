"""The notice lifecycle: every allowed transition works and leaves exactly one Event; every other is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from takedowns.lifecycle import CLOCK_RUNNING, TRANSITIONS, IllegalTransition, notice_transition
from takedowns.models import Event, NoticeStatus
from tests.factories import NoticeFactory

ALL = list(NoticeStatus.values)
ALLOWED = [(a, b) for a in ALL for b in sorted(TRANSITIONS[a])]
REFUSED = [(a, b) for a in ALL for b in ALL if b not in TRANSITIONS[a]]


def test_table_covers_every_status():
    assert set(TRANSITIONS) == set(ALL)
    assert len(ALLOWED) + len(REFUSED) == len(ALL) ** 2


@pytest.mark.django_db
@pytest.mark.parametrize(("src", "dst"), ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_allowed_transition_stamps_time_and_writes_one_event(src, dst):
    notice = NoticeFactory(status=src)
    before = Event.objects.filter(notice=notice).count()
    at = timezone.now() - timedelta(minutes=5)
    result = notice_transition(notice=notice, to=dst, actor_kind="system", at=at)
    notice.refresh_from_db()
    assert notice.status == dst == result.status
    assert getattr(notice, f"{dst}_at") == at
    events = Event.objects.filter(notice=notice).order_by("id")
    assert events.count() == before + 1
    event = events.last()
    assert event.type == f"notice.{dst}"
    assert event.data["from"] == src and event.data["to"] == dst
    assert event.case_id == notice.case_id


@pytest.mark.django_db
@pytest.mark.parametrize(("src", "dst"), REFUSED, ids=[f"{a}-x->{b}" for a, b in REFUSED])
def test_refused_transition_changes_nothing(src, dst):
    notice = NoticeFactory(status=src)
    with pytest.raises(IllegalTransition) as info:
        notice_transition(notice=notice, to=dst, actor_kind="system")
    assert src in str(info.value) and dst in str(info.value)
    notice.refresh_from_db()
    assert notice.status == src
    assert not Event.objects.filter(notice=notice).exists()


@pytest.mark.django_db
def test_unknown_status_is_a_clear_error():
    notice = NoticeFactory()
    with pytest.raises(ValueError, match="Unknown notice status"):
        notice_transition(notice=notice, to="vanished", actor_kind="system")


@pytest.mark.django_db
def test_sent_starts_the_clock_from_the_given_time():
    notice = NoticeFactory(status="draft", response_hours=48)
    at = timezone.now() - timedelta(hours=50)
    notice = notice_transition(notice=notice, to="sent", actor_kind="advocate", at=at)
    assert notice.sent_at == at
    assert notice.due_at == at + timedelta(hours=48)
    # Overdue is derived, not stored: no job has run and the notice already shows it.
    assert notice.status in CLOCK_RUNNING
    assert notice.is_overdue


@pytest.mark.django_db
def test_removed_notice_is_not_overdue():
    notice = NoticeFactory(status="draft")
    notice = notice_transition(notice=notice, to="sent", actor_kind="system", at=timezone.now() - timedelta(days=3))
    notice = notice_transition(notice=notice, to="removed", actor_kind="platform")
    assert not notice.is_overdue


@pytest.mark.django_db
def test_due_at_is_an_indexed_column():
    from takedowns.models import Notice

    field = Notice._meta.get_field("due_at")
    assert field.db_index
