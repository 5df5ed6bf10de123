"""End to end on a real worker: a case with URLs on three platforms produces three notices that arrive at a
real SMTP server with every element their regime requires, parsed out of the received messages."""

from __future__ import annotations

import re

import pytest
from django.db import transaction

from takedowns.models import ImageState, Notice, NoticeStatus
from takedowns.services.images import image_add
from takedowns.services.notices import case_notices_prepare_enqueue
from tests.factories import complete_case, load_email_platforms
from tests.utils import make_photo_like, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_three_notices_arrive_with_every_required_element(celery_worker_process, smtp_server):
    smtp_server.messages.clear()
    platforms = load_email_platforms()
    # Each platform's TAKE IT DOWN Act process is the address notified, so every statutory element applies
    # (§3(a)(3): the 48 hours and the duty over known identical copies run only for a request made through it).
    for platform in platforms.values():
        platform.tida_process = platform.contact_email
        platform.save(update_fields=["tida_process"])
    case = complete_case(
        urls=[
            ("https://mailhost-a.example/post/1", "@uploader_a"),
            "https://mailhost-b.example/gallery/2",
            "https://mailhost-c.example/v/3",
        ],
        hashed_images=0,
        is_synthetic=True,
        contact_private=True,
    )
    with transaction.atomic():
        image = image_add(
            case=case, data=make_photo_like(seed=11), image_format="JPEG", keep_as_evidence=False, actor_kind="victim"
        )

    def hashed():
        image.refresh_from_db()
        return image.state == ImageState.HASHED

    wait_for(hashed, what="the reference image to be hashed")
    with transaction.atomic():
        case_notices_prepare_enqueue(case=case)
    recipients = {p.contact_email for p in platforms.values()}

    def arrived():
        got = [m for m in smtp_server.messages if set(m["to"]) & recipients]
        return got if len(got) == 3 else None

    messages = wait_for(arrived, timeout=90, what="three notices at the SMTP server")
    notices = {n.recipient: n for n in Notice.objects.filter(case=case)}
    assert len(notices) == 3
    for received in messages:
        to = received["to"][0]
        notice = notices[to]
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.SENT
        msg = received["message"]
        text = msg.get_body(preferencelist=("plain",)).get_content()
        # The statute and section.
        assert "47 U.S.C. 223a" in text and "3(a)(1)(B)" in text
        # Each exact URL of this platform, and only those.
        for loc in notice.locations.all():
            assert loc.url in text
        assert sum(u in text for u in ("mailhost-a.example", "mailhost-b.example", "mailhost-c.example")) == 1
        # The uploader account with a request for account action, where known.
        if "mailhost-a" in to:
            assert "@uploader_a" in text and "account" in text.lower()
        # The hashes, with the sentence on known identical copies.
        assert image.pdq in text and image.md5 in text and image.phash in text
        assert re.search(r"quality \d+", text)
        assert "known identical copies" in text
        # The good-faith statement, the signature and its date.
        assert "good-faith belief" in text and "/Sam Example/" in text
        assert re.search(r"Signed on:\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", text)
        # Contact: the relay address, never the victim's own e-mail.
        relay = msg["Reply-To"]
        assert relay.startswith(f"notice-{notice.pk}-") and relay in text
        assert "sam@example.org" not in msg.as_string()
        # The deadline in UTC, AI-made content, the notice reference and the signed response link.
        assert f"{notice.due_at:%Y-%m-%d %H:%M} UTC" in " ".join(text.split())  # lines wrap at 78 columns
        assert "digital forgery" in text
        assert notice.reference in text and notice.reference in msg["Subject"]
        assert re.search(r"/respond/[A-Za-z0-9_.\-]+/", text)
        # The PDF rendering travels with it.
        pdfs = [part for part in msg.iter_attachments() if part.get_content_type() == "application/pdf"]
        assert pdfs and pdfs[0].get_content().startswith(b"%PDF")
