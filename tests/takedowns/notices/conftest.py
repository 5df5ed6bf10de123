"""Fixtures for notice content tests: a notice per regime over a complete case (the values it carries and the PDF
text extractor are in tests/utils.py)."""

from __future__ import annotations

import pytest

from takedowns.models import FilerType, Platform, ReferenceImage, Regime
from tests.factories import CaseFactory, LocationFactory, NoticeFactory
from tests.utils import HANDLE, MD5, PDQ, PHASH, SHA256, URLS

TIDA_PROCESS = "takeitdown@reddit.test"


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
        # Sent to the platform's own TAKE IT DOWN Act process (§3(a)(1)(A)(ii)), so the Act's duties apply to it.
        Platform.objects.filter(slug="reddit").update(tida_process=TIDA_PROCESS)
        notice = NoticeFactory(
            case=case, regime=regime, response_hours=24 if regime == Regime.AU else 48, recipient=TIDA_PROCESS
        )
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
