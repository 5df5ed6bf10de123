"""Fixtures for notice content tests: a notice per regime over a complete case, and a PDF text extractor."""

from __future__ import annotations

import re
import zlib

import pytest

from takedowns.models import FilerType, ReferenceImage, Regime
from tests.factories import CaseFactory, LocationFactory, NoticeFactory

PDQ = "f8e1c3a5" * 8
MD5 = "0cc175b9c0f1b6a831c399e269772661"
PHASH = "c3d1e0f0a0b0c0d0"
SHA256 = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
URLS = (
    "https://www.reddit.com/r/example/comments/abc123/a_post/",
    "https://www.reddit.com/r/example/comments/def456/another/",
    "https://www.reddit.com/user/someone/comments/ghi789/third/",
)
HANDLE = "u/uploader_account"


@pytest.fixture
def make_notice(platforms):
    """A notice over 3 URLs (the first with an uploader handle) and 2 hashed images; every element present.

    Keyword arguments go to the case (``attestations`` is merged into the complete default)."""

    def make(regime: str = Regime.US, *, urls=URLS, images: int = 2, handle: str = HANDLE, **case_kwargs):
        attestations = {"good_faith": True, "accuracy": True}
        if regime == Regime.DMCA:
            attestations |= {"perjury": True, "copyrighted_work": "A photograph I took of myself in 2023."}
        attestations |= case_kwargs.pop("attestations", {})
        case = CaseFactory(attestations=attestations, **case_kwargs)
        locations = [
            LocationFactory(case=case, url=url, uploader_handle=handle if i == 0 else "") for i, url in enumerate(urls)
        ]
        for i in range(images):
            ReferenceImage.objects.create(
                case=case,
                state="hashed",
                pdq=PDQ,
                pdq_quality=87 + i,
                md5=MD5,
                phash=PHASH,
                sha256=SHA256,
            )
        notice = NoticeFactory(case=case, regime=regime, response_hours=24 if regime == Regime.AU else 48)
        notice.locations.add(*locations)
        return notice

    return make


@pytest.fixture
def representative_kwargs():
    return {
        "filer_type": FilerType.REPRESENTATIVE,
        "representative_name": "Alex Advocate",
        "representative_relationship": "Caseworker at a helpline",
        "representative_authority": "Written authorisation signed by the person shown on 1 May 2026",
        "signature_name": "Alex Advocate",
    }


_TEXT_OP = re.compile(rb"\(((?:\\.|[^\\)])*)\)\s*Tj")
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def pdf_text(pdf: bytes) -> str:
    """The text drawn by core-font ``Tj`` operators, one line per operator (inflating streams if needed)."""
    chunks: list[bytes] = []
    for stream in _STREAM.findall(pdf):
        try:
            chunks.append(zlib.decompress(stream))
        except zlib.error:
            chunks.append(stream)
    lines = []
    for chunk in chunks:
        for raw in _TEXT_OP.findall(chunk):
            text = re.sub(rb"\\(.)", rb"\1", raw)
            lines.append(text.decode("cp1252", errors="replace"))
    return "\n".join(lines)
