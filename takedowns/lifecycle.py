"""The notice lifecycle (DESIGN.md §4): the one table of allowed transitions and the one function that
changes a notice's status.

:func:`notice_transition` locks the notice row, refuses anything the table does not allow, stamps the
matching ``<status>_at`` time (and, on ``sent``, the ``due_at`` of the legal clock) and writes exactly one
Event, all in one transaction. Nothing else in the code base assigns ``Notice.status``.

"Overdue" is not a status: it is derived from ``due_at < now`` on a notice whose clock is running
(:data:`CLOCK_RUNNING`), so the dashboard is right even if no periodic job has run.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from takedowns.models import Notice, NoticeStatus
from takedowns.services.events import event_record

S = NoticeStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    # A web-form notice goes straight from draft to sent when someone records that they submitted it.
    S.DRAFT: frozenset({S.QUEUED, S.SENT, S.WITHDRAWN}),
    S.QUEUED: frozenset({S.SENT, S.FAILED, S.WITHDRAWN}),
    S.FAILED: frozenset({S.QUEUED, S.SENT, S.WITHDRAWN}),
    S.SENT: frozenset({S.ACKNOWLEDGED, S.INFO_REQUESTED, S.DISPUTED, S.REMOVED, S.ESCALATED, S.WITHDRAWN}),
    S.ACKNOWLEDGED: frozenset({S.INFO_REQUESTED, S.DISPUTED, S.REMOVED, S.ESCALATED, S.WITHDRAWN}),
    # The advocate answers the platform's question: the notice returns to acknowledged and the clock runs on.
    S.INFO_REQUESTED: frozenset({S.ACKNOWLEDGED, S.DISPUTED, S.REMOVED, S.ESCALATED, S.WITHDRAWN}),
    S.DISPUTED: frozenset({S.ESCALATED, S.CLOSED, S.REMOVED, S.WITHDRAWN}),
    S.ESCALATED: frozenset({S.ACKNOWLEDGED, S.REMOVED, S.CLOSED, S.WITHDRAWN}),
    S.REMOVED: frozenset({S.VERIFIED_REMOVED, S.REAPPEARED}),
    S.VERIFIED_REMOVED: frozenset({S.REAPPEARED}),
    # A reappearance is handled by a new notice (the next round); this one only closes.
    S.REAPPEARED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

OPEN_STATES = frozenset(s for s, targets in TRANSITIONS.items() if S.WITHDRAWN in targets)
# Statuses in which the platform owes an answer and the legal clock counts.
CLOCK_RUNNING = frozenset({S.SENT, S.ACKNOWLEDGED, S.INFO_REQUESTED})
# Statuses in which a platform has received the notice and may act on it.
DELIVERED_STATES = frozenset({S.SENT, S.ACKNOWLEDGED, S.INFO_REQUESTED, S.DISPUTED, S.ESCALATED})
TERMINAL_STATES = frozenset(s for s, targets in TRANSITIONS.items() if not targets)

_STAMP_FIELD = {
    S.QUEUED: "queued_at",
    S.FAILED: "failed_at",
    S.SENT: "sent_at",
    S.ACKNOWLEDGED: "acknowledged_at",
    S.INFO_REQUESTED: "info_requested_at",
    S.DISPUTED: "disputed_at",
    S.REMOVED: "removed_at",
    S.VERIFIED_REMOVED: "verified_removed_at",
    S.REAPPEARED: "reappeared_at",
    S.ESCALATED: "escalated_at",
    S.CLOSED: "closed_at",
    S.WITHDRAWN: "withdrawn_at",
}


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
        fields = ["status", "updated_at", _STAMP_FIELD[to]]
        locked.status = to
        setattr(locked, _STAMP_FIELD[to], at)
        if to == S.SENT:
            locked.due_at = at + timedelta(hours=locked.response_hours)
            fields.append("due_at")
        for name, value in (update or {}).items():
            setattr(locked, name, value)
            fields.append(name)
        locked.save(update_fields=sorted(set(fields)))
        event_record(
            type=f"notice.{to}",
            actor_kind=actor_kind,
            actor_user=actor_user,
            case=locked.case,
            notice=locked,
            data={"from": from_status, "to": to, "effective_at": at.isoformat(), **(data or {})},
        )
    return locked
