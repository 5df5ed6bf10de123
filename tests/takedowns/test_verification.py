"""Verification against a local server: match evidence at filing, removal verified, reappearance caught by the
scheduled re-check. Intake refuses local addresses (rightly), so each test files a case with public-looking
URLs and then points the stored URL at its own server."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from takedowns.lifecycle import notice_transition
from takedowns.models import Case, Event, LocationState, Notice, NoticeStatus, ReportedLocation
from takedowns.notices import render_notice
from takedowns.notices.evidence import evidence_summary
from takedowns.services import verification
from takedowns.services.images import image_add
from takedowns.services.notices import notices_draft
from takedowns.services.outcomes import notice_report_removed
from tests.factories import complete_case, load_email_platforms
from tests.local_http import LocalServer, Route
from tests.utils import api_token, deliver_notifications, hard_edited_copies, make_photo_like

pytestmark = pytest.mark.django_db

REFERENCE = make_photo_like(800, 600, seed=21)
OTHER_REFERENCE = make_photo_like(800, 600, seed=22)


def recompressed(data: bytes, size=(480, 360), quality=55) -> bytes:
    """The same picture re-encoded smaller, as platforms serve uploads."""
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").resize(size).save(out, "JPEG", quality=quality)
    return out.getvalue()


@pytest.fixture
def server(settings):
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True
    settings.VERIFY_LOCATIONS = True
    s = LocalServer().start()
    yield s
    s.stop()


@pytest.fixture
def filed(server, django_capture_on_commit_callbacks):
    """File a case whose one URL is served by the local server at /p/1, with two reference images (an
    unrelated one first, so the matching one is "reference image 2"). Hashing the references triggers the
    evidence check, as in production."""

    def make(path="/p/1", *, url_count=1):
        load_email_platforms()
        case = complete_case(
            urls=[f"https://mailhost-a.example/post/{i}" for i in range(url_count)],
            hashed_images=0,
            contact_private=True,
        )
        locations = list(case.locations.order_by("id"))
        ReportedLocation.objects.filter(pk=locations[0].pk).update(url=server.base + path)
        with django_capture_on_commit_callbacks(execute=True):
            for data in (OTHER_REFERENCE, REFERENCE):
                image_add(case=case, data=data, image_format="JPEG", keep_as_evidence=False, actor_kind="victim")
        return case, ReportedLocation.objects.get(pk=locations[0].pk)

    return make


def test_an_image_that_matches_after_recompression_and_resizing(server, filed):
    server.image("/p/1", recompressed(REFERENCE))
    _case, location = filed("/p/1")
    evidence = location.match_evidence
    assert evidence["status"] == "match"
    assert evidence["reference_number"] == 2 and evidence["stage"].startswith("hash")
    assert 0 <= evidence["pdq_distance"] <= 31
    assert evidence_summary(evidence) == f"Matches reference image 2 (PDQ distance {evidence['pdq_distance']})"
    assert location.state == LocationState.REPORTED and location.verification_requested_at is None


def test_a_different_picture_is_no_match_and_the_notice_still_goes(server, filed):
    server.image("/p/1", make_photo_like(640, 480, seed=77))
    case, location = filed("/p/1")
    assert location.match_evidence["status"] == "no_match"
    assert evidence_summary(location.match_evidence) == "No match found"
    (notice,) = notices_draft(case_id=case.pk)
    assert "Supporting evidence" not in render_notice(notice).text


def test_html_page_with_og_image(server, filed):
    server.image("/media/photo.jpg", recompressed(REFERENCE, size=(640, 480), quality=70))
    server.image("/static/logo.png", make_photo_like(64, 64, seed=5, fmt="PNG"), "image/png")
    server.page(
        "/p/1",
        '<html><head><meta property="og:image" content="/media/photo.jpg"></head>'
        '<body><img src="/static/logo.png"></body></html>',
    )
    _case, location = filed("/p/1")
    evidence = location.match_evidence
    assert evidence["status"] == "match" and evidence["matched_url"] == server.base + "/media/photo.jpg"
    assert evidence["images_checked"] == 2


def test_a_page_with_30_images_fetches_only_20(server, filed):
    for i in range(30):
        server.image(f"/i/{i}.jpg", make_photo_like(96, 72, seed=100 + i))
    server.page("/p/1", "<html><body>" + "".join(f'<img src="/i/{i}.jpg">' for i in range(30)) + "</body></html>")
    _case, location = filed("/p/1")
    assert server.hits("/i/") == 20
    assert location.match_evidence["status"] == "no_match" and location.match_evidence["images_checked"] == 20


def test_html_label_on_a_jpeg_and_jpeg_label_on_a_page_are_sniffed(server, filed):
    server.routes["/p/1"] = Route(body=recompressed(REFERENCE), content_type="text/html; charset=utf-8")
    _case, location = filed("/p/1")
    assert location.match_evidence["status"] == "match" and location.match_evidence["content_type"] == "image/jpeg"

    server.image("/media/x.jpg", recompressed(REFERENCE))
    server.routes["/p/1"] = Route(body=b'<!doctype html><img src="/media/x.jpg">', content_type="image/jpeg")
    ReportedLocation.objects.filter(pk=location.pk).update(match_evidence={})
    (location,) = verification.locations_verify_now(case=location.case)
    assert location.match_evidence["status"] == "match" and location.match_evidence["content_type"] == "text/html"


def test_redirect_to_metadata_is_refused_and_recorded(server, filed):
    server.redirect("/p/1", "http://169.254.169.254/latest/meta-data/")
    case, location = filed("/p/1")
    assert location.match_evidence["status"] == "error"
    assert location.match_evidence["error_code"] == "address_not_allowed"
    summary = evidence_summary(location.match_evidence)
    assert summary.startswith("Could not check:") and "metadata" in summary
    event = Event.objects.filter(case=case, type="location.checked").latest("id")
    assert event.data["outcome"] == "error" and "metadata" in event.data["reason"]


def test_redirect_to_loopback_is_refused_when_private_addresses_are_disallowed(server, filed, settings):
    server.image("/p/1", recompressed(REFERENCE))
    _case, location = filed("/p/1")

    def screening_on():  # the first hop reaches the local server; the redirect is judged with screening on
        settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False

    server.redirect("/p/1", "http://127.0.0.1/", before_reply=screening_on)
    (location,) = verification.locations_verify_now(case=location.case)
    assert location.match_evidence["status"] == "error"
    assert "127.0.0.1" in location.match_evidence["reason"] and "loopback" in location.match_evidence["reason"]


def _sent_notice(case) -> Notice:
    (notice,) = notices_draft(case_id=case.pk)
    return notice_transition(notice=notice, to=NoticeStatus.SENT, actor_kind="system")


def test_removal_is_verified_then_a_reupload_behind_a_redirect_is_caught(
    server, filed, advocate, django_capture_on_commit_callbacks
):
    server.image("/p/1", recompressed(REFERENCE))
    case, location = filed("/p/1")
    notice = _sent_notice(case)
    assert "matching reference image 2" in " ".join(render_notice(notice).text.split())

    # The platform removes the file and says so: the portal checks (404) and verifies.
    server.remove("/p/1")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notice_report_removed(notice=notice, actor_kind="platform")
    location.refresh_from_db()
    notice.refresh_from_db()
    assert location.state == LocationState.VERIFIED_REMOVED and location.match_evidence["status"] == "gone"
    assert notice.status == NoticeStatus.VERIFIED_REMOVED
    assert any("gone from Mailhost A" in m.subject for m in mail.outbox)
    # Next checks: the notice's deadline, then 7 and 30 days after the verified removal.
    assert location.recheck_due_at == notice.due_at
    assert verification.locations_due(now=notice.due_at - timedelta(minutes=1)) == []

    # The same picture comes back at the same URL, moved behind a redirect. The 7-day re-check (time moved
    # forward by passing ``now``) finds it.
    server.image("/cdn/moved.jpg", recompressed(REFERENCE, size=(520, 390), quality=65))
    server.redirect("/p/1", "/cdn/moved.jpg", status=301)
    seven_days = location.verified_removed_at + timedelta(days=7, minutes=1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert verification.locations_recheck_due(now=seven_days) == [location.pk]
    location.refresh_from_db()
    notice.refresh_from_db()
    assert location.state == LocationState.REAPPEARED
    assert location.match_evidence["matched_url"] == server.base + "/cdn/moved.jpg"
    assert notice.status == NoticeStatus.REAPPEARED
    # The advocate and the victim are told, and a new round is drafted for the reappeared URL only.
    told = [m for m in mail.outbox if "back on Mailhost A" in m.subject]
    assert sorted(a for m in told for a in m.to) == ["advocate@example.org", "sam@example.org"]
    new = Notice.objects.get(case=case, round=2)
    assert list(new.locations.all()) == [location]

    # The case does not wait for review, so the new round went out as the first did; the platform removes the
    # content again: reappeared → removed → verified once more.
    assert new.status == NoticeStatus.SENT
    server.remove("/p/1")
    with django_capture_on_commit_callbacks(execute=True):
        notice_report_removed(notice=new, actor_kind="platform")
    location.refresh_from_db()
    assert location.state == LocationState.VERIFIED_REMOVED


def test_a_redirect_to_a_login_page_counts_as_removed(server, filed, django_capture_on_commit_callbacks):
    server.image("/p/1", recompressed(REFERENCE))
    case, location = filed("/p/1")
    notice = _sent_notice(case)
    server.page("/accounts/login", "<html><body><img src='/logo.png'>Log in</body></html>")
    server.redirect("/p/1", "/accounts/login?next=/p/1")
    with django_capture_on_commit_callbacks(execute=True):
        notice_report_removed(notice=notice, actor_kind="platform")
    location.refresh_from_db()
    assert location.state == LocationState.VERIFIED_REMOVED
    assert "login" in location.match_evidence["reason"]


def test_still_serving_after_a_claimed_removal_is_reappeared(server, filed, django_capture_on_commit_callbacks):
    server.image("/p/1", recompressed(REFERENCE))
    case, location = filed("/p/1")
    Case.objects.filter(pk=case.pk).update(language="es")
    notice = _sent_notice(case)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notice_report_removed(notice=notice, actor_kind="platform")
    location.refresh_from_db()
    notice.refresh_from_db()
    assert location.state == LocationState.REAPPEARED and notice.status == NoticeStatus.REAPPEARED
    deliver_notifications()
    # The victim is told in their language.
    (to_victim,) = [
        m for m in mail.outbox if "sam@example.org" in m.to and "Mailhost A" in m.subject and "aparecer" in m.subject
    ]
    assert "ha vuelto a aparecer en Mailhost A" in to_victim.body


def test_case_page_shows_the_evidence(server, filed, advocate, client):
    server.image("/p/1", recompressed(REFERENCE))
    case, location = filed("/p/1")
    client.force_login(advocate)
    html = client.get(reverse("takedowns:case_detail", args=[case.reference])).content.decode()
    assert f"Matches reference image 2 (PDQ distance {location.match_evidence['pdq_distance']})" in html


def test_transient_errors_retry_then_record_could_not_check(server, filed):
    server.image("/p/1", recompressed(REFERENCE))
    _case, location = filed("/p/1")
    server.routes["/p/1"] = Route(status=503, body=b"busy", content_type="text/plain")
    verification.locations_verification_request(location_ids=[location.pk])
    with pytest.raises(verification.TransientCheckError):
        verification.location_verify(location_id=location.pk, final_attempt=False)
    location.refresh_from_db()
    assert location.match_evidence["status"] == "match"  # nothing written on a retryable failure
    verification.location_verify(location_id=location.pk, final_attempt=True)
    location.refresh_from_db()
    assert location.match_evidence["status"] == "error" and "503" in location.match_evidence["reason"]


def test_running_a_check_twice_changes_nothing(server, filed):
    server.image("/p/1", recompressed(REFERENCE))
    case, location = filed("/p/1")
    before = Event.objects.filter(case=case, type="location.checked").count()
    hits = server.hits("/p/1")
    verification.location_verify(location_id=location.pk)
    assert Event.objects.filter(case=case, type="location.checked").count() == before
    assert server.hits("/p/1") == hits


def test_command_and_api_show_the_evidence(server, filed, advocate):
    server.image("/p/1", recompressed(REFERENCE))
    case, _location = filed("/p/1")
    out = io.StringIO()
    call_command("verify_locations", "--case", case.reference, stdout=out)
    assert "Matches reference image 2" in out.getvalue() and "1 location(s) checked" in out.getvalue()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(advocate)}")
    body = client.get(f"/api/v1/cases/{case.reference}/").json()
    (loc,) = body["locations"]
    assert loc["match_evidence"]["status"] == "match" and loc["match_evidence"]["reference_number"] == 2
    assert loc["match_evidence"]["summary"].startswith("Matches reference image 2 (PDQ distance")


def test_reported_urls_are_checked_again_when_the_deadline_passes(server, filed, django_capture_on_commit_callbacks):
    server.image("/p/1", recompressed(REFERENCE))
    case, location = filed("/p/1")
    notice = _sent_notice(case)
    assert verification.locations_due(now=notice.due_at - timedelta(minutes=1)) == []
    after_deadline = notice.due_at + timedelta(minutes=5)
    assert verification.locations_due(now=after_deadline) == [location.pk]
    with django_capture_on_commit_callbacks(execute=True):
        verification.locations_recheck_due(now=after_deadline)
    location.refresh_from_db()
    # Still up at the deadline: recorded for the escalation; the state stays with the platform's answer.
    assert location.match_evidence["status"] == "match" and location.state == LocationState.REPORTED
    # The worker stamps its own clock; in real time that is after the deadline, so the check is not repeated.
    ReportedLocation.objects.filter(pk=location.pk).update(last_checked_at=after_deadline)
    assert verification.locations_due(now=after_deadline + timedelta(days=1)) == []


def test_checks_left_requested_are_re_enqueued_by_reconcile(server, filed, django_capture_on_commit_callbacks):
    server.image("/p/1", recompressed(REFERENCE))
    _case, location = filed("/p/1")
    long_ago = location.last_checked_at - timedelta(hours=1)
    ReportedLocation.objects.filter(pk=location.pk).update(verification_requested_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert verification.locations_reconcile() == [location.pk]
    location.refresh_from_db()
    assert location.verification_requested_at is None and location.last_checked_at > long_ago


@pytest.mark.parametrize("edit", ["off-centre crop", "7 % crop", "3° rotation"])
def test_a_cropped_or_turned_reupload_is_caught_by_the_re_checks(
    server, filed, edit, django_capture_on_commit_callbacks
):
    # Only the keypoint stage recognises these: their whole-picture hashes are 90-130 bits from the reference.
    server.image("/p/1", recompressed(REFERENCE))
    case, location = filed("/p/1")
    notice = _sent_notice(case)
    server.remove("/p/1")
    with django_capture_on_commit_callbacks(execute=True):
        notice_report_removed(notice=notice, actor_kind="platform")
    location.refresh_from_db()
    assert location.state == LocationState.VERIFIED_REMOVED
    # Seven days later an unrelated picture is at the address: still removed (no false match).
    server.page("/p/1", '<html><body><img src="/cdn/other.jpg"></body></html>')
    server.image("/cdn/other.jpg", make_photo_like(800, 600, seed=23))
    with django_capture_on_commit_callbacks(execute=True):
        verification.locations_recheck_due(now=location.verified_removed_at + timedelta(days=7, minutes=1))
    location.refresh_from_db()
    assert location.state == LocationState.VERIFIED_REMOVED
    # Thirty days after the removal the edited copy is back, as a video's poster on a page.
    server.page("/p/1", '<html><body><video poster="/cdn/poster.jpg" src="/cdn/v.mp4"></video></body></html>')
    server.image("/cdn/poster.jpg", hard_edited_copies(REFERENCE)[edit])
    with django_capture_on_commit_callbacks(execute=True):
        verification.locations_recheck_due(now=location.verified_removed_at + timedelta(days=30, minutes=1))
    location.refresh_from_db()
    assert location.state == LocationState.REAPPEARED
    assert location.match_evidence["matched_url"] == server.base + "/cdn/poster.jpg"
    assert location.match_evidence["stage"] == "keypoints"
