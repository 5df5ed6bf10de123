"""Withdrawing a case and erasing the victim's data, proven on the raw database rows and the storage folder."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse

from takedowns.lifecycle import notice_transition
from takedowns.models import Case, Event, Notice, NoticeStatus, Platform, ReferenceImage
from takedowns.services.erasure import case_erase, case_withdraw
from tests.factories import CaseFactory, LocationFactory, NoticeFactory
from tests.utils import jpeg, stored_files, walk_intake

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr("takedowns.services.erasure.enqueue_on_commit", lambda name, *args: calls.append((name, args)))
    return calls


def test_withdraw_cancels_undelivered_and_tells_platforms_that_have_one():
    case = CaseFactory()
    x = Platform.objects.get(slug="x")
    draft = NoticeFactory(case=case)
    sent = NoticeFactory(case=case, platform=x)
    notice_transition(notice=sent, to=NoticeStatus.SENT, actor_kind="system")
    with_draft_round = case_withdraw(case=case, actor_kind="victim")
    assert with_draft_round.state == "withdrawn" and with_draft_round.withdrawn_at
    assert Notice.objects.get(pk=draft.pk).status == NoticeStatus.WITHDRAWN
    assert Notice.objects.get(pk=sent.pk).status == NoticeStatus.WITHDRAWN
    assert Event.objects.filter(case=case, type="case.withdrawn").count() == 1
    # Run twice: nothing more happens.
    case_withdraw(case=case, actor_kind="victim")
    assert Event.objects.filter(case=case, type="case.withdrawn").count() == 1


def test_withdrawal_message_is_enqueued_only_for_delivered_notices(enqueued):
    case = CaseFactory()
    draft = NoticeFactory(case=case)
    sent = NoticeFactory(case=case, platform=Platform.objects.get(slug="x"))
    notice_transition(notice=sent, to=NoticeStatus.SENT, actor_kind="system")
    case_withdraw(case=case, actor_kind="victim")
    assert enqueued == [("takedowns.tasks.notice_withdrawal_send", (sent.pk,))]
    assert draft.pk not in [args[0] for _name, args in enqueued]


def _all_rows_text() -> str:
    """Every row of every table, as text: what a database dump would reveal."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                chunks.append(" ".join(str(value) for value in row))
    return "\n".join(chunks)


def test_erase_removes_bytes_from_storage_and_database(client, private_storage, django_capture_on_commit_callbacks):
    handle = "@uploader-handle-xyz"
    with django_capture_on_commit_callbacks(execute=True):
        walk_intake(
            client,
            images=[jpeg(1), jpeg(2)],
            keep=True,
            handles={"handle-0": handle},
            answers={
                "contact": {"email": "sam.unique@example.org", "phone": "+1 555 010 9999", "contact_private": "on"}
            },
        )
    case = Case.objects.get()
    html = client.get(reverse("takedowns:intake_receipt")).content.decode()
    code = re.search(r'id="access-code">([A-Z0-9-]+)<', html).group(1)
    images = list(ReferenceImage.objects.filter(case=case))
    assert len(stored_files(private_storage)) == 2  # kept as evidence
    hashes = [value for img in images for value in (img.sha256, img.md5, img.pdq, img.phash) if value]
    urls = list(case.locations.values_list("url", flat=True))
    notice = Notice.objects.filter(case=case).first()
    if notice is not None:
        Notice.objects.filter(pk=notice.pk).update(body_text="Dear platform, Sam Example asks ...")
    platform = Notice.objects.filter(case=case).values_list("pk", flat=True)
    for pk in platform:
        n = Notice.objects.get(pk=pk)
        if n.status == NoticeStatus.DRAFT:
            notice_transition(notice=n, to=NoticeStatus.SENT, actor_kind="system")
        notice_transition(
            notice=Notice.objects.get(pk=pk),
            to=NoticeStatus.INFO_REQUESTED,
            actor_kind="platform",
            data={"message": "Is Sam Example the person shown?"},
        )
    before = _all_rows_text()
    assert any(h in before for h in hashes) and "Is Sam Example the person shown?" in before

    client.post(reverse("takedowns:status_login"), {"reference": case.reference, "access_code": code})
    response = client.post(reverse("takedowns:status_erase"), {"confirm": "on"})
    assert response.status_code == 200 and "Your data has been erased" in response.content.decode()

    # Storage: nothing left, not even pending uploads.
    assert stored_files(private_storage) == []
    # Database: no hash, URL, handle, platform message or personal text anywhere, in any table.
    after = _all_rows_text()
    for secret in [*hashes, *urls, handle, "Is Sam Example the person shown?", "Sam Example asks"]:
        assert secret not in after, secret
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT victim_name, contact_email, contact_phone, representative_name, representative_relationship,"
            " representative_authority, good_faith_statement, context, signature_name, state"
            " FROM takedowns_case WHERE id = %s",
            [case.pk],
        )
        row = cursor.fetchone()
    assert row[:-1] == ("",) * 9 and row[-1] == "erased"
    for image in ReferenceImage.objects.filter(case=case):
        assert not image.file and not image.sha256 and not image.pdq and image.match_data == {}
    # The audit trail stays, redacted: types and times kept.
    events = Event.objects.filter(case=case)
    assert events.filter(type="case.created").exists() and events.filter(type="case.erased").exists()
    assert all(event.redacted for event in events)
    # The code no longer opens anything, and the browser was signed out.
    assert client.get(reverse("takedowns:status")).status_code == 302
    response = client.post(reverse("takedowns:status_login"), {"reference": case.reference, "access_code": code})
    assert response.status_code == 200 and "do not match a case" in response.content.decode()


def test_erase_is_idempotent_and_withdraws_first(private_storage):
    case = CaseFactory()
    LocationFactory(case=case)
    notice = NoticeFactory(case=case)
    erased = case_erase(case=case, actor_kind="victim")
    assert erased.state == "erased" and erased.withdrawn_at and erased.erased_at
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.WITHDRAWN
    count = Event.objects.filter(case=case).count()
    case_erase(case=case, actor_kind="victim")
    assert Event.objects.filter(case=case).count() == count


def test_withdraw_from_the_case_page(client, private_storage):
    walk_intake(client, urls="https://www.reddit.com/r/a/comments/1/x/")
    html = client.get(reverse("takedowns:intake_receipt")).content.decode()
    code = re.search(r'id="access-code">([A-Z0-9-]+)<', html).group(1)
    case = Case.objects.get()
    client.post(reverse("takedowns:status_login"), {"reference": case.reference, "access_code": code})
    response = client.post(reverse("takedowns:status_withdraw"), {})
    assert response.status_code == 200
    assert "Please tick this box if you want to withdraw the case." in response.content.decode()
    response = client.post(reverse("takedowns:status_withdraw"), {"confirm": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "withdrawn"
    html = client.get(reverse("takedowns:status")).content.decode()
    assert "You withdrew this case." in html and "Add these addresses" not in html


def test_pending_purge_removes_abandoned_uploads_only(client, private_storage):
    import os
    import time
    from datetime import timedelta

    from takedowns.services.intake import intake_pending_purge, intake_pending_store
    from tests.utils import make_photo_like

    old = intake_pending_store(data=make_photo_like(seed=1))
    fresh = intake_pending_store(data=make_photo_like(seed=2))
    long_ago = time.time() - 2 * 86400
    os.utime(private_storage / old, (long_ago, long_ago))
    assert intake_pending_purge(older_than=timedelta(hours=24)) == 1
    assert not (private_storage / old).exists() and (private_storage / fresh).exists()
