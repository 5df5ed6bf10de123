"""Writing the audit log. Every state change calls :func:`event_record` inside its own transaction.

It sits just above the models (below the lifecycle, which writes one event per transition), so every layer can
record what it did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from takedowns.models import ActorKind, Case, Event, EventType, Notice

# Keys whose values never reach the audit log in clear: secrets, and personal contact details.
_MASKED_KEY_PARTS = ("password", "token", "secret", "access_code", "email", "phone", "signature", "name")
MASK = "***"


def mask_data(data: dict[str, Any] | None) -> dict[str, Any]:
    masked: dict[str, Any] = {}
    for key, value in (data or {}).items():
        lowered = key.lower()
        if isinstance(value, dict):
            masked[key] = mask_data(value)
        elif any(part in lowered for part in _MASKED_KEY_PARTS) and lowered not in {"platform_name", "event_name"}:
            masked[key] = MASK if value not in (None, "") else value
        else:
            masked[key] = value
    return masked


def event_record(
    *,
    type: EventType | str,
    actor_kind: str,
    case: Case | None = None,
    notice: Notice | None = None,
    actor_user=None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Event:
    if case is None and notice is not None:
        case = notice.case
    if type not in EventType.values:
        raise ValueError(f"Unknown event type {type!r}: add it to EventType.")
    if actor_kind not in ActorKind.values:
        raise ValueError(f"Unknown actor kind {actor_kind!r}.")
    user = actor_user if getattr(actor_user, "is_authenticated", False) else None
    return Event.objects.create(
        case=case,
        notice=notice,
        actor_kind=actor_kind,
        actor_user=user,
        type=type,
        data=mask_data(data),
        created_at=at or timezone.now(),
    )
