"""Helpers for the victim's pages: a private storage folder per test, generated pictures, and a function that
walks the intake with the test client."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import make_photo_like

THREE_URLS = (
    "https://www.reddit.com/r/example/comments/abc123/post/\n"
    "https://old.reddit.com/r/example/comments/def456/other/\n"
    "https://x.com/someone/status/1234567890"
)


@pytest.fixture(autouse=True)
def _own_cache(settings):
    # The limiter only needs Django's cache API; a per-process cache keeps these tests independent of other
    # test runs sharing the embedded file cache folder.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "intake"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def private_storage(settings, tmp_path):
    """Reference images go to a fresh folder, so a test can list exactly what is stored."""
    root = tmp_path / "private"
    root.mkdir()
    settings.PRIVATE_STORAGE_ROOT = root
    settings.MEDIA_ROOT = root
    # Re-assigning STORAGES makes Django rebuild default_storage with the new location.
    settings.STORAGES = {**settings.STORAGES}
    return root


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


def jpeg(seed: int = 1, name: str = "photo.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_photo_like(seed=seed, **kwargs), content_type="image/jpeg")


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` × ``height`` pixels: a decompression bomb that is never allocated."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def step_url(step: str) -> str:
    return reverse("takedowns:intake_step", args=[step])


DEFAULT_ANSWERS = {
    "who": {"filer_type": "self", "victim_name": "Sam Example"},
    "content": {"nature": "synthetic", "posted": "posted", "under_18": "no"},
    "contact": {"email": "sam@example.org", "phone": "", "contact_private": "on"},
    "statement": {
        "context": "Made with an app by a former partner.",
        "signature_name": "Sam Example",
        "attest_good_faith": "on",
        "attest_accuracy": "on",
        "jurisdiction": "US",
    },
}


def post_ok(client, url, data, **kwargs):
    response = client.post(url, data, **kwargs)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def walk_intake(client, *, urls=THREE_URLS, images=(), keep=False, answers=None, handles=None, submit=True):
    """Fill every step with the test client; returns the response of the last POST (or the review page)."""
    answers = {k: dict(v) for k, v in {**DEFAULT_ANSWERS, **(answers or {})}.items()}
    post_ok(client, step_url("who"), answers["who"])
    post_ok(client, step_url("content"), answers["content"])
    if urls is not None:
        post_ok(client, step_url("where"), {"urls": urls, "action": "check"})
        data = {"urls": urls, "action": "continue"}
        data.update(handles or {})
        response = post_ok(client, step_url("where"), data)
        assert response["Location"] == step_url("images"), response["Location"]
    if answers["content"]["under_18"] == "no":
        data = {"action": "next"}
        if images:
            data["images"] = list(images)
        if keep:
            data["keep_as_evidence"] = "on"
        post_ok(client, step_url("images"), data)
    else:
        post_ok(client, step_url("images"), {"action": "next"})
    post_ok(client, step_url("contact"), answers["contact"])
    post_ok(client, step_url("statement"), answers["statement"])
    if not submit:
        return client.get(step_url("review"))
    return client.post(step_url("review"))
