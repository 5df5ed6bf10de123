"""The likeness search's review in headless Chromium: the advocate signs in with the password and the app's code,
sees on the case page that two pictures on a watched site hold a face close to the victim's template, confirms
one (its page joins the case, marked as found by the likeness search, and its notice is drafted) and dismisses
the other. Both pages are checked with axe-core; screenshots go to test-artifacts/journeys/likeness/.

The two matches are recorded as the crawl's face scan records them (a finding of kind ``likeness`` and what it
compared): describing faces with dlib takes seconds and is tested in tests/hashing/test_faces.py and
tests/takedowns/discovery/test_integration_likeness.py; this test is about the advocate's decision."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from takedowns.models import (
    CrawledImage,
    EventType,
    Finding,
    FindingKind,
    FindingStatus,
    LikenessMatch,
    ReportedLocation,
)
from takedowns.services import discovery
from tests.e2e.journey import Journey
from tests.e2e.test_advocate_journey import app_code
from tests.factories import complete_case, load_email_platforms

pytestmark = pytest.mark.django_db(transaction=True)


def _likeness_finding(case, site, n: int, distance: float) -> Finding:
    now = timezone.now()
    crawled = CrawledImage.objects.create(
        site=site,
        image_url=f"https://mailhost-b.example/img/{n}.jpg",
        image_url_sha=f"{n:064x}",
        page_url=f"https://mailhost-b.example/post/{n}",
        sha256=f"{n + 100:064x}",
        pdq="0" * 64,
        phash="0" * 16,
        first_seen_at=now,
        last_seen_at=now,
    )
    finding = Finding.objects.create(
        case=case,
        crawled_image=crawled,
        kind=FindingKind.LIKENESS,
        page_url=crawled.page_url,
        image_url=crawled.image_url,
        stage="face",
        reason=f"Face 180×180 px at (40, 60) compared with the case's face template: distance {distance:.3f}.",
    )
    LikenessMatch.objects.create(
        finding=finding,
        distance=distance,
        threshold=0.5,
        model="dlib-resnet-v1-5pt",
        box=[40, 60, 220, 240],
        faces_compared=1,
        template_faces=2,
    )
    return finding


def test_advocate_confirms_one_likeness_match_and_dismisses_another(page, live_server, settings, advocate):
    settings.STAFF_2FA_REQUIRED = True
    device = TOTPDevice.objects.create(user=advocate, name="phone", confirmed=True)
    load_email_platforms()
    case = complete_case(urls=["https://mailhost-a.example/post/1"], hashed_images=0, contact_private=True)
    site = discovery.watched_site_create(
        fields={"name": "Gallery", "start_urls": ["https://mailhost-b.example/"], "max_pages": 20}
    )
    keep = _likeness_finding(case, site, 1, 0.31)
    drop = _likeness_finding(case, site, 2, 0.47)
    journey = Journey(page, "likeness")

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("advocate@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/accounts/two-factor/\?next=.*"))
    page.get_by_role("textbox", name="Code").fill(app_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")

    # The case page says two faces close to hers were found, apart from any other finding.
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    journey.step("case")
    page.get_by_role("link", name="2 possible matches of the person's face to review (likeness search)").click()
    page.wait_for_url(f"**/cases/{case.reference}/findings/#likeness")
    assert "likeness search" in page.locator("#likeness").inner_text()
    for finding, distance in ((keep, "0.310"), (drop, "0.470")):
        row = page.locator(f"#finding-{finding.pk}")
        assert finding.page_url in row.inner_text() and "her face" in row.inner_text()
        assert f"face {distance} (≤ 0.50)" in row.inner_text()
    journey.step("findings")

    page.locator(f"#finding-{keep.pk}").get_by_role("button", name="Confirm").click()
    page.get_by_text("Added to the case; its notice is being drafted.").wait_for()
    page.locator(f"#finding-{drop.pk}").get_by_role("button", name="Dismiss").click()
    page.get_by_text("Dismissed.").wait_for()
    assert "Confirmed" in page.locator(f"#finding-{keep.pk}").inner_text()
    assert "Dismissed" in page.locator(f"#finding-{drop.pk}").inner_text()
    assert page.locator(f"#finding-{drop.pk}").get_by_role("button", name="Confirm").count() == 0
    journey.step("decided")

    keep.refresh_from_db()
    drop.refresh_from_db()
    assert (keep.status, keep.decided_by, drop.status) == (FindingStatus.CONFIRMED, advocate, FindingStatus.DISMISSED)
    location = ReportedLocation.objects.get(case=case, url=keep.page_url)
    assert location.found_by_likeness and location.platform.slug == "mailhost-b"
    assert location.notices.filter(status__in=["draft", "queued", "sent"]).exists()
    assert not ReportedLocation.objects.filter(case=case, url=drop.page_url).exists()
    assert set(case.events.filter(type__startswith="finding.").values_list("type", flat=True)) >= {
        EventType.FINDING_CONFIRMED,
        EventType.FINDING_DISMISSED,
    }

    # Back on the case page the confirmed page is a reported URL and nothing is left to review.
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    assert page.locator(f"#location-{location.pk}").is_visible()
    assert page.get_by_text("possible match", exact=False).count() == 0
