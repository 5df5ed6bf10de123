"""The append-only audit log (CONVENTIONS.md §5): never deleted, personal fields overwritten on erasure."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActorKind(models.TextChoices):
    VICTIM = "victim", _("Victim")
    ADVOCATE = "advocate", _("Advocate")
    PLATFORM = "platform", _("Platform")
    SYSTEM = "system", _("System")


class Event(models.Model):
    case = models.ForeignKey("takedowns.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    notice = models.ForeignKey(
        "takedowns.Notice", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    type = models.CharField(max_length=64, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    redacted = models.BooleanField(default=False)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.type} @ {self.created_at:%Y-%m-%d %H:%M}"
