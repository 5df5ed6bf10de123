"""The signed response link: works with its token, refuses a modified, expired or revoked token with a clear
message, and cannot act on another notice."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
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
