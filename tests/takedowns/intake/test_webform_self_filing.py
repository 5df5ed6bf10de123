"""A victim filing alone sends a web-form platform's request herself, step by step, from the status page; the
clock starts at the time she gives. Another case's notice cannot be recorded from her page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from takedowns.models import NoticeStatus
from takedowns.services.cases import case_create
from takedowns.services.notices import notices_draft
from tests.factories import complete_case

pytestmark = pytest.mark.django_db


def test_victim_records_her_own_webform_submission(client, platforms):
    created = case_create(
        victim_name="Sam Example",
        contact_email="sam@example.org",
        signature_name="Sam Example",
        good_faith_statement="I have a good-faith belief that this was shared without my consent.",
        attestations={"good_faith": True, "accuracy": True},
        urls=["https://www.reddit.com/r/x/comments/abc/p/"],
    )
    notice = notices_draft(case_id=created.case.pk)[0]
    # Filed and prepared yesterday; she submitted the platform's form two hours ago.
    yesterday = timezone.now() - timedelta(days=1)
    type(notice).objects.filter(pk=notice.pk).update(created_at=yesterday)
    type(created.case).objects.filter(pk=created.case.pk).update(signed_at=yesterday)
    other = notices_draft(case_id=complete_case(urls=["https://x.com/a/status/9"]).pk)[0]
    client.post(
        reverse("takedowns:status_login"), {"reference": created.case.reference, "access_code": created.access_code}
    )
    html = client.get(reverse("takedowns:status")).content.decode()
    assert "Requests you can send yourself" in html
    assert "https://www.reddit.com/r/x/comments/abc/p/" in html and "I submitted it" in html
    # Someone else's notice id is a 404, and nothing changes on it.
    response = client.post(
        reverse("takedowns:status_webform_submitted", args=[other.pk]), {"submitted_at": "2026-01-01T10:00"}
    )
    assert response.status_code == 404
    local = timezone.now().astimezone(UTC) - timedelta(hours=2)
    # The browser is at UTC-5: it sends its offset (300 minutes) with the local time typed.
    typed = (local - timedelta(minutes=300)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("takedowns:status_webform_submitted", args=[notice.pk]),
        {"submitted_at": typed, "tz_offset": "300", "confirmation": "R-123"},
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    other.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and other.status == NoticeStatus.DRAFT
    expected = local.replace(second=0, microsecond=0)
    assert notice.sent_at == expected and notice.due_at == expected + timedelta(hours=48)
    html = client.get(reverse("takedowns:status")).content.decode()
    assert "Requests you can send yourself" not in html


def test_future_time_is_refused_calmly(client, platforms):
    created = case_create(
        victim_name="A",
        signature_name="A",
        contact_email="a@example.org",
        good_faith_statement="Not consensual.",
        attestations={"good_faith": True, "accuracy": True},
        urls=["https://www.reddit.com/r/x/comments/def/p/"],
    )
    notice = notices_draft(case_id=created.case.pk)[0]
    client.post(
        reverse("takedowns:status_login"), {"reference": created.case.reference, "access_code": created.access_code}
    )
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("takedowns:status_webform_submitted", args=[notice.pk]), {"submitted_at": future}, follow=True
    )
    assert "in the future" in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DRAFT
