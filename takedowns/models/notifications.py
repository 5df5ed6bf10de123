"""Notifications to the victim and the advocate, kept as rows until sent (an outbox): a broker outage or a killed
worker delays a notification, and the reconcile job finds it again; nothing is sent inside a web request."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from takedowns.crypto import EncryptedTextField


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Nobody to tell")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    notice = models.ForeignKey("takedowns.Notice", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30)
    audience = models.CharField(max_length=10)  # "victim" | "advocate"
    # Platform messages quoted in the e-mail (JSON): encrypted like every other personal text.
    extra = EncryptedTextField(blank=True)
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} → {self.audience} ({self.status})"
