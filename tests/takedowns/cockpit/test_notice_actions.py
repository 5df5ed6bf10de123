"""The actions offered on a notice come from one selector, which the case page and the API both use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from takedowns.selectors import notice_allowed_actions
from tests.factories import CaseFactory, NoticeFactory

pytestmark = pytest.mark.django_db


def actions(**fields) -> set[str]:
    case = CaseFactory(is_minor_content=fields.pop("minor", False))
    return set(notice_allowed_actions(NoticeFactory(case=case, **fields)))


def test_each_status_offers_what_the_advocate_can_do_then(platforms):
    email = {"channel": "email", "recipient": "ncii@example.org"}
    reddit = platforms["reddit"]
    reddit.contact_email = "ncii@example.org"
    reddit.dmca_agent_email = "copyright@example.org"
    reddit.save(update_fields=["contact_email", "dmca_agent_email"])
    assert actions(platform=reddit, status="draft", **email) == {"pdf", "send", "dmca"}
    assert actions(platform=reddit, status="draft", minor=True, **email) == {"pdf", "send"}
    assert actions(platform=reddit, status="failed", **email) == {"pdf", "retry", "reply"}
    assert actions(platform=reddit, status="draft", channel="webform") == {"pdf", "dmca", "webform"}
    assert actions(platform=reddit, status="failed", channel="webform") == {"pdf", "retry", "reply", "webform"}
    later = timezone.now() + timedelta(hours=5)
    assert actions(platform=reddit, status="sent", due_at=later, **email) == {"pdf", "resend", "reply"}
    assert actions(platform=reddit, status="info_requested", due_at=later, **email) == {
        "pdf",
        "resend",
        "reply",
        "answer",
    }
    assert actions(platform=reddit, status="removed", **email) == {"pdf", "reply"}


def test_dmca_is_offered_only_where_the_platform_named_a_copyright_agent(platforms):
    reddit = platforms["reddit"]
    assert not reddit.dmca_agent_email
    assert "dmca" not in actions(platform=reddit, status="draft", channel="webform")
    reddit.dmca_agent_email = "copyright@example.org"
    reddit.save(update_fields=["dmca_agent_email"])
    assert "dmca" in actions(platform=reddit, status="draft", channel="webform")


def test_escalation_is_offered_once_the_platform_is_late_or_refuses(platforms):
    reddit = platforms["reddit"]
    past = timezone.now() - timedelta(hours=1)
    assert "escalate" in actions(platform=reddit, status="sent", channel="webform", due_at=past)
    assert "escalate" in actions(platform=reddit, status="disputed", channel="webform")
    assert "escalate" not in actions(platform=reddit, status="escalated", channel="webform", due_at=past)
    assert "escalate" not in actions(platform=reddit, status="sent", channel="webform", due_at=past, kind="cdn")


def test_the_api_lists_the_same_actions(advocate, platforms):
    from rest_framework.test import APIClient

    platforms["reddit"].dmca_agent_email = "copyright@example.org"
    platforms["reddit"].save(update_fields=["dmca_agent_email"])
    notice = NoticeFactory(case=CaseFactory(), platform=platforms["reddit"], status="draft", channel="webform")
    client = APIClient()
    client.force_authenticate(advocate)
    (row,) = client.get(f"/api/v1/cases/{notice.case.reference}/").json()["notices"]
    assert row["allowed_actions"] == sorted(notice_allowed_actions(notice)) == ["dmca", "pdf", "webform"]
