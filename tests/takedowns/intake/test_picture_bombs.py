"""Picture bombs on the victim's upload: the web request reads headers only (format, size, declared dimensions)
and never decodes a pixel; the pixel budget is a setting and bites from the header; the upload limit counts
files, not requests."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ImageFile

from tests.takedowns.intake.test_bad_input import assert_refused, to_images_step, upload
from tests.utils import intake_state, make_photo_like, png_header_claiming

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_pixel_decoding(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError("a web request decoded pixels")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


def test_an_upload_is_checked_without_decoding_a_pixel(client, private_storage, no_pixel_decoding):
    to_images_step(client)
    for fmt, name in (("JPEG", "a.jpg"), ("PNG", "b.png"), ("WEBP", "c.webp")):
        data = make_photo_like(800, 600, seed=3, fmt=fmt)
        response = upload(client, SimpleUploadedFile(name, data, content_type="image/*"))
        assert response.status_code in (200, 302)
    assert len(intake_state(client)["uploads"]) == 3


def test_the_reported_bomb_is_refused_from_its_header(client, private_storage, no_pixel_decoding):
    """7071 × 7071 was under the old 50 MP limit, so the request decoded it (1.5 GB); the budget is 40 MP."""
    to_images_step(client)
    response = upload(client, SimpleUploadedFile("big.png", png_header_claiming(7071, 7071), content_type="image/png"))
    assert_refused(response, "larger than we can safely open")


def test_the_pixel_budget_is_a_setting(client, private_storage, settings):
    settings.IMAGE_MAX_PIXELS = 500_000
    to_images_step(client)
    response = upload(client, SimpleUploadedFile("a.jpg", make_photo_like(800, 700, seed=4), content_type="image/jpeg"))
    assert_refused(response, "larger than we can safely open")
    settings.IMAGE_MAX_PIXELS = 600_000
    response = upload(client, SimpleUploadedFile("a.jpg", make_photo_like(800, 700, seed=4), content_type="image/jpeg"))
    assert len(intake_state(client)["uploads"]) == 1


def test_the_upload_limit_counts_files_not_requests(client, private_storage, monkeypatch):
    import takedowns.web.victim.intake as intake_views

    monkeypatch.setattr(intake_views, "UPLOAD_LIMIT", 5)
    to_images_step(client)
    files = [
        SimpleUploadedFile(f"p{n}.jpg", make_photo_like(64, 48, seed=n), content_type="image/jpeg") for n in range(6)
    ]
    response = upload(client, *files)
    assert "Many pictures were sent from this connection" in response.content.decode()
    assert intake_state(client)["uploads"] == []
