"""Encryption at rest: contact details in the database and image bytes on disk are ciphertext, and images
have no URL."""

from __future__ import annotations

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
