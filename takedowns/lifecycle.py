"""The notice lifecycle (DESIGN.md §4): the one function that changes a notice's status, applying the one table
of allowed transitions (its data sits beside ``NoticeStatus`` in takedowns/models/notices.py).

:func:`notice_transition` locks the notice row, refuses anything the table does not allow, stamps the
matching ``<status>_at`` time (and, on ``sent``, the ``due_at`` of the legal clock) and writes exactly one
Event, all in one transaction. Nothing else in the code base assigns ``Notice.status``.

"Overdue" is not a status: it is derived from ``due_at < now`` on a notice whose clock is running
(:data:`CLOCK_RUNNING`), so the dashboard is right even if no periodic job has run.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from takedowns.audit import event_record
from takedowns.models import EscalationStep, EventType, Notice, PlatformKind, StopReason
from takedowns.models.notices import (
    CLOCK_RUNNING,
    DELIVERED_STATES,
    OPEN_STATES,
    STAMP_FIELD,
    TERMINAL_STATES,
    TRANSITIONS,
    NoticeStatus,
)

S = NoticeStatus
__all__ = [
    "CLOCK_RUNNING",
    "DELIVERED_STATES",
    "OPEN_STATES",
    "TERMINAL_STATES",
    "TRANSITIONS",
    "IllegalTransition",
    "can_transition",
    "ladder_plan",
    "notice_transition",
]


class IllegalTransition(Exception):
    """Raised when a status change is not in :data:`TRANSITIONS`; nothing is written."""

    def __init__(self, notice: Notice, to: str):
        self.notice_id = notice.pk
        self.from_status = notice.status
        self.to_status = to
        allowed = ", ".join(sorted(TRANSITIONS.get(notice.status, ()))) or "nothing (final state)"
        super().__init__(
            f"Notice {notice.pk} cannot go from {notice.status!r} to {to!r}; from {notice.status!r} it may go to "
            f"{allowed}."
        )


def can_transition(from_status: str, to: str) -> bool:
    return to in TRANSITIONS.get(from_status, frozenset())


def notice_transition(
    *,
    notice: Notice,
    to: str,
    actor_kind: str,
    actor_user=None,
    at: datetime | None = None,
    data: dict[str, Any] | None = None,
    update: dict[str, Any] | None = None,
) -> Notice:
    """Move ``notice`` to status ``to``; returns the refreshed notice.

    ``at`` is the moment the change happened (defaults to now): for a web-form notice it is the time the
    person says they submitted it, which starts the clock. ``update`` sets further fields in the same save.
    """
    if to not in TRANSITIONS:
        raise ValueError(f"Unknown notice status {to!r}.")
    at = at or timezone.now()
    with transaction.atomic():
        locked = Notice.objects.select_for_update().select_related("case", "platform").get(pk=notice.pk)
        if not can_transition(locked.status, to):
            raise IllegalTransition(locked, to)
        from_status = locked.status
        fields = ["status", "updated_at", STAMP_FIELD[to]]
        locked.status = to
        setattr(locked, STAMP_FIELD[to], at)
        if to == S.SENT:
            locked.due_at = at + timedelta(hours=locked.response_hours)
            locked.statutory_due_at = (
                at + timedelta(hours=locked.statutory_hours) if locked.statutory_hours is not None else None
            )
            fields += ["due_at", "statutory_due_at"]
        if to in TERMINAL_STATES:
            # Withdrawn or closed: the signed response link inside the notice stops working (a new nonce).
            locked.token_nonce = secrets.token_urlsafe(16)
            fields.append("token_nonce")
        for name, value in (update or {}).items():
            setattr(locked, name, value)
            fields.append(name)
        locked.save(update_fields=sorted(set(fields)))
        extra = {}
        if locked.kind == PlatformKind.PLATFORM and to in LADDER_ENDS:
            # Recorded in this transition's one event, not an event of its own.
            stopped = _ladder_end(locked, to=to, at=at)
            if stopped:
                extra = {"ladder_stopped": stopped, "stop_reason": LADDER_ENDS[to].value}
        if to == S.SENT and locked.kind == PlatformKind.PLATFORM:
            planned = ladder_plan(locked)
            if planned:
                extra = {"ladder": [{"step": p.step, "planned_at": p.planned_at.isoformat()} for p in planned]}
        event_record(
            type=EventType.for_notice_status(to),
            actor_kind=actor_kind,
            actor_user=actor_user,
            case=locked.case,
            notice=locked,
            data={"from": from_status, "to": to, "effective_at": at.isoformat(), **(data or {}), **extra},
        )
        if to == S.SENT and locked.escalates_id:
            _escalate_ignored(locked, actor_kind=actor_kind, actor_user=actor_user, at=at)
    return locked


def ladder_plan(notice: Notice) -> list[EscalationStep]:
    """The escalation ladder of a delivered platform notice, from ``settings.ESCALATION_PLAN``: one
    step per entry at ``due_at + hours``. Planned once; the plan is kept even if the setting changes later. The
    caller records it (the ``notice.sent`` event carries it as ``ladder``)."""
    if notice.due_at is None or EscalationStep.objects.filter(notice=notice).exists():
        return []
    return EscalationStep.objects.bulk_create(
        EscalationStep(notice=notice, step=step, offset_hours=hours, planned_at=notice.due_at + timedelta(hours=hours))
        for step, hours in settings.ESCALATION_PLAN
    )


def _escalate_ignored(upstream: Notice, *, actor_kind: str, actor_user, at: datetime) -> None:
    """An upstream notice was delivered: the platform notice it escalates is now escalated (DESIGN.md §4,
    ``overdue ─► escalated``), unless it already is or has moved on."""
    ignored = Notice.objects.filter(pk=upstream.escalates_id).only("status").first()
    if ignored is not None and ignored.status != S.ESCALATED and can_transition(ignored.status, S.ESCALATED):
        notice_transition(
            notice=ignored,
            to=S.ESCALATED,
            actor_kind=actor_kind,
            actor_user=actor_user,
            at=at,
            data={"upstream_notice": upstream.reference, "kind": upstream.kind},
        )


# Only the ends of a notice stop the escalation steps not yet run, in the same transaction: a verified removal, or
# an advocate closing it (a dispute accepted, a victim's withdrawal). An acknowledgement, a question or a claimed
# removal is not a removal: the ladder goes on (a claimed removal waits for verification, services/escalation.py).
# See docs/DECISIONS.md, "Acknowledgement is not removal".
LADDER_ENDS = {
    S.VERIFIED_REMOVED: StopReason.CONTENT_GONE,
    S.REAPPEARED: StopReason.CLOSED,
    S.CLOSED: StopReason.CLOSED,
    S.WITHDRAWN: StopReason.CLOSED,
}


def _ladder_end(notice: Notice, *, to: str, at: datetime) -> list[str]:
    pending = EscalationStep.objects.filter(notice=notice, done_at__isnull=True, stopped_at__isnull=True)
    steps = list(pending.values_list("step", flat=True))
    if steps:
        pending.update(stopped_at=at, stop_reason=LADDER_ENDS[to])
    return steps
