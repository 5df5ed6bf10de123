"""Erasure reaches what other people read or keep: crawled-image rows that matched the case, case references in
the shared platform registry, and a withdrawal e-mail that a queued task sends after the erasure ran."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.utils import timezone

from takedowns.lifecycle import notice_transition
from takedowns.models import CrawledImage, Event, Finding, NoticeStatus, Platform, WatchedSite
from takedowns.services.erasure import case_erase
from takedowns.services.notices import notices_draft
from takedowns.services.workbench import platform_add_from_location
from tests.factories import complete_case, load_email_platforms

pytestmark = pytest.mark.django_db


def _crawled(site, n: int, *, sha256: str, pdq: str) -> CrawledImage:
    now = timezone.now()
    return CrawledImage.objects.create(
        site=site,
        image_url=f"https://gallery.example/img/{n}.jpg",
        image_url_sha=f"{n:064x}",
        page_url=f"https://gallery.example/page/{n}",
        sha256=sha256,
        pdq=pdq,
        phash="d1c4a0b0f0e0c0b0",
        first_seen_at=now,
        last_seen_at=now,
    )


def test_erasure_deletes_the_crawled_images_that_matched_the_case():
    case = complete_case(urls=["https://www.reddit.com/r/x/comments/abc/"])
    other = complete_case(urls=["https://www.reddit.com/r/x/comments/def/"])
    image = case.images.get()
    other.images.update(sha256="9" * 64, pdq="9" * 64)
    site = WatchedSite.objects.create(name="Gallery", start_urls=["https://gallery.example/"], max_pages=10)
    matched = _crawled(site, 1, sha256="ab" * 32, pdq=image.pdq)
    exact_copy = _crawled(site, 2, sha256=image.sha256, pdq="cd" * 32)  # same bytes, no finding yet
    shared = _crawled(site, 3, sha256="ef" * 32, pdq="ef" * 32)
    unrelated = _crawled(site, 4, sha256="12" * 32, pdq="12" * 32)
    for crawled in (matched, shared):
        Finding.objects.create(
            case=case, crawled_image=crawled, page_url=crawled.page_url, image_url=crawled.image_url, stage="pdq"
        )
    Finding.objects.create(
        case=other, crawled_image=shared, page_url=shared.page_url, image_url=shared.image_url, stage="pdq"
    )
    case_erase(case=case, actor_kind="victim")
    left = set(CrawledImage.objects.values_list("pk", flat=True))
    assert matched.pk not in left and exact_copy.pk not in left
    assert shared.pk in left and unrelated.pk in left  # another case still needs it; nobody's
    assert not CrawledImage.objects.filter(sha256=image.sha256).exists()
    assert not CrawledImage.objects.filter(pdq=image.pdq).exists()
    assert Finding.objects.filter(case=other).count() == 1


def test_adding_a_website_from_a_case_writes_no_case_reference(advocate):
    case = complete_case(urls=["https://unknown-gallery.example/p/1"])
    location = case.locations.get()
    platform, _attached = platform_add_from_location(
        location=location,
        name="Unknown Gallery",
        domains=["unknown-gallery.example"],
        channel="email",
        contact_email="abuse@unknown-gallery.example",
        actor_user=advocate,
    )
    assert case.reference not in platform.notes
    assert not any(case.reference in str(e.data) for e in Event.objects.exclude(case=case))


def test_erasure_clears_case_references_already_in_shared_records():
    case = complete_case(urls=["https://www.reddit.com/r/x/comments/abc/"])
    other = complete_case(urls=["https://www.reddit.com/r/x/comments/def/"])
    Platform.objects.filter(slug="x").update(notes=f"Added from case {case.reference} on 2026-01-02.")
    event = Event.objects.create(
        case=other,
        type="case.platform_added",
        actor_kind="advocate",
        data={"from_case": case.reference},
        created_at=timezone.now(),
    )
    case_erase(case=case, actor_kind="victim")
    assert case.reference not in Platform.objects.get(slug="x").notes
    assert "Added from case" in Platform.objects.get(slug="x").notes  # the rest of the note stays
    event.refresh_from_db()
    assert case.reference not in str(event.data)


def test_withdrawal_sent_after_the_erasure_leaves_no_copy_in_the_outbox(settings, tmp_path):
    outbox = tmp_path / "outbox"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(outbox)
    load_email_platforms()
    case = complete_case(urls=["https://mailhost-a.example/p/1"])
    notice = notice_transition(notice=notices_draft(case_id=case.pk)[0], to="sent", actor_kind="system")
    # The withdrawal is queued by the erasure and sent later by a worker, after the erasure purged the outbox.
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        case_erase(case=case, actor_kind="victim")
    assert queued, "the erasure queues the withdrawal message"
    for callback in queued:
        callback()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.WITHDRAWN
    assert notice.events.filter(type="notice.withdrawal_sent").exists(), "the platform was told"
    left = "\n".join(p.read_text(errors="replace") for p in outbox.glob("*")) if outbox.exists() else ""
    assert notice.reference not in left and case.reference not in left
