"""Content made when the person was under 18: no picture is ever accepted or kept, the person is pointed to
NCMEC's Take It Down and the CyberTipline, and can continue with addresses only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from takedowns.models import Case, ReferenceImage
from tests.utils import DEFAULT_ANSWERS, intake_state, jpeg, post_ok, step_url, stored_files, walk_intake

pytestmark = pytest.mark.django_db

MINOR = {**DEFAULT_ANSWERS["content"], "under_18": "yes"}


def assert_no_picture_can_be_sent(html: str) -> None:
    """A file input may exist for making fingerprints on the device, but none has a name (so the browser never
    sends its file) and no form is multipart."""
    import re

    for tag in re.findall(r"<input[^>]*type=\"file\"[^>]*>", html):
        assert " name=" not in tag, tag
    assert "multipart/form-data" not in html


def test_under_18_explains_and_points_to_take_it_down(client, private_storage):
    post_ok(client, step_url("who"), DEFAULT_ANSWERS["who"])
    post_ok(client, step_url("content"), MINOR)
    post_ok(client, step_url("where"), {"urls": "https://x.com/a/status/1", "action": "check"})
    post_ok(client, step_url("where"), {"urls": "https://x.com/a/status/1", "action": "continue"})
    html = client.get(step_url("images")).content.decode()
    assert "we cannot accept any copy of them" in html
    assert "https://takeitdown.ncmec.org/" in html and "https://report.cybertip.org/" in html
    assert_no_picture_can_be_sent(html)
    # Fingerprints made on the device are offered instead (the only thing that leaves it).
    assert "data-picture-step" in html and "data-minor" in html


def test_under_18_upload_is_refused_even_if_posted_directly(client, private_storage):
    post_ok(client, step_url("who"), DEFAULT_ANSWERS["who"])
    post_ok(client, step_url("content"), {**MINOR, "under_18": "unsure"})
    post_ok(client, step_url("where"), {"urls": "https://x.com/a/status/1", "action": "check"})
    post_ok(client, step_url("where"), {"urls": "https://x.com/a/status/1", "action": "continue"})
    response = client.post(step_url("images"), {"images": [jpeg(1)], "action": "next"})
    assert response.status_code == 302
    assert stored_files(private_storage) == []
    assert intake_state(client)["uploads"] == []


def test_changing_the_answer_to_under_18_deletes_pictures_already_added(client, private_storage):
    walk_intake(client, images=[jpeg(1), jpeg(2)], submit=False)
    assert len(stored_files(private_storage)) == 2
    post_ok(client, step_url("content"), MINOR)
    assert stored_files(private_storage) == []
    assert intake_state(client)["uploads"] == []


def test_under_18_case_is_filed_with_urls_only(client, private_storage):
    response = walk_intake(client, answers={"content": MINOR})
    assert response["Location"] == reverse("takedowns:intake_receipt")
    case = Case.objects.get()
    assert case.is_minor_content and case.locations.count() == 3
    assert not ReferenceImage.objects.exists()
    html = client.get(reverse("takedowns:intake_receipt")).content.decode()
    assert "https://takeitdown.ncmec.org/" in html and "https://report.cybertip.org/" in html


def test_status_page_offers_no_picture_upload_for_under_18(client, private_storage):
    import re

    walk_intake(client, answers={"content": MINOR})
    html = client.get(reverse("takedowns:intake_receipt")).content.decode()
    code = re.search(r'id="access-code">([A-Z0-9-]+)<', html).group(1)
    case = Case.objects.get()
    client.post(reverse("takedowns:status_login"), {"reference": case.reference, "access_code": code})
    html = client.get(reverse("takedowns:status")).content.decode()
    assert_no_picture_can_be_sent(html)
    # The NCMEC routes stay on the victim's own page, not only on the receipt.
    assert 'data-testid="ncmec-routes"' in html and "https://takeitdown.ncmec.org/" in html
    response = client.post(reverse("takedowns:status_add_images"), {"images": [jpeg(1)]})
    assert response.status_code == 302
    assert not ReferenceImage.objects.exists()
