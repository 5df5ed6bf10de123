"""Erasure leaves nothing: unique markers are planted in every field a victim, a platform or
an advocate can fill; after "erase everything" every store is scanned for them — the raw database (and every
encrypted column, decrypted), private storage, the development outbox, the sessions, the cache folder and a log
file. The victim gets a receipt whose hash the audit log keeps."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse

from takedowns.crypto import EncryptedTextField
from takedowns.lifecycle import notice_transition
from takedowns.models import Case, Event, EventType, Notice, NoticeStatus, WebhookDelivery
from takedowns.services import outcomes
from takedowns.services.delivery import notice_queue, notice_send
from takedowns.services.erasure import erasure_receipt, erasure_receipt_sha256
from takedowns.services.webhooks import webhook_endpoint_register
from tests.factories import load_email_platforms
from tests.utils import deliver_notifications, jpeg, stored_files, walk_intake

pytestmark = pytest.mark.django_db

MARKERS = {
    "name": "Zorvath Quilleran",
    "email": "zorvath.quilleran@example.org",
    "phone": "+1 555 0199 4242",
    "context": "Context-marker-7d1f posted by an ex",
    "signature": "Zorvath Q. Signature-9a2c",
    "url": "https://mailhost-a.example/gallery/url-marker-51be",
    "handle": "@handle-marker-88c3",
    "platform_question": "Platform-question-marker-3e0a?",
    "reply": "Pasted-reply-marker-c4d9",
}


def _database_text() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            chunks += [" ".join(str(value) for value in row) for row in cursor.fetchall()]
    # Encrypted columns, decrypted: a marker hidden in ciphertext would survive a raw scan.
    for model in apps.get_models():
        fields = [f.name for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)]
        for values in model.objects.values_list(*fields) if fields else []:
            chunks.append(" ".join(str(v) for v in values))
    return "\n".join(chunks)


def _folder_text(root) -> str:
    root = Path(root)
    if not root.exists():
        return ""
    return "\n".join(p.read_bytes().decode("latin-1") for p in root.rglob("*") if p.is_file())


def _sessions_text() -> str:
    return "\n".join(str(s.get_decoded()) for s in Session.objects.all())


def test_erasure_leaves_no_trace_in_any_store(
    client, settings, tmp_path, private_storage, reddit_staff, django_capture_on_commit_callbacks
):
    outbox = tmp_path / "outbox"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(outbox)
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True
    log_file = tmp_path / "portal.log"
    handler = logging.FileHandler(log_file)
    logging.getLogger().addHandler(handler)
    load_email_platforms()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            walk_intake(
                client,
                urls=MARKERS["url"],
                images=[jpeg(1)],
                keep=True,
                handles={"handle-0": MARKERS["handle"]},
                answers={
                    "who": {"filer_type": "self", "victim_name": MARKERS["name"]},
                    "contact": {"email": MARKERS["email"], "phone": MARKERS["phone"], "contact_private": "on"},
                    "statement": {
                        "context": MARKERS["context"],
                        "signature_name": MARKERS["signature"],
                        "attest_good_faith": "on",
                        "attest_accuracy": "on",
                        "jurisdiction": "US",
                    },
                },
            )
        case = Case.objects.get()
        code = re.search(
            r'id="access-code">([A-Z0-9-]+)<', client.get(reverse("takedowns:intake_receipt")).content.decode()
        ).group(1)
        # The notice goes out by e-mail (to the outbox), a platform asks a question, an advocate pastes a reply,
        # and a webhook delivery waits for the platform's endpoint.
        notice = Notice.objects.get(case=case)
        if notice.status == NoticeStatus.DRAFT:
            notice_queue(notice=notice, actor_kind="system")
        notice = notice_send(notice_id=notice.pk) or Notice.objects.get(pk=notice.pk)
        assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.SENT
        webhook_endpoint_register(platform=notice.platform, url="https://hooks.example.org/recourse", actor_user=None)
        from takedowns.services.webhooks import webhooks_enqueue

        webhooks_enqueue(notice=notice, event_type=EventType.NOTICE_SENT)
        outcomes.notice_request_info(notice=notice, message=MARKERS["platform_question"])
        outcomes.notice_record_reply(notice=Notice.objects.get(pk=notice.pk), text=MARKERS["reply"], actor_user=None)
        deliver_notifications()
        before = _database_text() + _folder_text(outbox) + _sessions_text()
        for key in ("name", "email", "url", "handle", "platform_question", "reply", "signature"):
            assert MARKERS[key] in before, key  # the markers were really planted

        client.post(reverse("takedowns:status_login"), {"reference": case.reference, "access_code": code})
        response = client.post(reverse("takedowns:status_erase"), {"confirm": "on"})
        html = response.content.decode()
        assert response.status_code == 200 and "Your erasure receipt" in html
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()

    stores = {
        "database": _database_text(),
        "private storage": _folder_text(private_storage),
        "outbox": _folder_text(outbox),
        "sessions": _sessions_text(),
        "cache": _folder_text(settings.CACHES["default"].get("LOCATION", "/nonexistent")),
        "log file": log_file.read_text(errors="replace"),
    }
    for store, text in stores.items():
        for key, marker in MARKERS.items():
            assert marker not in text, f"{key} marker left in {store}"
    assert stored_files(private_storage) == []
    assert not WebhookDelivery.objects.filter(notice__case=case, status="pending").exists()
    # The receipt: what was erased and when; the audit log keeps its SHA-256, which matches the page.
    event = Event.objects.get(case=case, type=EventType.CASE_ERASED)
    receipt = erasure_receipt(event)
    assert receipt["images_deleted"] == 1 and receipt["urls_erased"] == 1 and receipt["notices_emptied"] == 1
    assert event.data["receipt_sha256"] == erasure_receipt_sha256(receipt)
    assert event.data["receipt_sha256"] in html
    # Every signed response link of the case stopped working.
    assert Notice.objects.get(pk=notice.pk).token_nonce != notice.token_nonce


def test_erasure_signs_out_every_other_browser(client, django_capture_on_commit_callbacks):
    from django.test import Client

    with django_capture_on_commit_callbacks(execute=True):
        walk_intake(client)
    case = Case.objects.get()
    code = re.search(
        r'id="access-code">([A-Z0-9-]+)<', client.get(reverse("takedowns:intake_receipt")).content.decode()
    ).group(1)
    other = Client()
    other.post(reverse("takedowns:status_login"), {"reference": case.reference, "access_code": code})
    assert other.get(reverse("takedowns:status")).status_code == 200
    client.post(reverse("takedowns:status_login"), {"reference": case.reference, "access_code": code})
    client.post(reverse("takedowns:status_erase"), {"confirm": "on"})
    assert other.get(reverse("takedowns:status")).status_code == 302
    assert Case.objects.get().state == "erased"
    assert notice_transition  # imported for the lifecycle: erasure withdrew the notices first
