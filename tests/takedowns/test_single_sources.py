"""The architecture's single sources: one hash-row selector, one base-URL helper, one event vocabulary."""

from __future__ import annotations

import pytest

from takedowns.links import absolute_url
from takedowns.models import EventType, NoticeStatus
from takedowns.selectors import notices_hash_rows
from tests.factories import NoticeFactory, complete_case


def test_absolute_urls_join_the_public_base_url_and_the_route(settings):
    settings.PUBLIC_BASE_URL = "https://recourse.example.org/"
    assert absolute_url("takedowns:case_detail", reference="RC-7K3M-Q9TX") == (
        "https://recourse.example.org/cases/RC-7K3M-Q9TX/"
    )
    assert absolute_url("takedowns:status_login", query={"reference": "RC-A&B"}) == (
        "https://recourse.example.org/case/sign-in/?reference=RC-A%26B"
    )
    assert absolute_url("notice-detail", pk=12) == "https://recourse.example.org/api/v1/notices/12/"


@pytest.mark.django_db
def test_hash_rows_of_many_notices_take_two_queries(django_assert_num_queries):
    notices = []
    for n in range(6):
        case = complete_case(urls=[f"https://www.reddit.com/r/x/comments/{n}/p/"], hashed_images=2)
        notices.append(NoticeFactory(case=case))
    notices = [type(n).objects.select_related("case").get(pk=n.pk) for n in notices]
    with django_assert_num_queries(2):
        rows = notices_hash_rows(notices)
    assert len(rows) == 12
    assert [row["image"] for row in rows[:2]] == [1, 2]
    assert {row["notice_id"] for row in rows} == {n.pk for n in notices}
    assert set(rows[0]) == {"notice", "notice_id", "image", "pdq", "pdq_quality", "md5", "phash"}


@pytest.mark.django_db
def test_each_platform_gets_only_the_fingerprints_linked_to_its_urls():
    from takedowns.models import ReferenceImage
    from takedowns.services.notices import notices_draft

    case = complete_case(
        urls=["https://www.reddit.com/r/x/comments/1/p/", "https://x.com/someone/status/1"], hashed_images=3
    )
    images = list(ReferenceImage.objects.filter(case=case).order_by("id"))
    reddit = case.locations.get(url__contains="reddit")
    reddit.match_evidence = {"status": "match", "reference_image_id": images[1].pk}
    reddit.save(update_fields=["match_evidence"])
    notices = {n.platform.slug: n for n in notices_draft(case_id=case.pk)}
    notices = {slug: type(n).objects.select_related("case").get(pk=n.pk) for slug, n in notices.items()}
    # Reddit's URL shows image 2: Reddit gets image 2's fingerprints only, numbered as in the notice.
    assert [(r["image"], r["md5"]) for r in notices_hash_rows([notices["reddit"]])] == [(2, images[1].md5)]
    # Nothing is linked for X yet (not checked, or behind a login): every image, since any may be the one shown.
    assert [r["image"] for r in notices_hash_rows([notices["x"]])] == [1, 2, 3]
    # The SHA-256 of the victim's original is never shared.
    assert all("sha256" not in r for r in notices_hash_rows(notices.values()))
    # The notice document follows the same rule.
    from takedowns.notices import render_notice

    text = render_notice(notices["reddit"]).text
    assert images[1].md5 in text and images[0].md5 not in text and images[2].md5 not in text
    assert not any(image.sha256 in text for image in images)
    text_x = render_notice(notices["x"]).text
    assert all(image.md5 in text_x for image in images) and not any(image.sha256 in text_x for image in images)


def test_every_notice_status_but_draft_has_its_event_type():
    # The lifecycle writes notice.<status> on every transition; a status without an EventType would fail there.
    for status in NoticeStatus.values:
        if status == NoticeStatus.DRAFT:
            continue
        assert EventType.for_notice_status(status) == f"notice.{status}"


def test_the_hash_field_names_come_from_hashings_signal_types():
    """hashing names every hash once (from its signal types); the stored image and the exports use those names."""
    import dataclasses

    import hashing
    from takedowns.models import ReferenceImage
    from takedowns.services.erasure import IMAGE_HASH_FIELDS

    assert tuple(hashing.HASH_TYPES) == hashing.PERCEPTUAL_HASHES
    assert set(hashing.HASH_FIELDS) <= {f.name for f in dataclasses.fields(hashing.ImageHashes)}
    assert {*hashing.HASH_FIELDS, "pdq_quality"} <= {f.name for f in ReferenceImage._meta.get_fields()}
    assert IMAGE_HASH_FIELDS == hashing.HASH_FIELDS  # erasure blanks every hash there is
    # What a platform may be sent: never the SHA-256 of the victim's original.
    assert "sha256" not in hashing.SHARED_HASH_FIELDS and set(hashing.SHARED_HASH_FIELDS) <= {
        *hashing.HASH_FIELDS,
        "pdq_quality",
    }
