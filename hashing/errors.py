"""Exceptions raised while reading an image for hashing.

Every error carries a stable ``code`` (for logs, APIs and tests) and a calm, plain-language ``message``
written for the person who uploaded the file: these messages are shown to victims in a web form, so
they say what happened and what to try next, without jargon or blame.

Hierarchy::

    HashingError                      code
    ├── EmptyFile                     "empty_file"
    ├── FileTooLarge                  "file_too_large"
    ├── TooManyPixels                 "too_many_pixels"
    ├── UnsupportedFormat             "unsupported_format"   (.detected: "pdf", "html", "tiff", ...)
    ├── CorruptImage                  "corrupt_image"
    └── UnreadableFile                "unreadable_file"      (missing file, permission denied)

``InvalidHash`` (code ``"invalid_hash"``) is raised by hash-string validation and is also a ``ValueError``.
"""

from __future__ import annotations

ACCEPTED_FORMATS_TEXT = "JPEG, PNG, WebP, GIF or HEIC"


class HashingError(Exception):
    """Base class: something about the input prevents hashing it."""

    code = "hashing_error"
    default_message = "We could not read this picture."

    def __init__(self, message: str | None = None, *, detail: str = "") -> None:
        self.message = message or self.default_message
        #: Technical detail for logs (never shown to the uploader).
        self.detail = detail
        super().__init__(self.message)

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class EmptyFile(HashingError):
    code = "empty_file"
    default_message = (
        "This file is empty (0 bytes), so there is no picture in it. Please choose the picture again; "
        "if it came from a download, the download may not have finished."
    )


class FileTooLarge(HashingError):
    code = "file_too_large"

    def __init__(self, size: int, limit: int) -> None:
        self.size, self.limit = size, limit
        super().__init__(
            f"This file is too large for us to check ({size / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB). "
            "A smaller copy or a screenshot of the picture works just as well.",
            detail=f"{size} bytes > {limit}",
        )


class TooManyPixels(HashingError):
    code = "too_many_pixels"

    def __init__(self, width: int | None, height: int | None, limit: int) -> None:
        self.width, self.height, self.limit = width, height, limit
        size = f" ({width} × {height} pixels)" if width and height else ""
        super().__init__(
            f"This picture is larger than we can safely open{size}. A smaller copy or a screenshot of it "
            "works just as well.",
            detail=f"{width}x{height} > {limit} pixels",
        )


_DETECTED_TEXT = {
    "pdf": "It looks like a PDF document.",
    "html": "It looks like a web page (HTML) rather than the picture itself. If you saved it from a browser, "
    "try saving the image itself or taking a screenshot.",
    "svg": "It looks like a drawing in SVG format.",
    "zip": "It looks like a compressed archive or an office document.",
    "video": "It looks like a video. Please take a screenshot of the relevant moment instead.",
    "text": "It looks like a text file.",
    "tiff": "It is a TIFF picture, a format we do not accept.",
    "bmp": "It is a BMP picture, a format we do not accept.",
    "ico": "It is an icon file, a format we do not accept.",
    "psd": "It is a Photoshop file, a format we do not accept.",
    "heif-unavailable": "It is a HEIC/HEIF picture, which this server cannot read at the moment.",
}


class UnsupportedFormat(HashingError):
    code = "unsupported_format"

    def __init__(self, detected: str = "unknown") -> None:
        self.detected = detected
        extra = _DETECTED_TEXT.get(detected, "")
        super().__init__(
            " ".join(
                part
                for part in (
                    "This file is not a picture we can read.",
                    extra,
                    f"Please upload a {ACCEPTED_FORMATS_TEXT} picture, for example a screenshot.",
                )
                if part
            ),
            detail=f"detected={detected}",
        )

    def to_dict(self) -> dict[str, str]:
        return {**super().to_dict(), "detected": self.detected}


class CorruptImage(HashingError):
    code = "corrupt_image"
    default_message = (
        "This picture seems to be damaged or incomplete, so we could not open it. If it was downloaded, "
        "try downloading or saving it again, or take a screenshot of it."
    )


class UnreadableFile(HashingError):
    code = "unreadable_file"
    default_message = "We could not open this file. Please check that it exists and choose it again."


class InvalidHash(HashingError, ValueError):
    code = "invalid_hash"
    default_message = "This is not a valid hash string."
