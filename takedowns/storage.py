"""Private, encrypted storage for reference images.

Files are Fernet-encrypted before they touch the disk and decrypted when opened, live outside any static or
media URL, and have no URL at all: :meth:`EncryptedPrivateStorage.url` refuses. Names are random, never the
uploader's file name. Deleting a file overwrites it before unlinking, so the bytes do not linger in the
file's old blocks on simple file systems.
"""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property

from takedowns.crypto import decrypt_bytes, encrypt_bytes


@deconstructible
class EncryptedPrivateStorage(FileSystemStorage):
    def __init__(self, **kwargs):
        kwargs["base_url"] = None
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**kwargs)

    # PRIVATE_STORAGE_ROOT is read when the storage is first used, not when it is built, and read again when
    # the setting changes (tests give every test its own folder): model fields keep one storage instance for
    # the life of the process.
    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_STORAGE_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_STORAGE_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def _save(self, name, content):
        # Every chunk until the end, never one read(): a file-like object may return fewer bytes than asked for
        # (a socket, a pipe, a wrapped stream), and one short read would encrypt — and keep — half a picture.
        token = encrypt_bytes(b"".join(content.chunks()))
        name = super()._save(name, ContentFile(token))
        # What is on disk must be the whole token: a short write (a full disk on some file systems reports none)
        # would only show when the picture is next decrypted, which may be after the original is gone.
        if os.path.getsize(self.path(name)) != len(token):
            self.delete(name)
            raise OSError(f"The encrypted file {name} was not written completely.")
        return name

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode:
            raise ValueError("Encrypted private files are written only through save().")
        with super()._open(name, "rb") as handle:
            return ContentFile(decrypt_bytes(handle.read()), name=name)

    def get_available_name(self, name, max_length=None):
        directory = os.path.dirname(name)
        return super().get_available_name(os.path.join(directory, secrets.token_hex(16)), max_length=max_length)

    def url(self, name):
        raise PermissionError("Reference images are private and have no URL.")

    def delete(self, name):
        if not name:
            return
        path = self.path(name)
        try:
            size = os.path.getsize(path)
            with open(path, "r+b") as handle:
                handle.write(b"\0" * size)
                handle.flush()
                os.fsync(handle.fileno())
        except FileNotFoundError:
            return
        super().delete(name)
