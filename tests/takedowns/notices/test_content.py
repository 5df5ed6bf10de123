"""notice_content: plain values only, constant queries, privacy and the minor-content rule; web-form pieces."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from django.db import models

from takedowns.models import Notice, ReferenceImage
from takedowns.notices import (
    NoticeContent,
    notice_content,
    notice_queryset,
    relay_address,
    webform_pieces,
)
from tests.utils import HANDLE, MD5, PDQ, PHASH, URLS

PLAIN = (str, int, bool, float, type(None), datetime)


def _walk(value):
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from _walk(getattr(value, f.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from _walk(item)
    else:
        yield value


@pytest.mark.django_db
def test_content_holds_plain_values_only(make_notice):
    content = notice_content(make_notice())
    assert isinstance(content, NoticeContent)
    for value in _walk(content):
        assert isinstance(value, PLAIN) and not isinstance(value, models.Model), type(value)
    with pytest.raises(dataclasses.FrozenInstanceError):
        content.reference = "x"  # type: ignore[misc]


@pytest.mark.django_db
@pytest.mark.parametrize(("n_urls", "n_images"), [(1, 1), (3, 5)])
def test_query_count_is_constant(make_notice, django_assert_max_num_queries, n_urls, n_images):
    urls = [f"https://www.reddit.com/r/x/comments/{i}/p/" for i in range(n_urls)]
    notice = make_notice(urls=urls, images=n_images)
    fresh = Notice.objects.get(pk=notice.pk)
    with django_assert_max_num_queries(4):
        content = notice_content(fresh)
    assert len(content.locations) == n_urls and len(content.hashes) == n_images
    with django_assert_max_num_queries(3):
        prefetched = notice_queryset().get(pk=notice.pk)
        notice_content(prefetched)


@pytest.mark.django_db
def test_only_hashed_images_and_their_hashes(make_notice):
    notice = make_notice(images=1)
    ReferenceImage.objects.create(case=notice.case, state="pending")
    ReferenceImage.objects.create(case=notice.case, state="failed", failure_reason="corrupt")
    (image,) = notice_content(notice).hashes
    assert (image.pdq, image.pdq_quality, image.md5, image.phash) == (PDQ, 87, MD5, PHASH)


@pytest.mark.django_db
def test_minor_content_never_carries_image_data(make_notice):
    notice = make_notice(is_minor_content=True, images=2)
    assert notice_content(notice).hashes == ()


@pytest.mark.django_db
def test_private_contact_is_the_relay_only(make_notice):
    notice = make_notice(contact_phone="+1 555 0100")
    content = notice_content(notice)
    assert content.contact_email == relay_address(notice)
    assert content.contact_phone == ""
    assert "sam@example.org" not in repr(content) and "555 0100" not in repr(content)


@pytest.mark.django_db
def test_deadline_projected_for_drafts_and_real_when_sent(make_notice):
    notice = make_notice()
    now = datetime(2026, 6, 1, tzinfo=UTC)
    draft = notice_content(notice, now=now)
    assert draft.deadline_projected and draft.deadline_at == now + timedelta(hours=48)
    notice.sent_at, notice.due_at = now, now + timedelta(hours=48)
    sent = notice_content(notice, now=now + timedelta(hours=5))
    assert not sent.deadline_projected and sent.deadline_at == notice.due_at


@pytest.mark.django_db
def test_au_uses_24_hours(make_notice):
    content = notice_content(make_notice("AU"), now=datetime(2026, 6, 1, tzinfo=UTC))
    assert content.response_hours == 24 and content.deadline_at == datetime(2026, 6, 2, tzinfo=UTC)


@pytest.mark.django_db
def test_webform_pieces_cover_what_forms_ask_for(make_notice):
    notice = make_notice(context="Posted by a former partner.")
    content = notice_content(notice)
    pieces = {p.key: p for p in webform_pieces(content)}
    assert list(pieces) == [
        "urls",
        "description",
        "legal_basis",
        "good_faith",
        "signature",
        "contact",
        "hashes",
        "reuploads",
        "reference",
    ]
    assert pieces["urls"].text.splitlines() == list(URLS)
    assert HANDLE in pieces["description"].text and "Posted by a former partner." in pieces["description"].text
    assert pieces["good_faith"].text == notice.case.good_faith_statement
    assert "Sam Example" in pieces["signature"].text
    assert relay_address(notice) in pieces["contact"].text
    assert PDQ in pieces["hashes"].text and "known identical copies" in pieces["hashes"].text
    assert "Account action" in pieces["description"].text and "Re-uploads" in pieces["reuploads"].text
    assert notice.reference in pieces["reference"].text and "/respond/" in pieces["reference"].text
    assert all(p.label and p.text for p in pieces.values())


@pytest.mark.django_db
def test_webform_pieces_without_images_have_no_hash_piece(make_notice):
    content = notice_content(make_notice(images=0))
    assert "hashes" not in {p.key for p in webform_pieces(content)}
