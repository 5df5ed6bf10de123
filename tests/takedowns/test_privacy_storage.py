"""Encryption at rest: contact details in the database and image bytes on disk are ciphertext, and images
have no URL."""

from __future__ import annotations

import functools

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from takedowns.storage import EncryptedPrivateStorage
from tests.factories import CaseFactory


@pytest.mark.django_db
def test_contact_details_are_encrypted_in_the_database():
    case = CaseFactory(victim_name="Jordan Secretname", contact_email="jordan@secret.example")
    with connection.cursor() as cursor:
        cursor.execute("SELECT victim_name, contact_email FROM takedowns_case WHERE id = %s", [case.pk])
        raw_name, raw_email = cursor.fetchone()
    assert "Secretname" not in raw_name and "secret.example" not in raw_email
    assert raw_name.startswith("gAAAA")  # a Fernet token
    case.refresh_from_db()
    assert case.victim_name == "Jordan Secretname"
    assert case.contact_email == "jordan@secret.example"


def test_storage_encrypts_bytes_and_has_no_url(tmp_path):
    storage = EncryptedPrivateStorage(location=tmp_path)
    secret = b"\xff\xd8\xff not really a jpeg but private bytes"
    name = storage.save("reference-images/upload.jpg", ContentFile(secret))
    assert "upload" not in name  # the uploader's file name is never kept
    on_disk = (tmp_path / name).read_bytes()
    assert secret not in on_disk
    with storage.open(name) as handle:
        assert handle.read() == secret
    with pytest.raises(PermissionError):
        storage.url(name)
    storage.delete(name)
    assert not (tmp_path / name).exists()


def test_default_storage_is_private():
    assert (
        isinstance(
            default_storage._wrapped if hasattr(default_storage, "_wrapped") else default_storage,
            EncryptedPrivateStorage,
        )
        or default_storage.__class__.__name__ == "DefaultStorage"
    )
    with pytest.raises(PermissionError):
        default_storage.url("reference-images/anything")


@pytest.mark.django_db
def test_no_public_media_url(settings, client):
    assert client.get("/media/reference-images/upload").status_code == 404
    static_roots = [str(settings.STATIC_ROOT), *map(str, settings.STATICFILES_DIRS)]
    assert not any(str(settings.PRIVATE_STORAGE_ROOT).startswith(root) for root in static_roots)


@pytest.mark.django_db
def test_notice_bodies_are_encrypted_in_the_database():
    from takedowns.models import Notice
    from takedowns.services.notices import notices_draft
    from tests.factories import complete_case, load_email_platforms

    load_email_platforms()
    case = complete_case(urls=["https://mailhost-a.example/p/1"], signature_name="Quillon Marbleheart")
    (notice,) = notices_draft(case_id=case.pk)
    from takedowns.services.delivery import notice_queue

    notice_queue(notice=notice, actor_kind="system")
    notice = Notice.objects.get(pk=notice.pk)
    assert "Quillon Marbleheart" in notice.body_text and "<" in notice.body_html
    with connection.cursor() as cursor:
        cursor.execute("SELECT body_text, body_html FROM takedowns_notice WHERE id = %s", [notice.pk])
        raw_text, raw_html = cursor.fetchone()
    assert raw_text.startswith("gAAAAA") and raw_html.startswith("gAAAAA")
    assert "Quillon" not in raw_text + raw_html


# --- large pictures: encrypt -> store -> decrypt -> hash, on both storage paths -----------------------------


class ShortReads:
    """A file-like object that, like a socket or a pipe, returns fewer bytes than asked for — even for read()."""

    def __init__(self, data: bytes, most: int = 1000):
        self.data, self.most, self.at = data, most, 0

    def read(self, size: int = -1) -> bytes:
        size = self.most if size is None or size < 0 else min(size, self.most)
        chunk = self.data[self.at : self.at + size]
        self.at += len(chunk)
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        self.at = offset
        return offset

    def tell(self) -> int:
        return self.at


def test_storage_keeps_every_byte_of_a_file_that_returns_short_reads(tmp_path):
    from django.core.files import File

    storage = EncryptedPrivateStorage(location=tmp_path)
    data = bytes(range(256)) * 4000  # ~1 MB
    name = storage.save("reference-images/upload", File(ShortReads(data), name="upload"))
    with storage.open(name) as handle:
        assert handle.read() == data


def _noise(width: int, height: int, mode: str = "RGB"):
    import numpy as np
    from PIL import Image

    channels = {"RGB": 3, "RGBA": 4}[mode]
    pixels = np.random.default_rng(width * height).integers(0, 256, (height, width, channels), dtype=np.uint8)
    return Image.fromarray(pixels, mode)


@functools.cache
def _large(fmt: str) -> bytes:
    """A large file of ``fmt``; PNG just under the upload limit and over the hasher's old, smaller default."""
    import io

    out = io.BytesIO()
    if fmt == "PNG":
        # 2,900 × 2,900 noise, stored uncompressed: ~25.2 MB, between 25,000,000 and 25 MiB.
        _noise(2900, 2900).save(out, "PNG", compress_level=0)
    elif fmt == "JPEG":
        _noise(4000, 3000).save(out, "JPEG", quality=95)
    elif fmt == "WEBP":
        _noise(2000, 1500).save(out, "WEBP", quality=90)
    elif fmt == "GIF":
        # Noise is the worst case for LZW: ~5 MB (encoding a larger one takes a minute on a shared machine).
        _noise(2400, 1800).quantize(colors=256, method=2).save(out, "GIF")
    elif fmt == "HEIF":
        _noise(1200, 900).save(out, "HEIF", quality=90)
    elif fmt == "AVIF":
        _noise(1600, 1200).save(out, "AVIF", quality=90)
    return out.getvalue()


def _accepted_formats() -> list[str]:
    from hashing.decode import AVIF_AVAILABLE, HEIF_AVAILABLE

    return ["JPEG", "PNG", "WEBP", "GIF"] + (["HEIF"] if HEIF_AVAILABLE else []) + (["AVIF"] if AVIF_AVAILABLE else [])


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["intake", "api"])
@pytest.mark.parametrize("fmt", _accepted_formats())
def test_a_large_picture_of_every_accepted_format_survives_encryption_and_storage(fmt, path, settings):
    """Upload check -> (the intake's pending copy) -> encrypted reference file -> the hashing task decrypts it:
    the bytes hashed are the bytes sent, and nothing the upload accepted is refused by the hasher."""
    import hashlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    from takedowns.models import ImageState
    from takedowns.services.images import image_add, image_hash, image_upload_check
    from takedowns.services.intake import intake_pending_store

    data = _large(fmt)
    assert len(data) <= settings.IMAGE_MAX_BYTES
    checked = image_upload_check(upload=SimpleUploadedFile("x", data))
    if path == "intake":
        name = intake_pending_store(data=checked.data)
        with default_storage.open(name, "rb") as handle:
            stored = handle.read()
    else:
        stored = checked.data
    case = CaseFactory()
    image = image_add(
        case=case, data=stored, image_format=checked.image_format, keep_as_evidence=True, actor_kind="victim"
    )
    on_disk = default_storage.path(image.file.name)
    with open(on_disk, "rb") as handle:
        assert data[:4096] not in handle.read()
    image = image_hash(image_id=image.pk)
    assert image.state == ImageState.HASHED, (image.failure_code, image.failure_reason)
    assert image.sha256 == hashlib.sha256(data).hexdigest()
    with image.file.open("rb") as handle:
        assert handle.read() == data  # the kept original is exactly what was sent
