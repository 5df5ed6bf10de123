"""The deadline sweep: records each notice's overdue moment once, for alerts and escalation."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from takedowns.audit import event_record
from takedowns.lifecycle import CLOCK_RUNNING
from takedowns.models import ActorKind, EventType, Notice
from takedowns.services.notifications import notify

LAST_RUN_KEY = "recourse:last-run:{}"


@dataclass(frozen=True)
class SweepResult:
    overdue_recorded: int
    warnings_sent: int = 0


# The advocate is alerted when this share of a notice's response window has passed.
WARNING_FRACTION = 0.75


def job_mark_ran(name: str) -> None:
    cache.set(LAST_RUN_KEY.format(name), timezone.now().isoformat(), 7 * 24 * 3600)


def job_last_ran(name: str) -> str | None:
    return cache.get(LAST_RUN_KEY.format(name))


def _warnings(now) -> int:
    sent = 0
    candidates = Notice.objects.filter(
        status__in=CLOCK_RUNNING, due_at__gt=now, warning_alerted_at__isnull=True, sent_at__isnull=False
    ).values_list("pk", "sent_at", "due_at")
    for pk, sent_at, due_at in list(candidates):
        if now < sent_at + (due_at - sent_at) * WARNING_FRACTION:
            continue
        with transaction.atomic():
            notice = Notice.objects.select_for_update().select_related("case", "platform").get(pk=pk)
            if notice.warning_alerted_at or notice.status not in CLOCK_RUNNING:
                continue
            notice.warning_alerted_at = now
            notice.save(update_fields=["warning_alerted_at", "updated_at"])
            event_record(
                type=EventType.NOTICE_DEADLINE_NEAR,
                actor_kind=ActorKind.SYSTEM,
                notice=notice,
                data={"due_at": notice.due_at.isoformat()},
            )
        notify(notice=notice, kind="deadline_near")
        sent += 1
    return sent


def deadlines_sweep(*, now=None) -> SweepResult:
    """Alert the advocate once at 75% of each running clock, and record ``notice.overdue`` (and alert) once
    for every clock past its ``due_at``. Idempotent: each notice is re-checked under a row lock and stamped,
    so a second run finds nothing to do."""
    now = now or timezone.now()
    warnings = _warnings(now)
    recorded = 0
    candidates = Notice.objects.filter(
        status__in=CLOCK_RUNNING, due_at__lt=now, overdue_recorded_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(candidates):
        with transaction.atomic():
            notice = Notice.objects.select_for_update().select_related("case", "platform").get(pk=pk)
            if notice.overdue_recorded_at or notice.status not in CLOCK_RUNNING or notice.due_at >= now:
                continue
            notice.overdue_recorded_at = now
            notice.save(update_fields=["overdue_recorded_at", "updated_at"])
            event_record(
                type=EventType.NOTICE_OVERDUE,
                actor_kind=ActorKind.SYSTEM,
                notice=notice,
                data={"due_at": notice.due_at.isoformat(), "platform": notice.platform.slug},
            )
            recorded += 1
        notify(notice=notice, kind="overdue")
    job_mark_ran("sweep-deadlines")
    return SweepResult(overdue_recorded=recorded, warnings_sent=warnings)
