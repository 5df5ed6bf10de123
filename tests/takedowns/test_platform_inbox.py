"""The platform inbox: logged-in staff see their notices in sections, open one, and answer it; another
platform's notice, or any notice for someone who is not platform staff, is a 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from takedowns.lifecycle import notice_transition
from takedowns.models import Event, NoticeStatus
from takedowns.services.notices import notices_draft
from tests.factories import complete_case

pytestmark = pytest.mark.django_db

REDDIT_URL = "https://www.reddit.com/r/example/comments/abc123/post/"
X_URL = "https://x.com/someone/status/1234567890"


@pytest.fixture
def sent(platforms):
    case = complete_case(urls=[REDDIT_URL, X_URL])
    return {
        n.platform.slug: notice_transition(notice=n, to="sent", actor_kind="system")
        for n in notices_draft(case_id=case.pk)
    }


def url_for(notice):
    return reverse("takedowns:inbox_notice", args=[notice.pk])


def section(html: str, name: str) -> str:
    start = html.index(f'id="section-{name}"')
    return html[start : html.index("</table>", start)]


def test_notice_page_shows_urls_hashes_and_actions_without_images(client, reddit_staff, sent):
    notice = sent["reddit"]
    client.force_login(reddit_staff)
    response = client.get(url_for(notice))
    html = response.content.decode()
    assert response.status_code == 200
    assert REDDIT_URL in html and notice.reference in html and X_URL not in html
    assert "0" * 56 + "00000007" in html  # the PDQ hash
    assert f"/api/v1/notices/{notice.pk}/hashes/?format=csv" in html
    for action in ("acknowledge", "removed", "info_request", "dispute"):
        assert f'value="{action}"' in html
    assert "<img" not in html and "sam@example.org" not in html and "private" not in html


def test_acknowledge_and_remove_in_the_inbox(client, reddit_staff, sent):
    notice = sent["reddit"]
    client.force_login(reddit_staff)
    url = url_for(notice)
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ACKNOWLEDGED
    location = notice.locations.get()
    assert client.post(url, {"action": "removed", "removed-locations": [str(location.pk)]}).status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.REMOVED
    events = Event.objects.filter(notice=notice, type__in=["notice.acknowledged", "notice.removed"])
    assert {(e.actor_kind, e.actor_user_id) for e in events} == {("platform", reddit_staff.pk)}


def test_invalid_answers_are_explained(client, reddit_staff, sent):
    notice = sent["reddit"]
    client.force_login(reddit_staff)
    response = client.post(url_for(notice), {"action": "dispute", "dispute-reason": "other"})
    assert response.status_code == 400 and "Please explain the reason." in response.content.decode()
    response = client.post(url_for(notice), {"action": "info_request"})
    assert response.status_code == 400 and "Please write what information you need." in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT


def test_another_platforms_notice_and_other_roles_get_404(client, reddit_staff, advocate, sent):
    theirs = sent["x"]
    client.force_login(reddit_staff)
    assert client.get(url_for(theirs)).status_code == 404
    assert client.post(url_for(theirs), {"action": "acknowledge"}).status_code == 404
    assert client.get(reverse("takedowns:inbox_notice", args=[999999])).status_code == 404
    client.force_login(advocate)
    assert client.get(url_for(sent["reddit"])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == NoticeStatus.SENT


@pytest.mark.parametrize("path", ["draft", "queued", "failed", "withdrawn_before_sending"])
def test_platform_staff_see_a_notice_only_once_it_was_delivered(client, reddit_staff, platforms, path):
    from rest_framework.test import APIClient

    case = complete_case(urls=[REDDIT_URL])
    (notice,) = notices_draft(case_id=case.pk)
    steps = {
        "draft": [],
        "queued": ["queued"],
        "failed": ["queued", "failed"],
        "withdrawn_before_sending": ["queued", "withdrawn"],
    }[path]
    for to in steps:
        notice = notice_transition(notice=notice, to=to, actor_kind="system")
    client.force_login(reddit_staff)
    assert client.get(url_for(notice)).status_code == 404
    assert REDDIT_URL not in client.get(reverse("takedowns:dashboard")).content.decode()
    api = APIClient()
    api.force_authenticate(reddit_staff)
    assert api.get(f"/api/v1/notices/{notice.pk}/").status_code == 404
    assert api.get("/api/v1/notices/").json()["count"] == 0
    assert api.get("/api/v1/notices/hashes/").json() == []


def test_inbox_needs_login(client, sent):
    response = client.get(url_for(sent["reddit"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_dashboard_sections(client, reddit_staff, platforms):
    now = timezone.now()
    cases = [complete_case(urls=[f"https://www.reddit.com/r/example/comments/n{i}/post/"]) for i in range(5)]
    notices = [notice_transition(notice=notices_draft(case_id=c.pk)[0], to="sent", actor_kind="system") for c in cases]
    fresh, soon, late, answered, acked_soon = notices
    soon.due_at = now + timedelta(hours=3)
    late.due_at = now - timedelta(hours=2)
    acked_soon.due_at = now + timedelta(hours=5)
    for n in (soon, late, acked_soon):
        n.save(update_fields=["due_at"])
    notice_transition(notice=answered, to="removed", actor_kind="platform")
    notice_transition(notice=acked_soon, to="acknowledged", actor_kind="platform")

    client.force_login(reddit_staff)
    html = client.get(reverse("takedowns:dashboard")).content.decode()
    assert "Notices for Reddit" in html
    assert reverse("notice-all-hashes") + "?format=csv" in html
    expected = {
        "new": [fresh],
        "due-soon": [soon, acked_soon],
        "overdue": [late],
        "answered": [answered],
    }
    for name, members in expected.items():
        body = section(html, name)
        for notice in notices:
            assert (notice.reference in body) == (notice in members), (name, notice.reference)
        for notice in members:
            assert url_for(notice) in body
    assert "overdue by 2 h" in section(html, "overdue")
    assert " left" in section(html, "due-soon")
