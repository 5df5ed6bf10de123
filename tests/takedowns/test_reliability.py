"""Background work is never lost or done twice: no network call inside a row lock,
notifications through an outbox and a task, and reconcile finding every kind of pending work."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, connections
from django.utils import timezone

from takedowns.lifecycle import notice_transition
from takedowns.models import Notice, NoticeStatus, Notification, NotificationStatus
from takedowns.services import delivery, outcomes, reconcile
from takedowns.services.jobs import held_while_alive
from takedowns.services.notices import notices_draft
from tests.factories import complete_case, load_email_platforms
from tests.utils import deliver_notifications

IN_TRANSACTION_AT_SEND: list[bool] = []


class RecordingBackend(EmailBackend):
    """Records whether a database transaction (and so a row lock) was open while the mail server was talked to."""

    def send_messages(self, messages):
        IN_TRANSACTION_AT_SEND.append(connection.in_atomic_block)
        return super().send_messages(messages)


@pytest.fixture
def queued(db, advocate):
    load_email_platforms()
    case = complete_case(urls=["https://mailhost-a.example/p/1"])
    case.assigned_advocate = advocate
    case.save(update_fields=["assigned_advocate"])
    (notice,) = notices_draft(case_id=case.pk)
    return delivery.notice_queue(notice=notice, actor_kind="system")


@pytest.fixture
def recording_backend(settings):
    settings.EMAIL_BACKEND = "tests.takedowns.test_reliability.RecordingBackend"
    IN_TRANSACTION_AT_SEND.clear()


@pytest.mark.django_db(transaction=True)
def test_smtp_is_never_talked_to_inside_a_transaction(recording_backend, queued):
    # Committed for real: the queued notice was sent (eager task after commit), then its notifications.
    notice = Notice.objects.get(pk=queued.pk)
    assert notice.status == NoticeStatus.SENT and notice.send_claimed_at is None
    deliver_notifications()
    assert len(IN_TRANSACTION_AT_SEND) >= 2 and not any(IN_TRANSACTION_AT_SEND)


@contextmanager
def sender_alive_elsewhere(notice_id: int):
    """Another worker in the middle of sending: it holds the notice's liveness lock from its own thread (its own
    database connection on PostgreSQL, its own open file on the embedded default)."""
    taken, release = threading.Event(), threading.Event()

    def hold():
        try:
            with held_while_alive(f"notice-send:{notice_id}") as ok:
                assert ok
                taken.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(10)
    try:
        yield
    finally:
        release.set()
        thread.join(10)


def test_a_second_run_while_one_is_sending_sends_nothing(queued):
    Notice.objects.filter(pk=queued.pk).update(send_claimed_at=timezone.now())
    mail.outbox.clear()
    with sender_alive_elsewhere(queued.pk):
        assert delivery.notice_send(notice_id=queued.pk).status == NoticeStatus.QUEUED
    assert mail.outbox == []
    # The same fresh claim, but its sender is gone (killed mid-send, so it no longer holds the lock): the
    # redelivered task sends at once instead of waiting for the claim to expire, and only once.
    assert delivery.notice_send(notice_id=queued.pk).status == NoticeStatus.SENT
    assert delivery.notice_send(notice_id=queued.pk).status == NoticeStatus.SENT
    assert len([m for m in mail.outbox if m.to == ["ncii@mailhost-a.example"]]) == 1


def test_a_failed_send_releases_its_claim(settings, queued):
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: connection refused
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_TIMEOUT = 2
    with pytest.raises(delivery.TransientDeliveryError):
        delivery.notice_send(notice_id=queued.pk)
    assert Notice.objects.get(pk=queued.pk).send_claimed_at is None


def test_notifications_are_outbox_rows_sent_by_a_task_never_inline(queued):
    notice = delivery.notice_send(notice_id=queued.pk)
    deliver_notifications()  # the "sent" ones
    mail.outbox.clear()
    outcomes.notice_acknowledge(notice=notice)
    # Nothing was mailed while the platform's request ran: two rows wait for the worker.
    assert mail.outbox == []
    rows = Notification.objects.filter(notice=notice, kind="acknowledged")
    assert sorted(rows.values_list("audience", flat=True)) == ["advocate", "victim"]
    assert deliver_notifications() >= 2
    assert set(rows.values_list("status", flat=True)) == {NotificationStatus.SENT}
    sent_to = sorted(m.to[0] for m in mail.outbox)
    assert sent_to == ["advocate@example.org", "sam@example.org"]
    # Sending again changes nothing.
    for row in rows:
        from takedowns.services.notifications import notification_send

        notification_send(notification_id=row.pk)
    assert len(mail.outbox) == 2


def test_reconcile_finds_every_kind_of_pending_work(queued, monkeypatch, reddit_staff):
    enqueued = []
    for module in ("delivery", "notifications", "webhooks", "images", "verification"):
        monkeypatch.setattr(
            f"takedowns.services.{module}.enqueue_on_commit", lambda name, *args: enqueued.append((name, args))
        )
    long_ago = timezone.now() - timedelta(hours=3)
    # A notice queued while the broker was down.
    Notice.objects.filter(pk=queued.pk).update(queued_at=long_ago)
    # A notification whose task never ran.
    sent = delivery.notice_send(notice_id=queued.pk)
    Notice.objects.filter(pk=queued.pk).update(status=NoticeStatus.QUEUED, queued_at=long_ago)
    Notification.objects.update(created_at=long_ago)
    # A case whose URLs never got their notice drafted.
    orphan = complete_case(urls=["https://mailhost-b.example/p/9"])
    orphan.locations.update(created_at=long_ago)
    # A withdrawal never sent to a platform that had the notice.
    other = complete_case(urls=["https://mailhost-c.example/p/3"])
    (withdrawn,) = notices_draft(case_id=other.pk)
    notice_transition(notice=withdrawn, to="sent", actor_kind="system", at=long_ago)
    notice_transition(notice=withdrawn, to="withdrawn", actor_kind="victim", at=long_ago)
    counts = reconcile.work_reconcile(older_than_seconds=600)
    assert counts["notices to send"] == 1
    assert counts["notifications to send"] == Notification.objects.filter(status="pending").count() >= 1
    assert counts["notices to draft"] == 1
    assert counts["withdrawals to send"] == 1
    names = {name for name, _args in enqueued}
    assert {
        "takedowns.tasks.notice_send",
        "takedowns.tasks.notification_send",
        "takedowns.tasks.case_notices_prepare",
        "takedowns.tasks.notice_withdrawal_send",
    } <= names
    assert ("takedowns.tasks.case_notices_prepare", (orphan.pk,)) in enqueued
    assert sent.pk == queued.pk


def test_a_job_lock_is_released_only_by_its_owner():
    """A run that outlived its lock must not delete the lock another run has taken since (on Redis: redis-py's
    Lock; on the file cache: a token compared under the file lock)."""
    import time
    import uuid

    from takedowns.services.jobs import exclusive

    name = f"test-{uuid.uuid4()}"
    second = exclusive(name, ttl_seconds=30)
    with exclusive(name, ttl_seconds=1) as first:
        assert first
        time.sleep(1.3)  # the first run outlives its lock, and a second run takes it
        assert second.__enter__()
    # The first run has ended: the second run's lock still holds.
    with exclusive(name, ttl_seconds=30) as third:
        assert not third
    second.__exit__(None, None, None)
    with exclusive(name, ttl_seconds=30) as fourth:
        assert fourth


def test_a_mail_server_that_keeps_refusing_ends_in_failed_after_our_own_retry_limit(settings, queued):
    # Celery's default limit (3 retries) used to end the task with an exception first, leaving the notice
    # queued with no "delivery failed" state (found by tests/faults).
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: connection refused
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_TIMEOUT = 2
    settings.NOTICE_SEND_MAX_RETRIES = 5
    from celery.exceptions import Retry

    from takedowns.tasks import notice_send

    # The fourth and fifth deliveries are retried (eagerly, a retry is raised rather than scheduled) ...
    for retries in (3, 4):
        with pytest.raises(Retry):
            notice_send.apply(args=[queued.pk], retries=retries)
    assert Notice.objects.get(pk=queued.pk).status == NoticeStatus.QUEUED
    # ... and the sixth, the last, records the failure for the advocate to see and retry.
    notice_send.apply(args=[queued.pk], retries=5)
    notice = Notice.objects.get(pk=queued.pk)
    assert notice.status == NoticeStatus.FAILED and notice.delivery_attempts == 3
    assert "Could not reach the mail server" in notice.delivery_error


def test_every_scheduled_job_runs_alone_and_is_stamped_only_when_it_ran(monkeypatch):
    """One decorator holds the lock for the task's hard time limit and stamps the run; a run that finds the
    lock taken does nothing and leaves the stamp alone."""
    import uuid

    from takedowns import tasks
    from takedowns.services import deadlines
    from takedowns.services.jobs import exclusive

    lock = f"test-job-{uuid.uuid4()}"
    ran: list[str] = []

    @tasks.periodic(lock, name=f"tests.{lock}", soft_time_limit=5, time_limit=10)
    def job() -> None:
        ran.append(lock)

    assert job.name == f"tests.{lock}" and job.time_limit == 10
    with exclusive(lock, ttl_seconds=30) as held:
        assert held
        job()
    assert ran == [] and deadlines.job_last_ran(lock) is None
    job()
    assert ran == [lock] and deadlines.job_last_ran(lock) is not None
    # The beat schedule's jobs are built with it (their names unchanged).
    assert tasks.retention_purge.name == "takedowns.tasks.retention_purge"
    assert tasks.reconcile.time_limit == 290
