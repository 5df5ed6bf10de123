"""The API's full flow: an advocate files a case with images and URLs and sends notices; the platform's
token lists, reads with hashes, acknowledges and reports removal; the case shows it. The hash export equals
`python -m hashing hash` of the same image."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.factories import load_email_platforms
from tests.utils import ROOT, api_token, make_photo_like

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def case_payload(**extra):
    return {
        "filer_type": "self",
        "victim_name": "Sam Example",
        "contact_email": "sam@example.org",
        "signature_name": "Sam Example",
        "good_faith_statement": "I have a good-faith belief this was shared without my consent.",
        "attest_good_faith": "true",
        "jurisdiction": "US",
        "is_synthetic": "true",
        "urls": ["https://mailhost-a.example/p/1", "https://www.reddit.com/r/x/comments/abc/p/"],
        **extra,
    }


def test_full_api_flow(advocate, platforms, django_capture_on_commit_callbacks, tmp_path):
    from takedowns.models import Platform
    from takedowns.services.users import portal_user_create_or_update

    load_email_platforms()
    staff = portal_user_create_or_update(
        role="platform", email="ts@mailhost-a.example", password="x" * 12, platform_slug="mailhost-a", validate=False
    ).user
    photo = make_photo_like(seed=21)
    image = SimpleUploadedFile("a.jpg", photo, content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = api(advocate).post("/api/v1/cases/", case_payload(images=[image]), format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    reference = body["reference"]
    assert body["images"][0]["state"] == "pending"  # hashed in the background, after the response
    body = api(advocate).get(f"/api/v1/cases/{reference}/").json()
    assert body["images"][0]["state"] == "hashed" and len(body["images"][0]["pdq"]) == 64
    assert {loc["platform"] for loc in body["locations"]} == {"mailhost-a", "reddit"}
    with django_capture_on_commit_callbacks(execute=True):
        sent = api(advocate).post(f"/api/v1/cases/{reference}/send-notices/").json()
    assert any(h["platform"] == "reddit" for h in sent["held"])  # a web form: a person submits it
    notices = api(staff).get("/api/v1/notices/").json()["results"]
    assert len(notices) == 1 and notices[0]["status"] == "sent"
    notice_id = notices[0]["id"]
    detail = api(staff).get(f"/api/v1/notices/{notice_id}/").json()
    assert detail["hashes"][0]["pdq"] == body["images"][0]["pdq"] and "mailhost-a.example/p/1" in detail["body_text"]
    assert api(staff).post(f"/api/v1/notices/{notice_id}/acknowledge/").status_code == 200
    loc_id = detail["locations"][0]["id"]
    response = api(staff).post(f"/api/v1/notices/{notice_id}/removed/", {"location_ids": [loc_id]}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "removed"
    case = api(advocate).get(f"/api/v1/cases/{reference}/").json()
    assert {n["platform"]: n["status"] for n in case["notices"]}["mailhost-a"] == "removed"
    assert {loc["url"]: loc["state"] for loc in case["locations"]}["https://mailhost-a.example/p/1"] == "removed"
    # Platform staff never read a case; an advocate token cannot act as a platform.
    assert api(staff).get(f"/api/v1/cases/{reference}/").status_code == 403
    assert api(advocate).post(f"/api/v1/notices/{notice_id}/acknowledge/").status_code == 403
    # The hash export is what `python -m hashing hash` says about the same picture.
    path = tmp_path / "photo.jpg"
    path.write_bytes(photo)
    cli = json.loads(
        subprocess.run(
            [sys.executable, "-m", "hashing", "hash", str(path)], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.splitlines()[0]
    )
    rows = list(
        csv.DictReader(io.StringIO(api(staff).get(f"/api/v1/notices/{notice_id}/hashes/?format=csv").content.decode()))
    )
    assert rows[0]["signal_type"] == "pdq" and rows[0]["signal_value"] == cli["pdq"]
    assert rows[0]["md5"] == cli["md5"] and rows[0]["phash"] == cli["phash"]
    assert Platform.objects.filter(slug="mailhost-a").exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"urls": ["javascript:alert(1)"]}, "urls"),
        ({"urls": ["example.com"]}, "urls"),
        ({"attest_good_faith": "false"}, "attest_good_faith"),
        ({"signature_name": ""}, "signature_name"),
        ({"is_minor_content": "true", "images": "IMAGE"}, "images"),
        ({"images": "PDF"}, "images"),
    ],
)
def test_bad_input_is_refused_per_field_and_nothing_is_stored(advocate, platforms, extra, field):
    from takedowns.models import Case

    if extra.get("images") == "IMAGE":
        extra["images"] = [SimpleUploadedFile("a.jpg", make_photo_like(seed=2), content_type="image/jpeg")]
    elif extra.get("images") == "PDF":
        extra["images"] = [SimpleUploadedFile("a.jpg", b"%PDF-1.7\n1 0 obj\n", content_type="image/jpeg")]
    response = api(advocate).post("/api/v1/cases/", case_payload(**extra), format="multipart")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Case.objects.exists()


def test_add_urls_and_unknown_case(advocate, platforms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reference = api(advocate).post("/api/v1/cases/", case_payload(), format="multipart").json()["reference"]
    response = api(advocate).post(
        f"/api/v1/cases/{reference}/urls/", {"urls": ["https://x.com/a/status/5"]}, format="json"
    )
    assert response.status_code == 200
    assert "https://x.com/a/status/5" in {loc["url"] for loc in response.json()["locations"]}
    assert api(advocate).get("/api/v1/cases/RC-2222-2222/").status_code == 404
