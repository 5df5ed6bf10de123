"""Uploads stay in memory: a reference image is never written unencrypted to a temporary file.

Django's default handlers spool any file above FILE_UPLOAD_MAX_MEMORY_SIZE to FILE_UPLOAD_TEMP_DIR (``/tmp``),
where the plain picture would sit until the request ends — or for good, after a crash. This handler keeps
every file in memory up to ``IMAGE_MAX_BYTES``; the bytes of a larger file are dropped as they arrive (its
reported size stays the real one, so the form refuses it with its usual message), and a request whose files
together exceed what one case can hold is refused outright (400).
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class MemoryOnlyUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.total = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int):
        self.size += len(raw_data)
        if self.size <= settings.IMAGE_MAX_BYTES:
            self.total += len(raw_data)
            if self.total > settings.IMAGE_MAX_BYTES * settings.IMAGE_MAX_PER_CASE:
                raise RequestDataTooBig("The uploaded files are larger than one case can hold.")
            self.buffer.write(raw_data)
        return None  # never handed on: there is no handler after this one that could write to disk

    def file_complete(self, file_size: int):
        if self.size > settings.IMAGE_MAX_BYTES:
            # Too large: what was kept is dropped, and the size tells the form why the file is refused.
            self.buffer = io.BytesIO()
        self.buffer.seek(0)
        upload = InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
        return upload
