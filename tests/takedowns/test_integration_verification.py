"""The verification loop end to end on a real worker (SQLite + the folder broker, or PostgreSQL + Redis):
a URL served by a local server shows a match; the server removes the file; the platform reports removal
through the API; the worker verifies the removal; the server puts the file back; the 7-day re-check finds it,
marks it reappeared and a new notice is drafted.

"Time moved forward": the periodic job is a thin task around
``verification.locations_recheck_due(now=...)``. The test calls that service in this process with ``now`` set
8 days ahead (what beat would run a week later); it selects the due location and enqueues the check, which
the real worker runs against the real clock, database and broker.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import transaction
from PIL import Image
from rest_framework.test import APIClient

from takedowns.lifecycle import notice_transition
from takedowns.models import LocationState, Notice, NoticeStatus, ReportedLocation
from takedowns.services import verification
from takedowns.services.images import image_add
from takedowns.services.notices import notices_draft
from takedowns.services.users import portal_user_create_or_update
from tests.factories import complete_case, load_email_platforms
from tests.local_http import LocalServer
from tests.utils import api_token, make_photo_like, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

REFERENCE = make_photo_like(800, 600, seed=31)


def _served_copy() -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(REFERENCE)).resize((560, 420)).save(out, "JPEG", quality=60)
    return out.getvalue()


@pytest.fixture
def server(settings):
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True
    settings.VERIFY_LOCATIONS = True  # this process enqueues the removal check when the platform reports
    s = LocalServer().start()
    yield s
    s.stop()


def test_match_removal_verified_reappearance_and_new_round(celery_worker_process, server):
    load_email_platforms()
    staff = portal_user_create_or_update(
        role="platform",
        email="ts@mailhost-a.example",
        password="correct-horse-battery",
        platform_slug="mailhost-a",
        validate=False,
    ).user
    case = complete_case(urls=["https://mailhost-a.example/post/1"], hashed_images=0, contact_private=True)
    location = case.locations.get()
    # Intake refuses local addresses, so the stored URL is pointed at the local server afterwards.
    ReportedLocation.objects.filter(pk=location.pk).update(url=server.image("/p/1", _served_copy()))

    # Filing: the worker hashes the reference, then fetches the URL and records the match.
    with transaction.atomic():
        image_add(case=case, data=REFERENCE, image_format="JPEG", keep_as_evidence=False, actor_kind="victim")

    def evidence():
        location.refresh_from_db()
        return location.match_evidence.get("status") == "match"

    wait_for(evidence, timeout=90, what="match evidence for the served URL")
    assert location.match_evidence["reference_number"] == 1
    assert location.match_evidence["pdq_distance"] <= 31

    with transaction.atomic():
        (notice,) = notices_draft(case_id=case.pk)
        notice = notice_transition(notice=notice, to=NoticeStatus.SENT, actor_kind="system")

    # The server removes the file; the platform reports removal through the API.
    server.remove("/p/1")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(staff)}")
    reply = client.post(f"/api/v1/notices/{notice.pk}/removed/", {"note": "taken down"}, format="json")
    assert reply.status_code == 200 and reply.json()["status"] == "removed"

    def verified():
        location.refresh_from_db()
        return location.state == LocationState.VERIFIED_REMOVED

    wait_for(verified, timeout=90, what="the worker to verify the removal")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.VERIFIED_REMOVED
    assert location.match_evidence["status"] == "gone" and location.match_evidence["http_status"] == 404

    # The server puts it back; a week later the re-check finds it.
    server.image("/p/1", _served_copy())
    a_week_later = location.verified_removed_at + timedelta(days=8)
    with transaction.atomic():
        assert verification.locations_recheck_due(now=a_week_later) == [location.pk]

    def reappeared():
        location.refresh_from_db()
        return location.state == LocationState.REAPPEARED

    wait_for(reappeared, timeout=90, what="the re-check to find the file again")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.REAPPEARED
    assert location.match_evidence["status"] == "match"

    def new_round():
        return Notice.objects.filter(case=case, round=2).first()

    drafted = wait_for(new_round, timeout=90, what="a new notice for the reappeared URL")
    assert list(drafted.locations.values_list("pk", flat=True)) == [location.pk]
