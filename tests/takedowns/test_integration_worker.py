"""A real Celery worker process: work enqueued with transaction.on_commit runs in the background against the
real database and broker; a rolled-back transaction enqueues nothing."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from takedowns.models import Event, ImageState, ReferenceImage
from takedowns.services.cases import case_create
from takedowns.services.images import image_add
from takedowns.services.jobs import enqueue_on_commit
from tests.utils import make_photo_like, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _ping_seen(token: str) -> bool:
    return Event.objects.filter(type="system.ping", data__probe=token).exists()


def test_on_commit_task_runs_on_real_worker_and_rollback_enqueues_nothing(celery_worker_process):
    committed = f"c-{uuid.uuid4().hex}"
    with transaction.atomic():
        enqueue_on_commit("takedowns.tasks.ping", committed)
    wait_for(lambda: _ping_seen(committed), what="the committed ping to run on the worker")

    rolled_back = f"r-{uuid.uuid4().hex}"
    barrier = f"b-{uuid.uuid4().hex}"

    def abandoned_transaction():
        with transaction.atomic():
            enqueue_on_commit("takedowns.tasks.ping", rolled_back)
            raise RuntimeError("abandon the transaction")

    with pytest.raises(RuntimeError):
        abandoned_transaction()
    # The worker handles one message at a time in order: once a later ping has run, an earlier one would have.
    with transaction.atomic():
        enqueue_on_commit("takedowns.tasks.ping", barrier)
    wait_for(lambda: _ping_seen(barrier), what="the barrier ping")
    assert not _ping_seen(rolled_back)


def test_image_is_hashed_in_background_and_original_purged(celery_worker_process):
    case = case_create(victim_name="Worker Test").case
    with transaction.atomic():
        image = image_add(
            case=case, data=make_photo_like(seed=3), image_format="JPEG", keep_as_evidence=False, actor_kind="victim"
        )
    stored_name = image.file.name
    assert image.file.storage.exists(stored_name)

    def hashed():
        image.refresh_from_db()
        return image.state == ImageState.HASHED

    wait_for(hashed, what="the image to be hashed by the worker on the hashing queue")
    assert len(image.pdq) == 64 and len(image.phash) == 16 and image.sha256
    assert not image.file and image.purged_at
    assert not image.file.storage.exists(stored_name)
    assert ReferenceImage.objects.get(pk=image.pk).state == ImageState.HASHED
