"""The escalation ladder of a platform notice: planned steps after its deadline, run by beat."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LadderStep(models.TextChoices):
    REMINDER = "reminder", _("Reminder to the platform")
    UPSTREAM = "upstream", _("Notices to the CDN, host and registrar")
    DEINDEX = "deindex", _("Search-engine de-indexing requests")
    REGULATOR = "regulator", _("Regulator complaint")


class StopReason(models.TextChoices):
    ADVOCATE = "advocate", _("Stopped by an advocate")
    ANSWERED = "answered", _("The platform answered")
    CONTENT_GONE = "content_gone", _("The content is gone")
    CLOSED = "closed", _("The notice was closed or withdrawn")


class EscalationStep(models.Model):
    """One step of one platform notice's ladder: planned at ``due_at + offset_hours``, done once, or stopped (and
    then never run)."""

    notice = models.ForeignKey("takedowns.Notice", on_delete=models.CASCADE, related_name="escalation_steps")
    step = models.CharField(max_length=12, choices=LadderStep.choices)
    offset_hours = models.PositiveSmallIntegerField()
    planned_at = models.DateTimeField(db_index=True)
    done_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stop_reason = models.CharField(max_length=16, choices=StopReason.choices, blank=True)
    # What the step did: the upstream notices it drafted or queued, the routes it made ready, a reminder's channel.
    outcome = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["planned_at", "id"]
        constraints = [models.UniqueConstraint(fields=["notice", "step"], name="escalation_step_once_per_notice")]

    def __str__(self) -> str:
        return f"{self.step} @ {self.planned_at:%Y-%m-%d %H:%M}"

    @property
    def state(self) -> str:
        if self.done_at:
            return "done"
        if self.stopped_at:
            return "stopped"
        return "pending"
