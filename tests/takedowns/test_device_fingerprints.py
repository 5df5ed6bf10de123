"""Fingerprints made on the victim's own device: one strict check for the web pages and the API, stored with their
provenance and hashed at once (no picture, nothing to purge), and sent to platforms exactly like the server's."""

from __future__ import annotations

import copy
import json
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

import hashing
from takedowns.models import Case, ComputedOn, ImageState, ReferenceImage
from takedowns.services.fingerprints import FingerprintError, fingerprint_check, fingerprints_check
from tests.factories import load_email_platforms
from tests.utils import DEFAULT_ANSWERS, api_token, intake_state, make_photo_like, post_ok, step_url, stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The validator's messages follow the active language; these tests read the English ones."""
    from django.utils import translation

    with translation.override("en"):
        yield


def device_record(seed: int = 1) -> dict:
    """What fingerprint.js sends: the `python -m hashing hash` record, its variants and its provenance."""
    full = hashing.compute(make_photo_like(seed=seed)).to_dict(include_features=False)
    keys = ("sha256", "md5", "phash", "dhash", "whash", "pdq", "pdq_quality", "width", "height", "format", "frames")
    record = {key: full[key] for key in keys}
    record.update(animated=full["animated"], variants=full["variants"], computed_on="device")
    return record


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def case_payload(**extra) -> dict:
    return {
        "filer_type": "self",
        "victim_name": "Sam Example",
        "signature_name": "Sam Example",
        "good_faith_statement": "I have a good-faith belief this was shared without my consent.",
        "attest_good_faith": True,
        "attest_accuracy": True,
        "jurisdiction": "US",
        "urls": ["https://mailhost-a.example/p/1"],
        **extra,
    }


# --- the one validator ---------------------------------------------------------------------------------------


def test_a_device_record_passes_and_keeps_what_the_matcher_needs():
    record = device_record()
    checked = fingerprint_check(value=record)
    assert checked.record["pdq"] == record["pdq"] and checked.record["variants"][0]["name"] == "mirror"
    hashes = checked.hashes  # the matcher's own record type, without keypoints
    assert hashes.features is None and hashes.variant("mirror") is not None
    # Upper-case hex is accepted and stored canonical.
    assert fingerprint_check(value={**record, "pdq": record["pdq"].upper()}).record["pdq"] == record["pdq"]


def _set(path: str, value):
    def change(record: dict) -> dict:
        target = record
        parts = path.split(".")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is KeyError:
            del target[parts[-1]]
        else:
            target[parts[-1]] = value
        return record

    return change


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_set("colour", "red"), "fingerprints[0].colour"),
        (_set("pdq", "ab" * 31), "fingerprints[0].pdq"),
        (_set("phash", "zz" * 8), "fingerprints[0].phash"),
        (_set("dhash", "0" * 15), "fingerprints[0].dhash"),
        (_set("whash", 12), "fingerprints[0].whash"),
        (_set("md5", "0" * 31), "fingerprints[0].md5"),
        (_set("sha256", "0" * 63), "fingerprints[0].sha256"),
        (_set("pdq", KeyError), "fingerprints[0].pdq"),
        (_set("pdq_quality", 101), "fingerprints[0].pdq_quality"),
        (_set("pdq_quality", -1), "fingerprints[0].pdq_quality"),
        (_set("pdq_quality", True), "fingerprints[0].pdq_quality"),
        (_set("pdq_quality", "50"), "fingerprints[0].pdq_quality"),
        (_set("width", 0), "fingerprints[0].width"),
        (_set("height", 10**9), "fingerprints[0].height"),
        (_set("width", 20_000), "fingerprints[0].width"),  # with a height of 4,000: 80 MP, above the budget
        (_set("format", "BMP"), "fingerprints[0].format"),
        (_set("frames", 0), "fingerprints[0].frames"),
        (_set("animated", True), "fingerprints[0].animated"),
        (_set("computed_on", "server"), "fingerprints[0].computed_on"),
        (_set("variants", {"name": "mirror"}), "fingerprints[0].variants"),
        (_set("variants.0.name", "rotated"), "fingerprints[0].variants[0].name"),
        (_set("variants.0.extra", 1), "fingerprints[0].variants[0].extra"),
        (_set("variants.0.pdq", "0" * 60), "fingerprints[0].variants[0].pdq"),
        (_set("variants.1.box", None), "fingerprints[0].variants[1].box"),
        (_set("variants.1.box", [0.5, 0, 0.4, 1]), "fingerprints[0].variants[1].box"),
        (_set("variants.1.name", "mirror"), "fingerprints[0].variants"),
    ],
)
def test_each_malformed_field_is_refused_by_name(change, field):
    record = device_record()
    if "variants" in field:
        # The test picture has a plain border-free content box; give it a trimmed variant to break.
        record["variants"] = [
            record["variants"][0],
            {**record["variants"][0], "name": "trimmed", "box": [0.1, 0.1, 0.9, 0.9]},
        ]
    if field == "fingerprints[0].width":
        record["height"] = 4000  # 20,000 × 4,000 = 80 MP, above the server's 50 MP budget
    broken = change(copy.deepcopy(record))
    with pytest.raises(FingerprintError) as caught:
        fingerprints_check(value=[broken])
    assert caught.value.field == field, caught.value


def test_a_stated_decode_scale_must_be_the_servers():
    """A record states the scale its hashes were computed at; another scale means it was not made the way the
    server makes it (e.g. a page from before the decoder reduced pictures above 4 MP). Without it, the record
    is stored with the server's scale."""
    record = device_record()
    expected = hashing.expected_decode_scale(record["format"], record["width"], record["height"])
    assert fingerprint_check(value=record).record["decode_scale"] == expected
    assert fingerprint_check(value={**record, "decode_scale": expected}).record["decode_scale"] == expected
    for wrong in ({1, 2, 4, 8} - {expected}) | {0, 9, "2"}:
        with pytest.raises(FingerprintError) as caught:
            fingerprint_check(value={**record, "decode_scale": wrong})
        assert caught.value.field == "fingerprints[0].decode_scale", wrong


def test_list_level_limits():
    records = [device_record(seed) for seed in range(1, 4)]
    with pytest.raises(FingerprintError, match="only 1 more fit") as caught:
        fingerprints_check(value=records[:2], existing=9)
    assert caught.value.code == "too_many"
    with pytest.raises(FingerprintError) as caught:
        fingerprints_check(value=[records[0], records[0]])
    assert caught.value.field == "fingerprints[1].sha256"
    with pytest.raises(FingerprintError, match="valid JSON"):
        fingerprints_check(value="[{")
    with pytest.raises(FingerprintError, match="list"):
        fingerprints_check(value={"pdq": "0"})
    assert len(fingerprints_check(value=json.dumps(records))) == 3
    assert fingerprints_check(value="") == []


# --- API -------------------------------------------------------------------------------------------------------


def test_api_files_a_case_with_device_fingerprints_and_no_picture(advocate, platforms, private_storage):
    record = device_record()
    response = api(advocate).post("/api/v1/cases/", case_payload(fingerprints=[record]), format="json")
    assert response.status_code == 201, response.content
    image = response.json()["images"][0]
    assert image["state"] == "hashed" and image["computed_on"] == "device" and image["pdq"] == record["pdq"]
    stored = ReferenceImage.objects.get()
    assert not stored.file and stored.purged_at is None and stored.computed_on == ComputedOn.DEVICE
    assert stored.match_data["variants"][0]["pdq"] == record["variants"][0]["pdq"]
    assert stored_files(private_storage) == []


def test_api_multipart_takes_the_records_as_json_text(advocate, platforms):
    payload = case_payload(fingerprints=json.dumps([device_record()]))
    response = api(advocate).post("/api/v1/cases/", payload, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["images"][0]["computed_on"] == "device"


def test_api_refusal_names_the_field_and_stores_nothing(advocate, platforms):
    bad = {**device_record(), "pdq_quality": 140}
    response = api(advocate).post("/api/v1/cases/", case_payload(fingerprints=[bad]), format="json")
    assert response.status_code == 400
    assert "fingerprints[0].pdq_quality" in response.json()["fingerprints"][0]
    unknown = {**device_record(), "filename": "me.jpg"}
    response = api(advocate).post("/api/v1/cases/", case_payload(fingerprints=[unknown]), format="json")
    assert response.status_code == 400 and "fingerprints[0].filename" in response.json()["fingerprints"][0]
    assert not Case.objects.exists()


def test_api_under_18_takes_fingerprints_but_never_a_picture(advocate, platforms):
    record = device_record()
    response = api(advocate).post(
        "/api/v1/cases/", case_payload(is_minor_content=True, fingerprints=[record]), format="json"
    )
    assert response.status_code == 201, response.content
    reference = response.json()["reference"]
    assert ReferenceImage.objects.get().computed_on == ComputedOn.DEVICE
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("a.jpg", make_photo_like(seed=3), content_type="image/jpeg")
    response = api(advocate).post(f"/api/v1/cases/{reference}/images/", {"images": [upload]}, format="multipart")
    assert response.status_code == 400 and "images" in response.json()
    assert ReferenceImage.objects.count() == 1


def test_api_adds_fingerprints_to_a_case(advocate, platforms):
    reference = api(advocate).post("/api/v1/cases/", case_payload(), format="json").json()["reference"]
    response = api(advocate).post(
        f"/api/v1/cases/{reference}/images/", {"fingerprints": [device_record(4)]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [i["computed_on"] for i in response.json()["images"]] == ["device"]
    response = api(advocate).post(
        f"/api/v1/cases/{reference}/images/", {"fingerprints": [{"pdq": "00"}]}, format="json"
    )
    assert response.status_code == 400 and "fingerprints" in response.json()


def test_openapi_documents_the_fingerprint_record(advocate):
    schema = api(advocate).get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "FingerprintRecord" in schema and "/api/v1/cases/{reference}/images/" in schema


# --- platforms receive them exactly like server fingerprints ---------------------------------------------------


def _send_and_read(advocate, payload, django_capture_on_commit_callbacks):
    from takedowns.services.users import portal_user_create_or_update

    load_email_platforms()
    staff = portal_user_create_or_update(
        role="platform", email="ts@mailhost-a.example", password="x" * 12, platform_slug="mailhost-a", validate=False
    ).user
    with django_capture_on_commit_callbacks(execute=True):
        reference = api(advocate).post("/api/v1/cases/", payload, format="json").json()["reference"]
    with django_capture_on_commit_callbacks(execute=True):
        api(advocate).post(f"/api/v1/cases/{reference}/send-notices/")
    notice = api(staff).get("/api/v1/notices/").json()["results"][0]
    detail = api(staff).get(f"/api/v1/notices/{notice['id']}/").json()
    hashes = api(staff).get(f"/api/v1/notices/{notice['id']}/hashes/").json()
    return detail, hashes


def test_notices_carry_the_device_fingerprints(advocate, platforms, django_capture_on_commit_callbacks, mailoutbox):
    record = device_record(7)
    detail, hashes = _send_and_read(advocate, case_payload(fingerprints=[record]), django_capture_on_commit_callbacks)
    assert detail["hashes"][0]["pdq"] == record["pdq"] and detail["hashes"][0]["md5"] == record["md5"]
    assert record["pdq"] in detail["body_text"] and record["md5"] in detail["body_text"]
    assert record["pdq"] in json.dumps(hashes)
    assert any(record["pdq"] in message.body for message in mailoutbox)


def test_under_18_priority_notice_carries_pdq_and_md5(advocate, platforms, django_capture_on_commit_callbacks):
    record = device_record(8)
    payload = case_payload(is_minor_content=True, fingerprints=[record])
    detail, _hashes = _send_and_read(advocate, payload, django_capture_on_commit_callbacks)
    assert detail["hashes"][0]["pdq"] == record["pdq"] and detail["hashes"][0]["md5"] == record["md5"]
    assert record["pdq"] in detail["body_text"] and record["md5"] in detail["body_text"]


# --- the web pages: intake, status page, workbench -----------------------------------------------------------


def _to_images_step(client, answers=None):
    answers = {**DEFAULT_ANSWERS, **(answers or {})}
    post_ok(client, step_url("who"), answers["who"])
    post_ok(client, step_url("content"), answers["content"])
    post_ok(client, step_url("where"), {"urls": "https://x.com/a/status/1", "action": "check"})
    post_ok(client, step_url("where"), {"urls": "https://x.com/a/status/1", "action": "continue"})


def _finish(client):
    post_ok(client, step_url("contact"), DEFAULT_ANSWERS["contact"])
    post_ok(client, step_url("statement"), DEFAULT_ANSWERS["statement"])
    return client.post(step_url("review"))


def test_intake_in_device_mode_files_fingerprints_only(client, private_storage):
    _to_images_step(client)
    html = client.get(step_url("images")).content.decode()
    assert "Make the fingerprints on this device (recommended)" in html and "Send the pictures to us" in html
    record = device_record(5)
    post_ok(client, step_url("images"), {"action": "next", "fingerprints": json.dumps([record])})
    assert intake_state(client)["fingerprints"][0]["pdq"] == record["pdq"]
    assert stored_files(private_storage) == []
    response = _finish(client)
    assert response.status_code == 302
    image = Case.objects.get().images.get()
    assert image.computed_on == ComputedOn.DEVICE and image.state == ImageState.HASHED and not image.file
    receipt = client.get(reverse("takedowns:intake_receipt")).content.decode()
    assert 'data-mode="device"' in receipt and "Your pictures never left it" in receipt


def test_intake_form_refuses_a_bad_record_naming_the_field(client):
    _to_images_step(client)
    bad = {**device_record(), "pdq": "12"}
    response = client.post(step_url("images"), {"action": "next", "fingerprints": json.dumps([bad])})
    assert response.status_code == 200
    assert "fingerprints[0].pdq" in response.content.decode()
    assert intake_state(client)["fingerprints"] == []


def test_intake_under_18_takes_device_fingerprints(client, private_storage):
    _to_images_step(client, {"content": {**DEFAULT_ANSWERS["content"], "under_18": "yes"}})
    record = device_record(6)
    post_ok(client, step_url("images"), {"action": "next", "fingerprints": json.dumps([record])})
    _finish(client)
    case = Case.objects.get()
    assert case.is_minor_content and case.images.get().pdq == record["pdq"]
    assert stored_files(private_storage) == []


def test_intake_upload_mode_still_works_and_the_receipt_says_so(client, private_storage):
    from tests.utils import jpeg

    _to_images_step(client)
    post_ok(client, step_url("images"), {"action": "next", "images": [jpeg(2)]})
    _finish(client)
    receipt = client.get(reverse("takedowns:intake_receipt")).content.decode()
    assert 'data-mode="upload"' in receipt


def _status_login(client, answers=None):
    _to_images_step(client, answers)
    post_ok(client, step_url("images"), {"action": "next"})
    _finish(client)
    receipt = client.get(reverse("takedowns:intake_receipt")).content.decode()
    code = re.search(r'id="access-code">([A-Z0-9-]+)<', receipt)
    case = Case.objects.get()
    client.post(reverse("takedowns:status_login"), {"reference": case.reference, "access_code": code.group(1)})
    return case


def test_status_page_adds_device_fingerprints(client, private_storage):
    case = _status_login(client)
    record = device_record(9)
    response = client.post(reverse("takedowns:status_add_images"), {"fingerprints": json.dumps([record])})
    assert response.status_code == 302
    assert case.images.get().computed_on == ComputedOn.DEVICE
    html = client.get(reverse("takedowns:status")).content.decode()
    assert "Fingerprinted on your own device; the picture never left it." in html


def test_status_page_under_18_adds_fingerprints_but_no_file_field_is_named(client, private_storage):
    case = _status_login(client, {"content": {**DEFAULT_ANSWERS["content"], "under_18": "yes"}})
    html = client.get(reverse("takedowns:status")).content.decode()
    assert "data-picture-step" in html and "data-minor" in html
    response = client.post(reverse("takedowns:status_add_images"), {"fingerprints": json.dumps([device_record(10)])})
    assert response.status_code == 302
    assert case.images.get().computed_on == ComputedOn.DEVICE


def test_workbench_adds_fingerprints_and_labels_them(client, advocate, platforms):
    reference = api(advocate).post("/api/v1/cases/", case_payload(), format="json").json()["reference"]
    client.force_login(advocate)
    url = reverse("takedowns:case_add_pictures", args=[reference])
    response = client.post(url, {"fingerprints": json.dumps([device_record(11)])})
    assert response.status_code == 302, response.content.decode()[:2000]
    html = client.get(reverse("takedowns:case_detail", args=[reference])).content.decode()
    assert 'data-testid="made-on-device"' in html and "Made on the victim" in html
    response = client.post(url, {"fingerprints": json.dumps([{**device_record(12), "x": 1}])})
    assert response.status_code == 400 and "fingerprints[0].x" in response.content.decode()


# --- the matcher says which stages ran ---------------------------------------------------------------------


def test_matching_against_a_device_record_says_keypoints_did_not_run():
    record = fingerprint_check(value=device_record(13)).hashes
    other = hashing.compute_candidate(make_photo_like(seed=99))
    result = hashing.Matcher([record]).match(other)
    assert not result.match and "keypoints" not in result.stages
    assert result.stages == ["exact", "hash", "hash-trimmed", "hash-mirrored"]
    assert "keypoints were not compared" in result.reason
    server = hashing.compute(make_photo_like(seed=13), features=True)
    assert "keypoints" in hashing.Matcher([server]).match(other).stages


def test_the_picture_step_in_spanish(client):
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    _to_images_step(client)
    html = client.get(step_url("images")).content.decode()
    assert "Crear las huellas digitales en este dispositivo (recomendado)" in html
    assert "Enviarnos las imágenes" in html and "Imagen %(n)s: creando sus huellas digitales" in html
