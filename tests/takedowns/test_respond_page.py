"""The signed response link: works with its token, refuses a modified, expired or revoked token with a clear
message, and cannot act on another notice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from takedowns.lifecycle import notice_transition
from takedowns.models import Event, NoticeStatus
from takedowns.notices import make_response_token
from takedowns.services.notices import notices_draft
from tests.factories import complete_case, load_email_platforms

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_notices():
    load_email_platforms()
    a = complete_case(urls=["https://mailhost-a.example/p/1"])
    b = complete_case(urls=["https://mailhost-b.example/p/2"])
    return [
        notice_transition(notice=notices_draft(case_id=case.pk)[0], to="sent", actor_kind="system") for case in (a, b)
    ]


def url_for(notice):
    return reverse("takedowns:notice_respond", args=[make_response_token(notice)])


def confirm_with_code(client, notice, url) -> str:
    """Ask for the one-time code, let the worker's task send it, read it from the platform's mailbox, enter it."""
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the task runs, as the worker would after commit
        assert client.post(url, {"action": "send_code"}).status_code == 302
    (message,) = mail.outbox
    assert message.to == [notice.platform.contact_email]
    code = re.search(r"Code: (\d{6})", message.body).group(1)
    assert client.post(url, {"action": "verify_code", "code": code}).status_code == 302
    return code


def test_page_shows_the_notice_without_images_or_contact(client, two_notices):
    notice = two_notices[0]
    response = client.get(url_for(notice))
    html = response.content.decode()
    assert response.status_code == 200
    assert "https://mailhost-a.example/p/1" in html and notice.reference in html
    assert "0" * 56 + "00000007" in html  # the PDQ hash
    assert "sam@example.org" not in html and "<img" not in html
    assert "mailhost-b.example" not in html


def test_acknowledge_and_remove_through_the_link(client, two_notices):
    notice = two_notices[0]
    url = url_for(notice)
    confirm_with_code(client, notice, url)
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    location = notice.locations.get()
    assert client.post(url, {"action": "removed", "removed-locations": [str(location.pk)]}).status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.REMOVED
    assert set(
        Event.objects.filter(notice=notice, type__in=["notice.acknowledged", "notice.removed"]).values_list(
            "actor_kind", flat=True
        )
    ) == {"platform"}


def test_cannot_act_on_another_notice(client, two_notices):
    mine, other = two_notices
    confirm_with_code(client, mine, url_for(mine))
    response = client.post(url_for(mine), {"action": "removed", "removed-locations": [str(other.locations.get().pk)]})
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.status == NoticeStatus.SENT
    assert other.locations.get().state == "reported"


def test_modified_token_is_refused_clearly(client, two_notices):
    token = make_response_token(two_notices[0])
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.get(reverse("takedowns:notice_respond", args=[tampered]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert (
        client.post(reverse("takedowns:notice_respond", args=[tampered]), {"action": "acknowledge"}).status_code == 404
    )


def test_expired_token_is_refused_clearly(client, two_notices):
    url = url_for(two_notices[0])
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        response = client.get(url)
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_rotating_the_nonce_revokes_the_link(client, two_notices):
    notice = two_notices[0]
    url = url_for(notice)
    notice.token_nonce = "rotated-nonce"
    notice.save(update_fields=["token_nonce"])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("end", ["withdrawn", "closed"])
def test_the_signed_link_stops_working_when_the_notice_is_withdrawn_or_closed(client, end):
    from tests.factories import NoticeFactory

    notice = notice_transition(notice=NoticeFactory(), to="sent", actor_kind="system")
    token = make_response_token(notice)
    assert client.get(f"/respond/{token}/").status_code == 200
    if end == "closed":
        notice = notice_transition(notice=notice, to="disputed", actor_kind="platform")
    notice_transition(notice=notice, to=end, actor_kind="system")
    assert client.get(f"/respond/{token}/").status_code in (404, 410)


def test_a_forwarded_link_cannot_answer_without_the_code(client, two_notices):
    """Whoever holds a copy of the notice (the uploader, a published copy) can read it but not answer it."""
    notice = two_notices[0]
    url = url_for(notice)
    assert "Send me a code" in client.get(url).content.decode()
    for data in (
        {"action": "acknowledge"},
        {"action": "removed", "removed-locations": [str(notice.locations.get().pk)]},
        {"action": "dispute", "dispute-reason": "consent", "dispute-message": "We have consent."},
    ):
        response = client.post(url, data)
        assert response.status_code == 400 and "one-time code" in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT


def test_a_code_works_once_and_guessing_is_limited(client, two_notices):
    notice = two_notices[0]
    url = url_for(notice)
    code = confirm_with_code(client, notice, url)
    # The same code in another browser: already used, and bound to the session that asked for it anyway.
    stranger = Client()
    stranger.post(url, {"action": "verify_code", "code": code})
    assert stranger.post(url, {"action": "acknowledge"}).status_code == 400
    # Guessing: five tries per code and session, then even the right one is refused.
    guesser = Client()
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        guesser.post(url, {"action": "send_code"})
    fresh = re.search(r"Code: (\d{6})", mail.outbox[-1].body).group(1)
    for guess in ("000000", "111111", "222222", "333333", "444444"):
        guesser.post(url, {"action": "verify_code", "code": guess if guess != fresh else "999999"})
    guesser.post(url, {"action": "verify_code", "code": fresh})
    assert guesser.post(url, {"action": "acknowledge"}).status_code == 400
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT


def test_a_stranger_with_the_link_cannot_freeze_the_platforms_code_check(client, two_notices):
    """Someone else holding the signed link guesses and asks for codes; the platform's own code still works."""
    notice = two_notices[0]
    url = url_for(notice)
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url, {"action": "send_code"})
    (platform_mail,) = mail.outbox
    code = re.search(r"Code: (\d{6})", platform_mail.body).group(1)
    stranger = Client()
    with TestCase.captureOnCommitCallbacks(execute=True):
        for _ in range(5):  # more than one session's hourly share of codes
            stranger.post(url, {"action": "send_code"})
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(20):  # far more wrong tries than one session is allowed
        stranger.post(url, {"action": "verify_code", "code": wrong})
    stranger.post(url, {"action": "verify_code", "code": code})  # the platform's code, read over its shoulder
    assert stranger.post(url, {"action": "acknowledge"}).status_code == 400
    # The platform's session: its code was neither spent nor locked by the stranger.
    assert client.post(url, {"action": "verify_code", "code": code}).status_code == 302
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ACKNOWLEDGED


def test_the_inbox_needs_no_code(client, two_notices):
    from takedowns.services.users import portal_user_create_or_update

    notice = two_notices[0]
    staff = portal_user_create_or_update(
        email="t@mailhost-a.example", password="pw-for-tests-1", role="platform", platform_slug=notice.platform.slug
    ).user
    client.force_login(staff)
    inbox_url = reverse("takedowns:inbox_notice", args=[notice.pk])
    assert "Send me a code" not in client.get(inbox_url).content.decode()
    assert client.post(inbox_url, {"action": "acknowledge"}).status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ACKNOWLEDGED
