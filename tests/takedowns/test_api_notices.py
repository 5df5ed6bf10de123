"""The notices API: platform staff list, read and answer only their platform's notices; advocates read all but
cannot act as a platform; hashes export as JSON or CSV, never images."""

from __future__ import annotations

import csv
import io
import re

import pytest

from takedowns.lifecycle import notice_transition
from takedowns.models import Event, NoticeStatus, ReferenceImage
from takedowns.services.notices import notices_draft
from tests.factories import complete_case
from tests.utils import api_token

pytestmark = pytest.mark.django_db

REDDIT_URL = "https://www.reddit.com/r/example/comments/abc123/post/"
REDDIT_URL_2 = "https://www.reddit.com/r/example/comments/def456/post/"
X_URL = "https://x.com/someone/status/1234567890"
JSON = {"content_type": "application/json"}
HEX64 = re.compile(r"^[0-9a-f]{64}$")


@pytest.fixture
def sent(platforms):
    """One case with two reddit URLs and one x URL, two hashed images; both notices sent."""
    case = complete_case(urls=[REDDIT_URL, REDDIT_URL_2, X_URL], hashed_images=2)
    notices = {n.platform.slug: n for n in notices_draft(case_id=case.pk)}
    return {slug: notice_transition(notice=notice, to="sent", actor_kind="system") for slug, notice in notices.items()}


def api(client, user):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {api_token(user)}"
    return client


def assert_private(response):
    body = response.content.decode(errors="replace")
    assert "private" not in body and "/media/" not in body and "sam@example.org" not in body
    assert b"\xff\xd8\xff" not in response.content and b"\x89PNG" not in response.content


def test_full_flow_for_platform_staff(client, reddit_staff, sent):
    notice = sent["reddit"]
    c = api(client, reddit_staff)

    listing = c.get("/api/v1/notices/")
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [notice.pk]
    assert listing.json()["results"][0]["platform"] == "reddit"

    detail = c.get(f"/api/v1/notices/{notice.pk}/")
    assert detail.status_code == 200
    data = detail.json()
    assert data["status"] == "sent" and data["reference"] == notice.reference and data["due_at"] and data["sent_at"]
    assert data["platform"] == "reddit" and data["regime"] and "body_text" in data
    assert {loc["url"] for loc in data["locations"]} == {REDDIT_URL, REDDIT_URL_2}
    assert set(data["locations"][0]) == {"id", "url", "uploader", "state"}
    pdqs = sorted(ReferenceImage.objects.filter(case=notice.case).values_list("pdq", flat=True))
    assert sorted(h["pdq"] for h in data["hashes"]) == pdqs
    assert_private(detail)

    ack = c.post(f"/api/v1/notices/{notice.pk}/acknowledge/")
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    assert c.get("/api/v1/notices/?status=acknowledged").json()["count"] == 1
    assert c.get("/api/v1/notices/?status=sent").json()["count"] == 0

    first = data["locations"][0]["id"]
    partial = c.post(f"/api/v1/notices/{notice.pk}/removed/", {"location_ids": [first], "note": "gone"}, **JSON)
    assert partial.status_code == 200 and partial.json()["status"] == "acknowledged"
    assert {loc["state"] for loc in partial.json()["locations"]} == {"removed", "reported"}
    rest = c.post(f"/api/v1/notices/{notice.pk}/removed/", {}, **JSON)
    assert rest.status_code == 200 and rest.json()["status"] == "removed"
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.REMOVED
    events = Event.objects.filter(notice=notice, type__in=["notice.acknowledged", "notice.removed"])
    assert {(e.actor_kind, e.actor_user_id) for e in events} == {("platform", reddit_staff.pk)}

    # Acting on a notice in the wrong state is a 400 with a reason.
    bad = c.post(f"/api/v1/notices/{notice.pk}/info-request/", {"message": "Who?"}, **JSON)
    assert bad.status_code == 400 and "detail" in bad.json()


def test_info_request_and_dispute_validation(client, reddit_staff, sent):
    notice = sent["reddit"]
    c = api(client, reddit_staff)
    empty = c.post(f"/api/v1/notices/{notice.pk}/info-request/", {}, **JSON)
    assert empty.status_code == 400 and "message" in empty.json()
    wrong = c.post(f"/api/v1/notices/{notice.pk}/dispute/", {"reason": "nope"}, **JSON)
    assert wrong.status_code == 400 and "reason" in wrong.json()
    other = c.post(f"/api/v1/notices/{notice.pk}/dispute/", {"reason": "other"}, **JSON)
    assert other.status_code == 400 and "message" in other.json()
    ids = c.post(f"/api/v1/notices/{notice.pk}/removed/", {"location_ids": ["x"]}, **JSON)
    assert ids.status_code == 400 and "location_ids" in ids.json()
    foreign = c.post(
        f"/api/v1/notices/{notice.pk}/removed/",
        {"location_ids": [sent["x"].locations.get().pk]},
        **JSON,
    )
    assert foreign.status_code == 400 and "detail" in foreign.json()

    asked = c.post(f"/api/v1/notices/{notice.pk}/info-request/", {"message": "ID please"}, **JSON)
    assert asked.status_code == 200 and asked.json()["status"] == "info_requested"
    disputed = c.post(f"/api/v1/notices/{notice.pk}/dispute/", {"reason": "not_found", "message": ""}, **JSON)
    assert disputed.status_code == 200 and disputed.json()["status"] == "disputed"


def test_another_platforms_notice_is_404_everywhere(client, reddit_staff, sent):
    theirs = sent["x"].pk
    c = api(client, reddit_staff)
    for path in ("", "hashes/", "hashes.csv", "hashes/?format=csv"):
        assert c.get(f"/api/v1/notices/{theirs}/{path}").status_code == 404, path
    for path in ("acknowledge/", "removed/", "info-request/", "dispute/"):
        response = c.post(f"/api/v1/notices/{theirs}/{path}", {"message": "x", "reason": "other"}, **JSON)
        assert response.status_code == 404, path
    assert c.get("/api/v1/notices/999999/").status_code == 404
    assert sent["x"].reference not in c.get("/api/v1/notices/").content.decode()
    assert sent["x"].reference not in c.get("/api/v1/notices/hashes/").content.decode()
    sent["x"].refresh_from_db()
    assert sent["x"].status == NoticeStatus.SENT


def test_advocate_reads_all_but_cannot_act(client, advocate, sent):
    c = api(client, advocate)
    assert c.get("/api/v1/notices/").json()["count"] == 2
    notice = sent["reddit"]
    assert c.get(f"/api/v1/notices/{notice.pk}/").status_code == 200
    for path, body in (
        ("acknowledge/", {}),
        ("removed/", {}),
        ("info-request/", {"message": "?"}),
        ("dispute/", {"reason": "not_found"}),
    ):
        assert c.post(f"/api/v1/notices/{notice.pk}/{path}", body, **JSON).status_code == 403, path
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT


def test_anonymous_is_refused(client, sent):
    assert client.get("/api/v1/notices/").status_code in (401, 403)
    assert client.post(f"/api/v1/notices/{sent['reddit'].pk}/acknowledge/").status_code in (401, 403)


def test_list_filters(client, advocate, sent):
    from datetime import timedelta

    from django.utils import timezone

    c = api(client, advocate)
    assert c.get("/api/v1/notices/?overdue=true").json()["count"] == 0
    sent["x"].due_at = timezone.now() - timedelta(hours=1)
    sent["x"].save(update_fields=["due_at"])
    overdue = c.get("/api/v1/notices/?overdue=true").json()
    assert [row["id"] for row in overdue["results"]] == [sent["x"].pk] and overdue["results"][0]["is_overdue"]
    assert c.get("/api/v1/notices/?status=bogus").status_code == 400


def test_hash_export_json_and_csv(client, reddit_staff, sent):
    notice = sent["reddit"]
    pdqs = sorted(ReferenceImage.objects.filter(case=notice.case).values_list("pdq", flat=True))
    c = api(client, reddit_staff)

    rows = c.get(f"/api/v1/notices/{notice.pk}/hashes/").json()
    assert len(rows) == 2
    assert set(rows[0]) == {
        "notice_reference",
        "notice_id",
        "signal_type",
        "signal_value",
        "pdq_quality",
        "md5",
        "phash",
    }
    assert all(HEX64.match(r["signal_value"]) and r["signal_type"] == "pdq" for r in rows)
    assert sorted(r["signal_value"] for r in rows) == pdqs
    assert {r["notice_id"] for r in rows} == {notice.pk}

    for url in (f"/api/v1/notices/{notice.pk}/hashes/?format=csv", f"/api/v1/notices/{notice.pk}/hashes.csv"):
        response = c.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), url
        text = response.content.decode()
        assert text.splitlines()[0] == "notice_reference,notice_id,signal_type,signal_value,pdq_quality,md5,phash"
        parsed = list(csv.DictReader(io.StringIO(text)))
        assert sorted(r["signal_value"] for r in parsed) == pdqs
        assert all(HEX64.match(r["signal_value"]) for r in parsed)
        assert_private(response)

    everything = c.get("/api/v1/notices/hashes/")
    assert everything.status_code == 200
    assert {r["notice_id"] for r in everything.json()} == {notice.pk}
    assert sorted(r["signal_value"] for r in everything.json()) == pdqs
    assert_private(everything)
    bulk_csv = c.get("/api/v1/notices/hashes/?format=csv")
    assert bulk_csv.status_code == 200 and len(list(csv.DictReader(io.StringIO(bulk_csv.content.decode())))) == 2

    # A notice the platform has answered completely is no longer "open".
    c.post(f"/api/v1/notices/{notice.pk}/removed/", {}, **JSON)
    assert c.get("/api/v1/notices/hashes/").json() == []


def test_schema_documents_the_notice_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/notices/",
        "/api/v1/notices/{id}/",
        "/api/v1/notices/{id}/acknowledge/",
        "/api/v1/notices/{id}/removed/",
        "/api/v1/notices/{id}/info-request/",
        "/api/v1/notices/{id}/dispute/",
        "/api/v1/notices/{id}/hashes/",
        "/api/v1/notices/hashes/",
    ):
        assert path in paths, path
    dispute = paths["/api/v1/notices/{id}/dispute/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert dispute["$ref"].endswith("NoticeDisputeRequest")
