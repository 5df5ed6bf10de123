"""Encryption at rest for victims' details and reference images.

Uses ``cryptography``'s Fernet (AES-128-CBC + HMAC-SHA256, authenticated) through MultiFernet so that keys
can be rotated: ``FIELD_ENCRYPTION_KEY`` is a comma-separated list, the first key encrypts, every key
decrypts. No home-made cryptography.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def cipher() -> MultiFernet:
    return _multifernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_bytes(data: bytes) -> bytes:
    return cipher().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return cipher().decrypt(token)
    except InvalidToken as exc:
        raise ValueError(
            "Stored data could not be decrypted: FIELD_ENCRYPTION_KEY does not hold the key it was written with."
        ) from exc


class EncryptedTextField(models.TextField):
    """A text column whose value is stored Fernet-encrypted. It cannot be searched or ordered by value.

    The empty string is stored as the empty string, so "no value" costs nothing and erasure is visible.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt_bytes(value.encode("ascii")).decode("utf-8")

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_bytes(str(value).encode("utf-8")).decode("ascii")

    def get_db_prep_lookup(self, value, connection):  # pragma: no cover - guard rail
        raise TypeError("Encrypted fields cannot be used in lookups.")
