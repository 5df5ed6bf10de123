"""Discovery in headless Chromium: an image crawled on a watched site matches a case's reference; the advocate
opens the case, follows "found on watched sites", confirms the finding, and its notice is drafted."""

from __future__ import annotations

import pytest

from takedowns.models import Finding
from takedowns.services import discovery
from takedowns.services.images import image_add
from tests.e2e.axe import assert_accessible
from tests.factories import complete_case, load_email_platforms
from tests.utils import edited_copies, make_photo_like, serve_gallery

pytestmark = pytest.mark.django_db(transaction=True)

REFERENCE = make_photo_like(640, 480, seed=921)


def test_advocate_confirms_a_finding_in_the_browser(page, live_server, advocate, server, artifacts_dir):
    load_email_platforms()
    case = complete_case(urls=["https://mailhost-a.example/post/1"], hashed_images=0, contact_private=True)
    image_add(case=case, data=REFERENCE, image_format="JPEG", keep_as_evidence=False, actor_kind="victim")
    assert case.images.filter(state="hashed").exists()
    # A registry platform's host, resolved to the local server (intake refuses local addresses, rightly).
    base = f"http://mailhost-b.example:{server.base.rsplit(':', 1)[1]}"
    g = serve_gallery(server, pages=3, images=6, planted=edited_copies(REFERENCE)[1:2], base=base)
    site = discovery.watched_site_create(fields={"name": "Gallery", "start_urls": [g["start"]], "max_pages": 20})
    run = discovery.crawl_now(site=site, resolver=lambda host, port: ["127.0.0.1"])
    assert run.images_hashed == 6, (run.pages_fetched, run.pages_failed, list(run.pages.values("url", "reason")))
    finding = Finding.objects.get(case=case)

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("advocate@example.org")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    page.get_by_role("link", name="1 new image found on watched sites").click()
    page.wait_for_url(f"**/cases/{case.reference}/findings/")
    row = page.locator(f"#finding-{finding.pk}")
    assert finding.page_url in row.inner_text()
    page.screenshot(path=str(artifacts_dir / "discovery-01-findings.png"), full_page=True)
    assert_accessible(page, "advocate-findings")
    row.get_by_role("button", name="Confirm").click()
    page.get_by_text("Added to the case; its notice is being drafted.").wait_for()
    assert "Confirmed" in page.locator(f"#finding-{finding.pk}").inner_text()
    location = case.locations.get(url=finding.page_url)
    assert location.platform.slug == "mailhost-b"
    assert location.notices.filter(status__in=["draft", "queued", "sent"]).exists()
    page.screenshot(path=str(artifacts_dir / "discovery-02-confirmed.png"), full_page=True)
