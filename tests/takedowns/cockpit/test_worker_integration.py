"""With a real Celery worker process: the first deadline sweep runs when the worker starts (no beat needed),
and an evidence bundle requested in a committed transaction is built in the background."""

from __future__ import annotations

import pytest
from django.db import transaction

from takedowns.models import BundleState, Event, EventType, EvidenceBundle
from takedowns.services.bundles import bundle_request
from tests.utils import WORKER_LOG, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_first_deadline_sweep_runs_when_the_worker_starts(celery_worker_process):
    log = WORKER_LOG

    def swept() -> bool:
        text = log.read_text(errors="replace") if log.exists() else ""
        return any("takedowns.tasks.deadlines_sweep" in line and "succeeded" in line for line in text.splitlines())

    wait_for(swept, what="the deadline sweep enqueued by worker_ready to run (beat is not running)")


def test_bundle_is_built_by_the_worker(celery_worker_process, platforms, make_sent):
    notice = make_sent(platforms["reddit"], hours_ago=50)
    with transaction.atomic():
        bundle = bundle_request(case=notice.case, actor_kind="advocate")

    def ready():
        return EvidenceBundle.objects.filter(pk=bundle.pk, state=BundleState.READY).first()

    built = wait_for(ready, what="the evidence bundle to be built on the worker")
    assert built.progress == 100 and len(built.sha256) == 64
    assert Event.objects.get(type=EventType.BUNDLE_BUILT, case=notice.case).data["sha256"] == built.sha256
