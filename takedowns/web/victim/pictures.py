"""What the picture steps (intake, status page, advocate workbench) tell the page script, and the receipt's mode."""

from __future__ import annotations

from django.conf import settings

from hashing.decode import DEFAULT_LIMITS


def picture_page_context() -> dict:
    """The server's own limits, so the page refuses on the device exactly what the server would refuse."""
    return {
        "picture_max_pixels": DEFAULT_LIMITS.max_pixels,
        "picture_max_bytes": settings.IMAGE_MAX_BYTES,
        "picture_max_count": settings.IMAGE_MAX_PER_CASE,
    }


def picture_mode(*, uploads: int, device: int) -> str:
    """How the pictures reached the case: "device" (fingerprints only), "upload", "both" or "none"."""
    if uploads and device:
        return "both"
    if device:
        return "device"
    if uploads:
        return "upload"
    return "none"
