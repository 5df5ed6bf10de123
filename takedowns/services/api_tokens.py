"""API tokens of portal users: created here and shown once; only their hash is stored (django-rest-knox)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from knox.models import AuthToken

from takedowns.audit import event_record
from takedowns.models import ActorKind, EventType


@transaction.atomic
def api_token_create(*, user, actor_kind: str = ActorKind.SYSTEM, actor_user=None) -> str:
    """A new token for ``user``, valid for API_TOKEN_TTL_DAYS. The returned string is the only copy."""
    instance, token = AuthToken.objects.create(user=user, expiry=timedelta(days=settings.API_TOKEN_TTL_DAYS))
    event_record(
        type=EventType.API_TOKEN_CREATED,
        actor_kind=actor_kind,
        actor_user=actor_user,
        data={"user_id": user.pk, "expires_at": instance.expiry.isoformat()},
    )
    return token
