"""Discovery end to end on a real worker: a generated gallery (200 pages, 1,000 images, 20 of them edited
copies of a case's four references: re-encoded, resized, cropped, mirrored, in an app frame) is crawled on
the io queue, matched on the hashing queue, and at least 18 of the 20 are found with no false finding."""

from __future__ import annotations

import pytest
from django.db import transaction

from takedowns.models import CrawlRun, Finding, PageState, WatchedSite
from takedowns.services import discovery
from takedowns.services.images import image_add
from tests.factories import complete_case, load_email_platforms
from tests.utils import edited_copies, make_photo_like, serve_gallery, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

REFS = [make_photo_like(640, 480, seed=s) for s in (911, 912, 913, 914)]


def test_the_worker_crawls_a_gallery_and_finds_the_edited_copies(celery_worker_process, server):
    load_email_platforms()
    case = complete_case(urls=["https://mailhost-a.example/post/1"], hashed_images=0, contact_private=True)
    with transaction.atomic():
        for data in REFS:
            image_add(case=case, data=data, image_format="JPEG", keep_as_evidence=False, actor_kind="victim")
    wait_for(lambda: case.images.filter(state="hashed").count() == 4, timeout=120, what="references hashed")

    planted = [copy for ref in REFS for copy in edited_copies(ref)]
    gallery = serve_gallery(server, pages=200, images=1000, planted=planted)
    with transaction.atomic():
        site = discovery.watched_site_create(
            fields={
                "name": "Generated gallery",
                "start_urls": [gallery["start"]],
                "max_pages": 1000,
                "max_depth": 200,
            }
        )
        # A local test server needs no politeness (the API allows at most 20 requests a second per host).
        WatchedSite.objects.filter(pk=site.pk).update(requests_per_second=500)
        site.refresh_from_db()
        run = discovery.crawl_start(site=site)

    def finished():
        return CrawlRun.objects.get(pk=run.pk).state == "done"

    wait_for(finished, timeout=900, interval=2, what="the crawl to finish")
    wait_for(lambda: not site.images.filter(unmatched__isnull=False).exists(), timeout=300, interval=2, what="matching")
    run.refresh_from_db()
    assert run.pages_fetched == 201 and run.images_hashed == 1000
    assert server.hits("/private/") == 0
    assert not run.pages.filter(state=PageState.FAILED).exists()
    pages = [p for p, _ in server.requests if p.startswith("/g/")]
    assert len(pages) == len(set(pages)) == 200  # no page fetched twice

    found = set(Finding.objects.filter(case=case).values_list("image_url", flat=True))
    assert found <= set(gallery["planted_urls"]), found - set(gallery["planted_urls"])  # no false finding
    assert len(found) >= 18, sorted(set(gallery["planted_urls"]) - found)
