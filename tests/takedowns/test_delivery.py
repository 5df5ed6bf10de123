"""Drafting, sending and the reliability rules of on_commit, idempotency, retries, web forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from takedowns.models import Event, Notice, NoticeStatus
from takedowns.services import delivery
from takedowns.services.notices import case_notices_prepare_enqueue, notices_draft, notices_prepare
from takedowns.tasks import notice_send
from tests.factories import complete_case, load_email_platforms

pytestmark = pytest.mark.django_db


@pytest.fixture
def email_platforms(db):
    return load_email_platforms()


def urls_on(*slugs):
    return [f"https://{slug}.example/post/{i}" for i, slug in enumerate(slugs)]


def test_one_notice_per_platform_covering_every_location(email_platforms):
    case = complete_case(urls=[*urls_on("mailhost-a", "mailhost-a", "mailhost-b"), "https://nobody.example/x/1"])
    drafted = notices_draft(case_id=case.pk)
    assert sorted(n.platform.slug for n in drafted) == ["mailhost-a", "mailhost-b"]
    a = next(n for n in drafted if n.platform.slug == "mailhost-a")
    assert a.locations.count() == 2
    # The unknown website gets no notice: it waits for an advocate to find a recipient.
    assert not Notice.objects.filter(case=case, locations__url__contains="nobody.example").exists()


def test_drafting_and_sending_twice_gives_one_notice_and_one_email(email_platforms, django_capture_on_commit_callbacks):
    case = complete_case(urls=urls_on("mailhost-a"))
    with django_capture_on_commit_callbacks(execute=True):
        notices_prepare(case_id=case.pk)
    with django_capture_on_commit_callbacks(execute=True):
        notices_prepare(case_id=case.pk)
    notice = Notice.objects.get(case=case)
    assert notice.status == NoticeStatus.SENT
    notice_send.apply(args=[notice.pk])  # a duplicate delivery of the task message
    platform_mail = [m for m in mail.outbox if "ncii@mailhost-a.example" in m.to]
    assert len(platform_mail) == 1
    assert Event.objects.filter(notice=notice, type="notice.sent").count() == 1
    message = platform_mail[0]
    assert message.reply_to and message.reply_to[0].startswith(f"notice-{notice.pk}-")
    assert message.attachments[0][0].endswith(".pdf")
    assert notice.due_at == notice.sent_at + timedelta(hours=48)


def test_rolled_back_case_enqueues_nothing(email_platforms, django_capture_on_commit_callbacks):
    def submit_then_fail():
        with transaction.atomic():
            case = complete_case(urls=urls_on("mailhost-a"))
            case_notices_prepare_enqueue(case=case)
            raise RuntimeError("the request failed after the case was created")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        submit_then_fail()
    assert callbacks == []
    assert not Notice.objects.exists()


def test_review_first_holds_notices_until_an_advocate_sends(
    email_platforms, settings, django_capture_on_commit_callbacks
):
    settings.NOTICES_REVIEW_FIRST = True
    case = complete_case(urls=urls_on("mailhost-a"))
    with django_capture_on_commit_callbacks(execute=True):
        notices_prepare(case_id=case.pk)
    notice = Notice.objects.get(case=case)
    assert notice.status == NoticeStatus.DRAFT
    case.review_first = False  # the per-case override
    case.save(update_fields=["review_first"])
    with django_capture_on_commit_callbacks(execute=True):
        notices_prepare(case_id=case.pk)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT


def test_incomplete_notice_cannot_be_sent(email_platforms):
    case = complete_case(urls=urls_on("mailhost-a"), signature_name="")
    notice = notices_draft(case_id=case.pk)[0]
    with pytest.raises(delivery.NoticeIncomplete) as info:
        delivery.notice_queue(notice=notice, actor_kind="advocate")
    assert any(element.key == "signature" for element in info.value.missing)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DRAFT


@pytest.mark.parametrize("failure", ["451 4.3.0 Mailbox busy, try later", "connection refused"])
def test_smtp_failure_retries_with_backoff_then_shows_delivery_failed(
    email_platforms, smtp, settings, failure, monkeypatch
):
    from celery.exceptions import Retry

    settings.NOTICE_SEND_MAX_RETRIES = 3
    # Eager mode would run the retry chain at once; here each attempt is applied by hand, as a worker would.
    monkeypatch.setattr(notice_send, "retry", lambda exc, countdown, **kw: Retry(exc=exc, when=countdown))
    if failure.startswith("451"):
        smtp.handler.refuse_with = failure
    else:
        from tests.smtp_server import free_port

        settings.EMAIL_PORT = free_port()  # nothing listens there
    case = complete_case(urls=urls_on("mailhost-a"))
    notice = notices_draft(case_id=case.pk)[0]
    delivery.notice_queue(notice=notice, actor_kind="system")  # the enqueue itself is not run: no on_commit here
    countdowns = []
    # Each apply() is what the worker does for attempt n (request.retries == n).
    for attempt in range(settings.NOTICE_SEND_MAX_RETRIES + 1):
        result = notice_send.apply(args=[notice.pk], retries=attempt, throw=False)
        if attempt < settings.NOTICE_SEND_MAX_RETRIES:
            assert isinstance(result.result, Retry), result.result
            countdowns.append(result.result.when)
            notice.refresh_from_db()
            assert notice.status == NoticeStatus.QUEUED and notice.delivery_error  # visible while retrying
    assert countdowns == [60, 120, 240]  # exponential back-off
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED
    assert notice.delivery_attempts == 4
    assert ("451" in notice.delivery_error) if failure.startswith("451") else ("reach" in notice.delivery_error)
    assert Event.objects.filter(notice=notice, type="notice.failed").count() == 1
    # Nothing is lost: the advocate's retry sends it once the server accepts again.
    smtp.handler.refuse_with = None
    settings.EMAIL_PORT = smtp.port
    delivery.notice_queue(notice=notice, actor_kind="advocate")
    notice_send.apply(args=[notice.pk])
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT
    assert [m["to"] for m in smtp.messages if "ncii@mailhost-a.example" in m["to"]]


def test_webform_submission_starts_the_clock_at_the_given_time(platforms):
    case = complete_case(urls=["https://www.reddit.com/r/x/comments/abc/post/"])
    notice = notices_draft(case_id=case.pk)[0]
    # Prepared and signed yesterday; submitted on the platform's form three hours ago.
    yesterday = timezone.now() - timedelta(days=1)
    type(notice).objects.filter(pk=notice.pk).update(created_at=yesterday)
    type(case).objects.filter(pk=case.pk).update(signed_at=yesterday)
    notice.refresh_from_db()
    at = timezone.now() - timedelta(hours=3)
    notice = delivery.notice_record_webform_submission(notice=notice, submitted_at=at, actor_kind="victim")
    assert notice.status == NoticeStatus.SENT and notice.sent_at == at
    assert notice.due_at == at + timedelta(hours=48)
    again = delivery.notice_record_webform_submission(notice=notice, submitted_at=timezone.now(), actor_kind="victim")
    assert again.sent_at == at  # a double click changes nothing
    with pytest.raises(ValueError, match="future"):
        delivery.notice_record_webform_submission(
            notice=notices_draft(case_id=complete_case(urls=["https://x.com/a/status/1"]).pk)[0],
            submitted_at=timezone.now() + timedelta(hours=2),
            actor_kind="victim",
        )


def test_withdrawal_reaches_platforms_that_had_the_notice(email_platforms, django_capture_on_commit_callbacks):
    from takedowns.lifecycle import notice_transition

    case = complete_case(urls=urls_on("mailhost-b"))
    with django_capture_on_commit_callbacks(execute=True):
        notices_prepare(case_id=case.pk)
    notice = Notice.objects.get(case=case)
    notice_transition(notice=notice, to="withdrawn", actor_kind="victim")
    mail.outbox.clear()
    assert delivery.notice_withdrawal_send(notice_id=notice.pk)
    assert not delivery.notice_withdrawal_send(notice_id=notice.pk)  # once
    assert len(mail.outbox) == 1 and "Withdrawn" in mail.outbox[0].subject
