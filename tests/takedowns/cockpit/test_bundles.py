"""Evidence bundles: built by a task with progress, every file listed in MANIFEST.sha256, the ZIP's own
SHA-256 in the audit log, downloadable by the advocate and by the signed-in victim."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.urls import reverse

from takedowns.models import BundleState, Event, EventType, EvidenceBundle
from takedowns.services import outcomes
from takedowns.services.bundles import bundle_build, bundle_request, deadline_outcome
from takedowns.services.images import image_add
from tests.factories import TEST_ACCESS_CODE
from tests.utils import make_photo_like

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_with_history(platforms, make_sent, django_capture_on_commit_callbacks):
    late = make_sent(platforms["reddit"], hours_ago=60)
    case = late.case
    on_time = make_sent(platforms["x"], hours_ago=10, case=case, url="https://x.com/someone/status/1")
    outcomes.notice_acknowledge(notice=on_time)
    outcomes.notice_report_removed(
        notice=on_time, location_ids=[loc.pk for loc in on_time.locations.all()], note="Gone"
    )
    with django_capture_on_commit_callbacks(execute=True):
        image_add(
            case=case, data=make_photo_like(seed=9), image_format="JPEG", keep_as_evidence=True, actor_kind="victim"
        )
    return case


def open_zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def check_manifest(archive: zipfile.ZipFile) -> list[str]:
    lines = archive.read("MANIFEST.sha256").decode().splitlines()
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
    assert sorted(n for n in archive.namelist() if n != "MANIFEST.sha256") == sorted(
        row.split("  ", 1)[1] for row in lines
    )
    return [line.split("  ", 1)[1] for line in lines]


def test_advocate_generates_and_downloads_a_verifiable_bundle(
    client, advocate, case_with_history, django_capture_on_commit_callbacks
):
    case = case_with_history
    client.force_login(advocate)
    with django_capture_on_commit_callbacks(execute=True):  # the task runs eagerly after the request's commit
        client.post(reverse("takedowns:bundle_request", args=[case.reference]))
    bundle = EvidenceBundle.objects.get(case=case)
    assert bundle.state == BundleState.READY and bundle.progress == 100
    html = client.get(reverse("takedowns:case_detail", args=[case.reference])).content.decode()
    assert bundle.sha256 in html and "Download the evidence file" in html

    response = client.get(reverse("takedowns:bundle_download", args=[case.reference, bundle.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    data = response.content
    built = Event.objects.get(case=case, type=EventType.BUNDLE_BUILT)
    assert built.data["sha256"] == hashlib.sha256(data).hexdigest() == bundle.sha256
    assert Event.objects.filter(case=case, type=EventType.BUNDLE_DOWNLOADED).count() == 1

    archive = open_zip(data)
    names = check_manifest(archive)
    notices = list(case.notices.order_by("platform__name"))
    for notice in notices:
        assert f"notices/{notice.reference}.txt" in names and f"notices/{notice.reference}.pdf" in names
        assert archive.read(f"notices/{notice.reference}.pdf").startswith(b"%PDF")
    assert {"summary.pdf", "fingerprints.json", "fingerprints.csv", "events.json", "events.csv"} <= set(names)
    assert not [n for n in names if n.startswith("images/")]  # fingerprints, not pictures, unless asked
    prints = json.loads(archive.read("fingerprints.json"))
    assert prints[0]["sha256"] == case.images.get().sha256 and len(prints[0]["pdq"]) == 64
    events = json.loads(archive.read("events.json"))
    assert {"notice.sent", "notice.removed", "bundle.requested"} <= {e["type"] for e in events}
    rows = list(csv.DictReader(io.StringIO(archive.read("events.csv").decode())))
    assert len(rows) == len(events)
    removed = next(n for n in notices if n.platform.slug == "x")
    answered = json.loads(archive.read(f"responses/{removed.reference}.json"))
    assert answered["deadline"] == "met" and any(r["type"] == "notice.removed" for r in answered["responses"])
    late = next(n for n in notices if n.platform.slug == "reddit")
    assert json.loads(archive.read(f"responses/{late.reference}.json"))["deadline"] == "missed"
    # No personal details in the bundle's data files.
    for name in ("events.json", "events.csv", "fingerprints.json"):
        assert b"sam@example.org" not in archive.read(name) and b"Sam Example" not in archive.read(name)


def test_build_is_idempotent_and_a_second_request_while_building_reuses_it(case_with_history):
    case = case_with_history
    first = bundle_request(case=case, actor_kind="advocate")
    again = bundle_request(case=case, actor_kind="advocate")
    assert first.pk == again.pk
    built = bundle_build(bundle_id=first.pk)
    digest = built.sha256
    assert bundle_build(bundle_id=first.pk).sha256 == digest
    assert Event.objects.filter(type=EventType.BUNDLE_BUILT).count() == 1


def test_victim_downloads_their_bundle_with_kept_pictures_when_asked(
    client, case_with_history, django_capture_on_commit_callbacks
):
    case = case_with_history
    client.post(reverse("takedowns:status_login"), {"reference": case.reference, "access_code": TEST_ACCESS_CODE})
    page = client.get(reverse("takedowns:status")).content.decode()
    assert "Prepare my evidence file" in page and "Also include the pictures you chose to keep" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("takedowns:status_bundle_request"), {"include_images": "1"})
    bundle = EvidenceBundle.objects.get(case=case)
    assert response.status_code == 302 and response["Location"] == reverse("takedowns:status_bundle", args=[bundle.pk])
    data = client.get(reverse("takedowns:status_bundle_download", args=[bundle.pk])).content
    names = check_manifest(open_zip(data))
    assert "images/image-1.jpeg" in names
    assert Event.objects.get(type=EventType.BUNDLE_DOWNLOADED).actor_kind == "victim"


def test_victim_page_in_spanish(client, case_with_history, django_capture_on_commit_callbacks):
    case = case_with_history
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    client.post(reverse("takedowns:status_login"), {"reference": case.reference, "access_code": TEST_ACCESS_CODE})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("takedowns:status_bundle_request"))
    bundle = EvidenceBundle.objects.get(case=case)
    page = client.get(reverse("takedowns:status")).content.decode()
    assert "Pruebas para la policía o un abogado" in page
    assert (
        "Descargar el archivo de pruebas (ZIP)"
        in client.get(reverse("takedowns:status_bundle", args=[bundle.pk])).content.decode()
    )


def test_bundles_are_only_for_their_case(client, reddit_staff, case_with_history, make_sent, platforms):
    other = make_sent(platforms["reddit"], hours_ago=1).case
    bundle = bundle_build(bundle_id=bundle_request(case=case_with_history, actor_kind="advocate").pk)
    client.force_login(reddit_staff)
    assert (
        client.get(reverse("takedowns:bundle_download", args=[case_with_history.reference, bundle.pk])).status_code
        == 404
    )
    client.logout()
    client.post(reverse("takedowns:status_login"), {"reference": other.reference, "access_code": TEST_ACCESS_CODE})
    assert client.get(reverse("takedowns:status_bundle_download", args=[bundle.pk])).status_code == 404


def test_deadline_outcome_words(platforms, make_sent):
    notice = make_sent(platforms["reddit"], hours_ago=1)
    assert deadline_outcome(notice, now=notice.sent_at) == "running"
    assert deadline_outcome(notice, now=notice.due_at.replace(year=notice.due_at.year + 1)) == "missed"


def test_erasure_deletes_bundle_files(case_with_history):
    from takedowns.services.erasure import case_erase

    bundle = bundle_build(bundle_id=bundle_request(case=case_with_history, actor_kind="victim").pk)
    path = bundle.file.path
    case_erase(case=case_with_history, actor_kind="victim")
    bundle.refresh_from_db()
    assert not bundle.file and bundle.state == BundleState.FAILED
    import os

    assert not os.path.exists(path)


def test_progress_is_polled_with_htmx_and_refreshable_without(client, advocate, case_with_history):
    bundle = bundle_request(case=case_with_history, actor_kind="advocate")  # no commit hook run: still pending
    client.force_login(advocate)
    url = reverse("takedowns:bundle_status", args=[case_with_history.reference, bundle.pk])
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div class="bundle-progress') and 'hx-trigger="every 2s"' in fragment
    assert "<progress" in fragment and "Being prepared: 0% done" in fragment
    page = client.get(url).content.decode()
    assert "<html" in page and f'href="{url}">Refresh</a>' in page
    bundle_build(bundle_id=bundle.pk)
    ready = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in ready and "Download the evidence file (ZIP)" in ready


def test_bundle_files_are_deleted_after_the_retention_period(client, advocate, case_with_history, settings):
    import os
    from datetime import timedelta

    from django.utils import timezone

    from takedowns.services.bundles import bundles_purge_expired
    from takedowns.tasks import retention_purge

    settings.EVIDENCE_BUNDLE_DAYS = 14
    bundle = bundle_build(bundle_id=bundle_request(case=case_with_history, actor_kind="advocate").pk)
    path = bundle.file.path
    assert bundles_purge_expired(now=timezone.now() + timedelta(days=13)) == 0
    EvidenceBundle.objects.filter(pk=bundle.pk).update(finished_at=timezone.now() - timedelta(days=15))
    retention_purge()
    bundle.refresh_from_db()
    assert bundle.state == BundleState.EXPIRED and not bundle.file and not os.path.exists(path)
    client.force_login(advocate)
    url = reverse("takedowns:bundle_download", args=[case_with_history.reference, bundle.pk])
    assert client.get(url).status_code == 404
    assert Event.objects.filter(type=EventType.BUNDLE_BUILT, case=case_with_history).exists()  # the hash stays
